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
export { describeAccess, describeScope, OWN_SCOPE_WORDS } from './scope-words.ts';
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
