import { createHash } from 'node:crypto';
import type { AuditEventInput, AuditLog } from '../audit/index.ts';
import type { LoginLockout, SourceThrottle } from './lockout.ts';
import { type Account, normaliseLoginName } from './model.ts';
import { decoyHash, hashPassword, needsRehash, verifyPassword } from './password.ts';
import type { AccountStore } from './store.ts';

/** Where an attempt came from, for throttling and the audit trail. */
export interface AttemptContext {
  readonly zone: AuditEventInput['zone'];
  readonly sourceIp: string;
  readonly userAgent?: string;
  readonly client?: string;
  readonly correlationId?: string;
}

export type PasswordOutcome =
  | { readonly outcome: 'ok'; readonly account: Account }
  | { readonly outcome: 'invalid' }
  | { readonly outcome: 'locked'; readonly until: number }
  | { readonly outcome: 'throttled' };

export interface Authenticator {
  readonly accounts: AccountStore;
  readonly lockout: LoginLockout;
  readonly throttle: SourceThrottle;
  readonly audit: AuditLog;
}

const eventBase = (ctx: AttemptContext) => ({
  zone: ctx.zone,
  sourceIp: ctx.sourceIp,
  userAgent: ctx.userAgent?.slice(0, 512),
  client: ctx.client,
  correlationId: ctx.correlationId,
});

/**
 * Checks a login name and password. Unknown names, wrong passwords and disabled accounts
 * get the same answer in about the same time; every attempt is audited once.
 */
export const authenticatePassword = async (
  deps: Authenticator,
  loginName: string,
  password: string,
  ctx: AttemptContext,
): Promise<PasswordOutcome> => {
  if (!(await deps.throttle.allow(ctx.sourceIp))) {
    await deps.audit.append({
      ...eventBase(ctx),
      type: 'login.throttled',
      outcome: 'denied',
      reason: 'too many attempts from this source',
    });
    return { outcome: 'throttled' };
  }
  const lock = await deps.lockout.state(loginName);
  if (lock.locked) {
    // The record names the account under attack, so every guess counts against it.
    const target = await deps.accounts.findByLoginName(loginName);
    await deps.audit.append({
      ...eventBase(ctx),
      type: 'login.failure',
      outcome: 'denied',
      subject: target?.id,
      reason: 'login name locked',
      details: { loginNameHashPrefix: hashPrefix(loginName) },
    });
    return { outcome: 'locked', until: lock.lockedUntil };
  }
  const account = await deps.accounts.findByLoginName(loginName);
  const ok = await verifyPassword(password, account?.password ?? (await decoyHash()));
  if (!account || !ok || account.status !== 'active') {
    const after = await deps.lockout.recordFailure(loginName);
    await deps.audit.append({
      ...eventBase(ctx),
      type: 'login.failure',
      outcome: 'failure',
      subject: account?.id,
      reason: !account
        ? 'unknown login name'
        : account.status !== 'active'
          ? 'account disabled'
          : 'wrong password',
      details: { loginNameHashPrefix: hashPrefix(loginName), failures: after.failures },
    });
    if (after.locked) {
      await deps.audit.append({
        ...eventBase(ctx),
        type: 'account.locked',
        outcome: 'success',
        subject: account?.id,
        reason: `${after.failures} failed logins`,
        details: { lockedUntil: after.lockedUntil, loginNameHashPrefix: hashPrefix(loginName) },
      });
      return { outcome: 'locked', until: after.lockedUntil };
    }
    return { outcome: 'invalid' };
  }
  if (lock.failures > 0) await deps.lockout.clear(loginName);
  if (needsRehash(account.password)) {
    await deps.accounts.update(account, { password: await hashPassword(password) }).catch(() => undefined);
  }
  return { outcome: 'ok', account };
};

/** Audit trails name accounts by id; for unknown names a short hash lets staff correlate without storing the guess. */
const hashPrefix = (name: string): string =>
  createHash('sha256').update(normaliseLoginName(name)).digest('hex').slice(0, 12);
