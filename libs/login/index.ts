/**
 * The sign-in pages' bodies (login, second factor, passkey, consent, registration, device,
 * password reset), built with the web kit (`libs/web`) and served by the issuer's interactions.
 */
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
