import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { epochSeconds } from '../store/index.ts';
import type { Account } from './model.ts';
import type { Notifier } from './notifier.ts';
import { hashPassword } from './password.ts';
import type { AccountStore } from './store.ts';

const CODE_TTL = 15 * 60;
const MAX_ATTEMPTS = 5;
const key = (accountId: string) => ({ pk: `reset#${accountId}`, sk: 'reset' });
const hash = (code: string) => createHash('sha256').update(code.trim()).digest();

/**
 * Password reset by a one-time code sent through the notifier. Only a hash of the code is
 * stored; it expires in 15 minutes and dies after five wrong tries.
 */
export class PasswordReset {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly accounts: AccountStore,
    private readonly notifier: Notifier,
  ) {}

  /** Sends a code when the account exists and can receive it; says nothing either way. */
  async request(loginName: string, lang: 'zh-CN' | 'en'): Promise<Account | undefined> {
    const account = await this.accounts.findByLoginName(loginName);
    if (account?.status !== 'active') return undefined;
    const code = String(randomInt(0, 100_000_000)).padStart(8, '0');
    const expiresAt = epochSeconds() + CODE_TTL;
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...key(account.id), codeHash: hash(code).toString('hex'), attempts: 0, expiresAt },
      }),
    );
    await this.notifier.send({
      kind: 'password-reset',
      to: { accountId: account.id, loginName: account.loginName, email: account.email },
      lang,
      code,
      expiresAt: new Date(expiresAt * 1000).toISOString(),
    });
    return account;
  }

  /** Sets a new password if the code is right; false (and one attempt used) otherwise. */
  async confirm(loginName: string, code: string, newPassword: string): Promise<Account | undefined> {
    const account = await this.accounts.findByLoginName(loginName);
    if (!account) return undefined;
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: key(account.id), ConsistentRead: true }),
    );
    if (!Item || Number(Item.expiresAt) <= epochSeconds() || Number(Item.attempts) >= MAX_ATTEMPTS)
      return undefined;
    const expected = Buffer.from(String(Item.codeHash), 'hex');
    if (!/^\d{8}$/.test(code.trim()) || !timingSafeEqual(expected, hash(code))) {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key(account.id),
          UpdateExpression: 'ADD attempts :one',
          ExpressionAttributeValues: { ':one': 1 },
        }),
      );
      return undefined;
    }
    // Single use: only the request that deletes the code may change the password.
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.table,
          Key: key(account.id),
          ConditionExpression: 'codeHash = :h',
          ExpressionAttributeValues: { ':h': Item.codeHash },
        }),
      );
    } catch {
      return undefined;
    }
    return this.accounts.update(account, {
      password: await hashPassword(newPassword),
      sessionsValidAfter: epochSeconds(),
    });
  }
}
