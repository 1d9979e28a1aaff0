export { esc, type FieldError, Html, html, page } from './html.ts';
export { fieldName, type Lang, type MessageKey, pickLang, t } from './i18n.ts';
export { cookiesOf, LANG_COOKIE, langOfEvent, pageResponse } from './lambda-page.ts';
export {
  type ConsentApi,
  type ConsentView,
  changePasswordBody,
  consentBody,
  type DeniedReason,
  deniedBody,
  describeScope,
  deviceConfirmBody,
  enrolBody,
  firstPasswordBody,
  loginBody,
  messageBody,
  otpBody,
  type PageContext,
  passkeyRequiredBody,
  protectBody,
  recoveryBody,
  registerBody,
  resetConfirmBody,
  resetRequestBody,
  type SimpleFormOptions,
} from './pages.ts';
export { FirstPartyPortal, PageProblem, type PortalOptions, PortalSession } from './portal.ts';
