import { type Account, type AccountStore, hashPassword, verifyPassword } from '../../libs/accounts/index.ts';
import type { AuditEventInput, AuditLog } from '../../libs/audit/index.ts';
import { type FieldError, type Lang, t } from '../../libs/web/index.ts';
import { newPasswordProblem } from './page-kit.ts';

/** A second factor proven in this sign-in: a TOTP or recovery code, or a passkey. */
const provenSecondFactor = (amr: readonly string[]): boolean => amr.includes('otp') || amr.includes('hwk');

/**
 * The first sign-in of an account given a one-time password (by an administrator, or the
 * break-glass CLI): it chooses its own password, then enrols a second factor, before any code
 * is issued. Until both are done the account is flagged, and the policies refuse it every API
 * and console (forbid-setup-pending).
 */
export const firstSignIn = (deps: { readonly accounts: AccountStore; readonly audit: AuditLog }) => ({
  /**
   * True when the next step is the new password: the one-time password was used, and any
   * second factor the account already has was proven first (a password alone changes nothing).
   */
  needsNewPassword: (account: Account, amr: readonly string[]): boolean =>
    account.mustChangePassword &&
    (provenSecondFactor(amr) || (!account.totp && account.passkeyIds.length === 0)),

  /** True when the account must enrol a second factor in this sign-in, whatever the service needs. */
  needsSecondFactor: (account: Account): boolean => account.mustEnrolSecondFactor,

  /**
   * Sets the person's own password in place of the one-time password; audited once as a
   * password change. Returns the problems with the form instead when it is not acceptable.
   */
  async choosePassword(
    account: Account,
    form: Record<string, string | undefined>,
    lang: Lang,
    audit: Pick<AuditEventInput, 'zone' | 'sourceIp' | 'userAgent' | 'client' | 'correlationId'>,
  ): Promise<{ account: Account } | { errors: FieldError[] }> {
    const password = form.newPassword ?? '';
    const weak = newPasswordProblem(lang, 'newPassword', password);
    const errors: FieldError[] = [];
    if (weak) errors.push(weak);
    else if (password !== (form.confirmPassword ?? ''))
      errors.push({ field: 'confirmPassword', message: t(lang, 'passwordsDiffer') });
    else if (await verifyPassword(password, account.password))
      errors.push({ field: 'newPassword', message: t(lang, 'passwordNotNew') });
    if (errors.length) return { errors };
    const updated = await deps.accounts.update(account, {
      password: await hashPassword(password),
      mustChangePassword: false,
    });
    await deps.audit.append({
      ...audit,
      type: 'password.changed',
      outcome: 'success',
      actor: account.id,
      subject: account.id,
      details: { reason: 'one-time password replaced at first sign-in' },
    });
    return { account: updated };
  },

  /**
   * The last gate before a code: refuses a sign-in that skipped a step, and clears the
   * enrolment flag once a second factor was proven in it (the enrolment itself is audited).
   */
  async complete(account: Account, amr: readonly string[]): Promise<Account | undefined> {
    if (account.mustChangePassword) return undefined;
    if (!account.mustEnrolSecondFactor) return account;
    if (!provenSecondFactor(amr)) return undefined;
    const fresh = (await deps.accounts.findById(account.id)) ?? account;
    return fresh.mustEnrolSecondFactor
      ? deps.accounts.update(fresh, { mustEnrolSecondFactor: false })
      : fresh;
  },
});
