import { randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
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
import { epochSeconds } from '../store/index.ts';
import type { IdentityClaims, ProofingAttempts } from './claims.ts';
import type { IdentityHasher } from './hasher.ts';
import {
  maskPhone,
  type PendingProofing,
  PROOFING_CODE_SENDS,
  PROOFING_CODE_TRIES,
  PROOFING_CODE_TTL_SECONDS,
  type ProofingCodes,
} from './proofing-codes.ts';
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
type RecordDeps = Omit<ProofingDeps, 'source' | 'attempts' | 'codes' | 'smsBudget' | 'mail'>;

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

const codeSent = (p: PendingProofing): ProofingCodeSent => ({
  proofingId: p.proofingId,
  phoneMasked: maskPhone(p.phone),
  residentIdMasked: p.residentIdMasked,
  expiresAt: new Date(p.codeExpiresAt * 1000),
  resendsLeft: Math.max(0, PROOFING_CODE_SENDS - p.sends),
});

/** The account's remote proofing waiting for its code, if any (the code page shows it). */
export const pendingProofing = async (
  deps: Pick<ProofingDeps, 'codes'>,
  accountId: string,
): Promise<ProofingCodeSent | undefined> => {
  const pending = await deps.codes.pendingOf(accountId);
  return pending && codeSent(pending);
};

const newCode = () => String(randomInt(0, 1_000_000)).padStart(6, '0');

/** Hands a proofing code to the mail queue, as an SMS to the phone the registry confirmed. */
const sendCode = (
  deps: ProofingDeps,
  account: Account,
  phone: string,
  code: string,
  expiresAt: number,
  lang: ProofingLang,
) =>
  deps.mail.enqueue({
    kind: 'contact-code',
    channel: 'sms',
    purpose: 'proofing',
    to: { accountId: account.id, loginName: account.loginName, phone: `+86${phone}` },
    lang,
    code,
    expiresAt: new Date(expiresAt * 1000).toISOString(),
  });

/**
 * Remote proofing (IAL 2), its first half: the name and ID number checked against the registry,
 * with the phone registered to the person; then a one-time code goes by SMS to that phone and the
 * identity waits for it (`confirmRemoteProofing`): knowing someone's name, number and phone is not
 * enough, one must hold the phone. Registry refusals count against the account and the ID number;
 * codes sent count against the phone. Audited once each: the refusal, or the start (the code sent).
 */
export const startRemoteProofing = async (
  deps: ProofingDeps,
  account: Account,
  input: RemoteProofingInput,
  ctx: ProofingContext,
  lang: ProofingLang,
): Promise<ProofingCodeSent> => {
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
  // One attempt is taken from every scope before the registry is asked (atomically, so parallel
  // requests cannot outrun the budget); unavailable registries and matches give it back.
  if (!(await deps.attempts.take(scopes))) {
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
    await deps.attempts.giveBack(scopes);
    if (!(err instanceof IdentitySourceUnavailableError)) throw err;
    await audited('failure', `registry-${err.reason}`);
    throw new RegistryUnavailableError(err.reason);
  }
  if (verdict.result === 'no-match') {
    // The attempt taken stays counted.
    const left = await deps.attempts.left(scopes);
    await audited('failure', `registry-${verdict.reason}`, { attemptsLeft: left });
    throw new ProofingRefusedError(verdict.reason, left);
  }
  // A match is not a failure: the attempt is given back (wrong codes are counted instead).
  await deps.attempts.giveBack(scopes);
  // Nothing to send a code for when the identity could not be recorded anyway.
  const holder = await deps.claims.accountOf(personRef);
  const elsewhere =
    account.identity && account.identity.personRef !== personRef
      ? 'account-proves-another-person'
      : holder && holder !== account.id
        ? 'identity-linked-elsewhere'
        : undefined;
  if (elsewhere) {
    await audited('failure', elsewhere);
    throw new IdentityLinkedElsewhereError(
      'this identity or this account is already linked to another: sign in with that account, or ask at a service counter',
    );
  }
  if (!(await deps.smsBudget.take([await deps.hasher.phoneRef(input.phone)]))) {
    await audited('failure', 'sms-limit');
    throw new ProofingCodeLimitError('phone');
  }
  const code = newCode();
  const proofingId = randomBytes(16).toString('base64url');
  const now = epochSeconds(deps.now?.() ?? new Date());
  const pending: PendingProofing = {
    accountId: account.id,
    proofingId,
    personRef,
    residentIdMasked: maskResidentId(input.residentId),
    name: verdict.name,
    birthDate: verdict.birthDate,
    phone: input.phone,
    codeHash: (
      await deps.hasher.proofingCodeDigest(
        { accountId: account.id, personRef, phone: input.phone, proofingId },
        code,
      )
    ).toString('hex'),
    codeExpiresAt: now + PROOFING_CODE_TTL_SECONDS,
    tries: 0,
    sends: 1,
  };
  await deps.codes.start(pending);
  await sendCode(deps, account, input.phone, code, pending.codeExpiresAt, lang);
  await deps.audit.append(
    event(ctx, account, {
      type: 'identity.proofing_started',
      outcome: 'success',
      resource: personRef,
      details: { method: 'registry', channel: 'sms' },
    }),
  );
  return codeSent(pending);
};

/**
 * A new code for the account's pending proofing (the last did not arrive): the earlier code stops
 * working, the proofing keeps its tries, and the phone's daily budget and the proofing's sends
 * both limit it. Audited once (never the code).
 */
export const resendProofingCode = async (
  deps: ProofingDeps,
  account: Account,
  proofingId: string,
  ctx: ProofingContext,
  lang: ProofingLang,
): Promise<ProofingCodeSent> => {
  const pending = await deps.codes.pendingOf(account.id);
  if (!pending || pending.proofingId !== proofingId) throw new ProofingCodeError('expired');
  if (pending.sends >= PROOFING_CODE_SENDS) throw new ProofingCodeLimitError('resends');
  const audited = (outcome: 'success' | 'failure', reason?: string) =>
    deps.audit.append(
      event(ctx, account, {
        type: 'identity.proofing_code_resent',
        outcome,
        resource: pending.personRef,
        reason,
        details: { method: 'registry', channel: 'sms' },
      }),
    );
  if (!(await deps.smsBudget.take([await deps.hasher.phoneRef(pending.phone)]))) {
    await audited('failure', 'sms-limit');
    throw new ProofingCodeLimitError('phone');
  }
  const code = newCode();
  const codeExpiresAt = epochSeconds(deps.now?.() ?? new Date()) + PROOFING_CODE_TTL_SECONDS;
  const codeHash = (
    await deps.hasher.proofingCodeDigest(
      { accountId: account.id, personRef: pending.personRef, phone: pending.phone, proofingId },
      code,
    )
  ).toString('hex');
  if (!(await deps.codes.renew(account.id, proofingId, codeHash, codeExpiresAt)))
    throw new ProofingCodeLimitError('resends');
  await sendCode(deps, account, pending.phone, code, codeExpiresAt, lang);
  await audited('success');
  return codeSent({ ...pending, codeHash, codeExpiresAt, sends: pending.sends + 1 });
};

/**
 * Remote proofing, its second half: the code the person read on the phone. Each try first takes
 * one of the day's attempts of the account and the ID number (atomically, like a registry
 * refusal: a code cannot be guessed across restarts or parallel requests) and one of the
 * proofing's tries; a wrong code keeps both, and the last try ends the proofing. The right code
 * is used once, gives its attempt back and records the identity (IAL 2, evidence: the registry's
 * record and possession of the phone). Every try is audited once, never with the code.
 */
export const confirmRemoteProofing = async (
  deps: ProofingDeps,
  account: Account,
  answer: { readonly proofingId: string; readonly code: string },
  ctx: ProofingContext,
): Promise<Account> => {
  const pending = await deps.codes.pendingOf(account.id);
  if (!pending || pending.proofingId !== answer.proofingId) throw new ProofingCodeError('expired');
  const { personRef } = pending;
  const scopes = [`account#${account.id}`, personRef];
  const audited = (reason: string, details = {}) =>
    deps.audit.append(
      event(ctx, account, {
        type: 'identity.proofing',
        outcome: 'failure',
        resource: personRef,
        reason,
        details: { method: 'registry', ...details },
      }),
    );
  if (!(await deps.attempts.take(scopes))) {
    await deps.codes.end(account.id, pending.proofingId);
    await audited('attempts-exhausted');
    throw new ProofingPausedError(
      'too many attempts to verify an identity: try again tomorrow, or at a service counter',
    );
  }
  const tried = await deps.codes.countTry(account.id, pending.proofingId);
  if (!tried) {
    // Expired or ended since it was read: nothing was compared.
    await deps.attempts.giveBack(scopes);
    throw new ProofingCodeError('expired');
  }
  const code = answer.code.trim();
  const expected = Buffer.from(tried.codeHash, 'hex');
  const given = await deps.hasher.proofingCodeDigest(
    { accountId: account.id, personRef, phone: tried.phone, proofingId: tried.proofingId },
    code,
  );
  if (!/^\d{6}$/.test(code) || expected.length !== given.length || !timingSafeEqual(expected, given)) {
    const attemptsLeft = await deps.attempts.left(scopes);
    const triesLeft = Math.min(PROOFING_CODE_TRIES - tried.tries, attemptsLeft);
    if (triesLeft <= 0) await deps.codes.end(account.id, tried.proofingId);
    await audited('code-wrong', { triesLeft });
    throw new ProofingCodeError('wrong', triesLeft);
  }
  // Single use: only the request that removes this code may record the identity.
  if (!(await deps.codes.end(account.id, tried.proofingId, tried.codeHash))) {
    await deps.attempts.giveBack(scopes);
    throw new ProofingCodeError('expired');
  }
  await deps.attempts.giveBack(scopes);
  return record(deps, account, ctx, personRef, {
    ial: 2,
    personRef,
    residentIdMasked: pending.residentIdMasked,
    name: pending.name,
    birthDate: pending.birthDate,
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

const record = async (
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
