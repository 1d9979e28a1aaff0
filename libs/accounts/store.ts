import { randomUUID } from 'node:crypto';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { forgetPrefetched, type ItemKey, isConditionalCheckFailed, takePrefetched } from '../store/index.ts';
import { AccountConflictError, LoginNameTakenError } from './errors.ts';
import {
  Account,
  type AccountKind,
  accountKey,
  emailKey,
  loginNameKey,
  normaliseEmail,
  normaliseLoginName,
  Passkey,
  passkeyKey,
  type Role,
} from './model.ts';
import { hashPassword } from './password.ts';
import { legacyRecoveryCodeHash, matchingRecoveryHash } from './totp.ts';

export interface NewAccount {
  readonly kind: AccountKind;
  readonly loginName: string;
  readonly displayName: string;
  readonly password: string;
  readonly roles: readonly Role[];
  readonly department?: string;
  readonly email?: string;
  readonly identityAssurance?: Account['identityAssurance'];
  /** A one-time password: the first sign-in changes it (and enrols a second factor) before anything else. */
  readonly oneTimePassword?: boolean;
}

/** What `AccountStore.indexEmails` did: accounts read, lookup items written and stale ones removed. */
export interface EmailIndexReport {
  readonly accounts: number;
  readonly written: number;
  readonly removed: number;
}

const sameEmail = (a: string | undefined, b: string | undefined): boolean =>
  (a === undefined ? undefined : normaliseEmail(a)) === (b === undefined ? undefined : normaliseEmail(b));

/** Accounts in the identity table. Uniqueness of login names comes from a keyed item, not a transaction. */
export class AccountStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Creates the account, then claims its login name with a conditional put. If the name is
   * taken the account item is removed again; an account whose claim never happened (a crash
   * between the two writes) is unreachable, so a retry is always safe.
   */
  async create(input: NewAccount): Promise<Account> {
    const account: Account = Account.parse({
      id: randomUUID(),
      kind: input.kind,
      loginName: input.loginName.trim(),
      displayName: input.displayName.trim(),
      email: input.email,
      identityAssurance: input.identityAssurance ?? 'self-asserted',
      roles: [...input.roles],
      department: input.department,
      password: await hashPassword(input.password),
      passkeyIds: [],
      mustChangePassword: input.oneTimePassword === true,
      mustEnrolSecondFactor: input.oneTimePassword === true && input.kind === 'staff',
      status: 'active',
      createdAt: this.now().toISOString(),
      version: 1,
    });
    forgetPrefetched(this.table, accountKey(account.id));
    forgetPrefetched(this.table, loginNameKey(account.loginName));
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...accountKey(account.id), ...account },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...loginNameKey(account.loginName), accountId: account.id },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (err: unknown) {
      await this.doc.send(new DeleteCommand({ TableName: this.table, Key: accountKey(account.id) }));
      if (isConditionalCheckFailed(err)) {
        throw new LoginNameTakenError(
          `the login name “${account.loginName}” is already registered; choose another`,
        );
      }
      throw err;
    }
    if (account.email) await this.putEmailItem(account.email, account.id);
    return account;
  }

  /**
   * Every account whose e-mail address is this one, however it was typed (case, width).
   * Reads the lookup items, then each account: an item the account no longer matches (a crash
   * between an address change and the item's removal) is ignored.
   */
  async findByEmail(email: string): Promise<Account[]> {
    const address = normaliseEmail(email);
    if (!address) return [];
    const ids: string[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': emailKey(address, '').pk },
          ProjectionExpression: 'sk',
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) if (typeof item.sk === 'string') ids.push(item.sk);
      start = page.LastEvaluatedKey;
    } while (start);
    const accounts = await Promise.all(ids.map((id) => this.findById(id)));
    return accounts.filter((a): a is Account => a !== undefined && sameEmail(a.email, address));
  }

  /**
   * The one-time backfill of the e-mail lookup (`yitong accounts index-emails`): reads every
   * account item and lookup item in the identity table, writes the lookup item of each account
   * with an address and removes those no account holds any more. Running it again changes
   * nothing.
   */
  async indexEmails(): Promise<EmailIndexReport> {
    const holders = new Map<string, Set<string>>();
    const existing: { pk: string; sk: string }[] = [];
    let accounts = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new ScanCommand({
          TableName: this.table,
          FilterExpression: 'sk = :account OR begins_with(pk, :email)',
          ExpressionAttributeValues: { ':account': 'account', ':email': 'email#' },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) {
        if (item.sk === 'account' && typeof item.pk === 'string' && item.pk.startsWith('account#')) {
          accounts++;
          if (typeof item.email === 'string' && typeof item.id === 'string') {
            const key = emailKey(item.email, item.id);
            holders.set(key.pk, (holders.get(key.pk) ?? new Set()).add(key.sk));
          }
        } else if (typeof item.pk === 'string' && typeof item.sk === 'string') {
          existing.push({ pk: item.pk, sk: item.sk });
        }
      }
      start = page.LastEvaluatedKey;
    } while (start);
    const have = new Set(existing.map((k) => `${k.pk}\n${k.sk}`));
    let written = 0;
    for (const [pk, ids] of holders) {
      for (const id of ids) {
        if (have.has(`${pk}\n${id}`)) continue;
        await this.doc.send(new PutCommand({ TableName: this.table, Item: { pk, sk: id, accountId: id } }));
        written++;
      }
    }
    let removed = 0;
    for (const key of existing) {
      if (holders.get(key.pk)?.has(key.sk)) continue;
      await this.doc.send(new DeleteCommand({ TableName: this.table, Key: key }));
      removed++;
    }
    return { accounts, written, removed };
  }

  private async putEmailItem(email: string, accountId: string): Promise<void> {
    await this.doc.send(
      new PutCommand({ TableName: this.table, Item: { ...emailKey(email, accountId), accountId } }),
    );
  }

  /** The account's item (a request may prefetch it, libs/store prefetchItems). */
  itemKey(id: string): ItemKey {
    return accountKey(id);
  }

  /** The item naming the account of a login name (a request may prefetch it). */
  loginItemKey(name: string): ItemKey {
    return loginNameKey(name);
  }

  /** A strongly consistent read, or the copy this request prefetched (read so, unwritten since). */
  private async read(key: ItemKey, consistent: boolean): Promise<Record<string, unknown> | undefined> {
    const prefetched = takePrefetched(this.table, key);
    if (prefetched.found) return prefetched.item;
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: key, ConsistentRead: consistent || undefined }),
    );
    return Item;
  }

  async findById(id: string): Promise<Account | undefined> {
    const Item = await this.read(accountKey(id), true);
    return Item ? Account.parse(Item) : undefined;
  }

  /**
   * The id of the account with this login name, from the login name's own item (written only
   * after the account item exists; accounts are never deleted): one read where the account
   * itself is not needed.
   */
  async idOfLoginName(name: string): Promise<string | undefined> {
    if (!normaliseLoginName(name)) return undefined;
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.table, Key: loginNameKey(name) }));
    return typeof Item?.accountId === 'string' ? Item.accountId : undefined;
  }

  async findByLoginName(name: string): Promise<Account | undefined> {
    if (!normaliseLoginName(name)) return undefined;
    const Item = await this.read(loginNameKey(name), false);
    return typeof Item?.accountId === 'string' ? this.findById(Item.accountId) : undefined;
  }

  /** Writes changed fields if nobody else changed the account meanwhile (optimistic, by version). */
  async update(
    account: Account,
    changes: Partial<Omit<Account, 'id' | 'version' | 'loginName'>>,
  ): Promise<Account> {
    const next = Account.parse({ ...account, ...changes, version: account.version + 1 });
    forgetPrefetched(this.table, accountKey(account.id));
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...accountKey(account.id), ...next },
          ConditionExpression: 'version = :v',
          ExpressionAttributeValues: { ':v': account.version },
        }),
      );
    } catch (err: unknown) {
      if (isConditionalCheckFailed(err))
        throw new AccountConflictError(`account ${account.id} changed concurrently`);
      throw err;
    }
    // The lookup follows the address: the new item first, so the account is never unfindable.
    if (!sameEmail(account.email, next.email)) {
      if (next.email) await this.putEmailItem(next.email, next.id);
      if (account.email) {
        await this.doc.send(
          new DeleteCommand({ TableName: this.table, Key: emailKey(account.email, account.id) }),
        );
      }
    }
    return next;
  }

  /**
   * Accepts a TOTP time step only if it is later than the last one used: one conditional
   * update, so a code cannot be replayed even by two requests at once.
   */
  async useTotpStep(accountId: string, step: number): Promise<boolean> {
    forgetPrefetched(this.table, accountKey(accountId));
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: accountKey(accountId),
          UpdateExpression: 'SET totp.lastStep = :step',
          ConditionExpression: 'attribute_exists(totp) AND totp.lastStep < :step',
          ExpressionAttributeValues: { ':step': step },
        }),
      );
      return true;
    } catch (err: unknown) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }

  /** Removes one recovery code if it is still unused; true when it was. */
  async useRecoveryCode(account: Account, code: string): Promise<boolean> {
    const totp = account.totp;
    if (!totp) return false;
    const hash = totp.recovery ? await matchingRecoveryHash(totp.recovery, code) : undefined;
    const legacy = totp.recoveryCodes.includes(legacyRecoveryCodeHash(code))
      ? legacyRecoveryCodeHash(code)
      : undefined;
    if (!hash && !legacy) return false;
    try {
      await this.update(account, {
        totp: {
          ...totp,
          ...(totp.recovery
            ? { recovery: { ...totp.recovery, hashes: totp.recovery.hashes.filter((h) => h !== hash) } }
            : {}),
          recoveryCodes: totp.recoveryCodes.filter((c) => c !== legacy),
        },
      });
      return true;
    } catch (err: unknown) {
      if (err instanceof AccountConflictError) return false;
      throw err;
    }
  }

  async addPasskey(account: Account, passkey: Omit<Passkey, 'accountId' | 'createdAt'>): Promise<Account> {
    const item = Passkey.parse({ ...passkey, accountId: account.id, createdAt: this.now().toISOString() });
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...passkeyKey(item.credentialId), ...item },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return this.update(account, { passkeyIds: [...account.passkeyIds, item.credentialId] });
  }

  async findPasskey(credentialId: string): Promise<Passkey | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: passkeyKey(credentialId), ConsistentRead: true }),
    );
    return Item ? Passkey.parse(Item) : undefined;
  }

  /** Signature counters only move forward; a clone presenting an old counter is refused by the verifier. */
  async updatePasskeyCounter(credentialId: string, counter: number): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: passkeyKey(credentialId),
        UpdateExpression: 'SET #c = :c',
        ExpressionAttributeNames: { '#c': 'counter' },
        ExpressionAttributeValues: { ':c': counter },
      }),
    );
  }
}
