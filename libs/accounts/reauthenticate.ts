import type { Account } from './model.ts';
import type { AccountStore } from './store.ts';
import { totpStep } from './totp.ts';
import type { TotpVault } from './totp-vault.ts';

/**
 * The factor a sensitive change (password, second factor, passkey) must be confirmed with:
 * the strongest one the account has, so that no weaker factor can replace a stronger one.
 */
export type StrongestFactor = 'password' | 'totp' | 'passkey';

export const strongestFactor = (account: Account): StrongestFactor =>
  account.passkeyIds.length > 0 ? 'passkey' : account.totp ? 'totp' : 'password';

/**
 * The highest sign-in level the account can reach (1 password, 2 with the authenticator app,
 * 3 with a passkey): what a sensitive change in the account centre asks a fresh sign-in at.
 */
export const highestLoa = (account: Account): 1 | 2 | 3 =>
  account.passkeyIds.length > 0 ? 3 : account.totp ? 2 : 1;

/** Whether what was proven (OIDC `amr` values) includes the account's strongest factor. */
export const provesStrongestFactor = (account: Account, amr: readonly string[]): boolean => {
  switch (strongestFactor(account)) {
    case 'passkey':
      return amr.includes('hwk');
    case 'totp':
      return amr.includes('otp') || amr.includes('hwk');
    default:
      return true;
  }
};

/**
 * Checks a code from the authenticator app (6 digits, each time step once) or one of the
 * account's recovery codes (used up by this); the method it was, or undefined when wrong.
 * Sign-in and sensitive changes both check codes here.
 */
export const checkSecondFactorCode = async (
  accounts: AccountStore,
  vault: TotpVault,
  account: Account,
  code: string,
): Promise<'totp' | 'recovery-code' | undefined> => {
  const cleaned = code.replace(/\s+/g, '');
  if (!account.totp || cleaned.length > 16) return undefined;
  if (/^\d{6}$/.test(cleaned)) {
    const secret = await vault.secretOf(account, accounts);
    const step = secret ? totpStep(secret, cleaned) : undefined;
    return step !== undefined && (await accounts.useTotpStep(account.id, step)) ? 'totp' : undefined;
  }
  return (await accounts.useRecoveryCode(account, cleaned)) ? 'recovery-code' : undefined;
};
