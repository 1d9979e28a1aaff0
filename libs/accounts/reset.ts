import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { epochSeconds } from '../store/index.ts';
import { type Account, normaliseLoginName, recipientOf } from './model.ts';
import type { AccountMessage, MailQueue } from './notifier.ts';
import type { OneTimeCodes } from './one-time-code.ts';
import { hashPassword } from './password.ts';
import { PendingSignIns } from './pending-sign-in.ts';
import type { AccountStore } from './store.ts';

/**
 * The budget of one login name, counted per window and never reset by a new request:
 * at most `maxRequests` codes sent and `maxAttempts` codes tried per `windowSeconds`.
 */
export interface ResetPolicy {
  /** @default 3 */
  readonly maxRequests: number;
  /** @default 5 */
  readonly maxAttempts: number;
  /** @default 1 hour */
  readonly windowSeconds: number;
}

export const DEFAULT_RESET_POLICY: ResetPolicy = { maxRequests: 3, maxAttempts: 5, windowSeconds: 3600 };

/** What a reset request did (for the audit trail); the person is told the same whatever it was. */
export interface ResetRequestResult {
  /** The active account of that name, if there is one. */
  readonly account?: Account;
  /** A code is on its way to the account. */
  readonly sent: boolean;
  /** The name has had its codes for this window: nothing was sent. */
  readonly limited: boolean;
}

/** Stands for "no account" in a reset item (an unknown or disabled name). */
const NO_ACCOUNT = '-';
/** Read for unknown names, so that both answers cost the same reads. */
const DECOY_ACCOUNT_ID = 'decoy-for-unknown-login-names';

/** How long a code works. */
const CODE_TTL = 15 * 60;

const key = (loginName: string) => ({ pk: `reset#${normaliseLoginName(loginName)}`, sk: 'reset' });

/**
 * Password reset by a one-time code sent through the notifier: by email, and by SMS too when
 * the account has a verified phone. The state is kept per login name, known or not, so a
 * request for an unknown name does the same reads, the same hashing, the same writes and the
 * same hand-overs to the mail queue (one per channel, decoys where there is nothing to send)
 * as one for a real account. Only a keyed hash of the code is stored (OneTimeCodes); a code
 * expires in 15 minutes; the window's request and attempt counts outlive any code, so asking
 * again neither floods the mailbox nor buys more guesses.
 */
export class PasswordReset {
  private codes: Promise<OneTimeCodes> | undefined;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly accounts: AccountStore,
    private readonly mail: MailQueue,
    /** Versions of the `reset-code-key` secret, newest first: codes are made with the newest. */
    private readonly codeKeys: readonly string[],
    private readonly policy: ResetPolicy = DEFAULT_RESET_POLICY,
  ) {
    if (!codeKeys.length) throw new Error('password reset needs the reset-code-key secret');
  }

  /** Loaded on first use (a chunk of its own), keeping the codes off the oidc cold start. */
  private oneTimeCodes(): Promise<OneTimeCodes> {
    this.codes ??= import('./one-time-code.ts').then(
      ({ OneTimeCodes }) =>
        new OneTimeCodes(this.doc, this.table, this.codeKeys, {
          ...this.policy,
          codeSeconds: CODE_TTL,
          digits: 8,
        }),
    );
    return this.codes;
  }

  /** Sends a code when the account exists, can receive it and is within its limit; says nothing either way. */
  async request(loginName: string, lang: 'zh-CN' | 'en'): Promise<ResetRequestResult> {
    const found = await this.accounts.findByLoginName(loginName);
    if (!found) await this.accounts.findById(DECOY_ACCOUNT_ID);
    const account = found?.status === 'active' ? found : undefined;
    const issued = await (await this.oneTimeCodes()).issue(key(loginName), {
      accountId: account?.id ?? NO_ACCOUNT,
    });
    const sent = issued !== undefined && account !== undefined;
    const to = account && recipientOf(account);
    const message = (channel: 'email' | 'sms'): AccountMessage | undefined =>
      // Email as before, whether or not the account has an address (the notifier drops one
      // with none); SMS only to a verified phone.
      sent && to && (channel === 'email' || to.phone)
        ? {
            kind: 'password-reset',
            channel,
            to,
            lang,
            code: issued.code,
            expiresAt: new Date(issued.expiresAt * 1000).toISOString(),
          }
        : undefined;
    // Handed over, not delivered, and handed over (empty) even when there is nothing to send:
    // every request, whatever the name, hands over one message per channel.
    await this.mail.enqueue(message('email'));
    await this.mail.enqueue(message('sms'));
    return { account, sent, limited: issued === undefined };
  }

  /**
   * Hands a sign-in over to the interaction `uid` that sent the person here, after a reset of
   * `accountId` confirmed in the browser whose CSRF cookie has the digest `browser`: the
   * interaction's next page continues it (asking for any second factor the account has).
   */
  async handOver(uid: string, accountId: string, browser: string): Promise<void> {
    await new PendingSignIns(this.doc, this.table).handOver(uid, { accountId, browser });
  }

  /**
   * Sets a new password if the code is right. Every try, right or wrong, first takes one
   * attempt from the window (one conditional update, so parallel guesses cannot exceed it).
   */
  async confirm(loginName: string, code: string, newPassword: string): Promise<Account | undefined> {
    const item = await (await this.oneTimeCodes()).redeem(key(loginName), code);
    if (!item || typeof item.accountId !== 'string' || item.accountId === NO_ACCOUNT) return undefined;
    const account = await this.accounts.findById(item.accountId);
    if (account?.status !== 'active') return undefined;
    return this.accounts.update(account, {
      password: await hashPassword(newPassword),
      sessionsValidAfter: epochSeconds(),
      // A password the person chose replaces any one-time password an administrator gave: the
      // first sign-in then asks only for the second factor it still lacks.
      mustChangePassword: false,
    });
  }
}
