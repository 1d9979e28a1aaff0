/**
 * The audit trail at scale: appends per second through the hash chains (detection included)
 * next to plain puts of the same items, DynamoDB calls per append and per query, and a query
 * for one actor among many events (items read per item returned), and export speed.
 */
import { randomUUID } from 'node:crypto';
import { BatchWriteCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { startEmbeddedStore } from '../infra/local/embedded-store.ts';
import {
  type AuditEventInput,
  AuditQuery,
  type ChainedEvent,
  chainKey,
  DetectingAuditLog,
  DynamoAuditLog,
  eventHash,
  GENESIS_HASH,
  seqKey,
  toCsvRows,
} from '../libs/audit/index.ts';
import { createDynamoClient, ensureTables } from '../libs/store/index.ts';
import { DynamoCallCounter } from './lib/dynamo-counter.ts';

export interface AuditBench {
  readonly appendPerSecond: number;
  readonly appendConcurrentPerSecond: number;
  readonly rawPutPerSecond: number;
  readonly rawPutConcurrentPerSecond: number;
  readonly callsPerAppend: string;
  readonly events: number;
  readonly loadSeconds: number;
  readonly query: {
    readonly returned: number;
    readonly read: number;
    readonly ms: number;
    readonly calls: string;
  };
  readonly filtered: { readonly returned: number; readonly read: number; readonly ms: number };
  readonly exportPerSecond: number;
  readonly exported: number;
}

const sample = (i: number, actor: string): AuditEventInput => ({
  type: i % 7 === 0 ? 'login.failure' : 'login.success',
  outcome: i % 7 === 0 ? 'failure' : 'success',
  zone: i % 3 === 0 ? 'intranet' : 'public',
  actor,
  subject: actor,
  client: `client-${i % 40}`,
  sourceIp: `198.51.100.${i % 250}`,
  userAgent: 'Mozilla/5.0 (benchmark)',
  correlationId: randomUUID(),
});

/**
 * Writes `n` genuinely chained events straight to the table (batch writes, hashes computed as
 * the writer does), for sizes the one-at-a-time writer would take minutes to reach.
 * `actorOf(i)` names each event's actor.
 */
export const loadChainedEvents = async (
  doc: DynamoDBDocumentClient,
  table: string,
  n: number,
  actorOf: (i: number) => string,
  options: { readonly shards?: number; readonly concurrency?: number } = {},
): Promise<void> => {
  const shards = options.shards ?? 4;
  const tips = Array.from({ length: shards }, () => ({ seq: 0, hash: GENESIS_HASH, expiresAt: 0 }));
  const start = Date.now() - n * 10;
  const items: Array<Record<string, unknown>> = [];
  for (let i = 0; i < n; i++) {
    const shard = i % shards;
    const tip = tips[shard]!;
    const time = new Date(start + i * 10).toISOString();
    const expiresAt = Math.max(Math.floor(Date.parse(time) / 1000) + 180 * 86_400, tip.expiresAt);
    const content: Omit<ChainedEvent, 'hash'> = {
      ...sample(i, actorOf(i)),
      v: 2,
      eventId: randomUUID(),
      time,
      month: time.slice(0, 7),
      retention: 'access',
      shard,
      seq: tip.seq + 1,
      expiresAt,
      prevExpiresAt: tip.expiresAt,
      prevHash: tip.hash,
    };
    const hash = eventHash(content);
    tips[shard] = { seq: content.seq, hash, expiresAt };
    items.push({ pk: chainKey({ retention: 'access', shard }), sk: seqKey(content.seq), ...content, hash });
  }
  const batches: Array<Array<Record<string, unknown>>> = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      let pending = batches[next++]!.map((Item) => ({ PutRequest: { Item } }));
      while (pending.length) {
        const { UnprocessedItems } = await doc.send(
          new BatchWriteCommand({ RequestItems: { [table]: pending } }),
        );
        pending = (UnprocessedItems?.[table] ?? []) as typeof pending;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 8 }, worker));
};

const rate = async (count: number, concurrency: number, act: (i: number) => Promise<unknown>) => {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await act(next++);
    }),
  );
  return count / ((performance.now() - started) / 1000);
};

export const benchAudit = async (appends: number, events: number): Promise<AuditBench> => {
  const store = await startEmbeddedStore();
  const counter = new DynamoCallCounter();
  try {
    const doc = createDynamoClient({ endpoint: store.endpoint, configure: counter.configure });
    const tables = { identity: 'bench-identity', licences: 'bench-licences', audit: 'bench-audit' };
    await ensureTables(doc, tables);
    const log = new DetectingAuditLog(new DynamoAuditLog(doc, tables.audit), doc, tables.audit);
    const raw = (i: number) =>
      doc.send(
        new PutCommand({
          TableName: tables.audit,
          Item: { pk: `raw#${i % 4}`, sk: randomUUID(), ...sample(i, `raw-${i}`) },
        }),
      );
    // Alternate so both sides see the same machine state.
    await rate(20, 1, (i) => log.append(sample(i, 'warm-up')));
    const rawPutPerSecond = await rate(appends, 1, raw);
    counter.reset();
    const appendPerSecond = await rate(appends, 1, (i) => log.append(sample(i, `appender-${i % 50}`)));
    const callsPerAppend = `${(counter.total() / appends).toFixed(2)} (${counter.breakdown()})`;
    const rawPutConcurrentPerSecond = await rate(appends, 16, raw);
    const appendConcurrentPerSecond = await rate(appends, 16, (i) =>
      log.append(sample(i, `appender-${i % 50}`)),
    );

    // One actor among `events`: 50 of them spread evenly through the trail.
    const loadStarted = performance.now();
    const needleEvery = Math.max(1, Math.floor(events / 50));
    await loadChainedEvents(doc, tables.audit, events, (i) =>
      i % needleEvery === 0 ? 'needle' : `hay-${i % 5000}`,
    );
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    const query = new AuditQuery(doc, tables.audit);
    const timed = async (filter: Parameters<AuditQuery['search']>[0], limit: number) => {
      const samples: number[] = [];
      let page = await query.search(filter, { limit });
      for (let i = 0; i < 5; i++) {
        const started = performance.now();
        page = await query.search(filter, { limit });
        samples.push(performance.now() - started);
      }
      samples.sort((a, b) => a - b);
      return { returned: page.events.length, read: page.scanned, ms: samples[2]! };
    };
    counter.reset();
    const needle = await timed({ actor: 'needle' }, 50);
    const queryCalls = `${(counter.total() / 6).toFixed(0)} (${counter.breakdown()})`;
    const filtered = await timed({ type: 'login.failure', zone: 'intranet' }, 100);

    const exportStarted = performance.now();
    let exported = 0;
    let cursor: string | undefined;
    do {
      const page = await query.search({ type: 'login.success' }, { limit: 1000, cursor });
      toCsvRows(page.events);
      exported += page.events.length;
      cursor = page.next;
    } while (cursor && exported < 20_000);
    const exportPerSecond = exported / ((performance.now() - exportStarted) / 1000);

    return {
      appendPerSecond,
      appendConcurrentPerSecond,
      rawPutPerSecond,
      rawPutConcurrentPerSecond,
      callsPerAppend,
      events,
      loadSeconds,
      query: { ...needle, calls: queryCalls },
      filtered,
      exportPerSecond,
      exported,
    };
  } finally {
    await store.close();
  }
};
