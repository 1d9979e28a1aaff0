import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { AuditLog } from '../audit/index.ts';
import { Zone } from '../config/index.ts';
import type { ClientSession, SessionEndResult } from '../oidc/index.ts';
import { epochSeconds, isExpired, queryAll } from '../store/index.ts';
import { companyRef } from './hasher.ts';
import type { ProofingContext } from './proofing.ts';

/**
 * What a person chose, for one site in one sign-in, at a site that accepts companies: to act
 * for a company (its USCC) or for themselves (no USCC). Kept with the sign-in's grant for that
 * site (oidc-provider makes one grant per site per browser session), so single sign-on to
 * another site asks again there, and ending the grant ends the choice.
 */
export const ActingChoice = z.object({
  grantId: z.string().min(1),
  accountId: z.string().min(1),
  clientId: z.string().min(1),
  zone: Zone,
  /** The site's session id in the browser session: what its back-channel logout token names. */
  sid: z.string().optional(),
  uscc: z.string().optional(),
  role: z.enum(['legal-representative', 'agent']).optional(),
  chosenAt: z.string(),
});
export type ActingChoice = z.infer<typeof ActingChoice>;

/** How long a choice is kept: as long as the grant it belongs to (the provider's Grant TTL). */
export const ACTING_CHOICE_SECONDS = 14 * 86_400;

const choiceKey = (grantId: string) => ({ pk: `acting-grant#${grantId}`, sk: 'choice' });
/** The sign-ins a person acts for one company in: what revoking their authorisation ends. */
const actingKey = (accountId: string, uscc: string, grantId: string) => ({
  pk: `acting-for#${accountId}#${uscc}`,
  sk: `grant#${grantId}`,
});

/** The choices of acting for a company, per grant, and the sign-ins acting for each company. */
export class ActingStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async choose(choice: ActingChoice): Promise<void> {
    const item = {
      ...ActingChoice.parse(choice),
      expiresAt: epochSeconds(this.now()) + ACTING_CHOICE_SECONDS,
    };
    await this.doc.send(
      new PutCommand({ TableName: this.table, Item: { ...choiceKey(choice.grantId), ...item } }),
    );
    if (choice.uscc)
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...actingKey(choice.accountId, choice.uscc, choice.grantId), ...item },
        }),
      );
  }

  /** The choice made for this grant; undefined when none was made (or it expired). */
  async choiceOf(grantId: string): Promise<ActingChoice | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: choiceKey(grantId), ConsistentRead: true }),
    );
    if (!Item || isExpired(Item, epochSeconds(this.now()))) return undefined;
    return ActingChoice.parse(Item);
  }

  /** Every live sign-in in which the person acts for this company. */
  async actingFor(accountId: string, uscc: string): Promise<ActingChoice[]> {
    const items = await queryAll(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `acting-for#${accountId}#${uscc}` },
      ConsistentRead: true,
    });
    const now = epochSeconds(this.now());
    return items.filter((item) => !isExpired(item, now)).map((item) => ActingChoice.parse(item));
  }

  /** Forgets a choice (its grant was ended). */
  async forget(choice: ActingChoice): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.table, Key: choiceKey(choice.grantId) }));
    if (choice.uscc)
      await this.doc.send(
        new DeleteCommand({
          TableName: this.table,
          Key: actingKey(choice.accountId, choice.uscc, choice.grantId),
        }),
      );
  }
}

export interface RepresentationSessionDeps {
  readonly acting: ActingStore;
  /** Ends sites' sessions: libs/oidc `endClientSessions` with the caller's table and queues. */
  readonly endSessions: (sessions: readonly ClientSession[]) => Promise<SessionEndResult>;
  readonly audit: AuditLog;
}

/**
 * Ends, at once, every sign-in in which a person acts for a company: each site's grant and its
 * tokens are ended and the site gets a back-channel logout token (through the zone's oidc
 * function). The person's other sign-ins (for themselves, or for other companies) go on.
 * Called after `revokeAgent`; audited as `company.sessions_ended` (actor: who revoked).
 */
export const endRepresentationSessions = async (
  deps: RepresentationSessionDeps,
  accountId: string,
  uscc: string,
  ctx: ProofingContext & { readonly actor: string },
): Promise<SessionEndResult> => {
  const choices = await deps.acting.actingFor(accountId, uscc);
  const result = await deps.endSessions(
    choices.map((c) => ({
      zone: c.zone,
      clientId: c.clientId,
      accountId: c.accountId,
      grantId: c.grantId,
      ...(c.sid ? { sid: c.sid } : {}),
    })),
  );
  await Promise.all(choices.map((c) => deps.acting.forget(c)));
  await deps.audit.append({
    type: 'company.sessions_ended',
    outcome: result.unnotified.length ? 'failure' : 'success',
    zone: ctx.zone,
    actor: ctx.actor,
    onBehalfOf: companyRef(uscc),
    subject: accountId,
    resource: companyRef(uscc),
    sourceIp: ctx.sourceIp,
    userAgent: ctx.userAgent,
    correlationId: ctx.correlationId,
    details: {
      ended: result.ended,
      notified: result.notified,
      clients: choices.map((c) => c.clientId),
      ...(result.unnotified.length ? { unnotified: result.unnotified.map((s) => s.clientId) } : {}),
    },
  });
  return result;
};
