import { createHash } from 'node:crypto';
import type { AuditEventInput, AuditLog } from '../audit/index.ts';
import type { FailureOutcome, LockoutState, LockScope, LoginLockout, SourceThrottle } from './lockout.ts';
import { type Account, isClosed, normaliseLoginName } from './model.ts';
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
  | { readonly outcome: 'invalid'; readonly triesLeft: number; readonly nextWaitSeconds: number }
  | { readonly outcome: 'locked'; readonly until: number; readonly scope: LockScope }
  | { readonly outcome: 'throttled' }
  /** The right password of an account whose closing's cooling-off has ended: it awaits deletion. */
  | { readonly outcome: 'closed' };

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

/** Counts an attempt of any sign-in step from its source; true (and audited) when the source is over its limit. */
export const sourceThrottled = async (
  deps: Pick<Authenticator, 'throttle' | 'audit'>,
  ctx: AttemptContext,
): Promise<boolean> => {
  if (await deps.throttle.allow(ctx.sourceIp)) return false;
  await deps.audit.append({
    ...eventBase(ctx),
    type: 'login.throttled',
    outcome: 'denied',
    reason: 'too many attempts from this source',
  });
  return true;
};

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
  if (await sourceThrottled(deps, ctx)) return { outcome: 'throttled' };
  // The name's item and its two failure counters in one read (in a request with a memo).
  await deps.lockout.prefetch(loginName, ctx.sourceIp, [deps.accounts.loginItemKey(loginName)]);
  // The record names the account under attack, so every guess counts against it.
  const target = await deps.accounts.findByLoginName(loginName);
  const lock = await lockedOut(deps, loginName, target?.id, ctx, 'login.failure');
  if (lock.locked) return { outcome: 'locked', until: lock.lockedUntil, scope: lock.scope ?? 'source' };
  const account = target;
  const ok = await verifyPassword(password, account?.password ?? (await decoyHash()));
  if (!account || !ok || account.status !== 'active') {
    const after = await countFailure(deps, loginName, ctx, lock, {
      ...eventBase(ctx),
      type: 'login.failure',
      outcome: 'failure',
      subject: account?.id,
      reason: !account
        ? 'unknown login name'
        : account.status !== 'active'
          ? 'account disabled'
          : 'wrong password',
      details: { loginNameHashPrefix: hashPrefix(loginName) },
    });
    if (after.locked) return { outcome: 'locked', until: after.lockedUntil, scope: after.scope ?? 'source' };
    return { outcome: 'invalid', triesLeft: after.triesLeft, nextWaitSeconds: after.nextWaitSeconds };
  }
  if (isClosed(account)) {
    await deps.audit.append({
      ...eventBase(ctx),
      type: 'login.failure',
      outcome: 'denied',
      subject: account.id,
      reason: 'account closed',
    });
    return { outcome: 'closed' };
  }
  // A right password clears nothing: only a complete sign-in does (see LoginLockout.signedIn),
  // or a stranger who knows the password could wipe the second factor's failures with it.
  if (needsRehash(account.password)) {
    await deps.accounts.update(account, { password: await hashPassword(password) }).catch(() => undefined);
  }
  return { outcome: 'ok', account };
};

/**
 * Counts a failed step of any factor (a wrong password, code or passkey) against the login
 * name and the source: audits the step's `failure` event with the counts, then the wait or
 * lock it started, once. `before` is the state read before the step was evaluated.
 */
export const countFailure = async (
  deps: Pick<Authenticator, 'lockout' | 'audit'>,
  loginName: string,
  ctx: AttemptContext,
  before: LockoutState,
  failure: AuditEventInput,
): Promise<FailureOutcome> => {
  const after = await deps.lockout.recordFailure(loginName, ctx.sourceIp, before);
  await deps.audit.append({
    ...failure,
    details: { ...failure.details, failures: after.sourceFailures, accountFailures: after.accountFailures },
  });
  if (after.lockedNow) {
    await deps.audit.append({
      ...eventBase(ctx),
      type: 'account.locked',
      outcome: 'success',
      subject: failure.subject,
      reason:
        after.scope === 'account'
          ? `${after.accountFailures} consecutive failed sign-in steps from all sources`
          : `${after.sourceFailures} failed sign-in steps from this source`,
      details: {
        scope: after.scope ?? 'source',
        lockedUntil: after.lockedUntil,
        loginNameHashPrefix: hashPrefix(loginName),
      },
    });
  }
  return after;
};

/** Whether a step may be tried at all: audited as a refused `type` step when the name is locked. */
export const lockedOut = async (
  deps: Pick<Authenticator, 'lockout' | 'audit'>,
  loginName: string,
  subject: string | undefined,
  ctx: AttemptContext,
  type: 'login.failure' | 'mfa.failure',
): Promise<LockoutState> => {
  const state = await deps.lockout.state(loginName, ctx.sourceIp);
  if (state.locked) {
    await deps.audit.append({
      ...eventBase(ctx),
      type,
      outcome: 'denied',
      actor: type === 'mfa.failure' ? subject : undefined,
      subject,
      reason: 'login name locked',
      details: { loginNameHashPrefix: hashPrefix(loginName), scope: state.scope ?? 'source' },
    });
  }
  return state;
};

/** Audit trails name accounts by id; for unknown names a short hash lets staff correlate without storing the guess. */
const hashPrefix = (name: string): string =>
  createHash('sha256').update(normaliseLoginName(name)).digest('hex').slice(0, 12);
