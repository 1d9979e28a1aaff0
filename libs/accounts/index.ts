export {
  type Authenticator,
  authenticatePassword,
  countFailure,
  lockedOut,
  sourceThrottled,
} from './authenticate.ts';
export type { AccountClosings, DueClosing } from './closing.ts';
export {
  type ContactConfirm,
  ContactDetails,
  type ContactKind,
  type ContactLimits,
  type ContactStart,
  DEFAULT_CONTACT_LIMITS,
  type PendingContact,
} from './contact.ts';
export { AccountConflictError, LoginNameTakenError } from './errors.ts';
export { InteractionAttempts, type LockoutState, LoginLockout, SourceThrottle } from './lockout.ts';
export {
  Account,
  DEFAULT_CLOSING_SECONDS,
  DisplayName,
  ialOf,
  isClosed,
  LoginName,
  maskPhone,
  NewPassword,
  normaliseEmail,
  normaliseLoginName,
  Passkey,
  PasskeyName,
  parsePhone,
  Role,
  recipientOf,
  VerifiedIdentity,
} from './model.ts';
export { sendNotice } from './notices.ts';
export {
  AccountMessage,
  addressOf,
  BackgroundMail,
  Channel,
  ChannelNotifier,
  deliverMailJobs,
  isMailJob,
  type MailQueue,
  messageTextOf,
  NoticeKind,
  type Notifier,
  noticeMessages,
  OutboxNotifier,
  SesNotifier,
  SqsMailQueue,
} from './notifier.ts';
// OneTimeCodes itself is loaded on first use by its users (reset, contact details): exported
// here it would sit on the oidc cold start.
export type { CodePolicy, IssuedCode } from './one-time-code.ts';
export { AccountPasskeys } from './passkeys.ts';
export { hashPassword, verifyPassword } from './password.ts';

/** `AccountClosings` (closing.ts), loaded on first use: only the account centre's Your data pages and its sweep need it. */
export const loadAccountClosings = () => import('./closing.ts');
export { PendingSignIn, PendingSignIns } from './pending-sign-in.ts';
export { ReauthChallenges } from './reauth-challenges.ts';
export {
  checkSecondFactorCode,
  highestLoa,
  provesStrongestFactor,
  strongestFactor,
} from './reauthenticate.ts';
export { PasswordReset } from './reset.ts';
export {
  conflictingRoles,
  EXCLUSIVE_ROLES,
  grantsPrivilegedRole,
  PRIVILEGED_ROLES,
  StaffRequest,
  StaffRequestStore,
} from './staff-requests.ts';
export { AccountStore } from './store.ts';
export { hashRecoveryCodes, newRecoveryCodes, newTotpSecret, totpCode, totpStep, totpUri } from './totp.ts';
export { TotpVault } from './totp-vault.ts';
