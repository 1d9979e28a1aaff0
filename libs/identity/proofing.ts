import type { Account, AccountStore, VerifiedIdentity } from '../accounts/index.ts';
import type { AuditEventInput, AuditLog } from '../audit/index.ts';
import type { Zone } from '../config/index.ts';
import { ConflictError, DomainError, ForbiddenError, ServiceUnavailableError } from '../errors/index.ts';
import type { IdentityClaims, ProofingAttempts } from './claims.ts';
import type { IdentityHasher } from './hasher.ts';
import { maskResidentId, residentIdFacts } from './resident-id.ts';
import { type IdentitySource, IdentitySourceUnavailableError } from './source.ts';

export interface ProofingDeps {
  readonly accounts: AccountStore;
  readonly claims: IdentityClaims;
  readonly attempts: ProofingAttempts;
  readonly hasher: IdentityHasher;
  readonly source: IdentitySource;
  readonly audit: AuditLog;
  readonly now?: () => Date;
}

/** Where the request came from, for the audit event. */
export interface ProofingContext {
  readonly zone: Zone;
  readonly client?: string;
  readonly sourceIp?: string;
  readonly userAgent?: string;
  readonly correlationId?: string;
}

/** The registry did not recognise the person, or the evidence did not match. */
export class ProofingRefusedError extends DomainError {
  readonly code = 'IDENTITY_NOT_VERIFIED';
  readonly status = 422;
  readonly title = 'The identity could not be verified';
  constructor(
    readonly reason: 'identity' | 'evidence' | 'record-closed',
    readonly attemptsLeft: number,
  ) {
    super(
      reason === 'evidence'
        ? 'the phone number is not registered to this person'
        : reason === 'record-closed'
          ? 'the registry holds no open record for this person'
          : 'the name and ID number do not match the registry',
    );
  }
}

/** Too many failed attempts: proofing waits until the window ends. */
export class ProofingPausedError extends DomainError {
  readonly code = 'IDENTITY_PROOFING_PAUSED';
  readonly status = 429;
  readonly title = 'Too many attempts to verify an identity';
}

/** The person is already linked to another account. */
export class IdentityLinkedElsewhereError extends ConflictError {}

/** The registry did not answer (timeout or error): nothing was decided. */
export class RegistryUnavailableError extends ServiceUnavailableError {
  constructor(readonly reason: 'timeout' | 'error') {
    super(
      reason === 'timeout'
        ? 'the identity registry did not answer in time; nothing was changed, try again in a few minutes'
        : 'the identity registry could not be reached; nothing was changed, try again in a few minutes',
    );
  }
}

export interface RemoteProofingInput {
  readonly name: string;
  /** Normalised and checked (ResidentId). */
  readonly residentId: string;
  readonly phone: string;
}

const event = (
  ctx: ProofingContext,
  account: Account,
  fields: Pick<AuditEventInput, 'type' | 'outcome'> & Partial<AuditEventInput>,
): AuditEventInput => ({
  zone: ctx.zone,
  client: ctx.client,
  sourceIp: ctx.sourceIp,
  userAgent: ctx.userAgent,
  correlationId: ctx.correlationId,
  actor: account.id,
  subject: account.id,
  ...fields,
});

/**
 * Remote proofing (IAL 2): the name and ID number checked against the registry, with a phone
 * registered to the person as second evidence. Failures count against the account and the ID
 * number; every attempt is audited once, without the number (its keyed hash is the resource).
 */
export const proveRemotely = async (
  deps: ProofingDeps,
  account: Account,
  input: RemoteProofingInput,
  ctx: ProofingContext,
): Promise<Account> => {
  const personRef = await deps.hasher.personRef(input.residentId);
  const scopes = [`account#${account.id}`, personRef];
  const audited = (outcome: 'success' | 'failure', reason: string | undefined, details = {}) =>
    deps.audit.append(
      event(ctx, account, {
        type: 'identity.proofing',
        outcome,
        resource: personRef,
        reason,
        details: { method: 'registry', ...details },
      }),
    );
  if ((await deps.attempts.left(scopes)) === 0) {
    await audited('failure', 'attempts-exhausted');
    throw new ProofingPausedError(
      'too many attempts to verify an identity: try again tomorrow, or at a service counter',
    );
  }
  let verdict: Awaited<ReturnType<IdentitySource['checkPerson']>>;
  try {
    verdict = await deps.source.checkPerson({
      name: input.name,
      residentId: input.residentId,
      evidence: { type: 'phone', phone: input.phone },
    });
  } catch (err: unknown) {
    if (!(err instanceof IdentitySourceUnavailableError)) throw err;
    await audited('failure', `registry-${err.reason}`);
    throw new RegistryUnavailableError(err.reason);
  }
  if (verdict.result === 'no-match') {
    await deps.attempts.fail(scopes);
    const left = await deps.attempts.left(scopes);
    await audited('failure', `registry-${verdict.reason}`, { attemptsLeft: left });
    throw new ProofingRefusedError(verdict.reason, left);
  }
  return record(deps, account, ctx, personRef, {
    ial: 2,
    personRef,
    residentIdMasked: maskResidentId(input.residentId),
    name: verdict.name,
    birthDate: verdict.birthDate,
    verifiedAt: (deps.now?.() ?? new Date()).toISOString(),
    method: 'registry',
    evidence: ['registry-record', 'phone'],
  });
};

export interface CounterProofingInput {
  /** The name on the card the person showed. */
  readonly name: string;
  readonly residentId: string;
}

/**
 * Counter verification (IAL 3): a civil servant checked the person's ID card in person and
 * records it. Who checked whom is audited (actor: the officer; subject: the person). The policy
 * that decides who may is the caller's to ask.
 */
export const proveAtCounter = async (
  // The card shown in person is the evidence: no registry call and no attempt budget.
  deps: Omit<ProofingDeps, 'source' | 'attempts'>,
  officer: Account,
  account: Account,
  input: CounterProofingInput,
  ctx: ProofingContext,
): Promise<Account> => {
  if (officer.id === account.id) throw new ForbiddenError('an officer cannot verify their own identity');
  const personRef = await deps.hasher.personRef(input.residentId);
  return record(
    deps,
    account,
    ctx,
    personRef,
    {
      ial: 3,
      personRef,
      residentIdMasked: maskResidentId(input.residentId),
      name: input.name,
      birthDate: residentIdFacts(input.residentId).birthDate,
      verifiedAt: (deps.now?.() ?? new Date()).toISOString(),
      method: 'counter',
      evidence: ['id-card-in-person'],
      verifiedBy: { accountId: officer.id, department: officer.department },
    },
    officer,
  );
};

const record = async (
  deps: Omit<ProofingDeps, 'source' | 'attempts'>,
  account: Account,
  ctx: ProofingContext,
  personRef: string,
  identity: VerifiedIdentity,
  officer?: Account,
): Promise<Account> => {
  const type = officer ? 'identity.counter_verified' : 'identity.proofing';
  const base = { type, resource: personRef, ...(officer ? { actor: officer.id } : {}) } as const;
  const method = identity.method;
  // An account proves one person: a different person's number on a proved account is refused.
  if (account.identity && account.identity.personRef !== personRef) {
    await deps.audit.append(
      event(ctx, account, {
        ...base,
        outcome: 'failure',
        reason: 'account-proves-another-person',
        details: { method },
      }),
    );
    throw new IdentityLinkedElsewhereError('this account is already linked to another person’s identity');
  }
  if (!(await deps.claims.claim(personRef, account.id, identity.verifiedAt))) {
    await deps.audit.append(
      event(ctx, account, {
        ...base,
        outcome: 'failure',
        reason: 'identity-linked-elsewhere',
        details: { method },
      }),
    );
    throw new IdentityLinkedElsewhereError(
      'this identity is already linked to another account: sign in with that account, or ask at a service counter',
    );
  }
  // A remote check never lowers an identity proved in person.
  const kept = account.identity?.ial === 3 && identity.ial === 2 ? account.identity : identity;
  const updated = await deps.accounts.update(account, { identity: kept });
  await deps.audit.append(
    event(ctx, account, { ...base, outcome: 'success', details: { method, ial: kept.ial } }),
  );
  return updated;
};
