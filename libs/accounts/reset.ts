import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { epochSeconds, isConditionalCheckFailed } from '../store/index.ts';
import { type Account, normaliseLoginName } from './model.ts';
import type { MailQueue } from './notifier.ts';
import { hashPassword } from './password.ts';
import { PendingSignIns } from './pending-sign-in.ts';
import type { AccountStore } from './store.ts';

/** How long a code works. */
const CODE_TTL = 15 * 60;

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

const key = (loginName: string) => ({ pk: `reset#${normaliseLoginName(loginName)}`, sk: 'reset' });
/**
 * A code's keyed hash (HMAC-SHA-256 under the `reset-code-key` secret): an 8-digit code has
 * too few values for a plain hash to hide it from someone who can read the table.
 */
const hash = (key: string, code: string) => createHmac('sha256', key).update(code.trim()).digest();

/**
 * Password reset by a one-time code sent through the notifier. The state is kept per login
 * name, known or not, so a request for an unknown name does the same reads, the same hashing,
 * the same writes and the same hand-over to the mail queue as one for a real account. Only a
 * hash of the code is stored; a code expires in 15 minutes; the window's request and attempt
 * counts outlive any code, so asking again neither floods the mailbox nor buys more guesses.
 */
export class PasswordReset {
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

  /** Sends a code when the account exists, can receive it and is within its limit; says nothing either way. */
  async request(loginName: string, lang: 'zh-CN' | 'en'): Promise<ResetRequestResult> {
    const found = await this.accounts.findByLoginName(loginName);
    if (!found) await this.accounts.findById(DECOY_ACCOUNT_ID);
    const account = found?.status === 'active' ? found : undefined;
    const code = String(randomInt(0, 100_000_000)).padStart(8, '0');
    const now = epochSeconds();
    const codeExpiresAt = now + CODE_TTL;
    const issued = await this.issue(
      loginName,
      account?.id ?? NO_ACCOUNT,
      hash(this.codeKeys[0]!, code).toString('hex'),
      now,
    );
    const sent = issued && account !== undefined;
    // Handed over, not delivered, and handed over (empty) even when there is nothing to send.
    await this.mail.enqueue(
      sent
        ? {
            kind: 'password-reset',
            to: { accountId: account.id, loginName: account.loginName, email: account.email },
            lang,
            code,
            expiresAt: new Date(codeExpiresAt * 1000).toISOString(),
          }
        : undefined,
    );
    return { account, sent, limited: !issued };
  }

  /**
   * Stores a new code in the name's window: counts one request in an open window (refused at
   * the limit), or opens a new window when there is none. One conditional write either way.
   */
  private async issue(loginName: string, accountId: string, codeHash: string, now: number): Promise<boolean> {
    const codeExpiresAt = now + CODE_TTL;
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key(loginName),
          UpdateExpression: 'SET codeHash = :h, codeExpiresAt = :e, accountId = :a ADD requests :one',
          ConditionExpression: 'windowEnds > :now AND requests < :max',
          ExpressionAttributeValues: {
            ':h': codeHash,
            ':e': codeExpiresAt,
            ':a': accountId,
            ':one': 1,
            ':now': now,
            ':max': this.policy.maxRequests,
          },
        }),
      );
      return true;
    } catch (err: unknown) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
    const windowEnds = now + this.policy.windowSeconds;
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...key(loginName),
            accountId,
            codeHash,
            codeExpiresAt,
            requests: 1,
            attempts: 0,
            windowEnds,
            expiresAt: windowEnds,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR windowEnds <= :now',
          ExpressionAttributeValues: { ':now': now },
        }),
      );
      return true;
    } catch (err: unknown) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
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
    const now = epochSeconds();
    let item: Record<string, unknown> | undefined;
    try {
      ({ Attributes: item } = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key(loginName),
          UpdateExpression: 'ADD attempts :one',
          ConditionExpression: 'windowEnds > :now AND attempts < :max AND codeExpiresAt > :now',
          ExpressionAttributeValues: { ':one': 1, ':now': now, ':max': this.policy.maxAttempts },
          ReturnValues: 'ALL_NEW',
        }),
      ));
    } catch (err: unknown) {
      if (isConditionalCheckFailed(err)) return undefined;
      throw err;
    }
    if (typeof item?.codeHash !== 'string' || item.accountId === NO_ACCOUNT || !/^\d{8}$/.test(code.trim()))
      return undefined;
    const stored = Buffer.from(item.codeHash, 'hex');
    // Any kept version of the key: a code made just before a rotation still works for its 15 minutes.
    if (!this.codeKeys.some((k) => timingSafeEqual(stored, hash(k, code)))) return undefined;
    // Single use: only the request that removes this code may change the password.
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key(loginName),
          UpdateExpression: 'REMOVE codeHash, codeExpiresAt',
          ConditionExpression: 'codeHash = :h',
          ExpressionAttributeValues: { ':h': item.codeHash },
        }),
      );
    } catch (err: unknown) {
      if (isConditionalCheckFailed(err)) return undefined;
      throw err;
    }
    const account = await this.accounts.findById(String(item.accountId));
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
