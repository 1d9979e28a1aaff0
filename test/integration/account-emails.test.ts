import { type DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { AccountStore } from '../../libs/accounts/index.ts';
import { freshTables } from '../support/tables.ts';

let doc: DynamoDBDocumentClient;
let table: string;
let accounts: AccountStore;

beforeEach(async () => {
  const fresh = await freshTables();
  doc = fresh.doc;
  table = fresh.tables.identity;
  accounts = new AccountStore(doc, table);
});

const newAccount = (loginName: string, email?: string) =>
  accounts.create({
    kind: 'citizen',
    loginName,
    displayName: loginName,
    password: 'a long enough password',
    roles: ['citizen'],
    ...(email ? { email } : {}),
  });

const lookupItems = async (address: string) =>
  (
    await doc.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `email#${address}` },
      }),
    )
  ).Items ?? [];

describe('the e-mail lookup of accounts', () => {
  it('finds every account giving one address, however it is typed', async () => {
    const a = await newAccount('li.lei', 'Family@Example.cn');
    const b = await newAccount('han.meimei', 'family@example.cn');
    await newAccount('wang.fang', 'other@example.cn');
    const found = await accounts.findByEmail('  ＦＡＭＩＬＹ@example.CN ');
    expect(found.map((x) => x.id).sort()).toEqual([a.id, b.id].sort());
  });

  it('holds nothing but the address and the account id', async () => {
    const a = await newAccount('li.lei', 'Li.Lei@Example.cn');
    expect(await lookupItems('li.lei@example.cn')).toEqual([
      { pk: 'email#li.lei@example.cn', sk: a.id, accountId: a.id },
    ]);
  });

  it('writes no item for an account without an address', async () => {
    const a = await newAccount('li.lei');
    expect(await accounts.findByEmail('li.lei')).toEqual([]);
    const { Items } = await doc.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `account#${a.id}` },
      }),
    );
    expect(Items?.[0]?.email).toBeUndefined();
    expect(await accounts.indexEmails()).toEqual({ accounts: 1, written: 0, removed: 0 });
  });

  it('moves with a change of address: the old address finds it no more, the new one does', async () => {
    const a = await newAccount('li.lei', 'old@example.cn');
    const changed = await accounts.update(a, { email: 'New@example.cn' });
    expect(await accounts.findByEmail('old@example.cn')).toEqual([]);
    expect(await lookupItems('old@example.cn')).toEqual([]);
    expect((await accounts.findByEmail('new@example.cn')).map((x) => x.id)).toEqual([a.id]);
    await accounts.update(changed, { email: undefined });
    expect(await lookupItems('new@example.cn')).toEqual([]);
  });

  it('ignores a lookup item its account no longer matches', async () => {
    const a = await newAccount('li.lei', 'old@example.cn');
    // As a crash between the account write and the item's removal would leave it.
    await doc.send(
      new UpdateCommand({
        TableName: table,
        Key: { pk: `account#${a.id}`, sk: 'account' },
        UpdateExpression: 'SET email = :e',
        ExpressionAttributeValues: { ':e': 'new@example.cn' },
      }),
    );
    expect(await accounts.findByEmail('old@example.cn')).toEqual([]);
  });

  it('is backfilled once for accounts stored before it, and a second run changes nothing', async () => {
    const a = await newAccount('li.lei', 'li@example.cn');
    const b = await newAccount('han.meimei');
    // An account from before the lookup existed: the address only on the account item.
    await doc.send(
      new UpdateCommand({
        TableName: table,
        Key: { pk: `account#${b.id}`, sk: 'account' },
        UpdateExpression: 'SET email = :e',
        ExpressionAttributeValues: { ':e': 'Han@Example.cn' },
      }),
    );
    expect(await accounts.findByEmail('han@example.cn')).toEqual([]);
    expect(await accounts.indexEmails()).toEqual({ accounts: 2, written: 1, removed: 0 });
    expect((await accounts.findByEmail('han@example.cn')).map((x) => x.id)).toEqual([b.id]);
    expect((await accounts.findByEmail('li@example.cn')).map((x) => x.id)).toEqual([a.id]);
    expect(await accounts.indexEmails()).toEqual({ accounts: 2, written: 0, removed: 0 });
    const { Item } = await doc.send(
      new GetCommand({ TableName: table, Key: { pk: 'email#han@example.cn', sk: b.id } }),
    );
    expect(Item).toEqual({ pk: 'email#han@example.cn', sk: b.id, accountId: b.id });
  });
});
