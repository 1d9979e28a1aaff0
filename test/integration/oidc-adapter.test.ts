import { randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { errors } from 'oidc-provider';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoOidcAdapter, GRANTABLE_MODELS, type OidcAdapterDeps } from '../../libs/oidc/adapter.ts';
import { freshTables } from '../support/tables.ts';

const ALL_MODELS = [
  'Session',
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'ClientCredentials',
  'Client',
  'InitialAccessToken',
  'RegistrationAccessToken',
  'Interaction',
  'ReplayDetection',
  'PushedAuthorizationRequest',
  'Grant',
  'BackchannelAuthenticationRequest',
];

let doc: DynamoDBDocumentClient;
let tableName: string;
let clock = 1_800_000_000;
const deps = (extra: Partial<OidcAdapterDeps> = {}): OidcAdapterDeps => ({
  doc,
  tableName,
  now: () => clock,
  // As the provider configures it (createProvider).
  replayError: (message) => new errors.InvalidGrant(message),
  ...extra,
});

beforeAll(async () => {
  const fresh = await freshTables();
  doc = fresh.doc;
  tableName = fresh.tables.identity;
});

describe('oidc-provider DynamoDB adapter', () => {
  it.each(ALL_MODELS)('stores, finds and destroys a %s', async (model) => {
    const adapter = new DynamoOidcAdapter(model, deps());
    const id = randomUUID();
    const payload = { jti: id, kind: model, nested: { claims: ['a', 'b'] }, accountId: 'acct-1' };

    await adapter.upsert(id, payload, 600);
    expect(await adapter.find(id)).toEqual(payload);

    await adapter.upsert(id, { ...payload, accountId: 'acct-2' }, 600);
    expect(await adapter.find(id)).toMatchObject({ accountId: 'acct-2' });

    await adapter.destroy(id);
    expect(await adapter.find(id)).toBeUndefined();
  });

  it('keeps models apart even when they share an id', async () => {
    const id = randomUUID();
    await new DynamoOidcAdapter('AccessToken', deps()).upsert(id, { kind: 'AccessToken' }, 60);
    await new DynamoOidcAdapter('RefreshToken', deps()).upsert(id, { kind: 'RefreshToken' }, 60);
    expect(await new DynamoOidcAdapter('AccessToken', deps()).find(id)).toEqual({ kind: 'AccessToken' });
    expect(await new DynamoOidcAdapter('RefreshToken', deps()).find(id)).toEqual({ kind: 'RefreshToken' });
  });

  it('hides an item once it has expired, though the store still holds it', async () => {
    const adapter = new DynamoOidcAdapter('AuthorizationCode', deps());
    const id = randomUUID();
    await adapter.upsert(id, { kind: 'AuthorizationCode' }, 60);
    clock += 59;
    expect(await adapter.find(id)).toBeDefined();
    clock += 1;
    expect(await adapter.find(id)).toBeUndefined();
  });

  it('keeps an item without expiresIn until it is destroyed', async () => {
    const adapter = new DynamoOidcAdapter('Client', deps());
    const id = randomUUID();
    await adapter.upsert(id, { client_id: id });
    clock += 10 * 365 * 86_400;
    expect(await adapter.find(id)).toEqual({ client_id: id });
  });

  it('finds a session by uid, and not once it has expired', async () => {
    const adapter = new DynamoOidcAdapter('Session', deps());
    const id = randomUUID();
    const uid = randomUUID();
    await adapter.upsert(id, { uid, accountId: 'acct-1' }, 120);
    expect(await adapter.findByUid(uid)).toEqual({ uid, accountId: 'acct-1' });
    expect(await adapter.findByUid(randomUUID())).toBeUndefined();
    // Another model carrying the same uid does not answer for Session.
    await new DynamoOidcAdapter('Interaction', deps()).upsert(randomUUID(), { uid }, 120);
    expect(await adapter.findByUid(uid)).toEqual({ uid, accountId: 'acct-1' });
    clock += 121;
    expect(await adapter.findByUid(uid)).toBeUndefined();
  });

  it('finds a device code by user code', async () => {
    const adapter = new DynamoOidcAdapter('DeviceCode', deps());
    const id = randomUUID();
    const userCode = `ABCD-${randomUUID().slice(0, 4)}`;
    await adapter.upsert(id, { userCode, grantId: 'g' }, 300);
    expect(await adapter.findByUserCode(userCode)).toEqual({ userCode, grantId: 'g' });
    expect(await adapter.findByUserCode('NOPE-NOPE')).toBeUndefined();
  });

  it('consumes an item once and reports when it was consumed', async () => {
    const adapter = new DynamoOidcAdapter('AuthorizationCode', deps());
    const id = randomUUID();
    await adapter.upsert(id, { grantId: randomUUID() }, 60);
    await adapter.consume(id);
    expect(await adapter.find(id)).toMatchObject({ consumed: clock });
  });

  it('lets only one of two concurrent redemptions win, and revokes the grant of the replay', async () => {
    const grantId = randomUUID();
    const code = new DynamoOidcAdapter('AuthorizationCode', deps());
    const accessTokens = new DynamoOidcAdapter('AccessToken', deps());
    const codeId = randomUUID();
    const tokenId = randomUUID();
    await code.upsert(codeId, { grantId }, 60);
    await accessTokens.upsert(tokenId, { grantId }, 600);

    const results = await Promise.allSettled([code.consume(codeId), code.consume(codeId)]);

    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected');
    expect(rejected?.reason).toMatchObject({ error: 'invalid_grant' });
    expect(await accessTokens.find(tokenId)).toBeUndefined();
    expect(await code.find(codeId)).toBeUndefined();
  });

  it('refuses to consume an item that does not exist', async () => {
    const adapter = new DynamoOidcAdapter('RefreshToken', deps());
    await expect(adapter.consume(randomUUID())).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('revokes every item of a grant across pages, and nothing else', async () => {
    const grantId = randomUUID();
    const otherGrant = randomUUID();
    const paged = deps({ pageSize: 3 });
    const accessTokens = new DynamoOidcAdapter('AccessToken', paged);
    const refreshTokens = new DynamoOidcAdapter('RefreshToken', paged);
    const mine = Array.from({ length: 11 }, () => randomUUID());
    for (const id of mine) await accessTokens.upsert(id, { grantId }, 600);
    const otherGrantToken = randomUUID();
    await accessTokens.upsert(otherGrantToken, { grantId: otherGrant }, 600);
    const sameGrantOtherModel = randomUUID();
    await refreshTokens.upsert(sameGrantOtherModel, { grantId }, 600);

    await accessTokens.revokeByGrantId(grantId);

    for (const id of mine) expect(await accessTokens.find(id)).toBeUndefined();
    expect(await accessTokens.find(otherGrantToken)).toBeDefined();
    expect(await refreshTokens.find(sameGrantOtherModel)).toBeDefined();
  });

  it('indexes grants only for grantable models', async () => {
    const grantId = randomUUID();
    const session = new DynamoOidcAdapter('Session', deps());
    const id = randomUUID();
    await session.upsert(id, { grantId, uid: randomUUID() }, 600);
    await session.revokeByGrantId(grantId);
    expect(await session.find(id)).toBeDefined();
    expect(GRANTABLE_MODELS.has('Session')).toBe(false);
    expect([...GRANTABLE_MODELS].sort()).toEqual(
      [
        'AccessToken',
        'AuthorizationCode',
        'BackchannelAuthenticationRequest',
        'DeviceCode',
        'RefreshToken',
      ].sort(),
    );
  });
});
