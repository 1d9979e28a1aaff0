export {
  type AttemptContext,
  type Authenticator,
  authenticatePassword,
  type PasswordOutcome,
} from './authenticate.ts';
export { AccountConflictError, LoginNameTakenError, TooManyRequestsError } from './errors.ts';
export {
  DEFAULT_LOCKOUT,
  type LockoutPolicy,
  type LockoutState,
  LoginLockout,
  SourceThrottle,
} from './lockout.ts';
export {
  Account,
  AccountKind,
  DisplayName,
  LoginName,
  NewPassword,
  normaliseLoginName,
  Passkey,
  Role,
  type TotpState,
} from './model.ts';
export { type AccountMessage, messageText, type Notifier, OutboxNotifier, SesNotifier } from './notifier.ts';
export {
  ARGON2_PARAMETERS,
  decoyHash,
  hashPassword,
  needsRehash,
  PasswordHash,
  verifyPassword,
} from './password.ts';
export { PasswordReset } from './reset.ts';
export { AccountStore, type NewAccount } from './store.ts';
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
