import { randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { Account } from '../accounts/index.ts';
import { epochSeconds } from '../store/index.ts';
import {
  event,
  IdentityLinkedElsewhereError,
  ProofingCodeError,
  ProofingCodeLimitError,
  type ProofingCodeSent,
  type ProofingContext,
  type ProofingDeps,
  type ProofingLang,
  ProofingPausedError,
  ProofingRefusedError,
  RegistryUnavailableError,
  type RemoteProofingInput,
  record,
} from './proofing.ts';
import {
  maskPhone,
  type PendingProofing,
  PROOFING_CODE_SENDS,
  PROOFING_CODE_TRIES,
  PROOFING_CODE_TTL_SECONDS,
} from './proofing-codes.ts';
import { maskResidentId } from './resident-id.ts';
import { type IdentitySource, IdentitySourceUnavailableError } from './source.ts';

/**
 * Remote proofing with possession of the phone (IAL 2), loaded on first use
 * (`loadPhoneProofing`): only the pages that prove an identity need it, and the oidc function's
 * cold start does not carry it (test/infra/bundle.test.ts holds it to its budget).
 */
export {
  maskPhone,
  PendingProofing,
  PROOFING_CODE_SENDS,
  PROOFING_CODE_TRIES,
  PROOFING_CODE_TTL_SECONDS,
  PROOFING_SMS_PER_PHONE,
  ProofingCodes,
  phoneProofingOf,
} from './proofing-codes.ts';

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
