import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { Account } from '../accounts/index.ts';
import type { AuditLog } from '../audit/index.ts';
import { ConflictError, DomainError, ForbiddenError } from '../errors/index.ts';
import { epochSeconds, isConditionalCheckFailed } from '../store/index.ts';
import type { IdentityHasher } from './hasher.ts';
import {
  type CounterProofingInput,
  type ProofingContext,
  ProofingRefusedError,
  RegistryUnavailableError,
} from './proofing.ts';
import { type IdentitySource, IdentitySourceUnavailableError, type PersonVerdict } from './source.ts';

/** How long a re-check stays usable: the person is at the desk, the reset follows at once. */
export const RECHECK_SECONDS = 30 * 60;

/**
 * A person's identity re-checked in person, before the help desk resets their second factor:
 * who checked, when, how, and until when it may be used. Used up by the reset it allows. Pure:
 * functions that never re-check (the oidc function) drop it from their bundle.
 */
export const IdentityRecheck = /* @__PURE__ */ (() =>
  z.object({
    accountId: z.string(),
    /** The account's proved person, which the card shown matched. */
    personRef: z.string(),
    checkedBy: z.object({ accountId: z.string(), department: z.string().optional() }),
    checkedAt: z.string(),
    method: z.literal('counter'),
    evidence: z.array(z.enum(['id-card-in-person', 'registry-record'])),
    /** Epoch seconds. */
    expiresAt: z.number().int(),
  }))();
export type IdentityRecheck = z.infer<typeof IdentityRecheck>;

/** The account has no proved identity: nothing to re-check a person against (a counter verification first). */
export class NoProvedIdentityError extends ConflictError {}

/** The card shown is not the account's proved person. */
export class NotTheAccountHolderError extends DomainError {
  readonly code = 'NOT_THE_ACCOUNT_HOLDER';
  readonly status = 422;
  readonly title = 'The ID card is not the account holder’s';
}

/**
 * Re-checks in flight, one item per account (`recheck#<accountId>`): a newer re-check replaces
 * the older; the reset takes it with one conditional delete, so one re-check allows one reset.
 * Expired items read as absent (their TTL removes them later).
 */
export class IdentityRechecks {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private key(accountId: string) {
    return { pk: `recheck#${accountId}`, sk: 'recheck' };
  }

  async record(recheck: IdentityRecheck): Promise<void> {
    await this.doc.send(
      new PutCommand({ TableName: this.table, Item: { ...this.key(recheck.accountId), ...recheck } }),
    );
  }

  /** The account's usable re-check, if any. */
  async current(accountId: string): Promise<IdentityRecheck | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: this.key(accountId), ConsistentRead: true }),
    );
    const parsed = IdentityRecheck.safeParse(Item);
    return parsed.success && parsed.data.expiresAt > epochSeconds(this.now()) ? parsed.data : undefined;
  }

  /**
   * Takes the account's re-check if it is still usable and was of `personRef`: one conditional
   * delete, so two resets cannot share one re-check. Undefined when there is none to take.
   */
  async use(accountId: string, personRef: string): Promise<IdentityRecheck | undefined> {
    try {
      const { Attributes } = await this.doc.send(
        new DeleteCommand({
          TableName: this.table,
          Key: this.key(accountId),
          ConditionExpression: 'attribute_exists(pk) AND expiresAt > :now AND personRef = :ref',
          ExpressionAttributeValues: { ':now': epochSeconds(this.now()), ':ref': personRef },
          ReturnValues: 'ALL_OLD',
        }),
      );
      const parsed = IdentityRecheck.safeParse(Attributes);
      return parsed.success ? parsed.data : undefined;
    } catch (err: unknown) {
      if (isConditionalCheckFailed(err)) return undefined;
      throw err;
    }
  }
}

export interface RecheckDeps {
  readonly hasher: IdentityHasher;
  /** The registry, when one is configured: the card is checked against it as at the counter. */
  readonly source?: IdentitySource;
  readonly rechecks: IdentityRechecks;
  readonly audit: AuditLog;
  readonly now?: () => Date;
}

/**
 * The help desk re-checks a person in front of it before resetting their second factor: the ID
 * card shown must be of the person the account proved (the keyed hash of its number equals the
 * account's `personRef`) and, with a registry configured, the registry must hold the name and
 * number with an open record (evidence `id-card-in-person`, as at the identity officer's
 * counter). Recorded with who, when and how, usable for `RECHECK_SECONDS`. Every attempt is
 * audited once (`support.identity_rechecked`; never the number, its keyed hash as resource when
 * it is the person's). An account with no proved identity cannot be re-checked.
 */
export const recheckAtCounter = async (
  deps: RecheckDeps,
  staff: Account,
  account: Account,
  input: CounterProofingInput,
  ctx: ProofingContext,
): Promise<IdentityRecheck> => {
  if (staff.id === account.id) throw new ForbiddenError('staff cannot re-check their own identity');
  let resource: string | undefined;
  const audited = (outcome: 'success' | 'failure', reason?: string, more: Record<string, string> = {}) =>
    deps.audit.append({
      resource,
      zone: ctx.zone,
      sourceIp: ctx.sourceIp,
      userAgent: ctx.userAgent,
      correlationId: ctx.correlationId,
      type: 'support.identity_rechecked',
      outcome,
      actor: staff.id,
      subject: account.id,
      reason,
      details: { method: 'counter', ...more },
    });
  const proved = account.identity;
  if (!proved) {
    await audited('failure', 'no-proved-identity');
    throw new NoProvedIdentityError(
      'this account has no proved identity to re-check against: the person must first have their identity verified at a service counter',
    );
  }
  const personRef = await deps.hasher.personRef(input.residentId);
  if (personRef !== proved.personRef) {
    await audited('failure', 'not-the-account-holder');
    throw new NotTheAccountHolderError('the ID card shown is not of the person this account proved');
  }
  resource = personRef;
  if (deps.source) {
    let verdict: PersonVerdict;
    try {
      verdict = await deps.source.checkPerson({
        name: input.name.trim(),
        residentId: input.residentId,
        evidence: { type: 'id-card-in-person' },
      });
    } catch (err: unknown) {
      if (!(err instanceof IdentitySourceUnavailableError)) throw err;
      await audited('failure', `registry-${err.reason}`);
      throw new RegistryUnavailableError(err.reason);
    }
    if (verdict.result === 'no-match') {
      await audited('failure', `registry-${verdict.reason}`);
      throw new ProofingRefusedError(verdict.reason);
    }
  }
  const now = deps.now?.() ?? new Date();
  const recheck = IdentityRecheck.parse({
    accountId: account.id,
    personRef,
    checkedBy: { accountId: staff.id, ...(staff.department ? { department: staff.department } : {}) },
    checkedAt: now.toISOString(),
    method: 'counter',
    evidence: deps.source ? ['id-card-in-person', 'registry-record'] : ['id-card-in-person'],
    expiresAt: epochSeconds(now) + RECHECK_SECONDS,
  });
  await deps.rechecks.record(recheck);
  await audited('success', undefined, {
    evidence: recheck.evidence.join(' '),
    validUntil: new Date(recheck.expiresAt * 1000).toISOString(),
  });
  return recheck;
};
