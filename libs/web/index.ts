export { claimLabel, claimValue } from './claim-words.ts';
export { formatDate, formatTime } from './dates.ts';
export { errorPageContent, errorPages, referenceOf } from './error-page.ts';
export { errorSummary, type FieldError, field, hidden } from './forms.ts';
export { Html, html } from './html.ts';
export { page } from './layout.ts';
export { cookiesOf, langOfEvent, pageResponse } from './page-response.ts';
export { fieldName, type Lang, type MessageKey, type MessageVars, pickLang, t } from './words.ts';
