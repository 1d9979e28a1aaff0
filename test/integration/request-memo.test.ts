import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { dynamoAdapterFactory } from '../../libs/oidc/index.ts';
import {
  createDynamoClient,
  deferWrite,
  flushWrites,
  forgetPrefetched,
  prefetchItems,
  takePrefetched,
  withRequestMemo,
} from '../../libs/store/index.ts';
import { DynamoCalls } from '../../testkit/dynamo-calls.ts';
import { freshTables } from '../support/tables.ts';

// The per-request read memo, prefetch and deferred writes (libs/store/request-memo.ts) on the
// real DynamoDB API: each lives exactly as long as one request, and never changes what is stored.
const counter = new DynamoCalls();
const doc = createDynamoClient({ endpoint: inject('dynamodbEndpoint'), configure: counter.configure });
let table: string;

beforeAll(async () => {
  table = (await freshTables()).tables.identity;
});

const key = (id: string) => ({ pk: `memo-test#${id}`, sk: 'x' });

describe('prefetch', () => {
  it('reads many items in one call, hands each out once, and nothing outside a request', async () => {
    await doc.send(new PutCommand({ TableName: table, Item: { ...key('a'), v: 1 } }));
    await withRequestMemo(async () => {
      counter.reset();
      await prefetchItems(doc, table, [key('a'), key('absent'), key('a')]);
      expect(counter.total()).toBe(1);
      expect(takePrefetched(table, key('a'))).toEqual({ found: true, item: { ...key('a'), v: 1 } });
      expect(takePrefetched(table, key('a'))).toEqual({ found: false });
      expect(takePrefetched(table, key('absent'))).toEqual({ found: true, item: undefined });
      // A write forgets the prefetched copy: the next read goes to the store.
      await prefetchItems(doc, table, [key('a'), key('absent')]);
      forgetPrefetched(table, key('a'));
      expect(takePrefetched(table, key('a'))).toEqual({ found: false });
    });
    counter.reset();
    await prefetchItems(doc, table, [key('a'), key('b')]);
    expect(counter.total()).toBe(0);
    expect(takePrefetched(table, key('a'))).toEqual({ found: false });
  });
});

describe('deferred writes', () => {
  it('are written in one call when the request flushes, and at once outside a request', async () => {
    await withRequestMemo(async () => {
      expect(deferWrite(table, { PutRequest: { Item: { ...key('d1'), v: 1 } } })).toBe(true);
      expect(deferWrite(table, { PutRequest: { Item: { ...key('d2'), v: 2 } } })).toBe(true);
      // A later write to the same item replaces the earlier one (one write per item per batch).
      expect(deferWrite(table, { PutRequest: { Item: { ...key('d1'), v: 3 } } })).toBe(true);
      expect((await doc.send(new GetCommand({ TableName: table, Key: key('d1') }))).Item).toBeUndefined();
      counter.reset();
      await flushWrites(doc);
      expect(counter.breakdown()).toBe('BatchWriteItem 1');
      await flushWrites(doc);
      expect(counter.total()).toBe(1);
    });
    expect((await doc.send(new GetCommand({ TableName: table, Key: key('d1') }))).Item?.v).toBe(3);
    expect((await doc.send(new GetCommand({ TableName: table, Key: key('d2') }))).Item?.v).toBe(2);
    expect(deferWrite(table, { DeleteRequest: { Key: key('d2') } })).toBe(false);
  });

  it('oidc tokens and sessions: read back in the request, stored before it ends, revoked with their grant', async () => {
    const adapter = dynamoAdapterFactory({ doc, tableName: table });
    const sessions = adapter('Session');
    const tokens = adapter('RefreshToken');
    await withRequestMemo(async () => {
      await sessions.upsert('s1', { jti: 's1', uid: 'u1', accountId: 'a1' }, 600);
      await tokens.upsert('r1', { jti: 'r1', grantId: 'g1', kind: 'RefreshToken' }, 600);
      counter.reset();
      expect(await sessions.find('s1')).toMatchObject({ accountId: 'a1' });
      expect(await sessions.findByUid('u1')).toMatchObject({ jti: 's1' });
      expect(await tokens.find('r1')).toMatchObject({ grantId: 'g1' });
      expect(counter.total()).toBe(0);
      await flushWrites(doc);
    });
    expect(await sessions.find('s1')).toMatchObject({ accountId: 'a1' });
    // A deferred session delete reads as gone at once in its request.
    await withRequestMemo(async () => {
      await sessions.destroy('s1');
      expect(await sessions.find('s1')).toBeUndefined();
      await flushWrites(doc);
    });
    expect(await sessions.find('s1')).toBeUndefined();
    // A token minted in a request that then revokes its grant is revoked too (written first).
    await withRequestMemo(async () => {
      await tokens.upsert('r2', { jti: 'r2', grantId: 'g2', kind: 'RefreshToken' }, 600);
      await tokens.revokeByGrantId!('g2');
      await flushWrites(doc);
    });
    expect(await tokens.find('r2')).toBeUndefined();
    // A write that is not deferred (a grant destroyed, a code consumed) writes what was deferred
    // first: the store sees the request's writes in their order, never a destroyed grant revived.
    const grants = adapter('Grant');
    const codes = adapter('AuthorizationCode');
    await withRequestMemo(async () => {
      await grants.upsert('g3', { jti: 'g3', kind: 'Grant' }, 600);
      await grants.destroy('g3');
      await codes.upsert('c3', { jti: 'c3', grantId: 'g3', kind: 'AuthorizationCode' }, 60);
      await codes.consume('c3');
      await flushWrites(doc);
    });
    expect(await grants.find('g3')).toBeUndefined();
    expect(await codes.find('c3')).toMatchObject({ jti: 'c3', consumed: expect.any(Number) });
  });
});
