import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { PendingSignIns, ReauthChallenges } from '../../libs/accounts/index.ts';
import { freshTables } from '../support/tables.ts';

let doc: DynamoDBDocumentClient;
let table: string;

beforeEach(async () => {
  const fresh = await freshTables();
  doc = fresh.doc;
  table = fresh.tables.identity;
});

describe('pending sign-ins', () => {
  it('remembers a step for ten minutes under pending#<uid>, then forgets it', async () => {
    let now = 1_900_000_000;
    const pending = new PendingSignIns(doc, table, undefined, () => now);
    await pending.save('uid-1', { accountId: 'acc-1', amr: ['pwd'], challenge: 'c1' });
    const { Item } = await doc.send(
      new GetCommand({ TableName: table, Key: { pk: 'pending#uid-1', sk: 'pending' } }),
    );
    expect(Item?.expiresAt).toBe(now + 600);
    expect(await pending.load('uid-1')).toEqual({ accountId: 'acc-1', amr: ['pwd'], challenge: 'c1' });
    expect(await pending.load('uid-2')).toBeUndefined();
    now += 600;
    expect(await pending.load('uid-1')).toBeUndefined();
  });

  it('replaces the whole state on save, and deletes it', async () => {
    const pending = new PendingSignIns(doc, table);
    await pending.save('uid-1', { accountId: 'acc-1', amr: ['pwd'], totpSecret: 'sealed' });
    await pending.save('uid-1', { accountId: 'acc-1', amr: ['pwd', 'otp'] });
    expect(await pending.load('uid-1')).toEqual({ accountId: 'acc-1', amr: ['pwd', 'otp'] });
    await pending.delete('uid-1');
    expect(await pending.load('uid-1')).toBeUndefined();
  });

  it("keeps a reset's hand-over in the same item, apart from the pending state, taken once", async () => {
    let now = 1_900_000_000;
    const pending = new PendingSignIns(doc, table, undefined, () => now);
    // A hand-over alone is no pending state: no step can take it for a proven account.
    await pending.handOver('uid-1', { accountId: 'acc-1', browser: 'b1' });
    expect(await pending.load('uid-1')).toBeUndefined();
    expect(await pending.peek('uid-1')).toEqual({ pending: undefined, handOverWaiting: true });
    expect(await pending.takeHandOver('uid-1')).toEqual({ accountId: 'acc-1', browser: 'b1' });
    expect(await pending.takeHandOver('uid-1')).toBeUndefined();
    expect(await pending.peek('uid-1')).toEqual({ pending: undefined, handOverWaiting: false });

    // Beside a pending state: each keeps its own expiry; a hand-over does not prolong the state.
    await pending.save('uid-2', { accountId: 'acc-2', amr: ['pwd'] });
    now += 300;
    await pending.handOver('uid-2', { accountId: 'acc-9', browser: 'b2' });
    expect(await pending.peek('uid-2')).toEqual({
      pending: { accountId: 'acc-2', amr: ['pwd'] },
      handOverWaiting: true,
    });
    now += 300;
    expect(await pending.peek('uid-2')).toEqual({ pending: undefined, handOverWaiting: true });
    now += 300;
    expect(await pending.takeHandOver('uid-2')).toBeUndefined();

    // Saving a step drops a hand-over not yet taken; deleting forgets both.
    await pending.handOver('uid-3', { accountId: 'acc-3', browser: 'b3' });
    await pending.save('uid-3', { accountId: 'acc-3', amr: ['pwd'] });
    expect(await pending.takeHandOver('uid-3')).toBeUndefined();
    await pending.handOver('uid-3', { accountId: 'acc-3', browser: 'b3' });
    await pending.delete('uid-3');
    expect(await pending.peek('uid-3')).toEqual({ pending: undefined, handOverWaiting: false });
  });
});

describe('re-authentication challenges', () => {
  it('gives a browser its challenge once, within five minutes', async () => {
    let now = 1_900_000_000;
    const challenges = new ReauthChallenges(doc, table, undefined, () => now);
    await challenges.save('csrf-a', 'challenge-1');
    expect(await challenges.take('csrf-b')).toBeUndefined();
    expect(await challenges.take('csrf-a')).toBe('challenge-1');
    expect(await challenges.take('csrf-a')).toBeUndefined();
    await challenges.save('csrf-a', 'challenge-2');
    now += 300;
    expect(await challenges.take('csrf-a')).toBeUndefined();
  });
});
