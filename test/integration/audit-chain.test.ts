import { randomUUID } from 'node:crypto';
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  type AuditEventInput,
  AuditQuery,
  AuditSealer,
  AuditTrail,
  type ChainedEvent,
  chainOf,
  DynamoAuditLog,
  eventHash,
  eventItem,
  eventPartition,
  eventSortKey,
  proveEvent,
  sealPartition,
  seqKey,
} from '../../libs/audit/index.ts';
import { LocalKeyring } from '../../libs/keys/index.ts';
import { freshTables } from '../support/tables.ts';

let doc: DynamoDBDocumentClient;
let table: string;
let log: DynamoAuditLog;
let sealer: AuditSealer;
let trail: AuditTrail;

const event = (n: number): AuditEventInput => ({
  type: 'login.success',
  outcome: 'success',
  zone: 'public',
  actor: `user-${n}`,
  client: 'tax-bureau',
  sourceIp: '127.0.0.1',
  correlationId: randomUUID(),
});

const keyOf = (e: ChainedEvent) => ({ pk: eventPartition(e), sk: eventSortKey(e.time, e.eventId) });

/** Appends until one shard holds at least `n` events, returning that shard's events in order. */
const shardOf = async (n: number): Promise<ChainedEvent[]> => {
  const byShard = new Map<number, ChainedEvent[]>();
  for (let i = 0; ; i++) {
    const stored = await log.append(event(i));
    const list = byShard.get(stored.shard) ?? [];
    list.push(stored);
    byShard.set(stored.shard, list);
    if (list.length >= n) return list;
  }
};

/** A trail reader whose clock is `seconds` ahead: what verification says that much later. */
const later = (seconds: number) =>
  new AuditTrail(doc, table, { shards: 2, now: () => new Date(Date.now() + seconds * 1000) });

beforeEach(async () => {
  const fresh = await freshTables();
  doc = fresh.doc;
  table = fresh.tables.audit;
  log = new DynamoAuditLog(doc, table, { shards: 2 });
  sealer = new AuditSealer(doc, table, { shards: 2 });
  trail = new AuditTrail(doc, table, { shards: 2 });
});

describe('audit appends and seals', () => {
  it('writes each event with one put, seals it once, and verifies the trail clean', async () => {
    const events: ChainedEvent[] = [];
    for (let i = 0; i < 6; i++) events.push(await log.append(event(i)));
    expect(events.every((e) => e.hash === eventHash(e))).toBe(true);
    const run = await sealer.sealPending();
    expect(run).toMatchObject({ sealed: 6, already: 0, refused: [] });
    const results = await trail.verifyAll();
    expect(results.every((c) => c.ok)).toBe(true);
    expect(results.reduce((n, c) => n + c.events, 0)).toBe(6);
    // Sealing again (a redelivered stream batch) lists nothing twice, even from a fresh sealer.
    expect(await new AuditSealer(doc, table, { shards: 2 }).sealPending()).toMatchObject({
      sealed: 0,
      already: 6,
    });
    expect((await trail.verifyAll()).every((c) => c.ok)).toBe(true);
  });

  it('rejects an event that does not match the schema, writing nothing', async () => {
    await expect(log.append({ ...event(1), type: 'NotDotted' })).rejects.toThrow();
    expect(await sealer.sealPending()).toMatchObject({ sealed: 0 });
  });

  it('links each seal to the one before it, one seal per batch', async () => {
    const first = await shardOf(2);
    await sealer.sealPending();
    const second = await log.append(event(99));
    await sealer.sealPending();
    const seals = await trail.readSeals(chainOf(first[0]!));
    expect(seals[0]).toMatchObject({ seq: 1, sk: seqKey(1) });
    expect(seals[0]!.events.length).toBeGreaterThanOrEqual(2);
    if (second.shard === first[0]!.shard)
      expect(seals[1]).toMatchObject({ seq: 2, prevHash: seals[0]!.hash });
  });

  it('reports an event no seal lists as pending at first, and as unsealed once the grace has passed', async () => {
    const written = await log.append(event(1));
    const now = await trail.verifyChain(chainOf(written));
    expect(now).toMatchObject({ ok: true, pending: 1 });
    const after = await later(120).verifyChain(chainOf(written));
    expect(after.ok).toBe(false);
    expect(after.problem).toMatchObject({ kind: 'unsealed', eventId: written.eventId });
  });

  it('names an event whose content was altered after it was sealed', async () => {
    const events = await shardOf(3);
    await sealer.sealPending();
    await doc.send(
      new UpdateCommand({
        TableName: table,
        Key: keyOf(events[1]!),
        UpdateExpression: 'SET actor = :a',
        ExpressionAttributeValues: { ':a': 'mallory' },
      }),
    );
    const result = await trail.verifyChain(chainOf(events[0]!));
    expect(result.ok).toBe(false);
    expect(result.problem).toMatchObject({ kind: 'altered', seq: 1, eventId: events[1]!.eventId });
  });

  it('names an event rewritten with a fresh hash of its new content', async () => {
    const events = await shardOf(3);
    await sealer.sealPending();
    const { hash: _old, ...content } = { ...events[2]!, outcome: 'failure' as const };
    const forged = { ...content, hash: eventHash(content) } as ChainedEvent;
    await doc.send(new PutCommand({ TableName: table, Item: eventItem(forged) }));
    const result = await trail.verifyChain(chainOf(events[0]!));
    expect(result.problem).toMatchObject({ kind: 'altered', eventId: events[2]!.eventId });
  });

  it('names an event that was removed before it expired', async () => {
    const events = await shardOf(3);
    await sealer.sealPending();
    await doc.send(new DeleteCommand({ TableName: table, Key: keyOf(events[1]!) }));
    const result = await trail.verifyChain(chainOf(events[0]!));
    expect(result.problem).toMatchObject({ kind: 'removed', eventId: events[1]!.eventId });
  });

  it('names an event planted in a partition behind the sealer’s back, and refuses to seal a malformed one', async () => {
    const [genuine] = await shardOf(1);
    await sealer.sealPending();
    const time = new Date(Date.now() - 600_000).toISOString();
    const { hash: _h, ...content } = { ...genuine!, eventId: randomUUID(), time, actor: 'planted' };
    const planted = { ...content, hash: eventHash(content) } as ChainedEvent;
    await doc.send(new PutCommand({ TableName: table, Item: eventItem(planted) }));
    const result = await trail.verifyChain(chainOf(genuine!));
    // Its id belongs to another shard, or no seal lists it: either way it is named.
    expect(['unsealed', 'inserted']).toContain(result.problem?.kind);
    expect(result.problem?.eventId).toBe(planted.eventId);

    // An item outside every chain, or whose hash does not match its content, is never sealed.
    const stray = { ...eventItem(planted), pk: 'event#access#99', sk: eventSortKey(time, randomUUID()) };
    const tampered = { ...eventItem(planted), sk: eventSortKey(time, 'x'), eventId: 'x', actor: 'other' };
    expect(await sealer.seal([stray, tampered])).toMatchObject({
      sealed: 0,
      refused: [expect.any(String), expect.any(String)],
    });
  });

  it('names a seal rewritten with a fresh hash: the next seal no longer links to it', async () => {
    const one = new DynamoAuditLog(doc, table, { shards: 1 });
    const oneSealer = new AuditSealer(doc, table, { shards: 1 });
    const first = [await one.append(event(1)), await one.append(event(2))];
    await oneSealer.sealPending();
    await one.append(event(3));
    await oneSealer.sealPending();
    const chain = chainOf(first[0]!);
    const oneTrail = new AuditTrail(doc, table, { shards: 1 });
    expect(await oneTrail.verifyChain(chain)).toMatchObject({ ok: true, verified: 2, events: 3 });
    // Drop an event from seal 1 and give the seal a fresh hash: seal 2 still names the old one.
    const [seal] = await oneTrail.readSeals(chain, { fromSeq: 1, toSeq: 1 });
    const { hash: _h, sk: _sk, ...content } = { ...seal!, events: seal!.events.slice(1) };
    await doc.send(
      new PutCommand({
        TableName: table,
        Item: { pk: sealPartition(chain), sk: seqKey(1), ...content, hash: eventHash(content) },
      }),
    );
    const result = await oneTrail.verifyChain(chain);
    expect(result.ok).toBe(false);
    expect(result.problem).toMatchObject({ kind: 'altered', seq: 1 });
  });

  it('does not duplicate an event whose append is retried with the same id', async () => {
    const id = randomUUID();
    const first = await log.append(event(1), { eventId: id });
    const retry = await log.append(event(1), { eventId: id });
    expect(retry).toMatchObject({ eventId: id, hash: first.hash });
    await sealer.sealPending();
    const results = await trail.verifyAll();
    expect(results.reduce((n, c) => n + c.events, 0)).toBe(1);
  });
});

describe('audit appends and seals from several containers', () => {
  it('lose nothing and list nothing twice when many writers and two sealers run at once', async () => {
    const writers = Array.from({ length: 8 }, () => new DynamoAuditLog(doc, table, { shards: 2 }));
    const sealers = [sealer, new AuditSealer(doc, table, { shards: 2 })];
    const written: ChainedEvent[] = [];
    const appends = Array.from({ length: 64 }, async (_, i) => {
      written.push(await writers[i % writers.length]!.append(event(i)));
      // Each container's sealer sees part of the stream, some of it twice.
      if (i % 8 === 7) await sealers[i % 2]!.sealPending();
    });
    await Promise.all(appends);
    await Promise.all(sealers.map((s) => s.sealPending()));
    const results = await trail.verifyAll();
    expect(results.filter((c) => !c.ok)).toEqual([]);
    expect(results.reduce((n, c) => n + c.events, 0)).toBe(64);
    expect(results.reduce((n, c) => n + c.pending, 0)).toBe(0);
    expect(new Set(written.map((e) => e.eventId)).size).toBe(64);
  });
});

describe('what an outside tester tried against the sealed trail (#18, second round)', () => {
  it('shows in no search an event planted outside the event partitions or on a detection counter, and finds the genuine event by its id', async () => {
    const genuine = await log.append(event(1));
    await sealer.sealPending();
    const { hash: _h, ...content } = { ...genuine, actor: 'planted', time: new Date().toISOString() };
    const planted = { ...content, hash: eventHash(content) } as ChainedEvent;
    const strays = [
      { ...eventItem(planted), pk: 'event#access#16' },
      { ...eventItem(planted), pk: 'chain#access#0' },
      { ...eventItem({ ...planted, eventId: randomUUID() }), pk: 'detect#brute-force#x', sk: '1' },
    ];
    for (const Item of strays) await doc.send(new PutCommand({ TableName: table, Item }));
    const query = new AuditQuery(doc, table);
    for (const filter of [{ type: planted.type }, { client: planted.client! }, { actor: 'planted' }, {}]) {
      const page = await query.search(filter, { limit: 50 });
      expect(
        page.events.filter((e) => e.actor === 'planted'),
        JSON.stringify(filter),
      ).toEqual([]);
    }
    // The copy under the genuine event's id is not what the event page shows.
    expect(await query.byId(genuine.eventId)).toMatchObject({ actor: genuine.actor, hash: genuine.hash });
    expect((await trail.verifyAll()).every((c) => c.ok)).toBe(true);
  });

  it('never seals an event dated in the future, and names it at once', async () => {
    const [genuine] = await shardOf(1);
    const time = new Date(Date.now() + 365 * 86_400_000).toISOString();
    const { hash: _h, ...content } = { ...genuine!, eventId: randomUUID(), time };
    const future = { ...content, hash: eventHash(content) } as ChainedEvent;
    await doc.send(new PutCommand({ TableName: table, Item: eventItem(future) }));
    const run = await sealer.seal([eventItem(future), eventItem(genuine!)]);
    expect(run).toMatchObject({ sealed: 1, refused: [expect.stringContaining(future.eventId)] });
    const result = await trail.verifyChain(chainOf(genuine!));
    expect(result.problem).toMatchObject({ kind: 'inserted', eventId: future.eventId });
    // Nor one whose shard is not its partition's, or whose key and time disagree.
    const misfiled = {
      ...eventItem(genuine!),
      pk: eventPartition({ ...genuine!, shard: 1 - genuine!.shard }),
    };
    expect((await sealer.seal([misfiled])).refused).toHaveLength(1);
  });

  it('names a malformed seal instead of failing', async () => {
    const one = new DynamoAuditLog(doc, table, { shards: 1 });
    await one.append(event(1));
    await new AuditSealer(doc, table, { shards: 1 }).sealPending();
    const oneTrail = new AuditTrail(doc, table, { shards: 1 });
    const chain = { retention: 'access' as const, shard: 0 };
    const [seal] = await oneTrail.readSeals(chain);
    for (const events of ['x', [null], [{ k: 123 }]]) {
      const { hash: _h, sk: _sk, ...content } = { ...seal!, events };
      await doc.send(
        new PutCommand({
          TableName: table,
          Item: { pk: sealPartition(chain), sk: seqKey(1), ...content, hash: eventHash(content) },
        }),
      );
      const result = await oneTrail.verifyChain(chain);
      expect(result.problem, JSON.stringify(events)).toMatchObject({ kind: 'altered', seq: 1 });
    }
  });
});

describe('what the second round tried (#18)', () => {
  it('refuses and names a second event with a sealed event’s id, and proves neither', async () => {
    const [genuine] = await shardOf(1);
    await sealer.sealPending();
    const time = new Date(Date.parse(genuine!.time) - 1).toISOString();
    const { hash: _h, ...content } = { ...genuine!, time, sourceIp: '6.6.6.6' };
    const copy = { ...content, hash: eventHash(content) } as ChainedEvent;
    await doc.send(new PutCommand({ TableName: table, Item: eventItem(copy) }));
    expect((await sealer.seal([eventItem(copy)])).refused).toHaveLength(1);
    expect((await trail.verifyChain(chainOf(genuine!))).problem).toMatchObject({
      kind: 'inserted',
      eventId: genuine!.eventId,
    });
    const proof = await proveEvent({
      doc,
      table,
      trail,
      keyring: new LocalKeyring(undefined),
      event: genuine!,
    });
    expect(proof).toMatchObject({ ok: false, result: { code: 'broken', kind: 'inserted' } });
  });

  it('accepts only the writer’s own time format (UTC, milliseconds), since the time index compares text', async () => {
    const [genuine] = await shardOf(1);
    for (const time of ['2026-12-01T04:39:46.619+14:00', '2026-11-30T14:35:55.954', '2026-11-30T14:35:55Z']) {
      const { hash: _h, ...content } = { ...genuine!, eventId: randomUUID(), time, month: time.slice(0, 7) };
      const shard = (await import('../../libs/audit/index.ts')).shardOf(content.eventId, 2);
      const odd = { ...content, shard, hash: eventHash({ ...content, shard }) } as ChainedEvent;
      expect((await sealer.seal([eventItem(odd)])).refused, time).toHaveLength(1);
    }
  });
});
