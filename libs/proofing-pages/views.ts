/**
 * The pages of identity proofing, shared by the account portal (`/account/identity`) and the
 * sign-in step that asks for a verified identity: the form, its errors, and what a failed
 * attempt means. Plain words in both languages; nothing here decides anything.
 */
import type { Ial, ProofingCodeSent, ProofingFailure, ProofingFieldProblem } from '../identity/index.ts';
import {
  type FieldError,
  field,
  type Html,
  hidden,
  html,
  type Lang,
  type MessageKey,
  t,
} from '../web/index.ts';
import { type ProofingCodeWord, pw } from './words.ts';

/** A level in plain words ("Level 2: verified online with the population registry"). */
export const ialWords = (lang: Lang, ial: Ial): string =>
  t(lang, ial === 3 ? 'id_level3' : ial === 2 ? 'id_level2' : 'id_level1');

const PROBLEM_WORDS: Record<ProofingFieldProblem['field'], Record<string, MessageKey>> = {
  name: { missing: 'id_errNameMissing', 'too-long': 'id_errNameLong' },
  residentId: {
    missing: 'id_errIdMissing',
    format: 'id_errIdFormat',
    'birth-date': 'id_errIdBirth',
    check: 'id_errIdCheck',
  },
  phone: { missing: 'id_errPhoneMissing', format: 'id_errPhoneFormat' },
};

/** The form's problems as errors on its fields, in the page's language. */
export const proofingFieldErrors = (lang: Lang, problems: readonly ProofingFieldProblem[]): FieldError[] =>
  problems.map((p) => ({ field: p.field, message: t(lang, PROBLEM_WORDS[p.field][p.problem]!) }));

/** What a refusal says, and which field it points at: the part of the evidence that did not match. */
export const proofingRefusalErrors = (
  lang: Lang,
  failure: Extract<ProofingFailure, { kind: 'refused' }>,
): FieldError[] => {
  const what = t(
    lang,
    failure.reason === 'evidence'
      ? 'id_refusedEvidence'
      : failure.reason === 'record-closed'
        ? 'id_refusedClosed'
        : 'id_refusedIdentity',
  );
  const left =
    failure.attemptsLeft > 0
      ? t(lang, 'id_attemptsLeft', { count: failure.attemptsLeft })
      : t(lang, 'id_attemptsNone');
  return [{ field: failure.reason === 'evidence' ? 'phone' : 'name', message: `${what} ${left}` }];
};

export interface ProofingFormValues {
  readonly name?: string;
  readonly residentId?: string;
  readonly phone?: string;
}

/**
 * The remote proofing form: name, resident ID number, a mobile number registered to the person.
 * `name` and `tel-national` are standard autocomplete tokens; an ID number has none (`off`).
 */
export const proofingForm = (o: {
  readonly lang: Lang;
  /** The form's action, relative to the page's base. */
  readonly action: string;
  readonly csrf: string;
  readonly values?: ProofingFormValues;
  readonly errors?: readonly FieldError[];
}): Html => {
  const { lang } = o;
  const error = (name: string) => o.errors?.find((e) => e.field === name)?.message;
  return html`<form method="post" action="${o.action}" novalidate id="proofing-form">
${hidden('csrf', o.csrf)}
${field({ name: 'name', label: t(lang, 'id_fieldName'), autocomplete: 'name', value: o.values?.name, error: error('name'), maxlength: 64 })}
${field({ name: 'residentId', label: t(lang, 'id_fieldResidentId'), hint: t(lang, 'id_fieldResidentIdHint'), autocomplete: 'off', value: o.values?.residentId, error: error('residentId'), maxlength: 24 })}
${field({ name: 'phone', label: t(lang, 'id_fieldPhone'), hint: t(lang, 'id_fieldPhoneHint'), autocomplete: 'tel-national', inputmode: 'numeric', value: o.values?.phone, error: error('phone'), maxlength: 20 })}
<button type="submit">${t(lang, 'id_submit')}</button>
</form>`;
};

/** The form with its heading and lead (the page puts the error summary at its top: `errorSummary`). */
export const proofingFormSection = (
  o: Parameters<typeof proofingForm>[0] & { readonly lead?: string },
): Html =>
  html`<h2 id="proofing-title">${t(o.lang, 'id_formTitle')}</h2>
<p>${o.lead ?? t(o.lang, 'id_formLead')}</p>
${proofingForm(o)}`;

/** A failure shown on a page of its own (a refusal and a wrong code with tries left stay on their form). */
export type ProofingFailurePageKind = Exclude<ProofingFailure, { kind: 'refused' }>;

const failureWords = (
  failure: ProofingFailurePageKind,
): [MessageKey | ProofingCodeWord, MessageKey | ProofingCodeWord] => {
  switch (failure.kind) {
    case 'paused':
      return ['id_pausedTitle', 'id_pausedLead'];
    case 'unavailable':
      return [
        'id_unavailableTitle',
        failure.reason === 'timeout' ? 'id_unavailableTimeout' : 'id_unavailableError',
      ];
    case 'linked-elsewhere':
      return ['id_linkedTitle', 'id_linkedLead'];
    case 'code-wrong':
      return ['id_codeEndedTitle', 'id_codeEndedLead'];
    case 'code-expired':
      return ['id_codeExpiredTitle', 'id_codeExpiredLead'];
    case 'code-limit':
      return ['id_codeLimitTitle', failure.limit === 'phone' ? 'id_codeLimitPhone' : 'id_codeLimitResends'];
  }
};

/** Whether a failure is shown on its own page rather than as an error on the form it came from. */
export const failureHasOwnPage = (failure: ProofingFailure): failure is ProofingFailurePageKind =>
  failure.kind !== 'refused' && !(failure.kind === 'code-wrong' && failure.triesLeft > 0);

/**
 * The page of an attempt that decided nothing or could not be made (paused, registry down,
 * identity linked elsewhere, a code that expired or ended, too many codes): its title and what
 * to do, with the caller's way on (`next`).
 */
export const proofingFailurePage = (
  lang: Lang,
  failure: ProofingFailurePageKind,
  next: Html,
): { readonly title: string; readonly body: Html } => {
  const [title, lead] = failureWords(failure);
  return {
    title: pw(lang, title),
    body: html`<h1>${pw(lang, title)}</h1>
<p class="lead" id="proofing-outcome" data-outcome="${failure.kind}">${pw(lang, lead)}</p>
${next}`,
  };
};

/** What a wrong code says on the code form: not the code sent, and the tries left with it. */
export const proofingCodeErrors = (
  lang: Lang,
  problem: 'missing' | 'format' | { readonly triesLeft: number },
): FieldError[] => [
  {
    field: 'otp',
    message:
      problem === 'missing'
        ? pw(lang, 'id_codeMissing')
        : problem === 'format'
          ? pw(lang, 'id_codeFormat')
          : `${pw(lang, 'id_codeWrong')} ${pw(lang, 'id_codeTriesLeft', { count: problem.triesLeft })}`,
  },
];

/**
 * The second half of remote proofing: the code sent by SMS to the phone the registry confirmed
 * (`name="otp" autocomplete="one-time-code"`), and a form to send another while the proofing may.
 * The page puts the error summary at its top; the heading is the caller's.
 */
export const proofingCodeSection = (o: {
  readonly lang: Lang;
  /** The forms' actions, relative to the page's base. */
  readonly action: string;
  readonly resendAction: string;
  readonly csrf: string;
  readonly sent: ProofingCodeSent;
  readonly errors?: readonly FieldError[];
  /** A new code was just sent. */
  readonly resent?: boolean;
}): Html => {
  const { lang, sent } = o;
  const error = o.errors?.find((e) => e.field === 'otp')?.message;
  return html`<p class="lead" id="code-sent" data-phone="${sent.phoneMasked}">${pw(lang, 'id_codeLead', { phone: sent.phoneMasked })}</p>
${o.resent ? html`<p class="notice" role="status" id="code-resent">${pw(lang, 'id_codeResent')}</p>` : ''}
<form method="post" action="${o.action}" novalidate id="proofing-code-form">
${hidden('csrf', o.csrf)}${hidden('proofingId', sent.proofingId)}
${field({ name: 'otp', label: pw(lang, 'id_codeField'), hint: pw(lang, 'id_codeHint'), autocomplete: 'one-time-code', inputmode: 'numeric', error, maxlength: 12 })}
<button type="submit">${pw(lang, 'id_codeSubmit')}</button>
</form>
${
  sent.resendsLeft > 0
    ? html`<form method="post" action="${o.resendAction}" id="proofing-resend-form">
${hidden('csrf', o.csrf)}${hidden('proofingId', sent.proofingId)}
<p>${pw(lang, 'id_codeResendLead', { count: sent.resendsLeft })}</p>
<button type="submit" class="secondary">${pw(lang, 'id_codeResend')}</button>
</form>`
    : html`<p id="proofing-no-resend">${pw(lang, 'id_codeNoResend')}</p>`
}`;
};
