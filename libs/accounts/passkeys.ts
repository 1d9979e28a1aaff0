import { DeleteCommand, type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed } from '../store/index.ts';
import { type Account, type Passkey, passkeyKey } from './model.ts';
import type { AccountStore } from './store.ts';

/**
 * A person managing their own passkeys (the account centre): listing, naming and removing them.
 * Apart from `AccountStore` so that the sign-in bundle, which never does this, does not carry it.
 */
export class AccountPasskeys {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly accounts: AccountStore,
  ) {}

  /** The account's passkeys, oldest first (a listed one whose item is gone is left out). */
  async passkeysOf(account: Account): Promise<Passkey[]> {
    const found = await Promise.all(account.passkeyIds.map((id) => this.accounts.findPasskey(id)));
    return found
      .filter((p): p is Passkey => p !== undefined && p.accountId === account.id)
      .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
  }

  /** Names one of the account's passkeys; false when it is not the account's. */
  async renamePasskey(account: Account, credentialId: string, name: string): Promise<boolean> {
    if (!account.passkeyIds.includes(credentialId)) return false;
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: passkeyKey(credentialId),
          UpdateExpression: 'SET #n = :n',
          ConditionExpression: 'accountId = :a',
          ExpressionAttributeNames: { '#n': 'name' },
          ExpressionAttributeValues: { ':n': name, ':a': account.id },
        }),
      );
      return true;
    } catch (err: unknown) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }

  /**
   * Removes one of the account's passkeys: first from the account (optimistic, by version; from
   * then on sign-in refuses it, as it accepts only passkeys the account lists), then its item.
   * A crash between the two leaves an item no sign-in accepts, and a retry finishes the job.
   * Undefined when the account has no such passkey.
   */
  async removePasskey(account: Account, credentialId: string): Promise<Account | undefined> {
    if (!account.passkeyIds.includes(credentialId)) return undefined;
    const updated = await this.accounts.update(account, {
      passkeyIds: account.passkeyIds.filter((id) => id !== credentialId),
    });
    await this.doc.send(
      new DeleteCommand({
        TableName: this.table,
        Key: passkeyKey(credentialId),
        ConditionExpression: 'attribute_not_exists(pk) OR accountId = :a',
        ExpressionAttributeValues: { ':a': account.id },
      }),
    );
    return updated;
  }
}
