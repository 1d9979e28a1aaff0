import {
  type Account,
  AccountConflictError,
  type AccountStore,
  type MailQueue,
  type VerifiedIdentity,
} from '../accounts/index.ts';
import type { AuditEventInput, AuditLog } from '../audit/index.ts';
import type { Zone } from '../config/index.ts';
import { ConflictError, DomainError, ForbiddenError, ServiceUnavailableError } from '../errors/index.ts';
import type { IdentityClaims, ProofingAttempts } from './claims.ts';
import type { IdentityHasher } from './hasher.ts';
import type { ProofingCodes } from './proofing-codes.ts';
import { maskResidentId, residentIdFacts } from './resident-id.ts';
import { type IdentitySource, IdentitySourceUnavailableError, type PersonVerdict } from './source.ts';

export interface ProofingDeps {
  readonly accounts: AccountStore;
  readonly claims: IdentityClaims;
  readonly attempts: ProofingAttempts;
  readonly hasher: IdentityHasher;
  readonly source: IdentitySource;
  readonly audit: AuditLog;
  /** The pending remote proofings waiting for the code sent to the phone. */
  readonly codes: ProofingCodes;
  /** Codes sent per phone number per day (ProofingAttempts with PROOFING_SMS_PER_PHONE). */
  readonly smsBudget: ProofingAttempts;
  /** Where the code's SMS is handed over (`mailQueueOf(runtime)`; the stack's outbox locally). */
  readonly mail: MailQueue;
  readonly now?: () => Date;
}

/** What recording an identity needs (the counter has no attempts, codes or registry of its own). */
export type RecordDeps = Omit<ProofingDeps, 'source' | 'attempts' | 'codes' | 'smsBudget' | 'mail'> & {
  /**
   * Ends the company roles an account held as a person a counter verification took back from it
   * (`releaseCompanyRoles` with the caller's session queues). Without it a take-over is refused:
   * the account that lost the person must not keep their companies.
   */
  readonly releaseCompanyRoles?: (
    fromAccountId: string,
    personRef: string,
    ctx: { readonly zone: Zone; readonly actor: string },
  ) => Promise<void>;
};

/** The language of the SMS. */
export type ProofingLang = 'zh-CN' | 'en';

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
    /** Attempts left today (remote proofing); undefined at the counter, which has no budget. */
    readonly attemptsLeft?: number,
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

/** An audit event of proofing, from where the request came (libs/identity's own). */
export const event = (
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

/** The code sent to the phone was wrong, or the pending proofing is over (expired, used, ended). */
export class ProofingCodeError extends DomainError {
  readonly code = 'IDENTITY_PROOFING_CODE';
  readonly status = 422;
  readonly title = 'The code could not be accepted';
  constructor(
    readonly reason: 'wrong' | 'expired',
    /** Wrong codes this proofing still allows (at most the attempts left today); 0: it has ended. */
    readonly triesLeft = 0,
  ) {
    super(
      reason === 'wrong'
        ? 'the code is not the one sent to the phone'
        : 'there is no code waiting: it expired, was used, or too many wrong codes were tried; start again',
    );
  }
}

/** No code may be sent now: this phone had its codes for today, or this proofing its resends. */
export class ProofingCodeLimitError extends DomainError {
  readonly code = 'IDENTITY_PROOFING_SMS_LIMIT';
  readonly status = 429;
  readonly title = 'Too many codes sent';
  constructor(readonly limit: 'phone' | 'resends') {
    super(
      limit === 'phone'
        ? 'too many codes were sent to this phone number today: try again tomorrow, or at a service counter'
        : 'no more codes can be sent for this verification: use the last one, or start again',
    );
  }
}

/** What a remote proofing waiting for its code shows: never the code, the ID number or the full phone. */
export interface ProofingCodeSent {
  readonly proofingId: string;
  readonly phoneMasked: string;
  readonly residentIdMasked: string;
  /** When the live code stops working. */
  readonly expiresAt: Date;
  /** Codes this proofing may still send. */
  readonly resendsLeft: number;
}

export interface CounterProofingInput {
  /** The name on the card the person showed. */
  readonly name: string;
  readonly residentId: string;
}

/**
 * Counter verification (IAL 3): a civil servant checked the person's ID card in person and
 * records it. When an identity source is configured, the name and number are checked against it
 * (evidence `id-card-in-person`) and the registry's name and birth date are recorded; without one
 * the card's name is recorded as the officer typed it. Who checked whom is audited (actor: the
 * officer; subject: the person). The policy that decides who may is the caller's to ask. No
 * attempt budget: the officer is accountable and every try is audited under their name.
 */
export const proveAtCounter = async (
  deps: RecordDeps & { readonly source?: IdentitySource },
  officer: Account,
  account: Account,
  input: CounterProofingInput,
  ctx: ProofingContext,
): Promise<Account> => {
  if (officer.id === account.id) throw new ForbiddenError('an officer cannot verify their own identity');
  const personRef = await deps.hasher.personRef(input.residentId);
  let name = input.name.trim();
  let birthDate = residentIdFacts(input.residentId).birthDate;
  if (deps.source) {
    const refused = (reason: string) =>
      deps.audit.append(
        event(ctx, account, {
          type: 'identity.counter_verified',
          outcome: 'failure',
          actor: officer.id,
          resource: personRef,
          reason,
          details: { method: 'counter' },
        }),
      );
    let verdict: PersonVerdict;
    try {
      verdict = await deps.source.checkPerson({
        name,
        residentId: input.residentId,
        evidence: { type: 'id-card-in-person' },
      });
    } catch (err: unknown) {
      if (!(err instanceof IdentitySourceUnavailableError)) throw err;
      await refused(`registry-${err.reason}`);
      throw new RegistryUnavailableError(err.reason);
    }
    if (verdict.result === 'no-match') {
      await refused(`registry-${verdict.reason}`);
      throw new ProofingRefusedError(verdict.reason);
    }
    name = verdict.name;
    birthDate = verdict.birthDate;
  }
  return record(
    deps,
    account,
    ctx,
    personRef,
    {
      ial: 3,
      personRef,
      residentIdMasked: maskResidentId(input.residentId),
      name,
      birthDate,
      verifiedAt: (deps.now?.() ?? new Date()).toISOString(),
      method: 'counter',
      evidence: deps.source ? ['id-card-in-person', 'registry-record'] : ['id-card-in-person'],
      verifiedBy: { accountId: officer.id, department: officer.department },
    },
    officer,
  );
};

/** Records a proved identity on the account (one account per person), audited once (libs/identity's own). */
export const record = async (
  deps: RecordDeps,
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
  if (
    !(await deps.claims.claim(personRef, account.id, identity.verifiedAt)) &&
    !(officer && (await takeOver(deps, account, ctx, personRef, identity, officer)))
  ) {
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

/**
 * A counter verification (IAL 3) takes the person over from an account that holds them only by
 * a remote (IAL 2) proof: whoever knew the name, number and phone and proved first does not keep
 * the person. The claim moves (only while the old account still holds it), the old account loses
 * its identity (and with it the person's licences in its wallet), audited once. A claim held at
 * IAL 3 is never taken over. False when there is nothing this may take over.
 */
const takeOver = async (
  deps: RecordDeps,
  account: Account,
  ctx: ProofingContext,
  personRef: string,
  identity: VerifiedIdentity,
  officer: Account,
): Promise<boolean> => {
  const holderId = await deps.claims.accountOf(personRef);
  if (!holderId || holderId === account.id) return false;
  const holder = await deps.accounts.findById(holderId);
  // A holder proved in person keeps the person; so does one whose record says otherwise.
  if (holder?.identity && (holder.identity.ial !== 2 || holder.identity.personRef !== personRef))
    return false;
  if (!deps.releaseCompanyRoles) return false;
  if (!(await deps.claims.transfer(personRef, holderId, account.id, identity.verifiedAt))) return false;
  if (holder?.identity) await forgetIdentity(deps.accounts, holder, personRef);
  await deps.audit.append(
    event(ctx, account, {
      type: 'identity.claim_transferred',
      outcome: 'success',
      actor: officer.id,
      resource: personRef,
      details: { fromAccount: holderId, method: identity.method, ial: identity.ial },
    }),
  );
  await deps.releaseCompanyRoles(holderId, personRef, { zone: ctx.zone, actor: officer.id });
  return true;
};

/** Removes the person from the account that lost the claim (optimistic; re-read on a race). */
const forgetIdentity = async (accounts: AccountStore, holder: Account, personRef: string): Promise<void> => {
  let current: Account | undefined = holder;
  for (let round = 0; round < 5 && current?.identity?.personRef === personRef; round++) {
    try {
      await accounts.update(current, { identity: undefined });
      return;
    } catch (err: unknown) {
      if (!(err instanceof AccountConflictError)) throw err;
      current = await accounts.findById(holder.id);
    }
  }
  if (current?.identity?.personRef === personRef)
    throw new AccountConflictError(`account ${holder.id} kept changing; the identity was not removed`);
};
