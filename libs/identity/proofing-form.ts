import {
  IdentityLinkedElsewhereError,
  ProofingCodeError,
  ProofingCodeLimitError,
  ProofingPausedError,
  ProofingRefusedError,
  RegistryUnavailableError,
  type RemoteProofingInput,
} from './proofing.ts';
import { normaliseResidentId, type ResidentIdProblemKind, residentIdProblemKind } from './resident-id.ts';

/** What a person typed into a proofing form (the account page, the sign-in step, the counter). */
export interface ProofingFormInput {
  readonly name: string;
  readonly residentId: string;
  /** Absent on the counter form (the card is the evidence there). */
  readonly phone?: string;
}

/** One field's problem, for the page to word in its language. */
export type ProofingFieldProblem =
  | { readonly field: 'name'; readonly problem: 'missing' | 'too-long' }
  | { readonly field: 'residentId'; readonly problem: 'missing' | ResidentIdProblemKind }
  | { readonly field: 'phone'; readonly problem: 'missing' | 'format' };

const NAME_MAX = 64;

/** A name as written on the ID card: folded (NFKC), spaces trimmed and collapsed. */
const normaliseName = (raw: string) => raw.normalize('NFKC').replace(/\s+/g, ' ').trim();

/** A mainland mobile number: 11 digits from 1, with an optional +86 / 0086 and separators dropped. */
const normalisePhone = (raw: string) =>
  raw
    .normalize('NFKC')
    .replace(/[\s()-]/g, '')
    .replace(/^(\+86|0086)/, '');

/**
 * Reads a proofing form: each field folded as people type it (full-width digits, a lower-case
 * x, spaces), then checked before anything is sent to the registry, so a typing error costs no
 * attempt. `phone: false` reads the counter form, which has none.
 */
export const readProofingForm = (
  raw: ProofingFormInput,
  options: { readonly phone: boolean } = { phone: true },
):
  | { readonly ok: true; readonly input: RemoteProofingInput }
  | { readonly ok: false; readonly problems: readonly ProofingFieldProblem[] } => {
  const problems: ProofingFieldProblem[] = [];
  const name = normaliseName(raw.name);
  if (!name) problems.push({ field: 'name', problem: 'missing' });
  else if (name.length > NAME_MAX || /\p{Cc}/u.test(name))
    problems.push({ field: 'name', problem: 'too-long' });
  const residentId = normaliseResidentId(raw.residentId);
  if (!residentId) problems.push({ field: 'residentId', problem: 'missing' });
  else {
    const kind = residentIdProblemKind(residentId);
    if (kind) problems.push({ field: 'residentId', problem: kind });
  }
  const phone = normalisePhone(raw.phone ?? '');
  if (options.phone) {
    if (!phone) problems.push({ field: 'phone', problem: 'missing' });
    else if (!/^1[3-9]\d{9}$/.test(phone)) problems.push({ field: 'phone', problem: 'format' });
  }
  return problems.length ? { ok: false, problems } : { ok: true, input: { name, residentId, phone } };
};

/** Why a proofing attempt did not raise the level, as the pages explain it. */
export type ProofingFailure =
  | {
      readonly kind: 'refused';
      readonly reason: ProofingRefusedError['reason'];
      readonly attemptsLeft: number;
    }
  | { readonly kind: 'paused' }
  | { readonly kind: 'unavailable'; readonly reason: 'timeout' | 'error' }
  | { readonly kind: 'linked-elsewhere' }
  /** The code typed is not the one sent; `triesLeft` 0: the proofing has ended. */
  | { readonly kind: 'code-wrong'; readonly triesLeft: number }
  /** No code is waiting (expired, used, ended): start again. */
  | { readonly kind: 'code-expired' }
  /** No more codes may be sent (to this phone today, or for this proofing). */
  | { readonly kind: 'code-limit'; readonly limit: 'phone' | 'resends' };

/** The failure a proofing error stands for, with its HTTP status; undefined for any other error. */
export const proofingFailureOf = (
  err: unknown,
): { readonly failure: ProofingFailure; readonly status: number } | undefined => {
  if (err instanceof ProofingRefusedError)
    return {
      failure: { kind: 'refused', reason: err.reason, attemptsLeft: err.attemptsLeft ?? 0 },
      status: 422,
    };
  if (err instanceof ProofingPausedError) return { failure: { kind: 'paused' }, status: 429 };
  if (err instanceof RegistryUnavailableError)
    return { failure: { kind: 'unavailable', reason: err.reason }, status: 503 };
  if (err instanceof ProofingCodeError)
    return err.reason === 'wrong'
      ? { failure: { kind: 'code-wrong', triesLeft: err.triesLeft }, status: 422 }
      : { failure: { kind: 'code-expired' }, status: 410 };
  if (err instanceof ProofingCodeLimitError)
    return { failure: { kind: 'code-limit', limit: err.limit }, status: 429 };
  if (err instanceof IdentityLinkedElsewhereError)
    return { failure: { kind: 'linked-elsewhere' }, status: 409 };
  return undefined;
};

/**
 * Reads the code form: the code as people type it (full-width digits, spaces) and the pending
 * proofing it answers. A code that cannot be one (not six digits) is a typing error and costs
 * no attempt; the proofing id is checked by the lib.
 */
export const readProofingCode = (raw: {
  readonly proofingId?: string;
  readonly code?: string;
}):
  | { readonly ok: true; readonly proofingId: string; readonly code: string }
  | { readonly ok: false; readonly problem: 'missing' | 'format' } => {
  const code = (raw.code ?? '').normalize('NFKC').replace(/[\s-]/g, '');
  if (!code) return { ok: false, problem: 'missing' };
  if (!/^\d{6}$/.test(code)) return { ok: false, problem: 'format' };
  return { ok: true, proofingId: (raw.proofingId ?? '').slice(0, 64), code };
};
