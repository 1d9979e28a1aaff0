/**
 * The pages of identity proofing (the form, the SMS code, what a failed attempt means), shared by
 * the account portal and the sign-in's proofing steps: a lib of their own rather than part of
 * libs/web, so that only the functions and chunks that prove identities carry them (libs/web is
 * on every function's cold start).
 */
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
} from './views.ts';
export { PROOFING_CODE_WORDS, type ProofingCodeWord, pw } from './words.ts';
