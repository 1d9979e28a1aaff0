import { createHash } from 'node:crypto';
import { KMSClient } from '@aws-sdk/client-kms';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoCallCounter } from '../../bench/lib/dynamo-counter.ts';
import {
  AccountStore,
  hashRecoveryCodes,
  newRecoveryCodes,
  newTotpSecret,
  TotpVault,
} from '../../libs/accounts/index.ts';
import { KmsSecretStore, LocalKeyring, LocalSecretStore } from '../../libs/keys/index.ts';
import { DynamoOidcAdapter } from '../../libs/oidc/adapter.ts';
import { clientSecretMatches } from '../../libs/oidc/client-secret.ts';
import { putClient } from '../../libs/oidc/index.ts';
import { createRuntime } from '../../libs/runtime/index.ts';
import { createDynamoClient } from '../../libs/store/index.ts';
import { type FakeAws, startFakeAws } from '../../testkit/fake-aws.ts';
import { freshTables } from '../support/tables.ts';

let doc: DynamoDBDocumentClient;
let tables: Awaited<ReturnType<typeof freshTables>>['tables'];
let aws: FakeAws;

const raw = async (pk: string, sk: string) =>
  (await doc.send(new GetCommand({ TableName: tables.identity, Key: { pk, sk }, ConsistentRead: true })))
    .Item;
const sha256Hex = (value: string) => createHash('sha256').update(value).digest('hex');

beforeAll(async () => {
  ({ doc, tables } = await freshTables());
  aws = await startFakeAws({ keyIds: [] });
});

afterAll(async () => {
  await aws?.close();
});

const person = async (accounts: AccountStore, name: string) =>
  accounts.create({
    kind: 'citizen',
    loginName: `${name}-${Date.now().toString(36)}`,
    displayName: name,
    password: 'correct horse battery',
    roles: ['citizen'],
  });

describe('TOTP secrets at rest', () => {
  it('are sealed with the data key and the account id: the item holds no secret, another account cannot open it', async () => {
    const accounts = new AccountStore(doc, tables.identity);
    const vault = new TotpVault(new LocalSecretStore(undefined));
    const account = await person(accounts, 'sealed');
    const secret = newTotpSecret();
    const sealed = await vault.seal(account.id, secret);
    await accounts.update(account, {
      totp: { sealedSecret: sealed, enabledAt: new Date().toISOString(), lastStep: 0, recoveryCodes: [] },
    });
    const item = await raw(`account#${account.id}`, 'account');
    expect(JSON.stringify(item)).not.toContain(secret);
    expect(await vault.secretOf((await accounts.findById(account.id))!, accounts)).toBe(secret);
    // Copied onto another account, the sealed secret does not open (the account id is bound in).
    await expect(vault.open('someone-else', sealed)).rejects.toThrow();
  });

  it('stored in clear by an older version keep working and are sealed at their first use', async () => {
    const accounts = new AccountStore(doc, tables.identity);
    const vault = new TotpVault(new LocalSecretStore(undefined));
    const account = await person(accounts, 'legacy');
    const secret = newTotpSecret();
    await accounts.update(account, {
      totp: { secret, enabledAt: new Date().toISOString(), lastStep: 0, recoveryCodes: [] },
    });
    expect(JSON.stringify(await raw(`account#${account.id}`, 'account'))).toContain(secret);
    expect(await vault.secretOf((await accounts.findById(account.id))!, accounts)).toBe(secret);
    const migrated = await raw(`account#${account.id}`, 'account');
    expect(JSON.stringify(migrated)).not.toContain(secret);
    expect(await vault.secretOf((await accounts.findById(account.id))!, accounts)).toBe(secret);
  });

  it('on AWS use a KMS data key: only its encrypted form is stored, and another container opens it', async () => {
    const kms = () => new KMSClient({ endpoint: aws.endpoint, region: 'eu-west-1', credentials: FAKE });
    const keys = { secrets: 'secrets-key', totp: 'totp-key' };
    const first = new KmsSecretStore(kms(), keys, doc, tables.identity);
    const [dataKey] = await first.versions('totp-data-key');
    const stored = await raw('secret#totp-data-key', 'secret');
    expect(stored?.blobs).toHaveLength(1);
    expect(JSON.stringify(stored)).not.toContain(dataKey);
    expect(JSON.stringify(stored)).not.toContain(Buffer.from(dataKey!, 'base64url').toString('base64'));
    const sealed = await new TotpVault(first).seal('account-1', 'JBSWY3DPEHPK3PXP');
    const other = new KmsSecretStore(kms(), keys, doc, tables.identity);
    expect(await new TotpVault(other).open('account-1', sealed)).toBe('JBSWY3DPEHPK3PXP');
    // After a rotation, what the old key sealed still opens, and a container that has not seen
    // the new key yet opens what another sealed under it.
    await first.rotate('totp-data-key');
    const sealedAfter = await new TotpVault(first).seal('account-2', 'KRUGKIDROVUWG2ZA');
    expect(sealedAfter.split('.')[1]).not.toBe(sealed.split('.')[1]);
    expect(await new TotpVault(other).open('account-2', sealedAfter)).toBe('KRUGKIDROVUWG2ZA');
    expect(await new TotpVault(first).open('account-1', sealed)).toBe('JBSWY3DPEHPK3PXP');
    for (let i = 0; i < 4; i++) await first.rotate('totp-data-key');
    expect(await new TotpVault(first).open('account-1', sealed)).toBe('JBSWY3DPEHPK3PXP');
    // The data key is bound to its name: the same blob under another name does not decrypt.
    await doc.send(
      new PutCommand({
        TableName: tables.identity,
        Item: { pk: 'secret#cookie-keys', sk: 'secret', blobs: stored!.blobs, version: 1 },
      }),
    );
    await expect(other.versions('cookie-keys')).rejects.toThrow();
  });
});

const FAKE = { accessKeyId: 'test', secretAccessKey: 'test' };

describe('recovery codes at rest', () => {
  it('are salted argon2id per set: the same code hashes differently for two accounts, and works once', async () => {
    const accounts = new AccountStore(doc, tables.identity);
    const codes = newRecoveryCodes();
    for (const code of codes) expect(code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    const [a, b] = await Promise.all([hashRecoveryCodes(codes), hashRecoveryCodes(codes)]);
    expect(a.salt).not.toBe(b.salt);
    expect(a.hashes[0]).not.toBe(b.hashes[0]);
    expect(JSON.stringify(a)).not.toContain(sha256Hex(codes[0]!));

    const account = await person(accounts, 'recovery');
    await accounts.update(account, {
      totp: {
        sealedSecret: 'v1.x.y.z',
        enabledAt: new Date().toISOString(),
        lastStep: 0,
        recovery: a,
        recoveryCodes: [],
      },
    });
    const item = JSON.stringify(await raw(`account#${account.id}`, 'account'));
    for (const code of codes) expect(item).not.toContain(sha256Hex(code));
    expect(
      await accounts.useRecoveryCode((await accounts.findById(account.id))!, codes[3]!.toLowerCase()),
    ).toBe(true);
    expect(await accounts.useRecoveryCode((await accounts.findById(account.id))!, codes[3]!)).toBe(false);
    expect((await accounts.findById(account.id))!.totp!.recovery!.hashes).toHaveLength(9);
  });

  it('hashed unsalted by an older version are still accepted once (people hold them)', async () => {
    const accounts = new AccountStore(doc, tables.identity);
    const account = await person(accounts, 'old-codes');
    await accounts.update(account, {
      totp: {
        secret: newTotpSecret(),
        enabledAt: new Date().toISOString(),
        lastStep: 0,
        recoveryCodes: [sha256Hex('K7QM-2XPA')],
      },
    });
    expect(await accounts.useRecoveryCode((await accounts.findById(account.id))!, 'k7qm-2xpa')).toBe(true);
    expect(await accounts.useRecoveryCode((await accounts.findById(account.id))!, 'K7QM-2XPA')).toBe(false);
  });
});

describe('client secrets at rest', () => {
  it('are stored as hashes by every writer, and a secret an older version stored in clear is hashed on read', async () => {
    const secret = 'a-client-secret-of-forty-three-characters-xx';
    await putClient(doc, tables.identity, {
      client_id: 'hashed',
      client_secret: secret,
      yitong_zone: 'public',
    });
    const stored = JSON.parse(String((await raw('oidc#Client#hashed', 'oidc'))!.payload));
    expect(stored.client_secret).toMatch(/^sha256:/);
    expect(clientSecretMatches(stored.client_secret, secret)).toBe(true);
    expect(clientSecretMatches(stored.client_secret, `${secret}x`)).toBe(false);
    expect(clientSecretMatches(stored.client_secret, stored.client_secret)).toBe(false);

    // An item written by an older version, secret in clear.
    await doc.send(
      new PutCommand({
        TableName: tables.identity,
        Item: {
          pk: 'oidc#Client#legacy',
          sk: 'oidc',
          model: 'Client',
          payload: JSON.stringify({ client_id: 'legacy', client_secret: secret }),
        },
      }),
    );
    const found = await new DynamoOidcAdapter('Client', { doc, tableName: tables.identity }).find('legacy');
    expect(clientSecretMatches(found?.client_secret, secret)).toBe(true);
    expect(JSON.stringify(await raw('oidc#Client#legacy', 'oidc'))).not.toContain(secret);
  });
});

describe('cookie keys and the pairwise salt', () => {
  it('are not items of the identity table', async () => {
    const runtime = await createRuntime(
      {
        zone: 'public',
        issuer: 'http://localhost:1',
        tables,
        keys: { kind: 'local', dir: undefined },
        dynamodbEndpoint: undefined,
        localMode: true,
      },
      { doc, keyring: new LocalKeyring(undefined) },
    );
    expect(runtime.cookieKeys[0]!.length).toBeGreaterThanOrEqual(32);
    await runtime.secrets.versions('pairwise-salt');
    const { Items } = await doc.send(
      new QueryCommand({
        TableName: tables.identity,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'config#cookie-keys' },
      }),
    );
    expect(Items).toEqual([]);
    expect(await raw('config#pairwise-salt', 'config')).toBeUndefined();
  });

  it('kept in clear by an older version are taken over on AWS as they were, encrypted, and the clear items deleted', async () => {
    const fresh = await freshTables();
    const salt = 'c2FsdC1vZi1hbi1vbGRlci12ZXJzaW9uLTMyLWJ5dGVzIQ';
    const keys = [
      'a2V5LW9uZS1vZi1hbi1vbGRlci12ZXJzaW9uLTMyIGJ5dA',
      'a2V5LXR3by1vZi1hbi1vbGRlci12ZXJzaW9uLTMyIGJ5dA',
    ];
    const put = (Item: Record<string, unknown>) =>
      fresh.doc.send(new PutCommand({ TableName: fresh.tables.identity, Item }));
    await put({ pk: 'config#pairwise-salt', sk: 'config', value: salt });
    await put({ pk: 'config#cookie-keys', sk: 'config', keys, version: 2 });
    const kms = new KMSClient({ endpoint: aws.endpoint, region: 'eu-west-1', credentials: FAKE });
    const store = new KmsSecretStore(kms, { secrets: 's', totp: 't' }, fresh.doc, fresh.tables.identity);
    expect(await store.versions('pairwise-salt')).toEqual([salt]);
    expect(await store.versions('cookie-keys')).toEqual(keys);
    const item = (pk: string, sk: string) =>
      fresh.doc.send(new GetCommand({ TableName: fresh.tables.identity, Key: { pk, sk } }));
    expect((await item('config#pairwise-salt', 'config')).Item).toBeUndefined();
    expect((await item('config#cookie-keys', 'config')).Item).toBeUndefined();
    const stored = JSON.stringify((await item('secret#cookie-keys', 'secret')).Item);
    for (const key of keys) expect(stored).not.toContain(key);
    // Another container reads the same values back through KMS.
    const other = new KmsSecretStore(kms, { secrets: 's', totp: 't' }, fresh.doc, fresh.tables.identity);
    expect(await other.versions('pairwise-salt')).toEqual([salt]);
  });

  it('asked for together at a cold start, come in one BatchGetItem (issue #19), alike', async () => {
    const kms = () => new KMSClient({ endpoint: aws.endpoint, region: 'eu-west-1', credentials: FAKE });
    const keys = { secrets: 'secrets-key', totp: 'totp-key' };
    const names = ['cookie-keys', 'pairwise-salt', 'reset-code-key'] as const;
    // Tables of its own: another test here stores a blob under a name it does not decrypt for.
    const { doc, tables } = await freshTables();
    const made = await Promise.all(
      names.map((name) => new KmsSecretStore(kms(), keys, doc, tables.identity).versions(name)),
    );
    const counter = new DynamoCallCounter();
    const counted = createDynamoClient({
      endpoint: inject('dynamodbEndpoint'),
      configure: counter.configure,
    });
    const cold = new KmsSecretStore(kms(), keys, counted, tables.identity);
    expect(await Promise.all(names.map((name) => cold.versions(name)))).toEqual(made);
    expect(counter.breakdown()).toBe('BatchGetItem 1');
    // One asked for alone is one strongly consistent GetItem; a kept one costs nothing.
    counter.reset();
    const alone = new KmsSecretStore(kms(), keys, counted, tables.identity);
    expect(await alone.versions('pairwise-salt')).toEqual(made[1]);
    expect(await cold.versions('cookie-keys')).toEqual(made[0]);
    expect(counter.breakdown()).toBe('GetItem 1');
  });

  it('rotate by putting a new version first and keeping the newest three', async () => {
    const store = new LocalSecretStore(undefined);
    const original = await store.versions('cookie-keys');
    const rotated = await store.rotate('cookie-keys');
    expect(rotated).toHaveLength(2);
    expect(rotated[1]).toBe(original[0]);
    for (let i = 0; i < 5; i++) await store.rotate('cookie-keys');
    expect(await store.versions('cookie-keys')).toHaveLength(3);
    expect(await store.versions('cookie-keys')).not.toContain(original[0]);
  });
});
