export { claimLabel, claimValue } from './claim-words.ts';
export { formatDate, formatTime } from './dates.ts';
export { errorPageContent, errorPages, referenceOf } from './error-page.ts';
export { errorSummary, type FieldError, type FieldOptions, field, hidden } from './forms.ts';
export { esc, Html, html } from './html.ts';
export { type PageOptions, page } from './layout.ts';
export {
  cookiesOf,
  LANG_COOKIE,
  langOfEvent,
  type PageCspOptions,
  pageCsp,
  pageResponse,
} from './page-response.ts';
export {
  failureHasOwnPage,
  ialWords,
  type ProofingFailurePageKind,
  type ProofingFormValues,
  proofingCodeErrors,
  proofingCodeSection,
  proofingFailurePage,
  proofingFieldErrors,
  proofingForm,
  proofingFormSection,
  proofingRefusalErrors,
} from './proofing.ts';
export { PROOFING_CODE_WORDS, type ProofingCodeWord, pw } from './proofing-words.ts';
export {
  bilingual,
  fieldName,
  type Lang,
  type MessageKey,
  type MessageVars,
  type PluralForms,
  pickLang,
  t,
  withOwnWords,
} from './words.ts';
