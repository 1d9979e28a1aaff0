import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { type Account, ialOf } from '../accounts/index.ts';
import type { AuditLog } from '../audit/index.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors/index.ts';
import { isConditionalCheckFailed, queryAll } from '../store/index.ts';
import type { IdentityClaims } from './claims.ts';
import { companyRef, type IdentityHasher } from './hasher.ts';
import type { ProofingContext } from './proofing.ts';
import { RegistryUnavailableError } from './proofing.ts';
import { type IdentitySource, IdentitySourceUnavailableError } from './source.ts';

/** A company registered at yitong by its legal representative (法定代表人). */
export const Company = z.object({
  uscc: z.string(),
  name: z.string(),
  status: z.enum(['active', 'closed']),
  legalRepresentative: z.object({ accountId: z.string(), personRef: z.string(), name: z.string() }),
  registeredAt: z.string(),
});
export type Company = z.infer<typeof Company>;

/** What an agent may do for the company: at which sites (client ids), or for which licence types. */
export const AgentScope = z
  .strictObject({
    clients: z.array(z.string().min(1).max(128)).max(50).default([]),
    licenceTypes: z.array(z.string().min(1).max(128)).max(50).default([]),
  })
  .refine((s) => s.clients.length + s.licenceTypes.length > 0, 'name at least one site or licence type');
export type AgentScope = z.infer<typeof AgentScope>;

/** An agent's authorisation (经办人授权): one item per company and person. */
export const AgentGrant = z.object({
  uscc: z.string(),
  accountId: z.string(),
  personRef: z.string(),
  /** The agent's verified name. */
  name: z.string(),
  scope: AgentScope,
  /** ISO time after which the grant no longer applies. */
  until: z.string(),
  grantedBy: z.string(),
  grantedAt: z.string(),
  revokedAt: z.string().optional(),
  revokedBy: z.string().optional(),
  /** Set on a history item: a later grant to the same person replaced this one at revokedAt. */
  superseded: z.boolean().optional(),
});
export type AgentGrant = z.infer<typeof AgentGrant>;

/** A grant, and the one it replaced (now kept as a history item), if the person had one. */
export type AgentGrantOutcome = AgentGrant & { readonly replaced?: AgentGrant };

export type RepresentationRole = 'legal-representative' | 'agent';

/** A person's live right to act for a company. The legal representative's scope is everything. */
export interface Representation {
  readonly company: Company;
  readonly role: RepresentationRole;
  /** Undefined for the legal representative (no limit). */
  readonly scope?: AgentScope;
  readonly until?: string;
}

export const companyKey = (uscc: string) => ({ pk: `company#${uscc}`, sk: 'company' });
const grantKey = (uscc: string, accountId: string) => ({ pk: `company#${uscc}`, sk: `agent#${accountId}` });
/** A grant a later grant replaced: kept, ended, under the company (its history). */
const historyKey = (uscc: string, accountId: string, grantedAt: string) => ({
  pk: `company#${uscc}`,
  sk: `agent#${accountId}#${grantedAt}`,
});
/** Which companies a person may represent: pointers only; the company's own items decide. */
export const pointerKey = (accountId: string, uscc: string) => ({ pk: `represents#${accountId}`, sk: uscc });

/** Companies and their representatives in the identity table. */
export class CompanyStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async get(uscc: string): Promise<Company | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: companyKey(uscc), ConsistentRead: true }),
    );
    return Item ? Company.parse(Item) : undefined;
  }

  /** Registers the company once; a second registration of the same USCC is a conflict. */
  async register(company: Company): Promise<Company> {
    await this.pointTo(company.legalRepresentative.accountId, company.uscc);
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...companyKey(company.uscc), ...company },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (err: unknown) {
      if (isConditionalCheckFailed(err))
        throw new ConflictError(`the company ${company.uscc} is already registered`);
      throw err;
    }
    return company;
  }

  /**
   * Grants, one live item per company and person. A grant the person already had (live, expired
   * or revoked) is first copied to a history item, ended now if it was still live, so a re-grant
   * never rewrites what was authorised before; the grant it replaced is returned.
   */
  async grant(grant: AgentGrant): Promise<{ grant: AgentGrant; replaced?: AgentGrant }> {
    await this.pointTo(grant.accountId, grant.uscc);
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: grantKey(grant.uscc, grant.accountId),
        ConsistentRead: true,
      }),
    );
    const before = Item ? AgentGrant.parse(Item) : undefined;
    if (before) {
      const ended: AgentGrant = before.revokedAt
        ? before
        : { ...before, revokedAt: grant.grantedAt, revokedBy: grant.grantedBy, superseded: true };
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...historyKey(before.uscc, before.accountId, before.grantedAt), ...ended },
        }),
      );
    }
    await this.doc.send(
      new PutCommand({ TableName: this.table, Item: { ...grantKey(grant.uscc, grant.accountId), ...grant } }),
    );
    return before ? { grant, replaced: before } : { grant };
  }

  /** Ends a grant now; false when there was no live grant to end. */
  async revoke(uscc: string, accountId: string, by: string): Promise<AgentGrant | undefined> {
    try {
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: grantKey(uscc, accountId),
          UpdateExpression: 'SET revokedAt = :at, revokedBy = :by',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(revokedAt)',
          ExpressionAttributeValues: { ':at': this.now().toISOString(), ':by': by },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return AgentGrant.parse(Attributes);
    } catch (err: unknown) {
      if (isConditionalCheckFailed(err)) return undefined;
      throw err;
    }
  }

  /** Every grant the company made, live or not (the representative's page shows history). */
  async grantsOf(uscc: string): Promise<AgentGrant[]> {
    const items = await queryAll(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :agent)',
      ExpressionAttributeValues: { ':pk': `company#${uscc}`, ':agent': 'agent#' },
      ConsistentRead: true,
    });
    return items.map((item) => AgentGrant.parse(item));
  }

  /** The person's live right to act for this company, read from the company's own items. */
  async representation(accountId: string, uscc: string): Promise<Representation | undefined> {
    const company = await this.get(uscc);
    if (company?.status !== 'active') return undefined;
    if (company.legalRepresentative.accountId === accountId) return { company, role: 'legal-representative' };
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: grantKey(uscc, accountId), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const grant = AgentGrant.parse(Item);
    if (grant.revokedAt || Date.parse(grant.until) <= this.now().getTime()) return undefined;
    return { company, role: 'agent', scope: grant.scope, until: grant.until };
  }

  /** Every company the person may act for now. */
  async representations(accountId: string): Promise<Representation[]> {
    const { Items = [] } = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `represents#${accountId}` },
        ConsistentRead: true,
      }),
    );
    const found = await Promise.all(Items.map((item) => this.representation(accountId, String(item.sk))));
    return found.filter((r): r is Representation => r !== undefined);
  }

  private async pointTo(accountId: string, uscc: string): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.table, Item: pointerKey(accountId, uscc) }));
  }
}

/** Whether a representation covers a site (client id); the legal representative's covers all. */
export const coversClient = (r: Representation, clientId: string): boolean =>
  r.role === 'legal-representative' || (r.scope?.clients.includes(clientId) ?? false);

/** Whether a representation covers a licence type. */
export const coversLicenceType = (r: Representation, typeId: string): boolean =>
  r.role === 'legal-representative' || (r.scope?.licenceTypes.includes(typeId) ?? false);

/** Why a company registration was refused: the reason its audit event records. */
export type CompanyRefusal =
  | 'ial-too-low'
  | 'no-such-company'
  | 'company-closed'
  | 'not-legal-representative'
  | 'already-registered'
  | 'registry-timeout'
  | 'registry-error';
const refusals = new WeakMap<object, CompanyRefusal>();
/** The reason `registerCompany` refused with this error, for a page that explains it; else undefined. */
export const companyRefusalOf = (err: unknown): CompanyRefusal | undefined =>
  typeof err === 'object' && err !== null ? refusals.get(err) : undefined;

export interface CompanyDeps {
  readonly companies: CompanyStore;
  readonly claims: IdentityClaims;
  readonly hasher: IdentityHasher;
  readonly source: IdentitySource;
  readonly audit: AuditLog;
  readonly now?: () => Date;
}

/**
 * Registers a company for its legal representative: the person must hold IAL 2 or more, and the
 * registry's record must name them (their keyed ID hash and their verified name).
 */
export const registerCompany = async (
  deps: CompanyDeps,
  rep: Account,
  uscc: string,
  ctx: ProofingContext,
): Promise<Company> => {
  const ref = companyRef(uscc);
  const refused = async (reason: CompanyRefusal, err: Error): Promise<never> => {
    refusals.set(err, reason);
    await deps.audit.append({
      type: 'company.registered',
      outcome: 'failure',
      zone: ctx.zone,
      actor: rep.id,
      subject: rep.id,
      resource: ref,
      reason,
      sourceIp: ctx.sourceIp,
      userAgent: ctx.userAgent,
      correlationId: ctx.correlationId,
    });
    throw err;
  };
  if (ialOf(rep) < 2 || !rep.identity)
    return refused(
      'ial-too-low',
      new ForbiddenError('prove your identity (IAL 2) before registering a company'),
    );
  let record: Awaited<ReturnType<IdentitySource['company']>>;
  try {
    record = await deps.source.company(uscc);
  } catch (err: unknown) {
    if (!(err instanceof IdentitySourceUnavailableError)) throw err;
    return refused(
      err.reason === 'timeout' ? 'registry-timeout' : 'registry-error',
      new RegistryUnavailableError(err.reason),
    );
  }
  if (!record)
    return refused('no-such-company', new NotFoundError(`the company registry has no company ${uscc}`));
  if (record.status !== 'active')
    return refused('company-closed', new ForbiddenError(`the registry lists ${uscc} as closed`));
  const repRef = await deps.hasher.personRef(record.legalRepresentative.residentId);
  if (repRef !== rep.identity.personRef || record.legalRepresentative.name !== rep.identity.name)
    return refused(
      'not-legal-representative',
      new ForbiddenError('the registry names another person as this company’s legal representative'),
    );
  const company = await deps.companies
    .register({
      uscc,
      name: record.name,
      status: 'active',
      legalRepresentative: { accountId: rep.id, personRef: repRef, name: rep.identity.name },
      registeredAt: (deps.now?.() ?? new Date()).toISOString(),
    })
    .catch((err: unknown) =>
      err instanceof ConflictError ? refused('already-registered', err) : Promise.reject(err),
    );
  await deps.audit.append({
    type: 'company.registered',
    outcome: 'success',
    zone: ctx.zone,
    actor: rep.id,
    onBehalfOf: ref,
    subject: rep.id,
    resource: ref,
    sourceIp: ctx.sourceIp,
    userAgent: ctx.userAgent,
    correlationId: ctx.correlationId,
  });
  return company;
};

export interface AgentGrantInput {
  /** The agent's resident ID number (normalised and checked) and name, as the representative knows them. */
  readonly residentId: string;
  readonly name: string;
  readonly scope: AgentScope;
  readonly until: Date;
}

/**
 * The legal representative authorises a proved person as an agent; audited. A person who had a
 * grant already gets the new one in its place, the old one kept as history (`replaced`); ending
 * the sessions they opened under the old scope is the caller's next step.
 */
export const grantAgent = async (
  deps: CompanyDeps & { readonly accounts: { findById(id: string): Promise<Account | undefined> } },
  rep: Account,
  uscc: string,
  input: AgentGrantInput,
  ctx: ProofingContext,
): Promise<AgentGrantOutcome> => {
  const now = deps.now?.() ?? new Date();
  const company = await deps.companies.get(uscc);
  if (!company || company.legalRepresentative.accountId !== rep.id)
    throw new ForbiddenError('only the company’s legal representative may authorise agents');
  if (input.until.getTime() <= now.getTime() || input.until.getTime() > now.getTime() + 3 * 365 * 86_400_000)
    throw new ValidationError('an authorisation must end in the future, within three years', [
      { name: 'until', reason: 'a date in the next three years' },
    ]);
  const personRef = await deps.hasher.personRef(input.residentId);
  const accountId = await deps.claims.accountOf(personRef);
  const agent = accountId ? await deps.accounts.findById(accountId) : undefined;
  if (!agent?.identity || agent.identity.name !== input.name.trim())
    throw new ValidationError(
      'no proved person has this name and ID number: they must prove their identity at yitong first',
      [{ name: 'residentId', reason: 'not a proved yitong identity with this name' }],
    );
  if (agent.id === rep.id) throw new ValidationError('the legal representative needs no authorisation');
  const { grant, replaced } = await deps.companies.grant({
    uscc,
    accountId: agent.id,
    personRef,
    name: agent.identity.name,
    scope: input.scope,
    until: input.until.toISOString(),
    grantedBy: rep.id,
    grantedAt: now.toISOString(),
  });
  await deps.audit.append({
    type: 'company.agent_granted',
    outcome: 'success',
    zone: ctx.zone,
    actor: rep.id,
    onBehalfOf: companyRef(uscc),
    subject: agent.id,
    resource: companyRef(uscc),
    sourceIp: ctx.sourceIp,
    userAgent: ctx.userAgent,
    correlationId: ctx.correlationId,
    details: {
      clients: [...input.scope.clients],
      licenceTypes: [...input.scope.licenceTypes],
      until: grant.until,
      // A re-grant: what it replaced (kept as history), so a narrowed scope shows in the trail.
      ...(replaced
        ? {
            replaced: replaced.revokedAt
              ? 'revoked'
              : Date.parse(replaced.until) <= now.getTime()
                ? 'expired'
                : 'live',
          }
        : {}),
    },
  });
  return replaced ? { ...grant, replaced } : grant;
};

/**
 * The representative ends an agent's authorisation; audited. Ending the agent's sessions that
 * act for the company (with back-channel logout) is the caller's next step.
 */
export const revokeAgent = async (
  deps: CompanyDeps,
  rep: Account,
  uscc: string,
  agentAccountId: string,
  ctx: ProofingContext,
): Promise<AgentGrant> => {
  const company = await deps.companies.get(uscc);
  if (!company || company.legalRepresentative.accountId !== rep.id)
    throw new ForbiddenError('only the company’s legal representative may revoke agents');
  const revoked = await deps.companies.revoke(uscc, agentAccountId, rep.id);
  if (!revoked) throw new NotFoundError('this person holds no live authorisation for the company');
  await deps.audit.append({
    type: 'company.agent_revoked',
    outcome: 'success',
    zone: ctx.zone,
    actor: rep.id,
    onBehalfOf: companyRef(uscc),
    subject: agentAccountId,
    resource: companyRef(uscc),
    sourceIp: ctx.sourceIp,
    userAgent: ctx.userAgent,
    correlationId: ctx.correlationId,
  });
  return revoked;
};
