import { randomUUID } from 'node:crypto';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  type AuditEventInput,
  type ChainedEvent,
  chainKey,
  DynamoAuditLog,
  eventHash,
  seqKey,
} from '../../libs/audit/index.ts';
import { freshTables } from '../support/tables.ts';

let doc: DynamoDBDocumentClient;
let tableName: string;
let log: DynamoAuditLog;

const event = (n: number): AuditEventInput => ({
  type: 'login.success',
  outcome: 'success',
  zone: 'public',
  actor: `user-${n}`,
  client: 'tax-bureau',
  sourceIp: '127.0.0.1',
  correlationId: randomUUID(),
});

const chainOfEvent = (e: ChainedEvent) => ({ retention: e.retention, shard: e.shard });
const key = (e: ChainedEvent) => ({ pk: chainKey(chainOfEvent(e)), sk: seqKey(e.seq) });

/** Appends until one shard holds at least `n` events, returning that shard's events in order. */
const chainOf = async (n: number): Promise<ChainedEvent[]> => {
  const byShard = new Map<number, ChainedEvent[]>();
  for (let i = 0; ; i++) {
    const stored = await log.append(event(i));
    const list = byShard.get(stored.shard) ?? [];
    list.push(stored);
    byShard.set(stored.shard, list);
    if (list.length >= n) return list;
  }
};

beforeEach(async () => {
  const fresh = await freshTables();
  doc = fresh.doc;
  tableName = fresh.tables.audit;
  log = new DynamoAuditLog(doc, tableName, { shards: 2 });
});

describe('audit hash chain', () => {
  it('verifies an untouched trail clean and reports its head', async () => {
    const events = await chainOf(5);
    const result = await log.verifyChain(chainOfEvent(events[0]!));
    expect(result).toMatchObject({ ok: true, verified: 5, head: { seq: 5, hash: events[4]!.hash } });
    expect(result.problem).toBeUndefined();
  });

  it('links each event to the one before it', async () => {
    const events = await chainOf(3);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(events[1]!.prevHash).toBe(events[0]!.hash);
    expect(events[2]!.prevHash).toBe(events[1]!.hash);
  });

  it('rejects an event that does not match the schema, writing nothing', async () => {
    await expect(log.append({ ...event(0), type: 'Not A Type' })).rejects.toThrow(
      /dotted lower-case event type/,
    );
    const results = await log.verifyAll();
    expect(results.every((r) => r.ok && r.verified === 0)).toBe(true);
  });

  it('names an event whose content was altered', async () => {
    const events = await chainOf(5);
    await doc.send(
      new UpdateCommand({
        TableName: tableName,
        Key: key(events[2]!),
        UpdateExpression: 'SET outcome = :o',
        ExpressionAttributeValues: { ':o': 'failure' },
      }),
    );
    const result = await log.verifyChain(chainOfEvent(events[0]!));
    expect(result.ok).toBe(false);
    expect(result.problem).toMatchObject({ kind: 'altered', seq: 3, eventId: events[2]!.eventId });
    expect(result.verified).toBe(2);
  });

  it('names an event that was rewritten with a fresh hash', async () => {
    const events = await chainOf(5);
    const forged = { ...events[2]!, actor: 'someone-else' };
    const { hash: _old, ...content } = forged;
    await doc.send(
      new PutCommand({
        TableName: tableName,
        Item: { ...key(forged), ...content, hash: eventHash(content) },
      }),
    );
    const result = await log.verifyChain(chainOfEvent(events[0]!));
    expect(result.problem).toMatchObject({ kind: 'altered', seq: 3, eventId: events[2]!.eventId });
  });

  it('names the first event that was removed', async () => {
    const events = await chainOf(5);
    await doc.send(new DeleteCommand({ TableName: tableName, Key: key(events[2]!) }));
    const result = await log.verifyChain(chainOfEvent(events[0]!));
    expect(result.problem).toMatchObject({ kind: 'removed', seq: 3 });
    expect(result.verified).toBe(2);
  });

  it('names an event that was inserted between two others', async () => {
    const events = await chainOf(5);
    const before = events[2]!;
    const { hash: _h, ...content } = {
      ...before,
      eventId: randomUUID(),
      actor: 'intruder',
      seq: 4,
      prevHash: before.hash,
    };
    const inserted = { ...content, hash: eventHash(content) };
    await doc.send(
      new PutCommand({
        TableName: tableName,
        Item: { pk: key(before).pk, sk: `${key(before).sk}~`, ...inserted },
      }),
    );
    const result = await log.verifyChain(chainOfEvent(before));
    expect(result.problem).toMatchObject({ kind: 'inserted', eventId: inserted.eventId });
    expect(result.verified).toBe(3);
  });

  it('names an inserted event when the events after it were renumbered', async () => {
    const events = await chainOf(4);
    const chain = chainOfEvent(events[0]!);
    // Shift events 3 and 4 up by one key, keeping their content, and put a forgery at 3.
    for (const e of [events[3]!, events[2]!]) {
      await doc.send(
        new PutCommand({
          TableName: tableName,
          Item: { ...e, pk: chainKey(chain), sk: seqKey(e.seq + 1) },
        }),
      );
    }
    const { hash: _h, ...content } = { ...events[2]!, eventId: randomUUID(), actor: 'intruder' };
    const forged = { ...content, hash: eventHash(content) };
    await doc.send(new PutCommand({ TableName: tableName, Item: { ...key(events[2]!), ...forged } }));

    const result = await log.verifyChain(chain);
    expect(result.problem).toMatchObject({ kind: 'inserted', eventId: forged.eventId });
  });

  it('keeps every chain whole under concurrent appends', async () => {
    const contended = new DynamoAuditLog(doc, tableName, { shards: 2, maxAttempts: 40 });
    const written = await Promise.all(Array.from({ length: 30 }, (_, i) => contended.append(event(i))));
    const results = await contended.verifyAll();
    expect(results.every((r) => r.ok)).toBe(true);
    expect(results.reduce((sum, r) => sum + r.verified, 0)).toBe(30);
    expect(new Set(written.map((e) => `${e.shard}:${e.seq}`)).size).toBe(30);
  });

  it('does not duplicate an event whose append is retried with the same id', async () => {
    const eventId = randomUUID();
    const first = await log.append(event(1), { eventId });
    const again = await log.append(event(1), { eventId });
    expect(again.seq).toBe(first.seq);
    const results = await log.verifyAll();
    expect(results.reduce((sum, r) => sum + r.verified, 0)).toBe(1);
    const stored = await doc.send(new GetCommand({ TableName: tableName, Key: key(first) }));
    expect(stored.Item?.eventId).toBe(eventId);
  });
});

describe('audit appends from several containers', () => {
  it('keep one chain when writers with stale views of the tip interleave', async () => {
    const a = new DynamoAuditLog(doc, tableName, { shards: 1 });
    const b = new DynamoAuditLog(doc, tableName, { shards: 1 });
    for (let i = 0; i < 6; i++) {
      await a.append(event(i));
      await b.append(event(i));
    }
    await Promise.all([a.append(event(100)), b.append(event(101)), a.append(event(102))]);
    expect(await a.verifyChain({ retention: 'access', shard: 0 })).toMatchObject({ ok: true, verified: 15 });
  });
});
