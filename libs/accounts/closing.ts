import { DeleteCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import {
  epochSeconds,
  forgetPrefetched,
  type ItemKey,
  isConditionalCheckFailed,
  queryAll,
} from '../store/index.ts';
import { type Account, accountKey, emailKey, loginNameKey, passkeyKey, phoneKey } from './model.ts';
import type { AccountStore } from './store.ts';

/** A closing whose cooling-off ends at `closesAt` (epoch seconds). */
export interface DueClosing {
  readonly accountId: string;
  readonly closesAt: number;
}

/** One partition lists every pending closing, by when it ends: closings are rare, so it never runs hot. */
const DUE_PARTITION = 'account-closing';
const dueKey = (c: DueClosing) => ({
  pk: DUE_PARTITION,
  sk: `${String(c.closesAt).padStart(12, '0')}#${c.accountId}`,
});

/**
 * Closing accounts (issue #21): the person asks, the account waits out a cooling-off (during
 * which they may sign in and cancel), then the sweep deletes it. The account item says it is
 * closing; a due item keyed by the end of the cooling-off lets the sweep find it in one query.
 * Two single-item writes, each idempotent: the due item is written first, so a closing is never
 * recorded without the sweep finding it (a due item with no closing on its account is dropped).
 */
export class AccountClosings {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly accounts: AccountStore,
  ) {}

  /** Starts the cooling-off, and ends every session from before it (`sessionsValidAfter`). */
  async request(
    account: Account,
    seconds: number,
    lang: 'zh-CN' | 'en',
    now: Date = new Date(),
  ): Promise<Account> {
    const at = epochSeconds(now);
    const closing = {
      requestedAt: now.toISOString(),
      closesAt: at + Math.max(0, Math.floor(seconds)),
      lang,
    };
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...dueKey({ accountId: account.id, closesAt: closing.closesAt }), accountId: account.id },
      }),
    );
    return this.accounts.update(account, {
      closing,
      // Every sign-in until now, this second's included: a sign-in to cancel is a later one.
      sessionsValidAfter: Math.max(account.sessionsValidAfter, at + 1),
    });
  }

  /** Cancels a closing still in its cooling-off; undefined when there was none to cancel. */
  async cancel(account: Account): Promise<Account | undefined> {
    const closing = account.closing;
    if (!closing) return undefined;
    const kept = await this.accounts.update(account, { closing: undefined });
    await this.done({ accountId: account.id, closesAt: closing.closesAt });
    return kept;
  }

  /** Closings whose cooling-off has ended, the oldest first. */
  async due(now: Date = new Date()): Promise<DueClosing[]> {
    const items = await queryAll(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND sk <= :until',
      ExpressionAttributeValues: {
        ':pk': DUE_PARTITION,
        ':until': `${String(epochSeconds(now)).padStart(12, '0')}#~`,
      },
      ConsistentRead: true,
    });
    return items.flatMap((item) => {
      const [closesAt, accountId] = String(item.sk).split('#');
      return accountId ? [{ accountId, closesAt: Number(closesAt) }] : [];
    });
  }

  /** Forgets a due closing (deleted, or cancelled). */
  async done(closing: DueClosing): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.table, Key: dueKey(closing) }));
  }
}

/**
 * Deletes an account (its closing's cooling-off ended, docs/account.md): its passkeys, its e-mail
 * and phone lookup items, any address or number still pending its code, its login name (only while it still names this account) and last the account
 * item. Each step is idempotent, so a retry after a crash finishes the job.
 */
export const removeAccount = async (
  doc: DynamoDBDocumentClient,
  table: string,
  account: Account,
): Promise<void> => {
  const del = (Key: ItemKey, mine = false) =>
    doc
      .send(
        new DeleteCommand({
          TableName: table,
          Key,
          ...(mine
            ? { ConditionExpression: 'accountId = :a', ExpressionAttributeValues: { ':a': account.id } }
            : {}),
        }),
      )
      .catch((err: unknown) => {
        if (!isConditionalCheckFailed(err)) throw err;
      });
  await Promise.all(account.passkeyIds.map((id) => del(passkeyKey(id), true)));
  if (account.email) await del(emailKey(account.email, account.id));
  if (account.phone) await del(phoneKey(account.phone, account.id));
  // A new address or number still waiting for its code (ContactDetails).
  await Promise.all(
    (['email', 'phone'] as const).map((kind) => del({ pk: `contact#${account.id}`, sk: kind })),
  );
  await del(loginNameKey(account.loginName), true);
  forgetPrefetched(table, accountKey(account.id));
  forgetPrefetched(table, loginNameKey(account.loginName));
  await del(accountKey(account.id));
};
