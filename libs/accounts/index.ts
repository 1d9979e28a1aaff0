export {
  type AttemptContext,
  type Authenticator,
  authenticatePassword,
  countFailure,
  lockedOut,
  type PasswordOutcome,
  sourceThrottled,
} from './authenticate.ts';
export { AccountConflictError, LoginNameTakenError, TooManyRequestsError } from './errors.ts';
export {
  DEFAULT_LOCKOUT,
  type FailureOutcome,
  InteractionAttempts,
  type LockoutPolicy,
  type LockoutState,
  type LockScope,
  LoginLockout,
  SourceThrottle,
  sourceOf,
} from './lockout.ts';
export {
  Account,
  AccountKind,
  DisplayName,
  LoginName,
  NewPassword,
  normaliseEmail,
  normaliseLoginName,
  Passkey,
  Role,
  type TotpState,
} from './model.ts';
export {
  AccountMessage,
  BackgroundMail,
  deliverMailJobs,
  isMailJob,
  type MailQueue,
  messageText,
  type Notifier,
  OutboxNotifier,
  SesNotifier,
  SqsMailQueue,
} from './notifier.ts';
export {
  ARGON2_PARAMETERS,
  decoyHash,
  hashPassword,
  needsRehash,
  PasswordHash,
  verifyPassword,
} from './password.ts';
export { PendingSignIn, PendingSignIns } from './pending-sign-in.ts';
export { ReauthChallenges } from './reauth-challenges.ts';
export {
  checkSecondFactorCode,
  provesStrongestFactor,
  type StrongestFactor,
  strongestFactor,
} from './reauthenticate.ts';
export { DEFAULT_RESET_POLICY, PasswordReset, type ResetPolicy, type ResetRequestResult } from './reset.ts';
export {
  grantsPrivilegedRole,
  PRIVILEGED_ROLES,
  STAFF_REQUEST_SECONDS,
  StaffRequest,
  StaffRequestStore,
} from './staff-requests.ts';
export { AccountStore, type EmailIndexReport, type NewAccount } from './store.ts';
export {
  hashRecoveryCodes,
  newRecoveryCodes,
  newTotpSecret,
  RecoveryCodes,
  TOTP_ISSUER,
  totpCode,
  totpStep,
  totpUri,
} from './totp.ts';
export { TotpVault } from './totp-vault.ts';
