import { randomUUID } from 'node:crypto';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed } from '../store/index.ts';
import { AccountConflictError, LoginNameTakenError } from './errors.ts';
import {
  Account,
  type AccountKind,
  accountKey,
  loginNameKey,
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
    return account;
  }

  async findById(id: string): Promise<Account | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: accountKey(id), ConsistentRead: true }),
    );
    return Item ? Account.parse(Item) : undefined;
  }

  async findByLoginName(name: string): Promise<Account | undefined> {
    if (!normaliseLoginName(name)) return undefined;
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.table, Key: loginNameKey(name) }));
    return typeof Item?.accountId === 'string' ? this.findById(Item.accountId) : undefined;
  }

  /** Writes changed fields if nobody else changed the account meanwhile (optimistic, by version). */
  async update(
    account: Account,
    changes: Partial<Omit<Account, 'id' | 'version' | 'loginName'>>,
  ): Promise<Account> {
    const next = Account.parse({ ...account, ...changes, version: account.version + 1 });
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
    return next;
  }

  /**
   * Accepts a TOTP time step only if it is later than the last one used: one conditional
   * update, so a code cannot be replayed even by two requests at once.
   */
  async useTotpStep(accountId: string, step: number): Promise<boolean> {
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
