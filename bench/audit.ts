/**
 * The audit trail at scale, against a store in its own process: appends per second (one put
 * each) next to plain puts of the same items, with 1 and 32 writers in flight, alternated over
 * several runs; write units per append and per seal; the sealer's rate; verification; and
 * searches among many events (items read per item returned) and export speed.
 */

import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { BatchWriteCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import {
  type AuditEventInput,
  AuditQuery,
  AuditSealer,
  AuditTrail,
  buildEvent,
  type ChainedEvent,
  DEFAULT_SHARDS,
  DetectingAuditLog,
  DynamoAuditLog,
  eventItem,
  type Seal,
  sealPartition,
  seqKey,
  toCsvRows,
} from '../libs/audit/index.ts';
import { createDynamoClient, ensureTables, TABLE_LIST } from '../libs/store/index.ts';
import { DynamoCallCounter } from './lib/dynamo-counter.ts';
import { startStoreProcess } from './lib/store-process.ts';

/** min / median / max of a measure over the runs. */
export interface Spread {
  readonly min: number;
  readonly median: number;
  readonly max: number;
}

export interface AuditBench {
  readonly runs: number;
  readonly appends: number;
  /** Appends per second through the writer, and plain puts of the same items, alternated run by run. */
  readonly append1: Spread;
  readonly plain1: Spread;
  readonly append32: Spread;
  readonly plain32: Spread;
  /** Appends per second with the detection rules on (what every function runs), 32 in flight. */
  readonly detecting32: Spread;
  /** Errors over every run of 32 writers (the goal is none). */
  readonly errors32: number;
  readonly callsPerAppend: string;
  /** Write units per append as DynamoDB bills them: the item and each index it feeds. */
  readonly writeUnitsPerAppend: { readonly table: number; readonly indexes: number };
  readonly sealer: {
    readonly events: number;
    readonly perSecond: number;
    readonly seals: number;
    /** Write units of the seals (and their index) per event sealed. */
    readonly writeUnitsPerEvent: number;
  };
  readonly verify: { readonly events: number; readonly seconds: number };
  readonly events: number;
  readonly loadSeconds: number;
  readonly query: {
    readonly returned: number;
    readonly read: number;
    readonly ms: number;
    readonly calls: string;
  };
  readonly filtered: { readonly returned: number; readonly read: number; readonly ms: number };
  readonly byMonth: { readonly returned: number; readonly read: number; readonly ms: number };
  readonly byType: { readonly returned: number; readonly read: number; readonly ms: number };
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
  userAgent:
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
  correlationId: randomUUID(),
});

/** An event as the writer stores it, built without the writer (for bulk loads and the baseline). */
const storedEvent = (input: AuditEventInput, time: string, shards: number): ChainedEvent =>
  buildEvent(input, { eventId: randomUUID(), at: new Date(time), shards });

const dynalite = createRequire(import.meta.url)('dynalite/db/index.js') as {
  itemSize: (item: Record<string, unknown>) => number;
};
const units = (item: Record<string, unknown>) =>
  Math.ceil(dynalite.itemSize(marshall(item, { removeUndefinedValues: true })) / 1024);

/** Write units DynamoDB bills for putting `item`: the table's, and each index whose key it has. */
const writeUnits = (item: Record<string, unknown>): { table: number; indexes: number } => {
  const audit = TABLE_LIST.find((t) => t.name === 'audit')!;
  let indexes = 0;
  for (const index of audit.indexes) {
    if (item[index.partitionKey] === undefined || (index.sortKey && item[index.sortKey] === undefined))
      continue;
    const keys = ['pk', 'sk', index.partitionKey, ...(index.sortKey ? [index.sortKey] : [])];
    indexes += units(index.projection === 'ALL' ? item : Object.fromEntries(keys.map((k) => [k, item[k]])));
  }
  return { table: units(item), indexes };
};

/**
 * Writes `n` events straight to the table (batch writes, hashes computed as the writer does)
 * and seals them as the sealer does, for sizes the one-at-a-time writer would take minutes to
 * reach. `actorOf(i)` names each event's actor. Returns the items written.
 */
export const loadChainedEvents = async (
  doc: DynamoDBDocumentClient,
  table: string,
  n: number,
  actorOf: (i: number) => string,
  options: { readonly shards?: number; readonly concurrency?: number } = {},
): Promise<Array<Record<string, unknown>>> => {
  const shards = options.shards ?? DEFAULT_SHARDS;
  const start = Date.now() - n * 10;
  const items = Array.from({ length: n }, (_, i) =>
    eventItem(storedEvent(sample(i, actorOf(i)), new Date(start + i * 10).toISOString(), shards)),
  );
  await batchPut(doc, table, items, options.concurrency ?? 8);
  const sealer = new AuditSealer(doc, table, { shards });
  for (let i = 0; i < items.length; i += 5000) await sealer.seal(items.slice(i, i + 5000));
  return items;
};

const batchPut = async (
  doc: DynamoDBDocumentClient,
  table: string,
  items: ReadonlyArray<Record<string, unknown>>,
  concurrency: number,
) => {
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
  await Promise.all(Array.from({ length: concurrency }, worker));
};

/** Operations per second with `concurrency` in flight; errors are counted, not thrown. */
const rate = async (count: number, concurrency: number, act: (i: number) => Promise<unknown>) => {
  let next = 0;
  let errors = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        await act(i).catch(() => {
          errors++;
        });
      }
    }),
  );
  return { perSecond: count / ((performance.now() - started) / 1000), errors };
};

const spread = (values: readonly number[]): Spread => {
  const sorted = [...values].sort((a, b) => a - b);
  return { min: sorted[0]!, median: sorted[Math.floor(sorted.length / 2)]!, max: sorted.at(-1)! };
};

export const benchAudit = async (
  appends: number,
  events: number,
  runs = Number(process.env.BENCH_RUNS ?? 5),
): Promise<AuditBench> => {
  const store = await startStoreProcess();
  const counter = new DynamoCallCounter();
  try {
    const doc = createDynamoClient({ endpoint: store.endpoint, configure: counter.configure });
    const tables = { identity: 'bench-identity', licences: 'bench-licences', audit: 'bench-audit' };
    await ensureTables(doc, tables);
    const table = tables.audit;
    // One writer per container, as in Lambda: 32 writers are 32 containers.
    const writers = Array.from({ length: 32 }, () => new DynamoAuditLog(doc, table));
    const detecting = writers.map((w) => new DetectingAuditLog(w, doc, table));
    const append = (i: number) => writers[i % 32]!.append(sample(i, `appender-${i % 50}`));
    // The baseline: a plain put of the same item (same attributes, so the same six indexes).
    const plain = (i: number) =>
      doc.send(
        new PutCommand({
          TableName: table,
          Item: eventItem(
            storedEvent(sample(i, `plain-${i % 50}`), new Date().toISOString(), DEFAULT_SHARDS),
          ),
        }),
      );
    await rate(200, 8, append); // warm-up: connections, JIT, the store's first partitions
    await rate(200, 8, plain);
    const samples = {
      append1: [] as number[],
      plain1: [] as number[],
      append32: [] as number[],
      plain32: [] as number[],
      detecting32: [] as number[],
    };
    let errors32 = 0;
    for (let run = 0; run < runs; run++) {
      // Alternate, so both sides see the same machine state; swap who goes first each run.
      const pair = run % 2 === 0 ? (['append', 'plain'] as const) : (['plain', 'append'] as const);
      for (const side of pair) {
        const act = side === 'append' ? append : plain;
        samples[`${side}1`].push((await rate(Math.floor(appends / 4), 1, act)).perSecond);
        const many = await rate(appends, 32, act);
        samples[`${side}32`].push(many.perSecond);
        if (side === 'append') errors32 += many.errors;
      }
      const withDetection = await rate(appends, 32, (i) =>
        detecting[i % 32]!.append(sample(i, `d-${i % 50}`)),
      );
      samples.detecting32.push(withDetection.perSecond);
      errors32 += withDetection.errors;
    }
    counter.reset();
    const written: ChainedEvent[] = [];
    for (let i = 0; i < 100; i++) written.push(await writers[0]!.append(sample(i, `counted-${i}`)));
    const callsPerAppend = `${(counter.total() / 100).toFixed(2)} (${counter.breakdown()})`;
    const perAppend = written.map((e) => writeUnits(eventItem(e)));
    const writeUnitsPerAppend = {
      table: perAppend.reduce((n, u) => n + u.table, 0) / perAppend.length,
      indexes: perAppend.reduce((n, u) => n + u.indexes, 0) / perAppend.length,
    };

    // The sealer over everything written above, as the stream would deliver it.
    const trail = new AuditTrail(doc, table);
    const sealer = new AuditSealer(doc, table);
    const sealStarted = performance.now();
    const sealed = await sealer.sealPending({ lookbackSeconds: 3600 });
    const sealSeconds = (performance.now() - sealStarted) / 1000;
    let sealUnits = 0;
    for (const chain of trail.chains()) {
      for (const seal of await trail.readSeals(chain)) {
        const item = { pk: sealPartition(chain), ...seal, sk: seqKey(seal.seq) } as Record<string, unknown> &
          Seal;
        const u = writeUnits(item);
        sealUnits += u.table + u.indexes;
      }
    }
    const verifyStarted = performance.now();
    const verified = await trail.verifyAll();
    const verifySeconds = (performance.now() - verifyStarted) / 1000;
    if (verified.some((c) => !c.ok)) throw new Error('the benchmark trail does not verify');

    // Searches among `events`: one actor with 50 events spread through them.
    const loadStarted = performance.now();
    const needleEvery = Math.max(1, Math.floor(events / 50));
    await loadChainedEvents(doc, table, events, (i) =>
      i % needleEvery === 0 ? 'needle' : `hay-${i % 5000}`,
    );
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    const query = new AuditQuery(doc, table);
    const timed = async (filter: Parameters<AuditQuery['search']>[0], limit: number) => {
      const times: number[] = [];
      let page = await query.search(filter, { limit });
      for (let i = 0; i < 5; i++) {
        const started = performance.now();
        page = await query.search(filter, { limit });
        times.push(performance.now() - started);
      }
      return { returned: page.events.length, read: page.scanned, ms: spread(times).median };
    };
    counter.reset();
    const needle = await timed({ actor: 'needle' }, 50);
    const queryCalls = `${(counter.total() / 6).toFixed(0)} (${counter.breakdown()})`;
    const filtered = await timed({ type: 'login.failure', zone: 'intranet' }, 100);
    const byMonth = await timed({}, 50);
    const byType = await timed({ type: 'login.failure' }, 50);

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
      runs,
      appends,
      append1: spread(samples.append1),
      plain1: spread(samples.plain1),
      append32: spread(samples.append32),
      plain32: spread(samples.plain32),
      detecting32: spread(samples.detecting32),
      errors32,
      callsPerAppend,
      writeUnitsPerAppend,
      sealer: {
        events: sealed.sealed,
        perSecond: sealed.sealed / sealSeconds,
        seals: sealed.seals,
        writeUnitsPerEvent: sealUnits / Math.max(1, sealed.sealed),
      },
      verify: { events: verified.reduce((n, c) => n + c.events, 0), seconds: verifySeconds },
      events,
      loadSeconds,
      query: { ...needle, calls: queryCalls },
      filtered,
      byMonth,
      byType,
      exportPerSecond,
      exported,
    };
  } finally {
    await store.stop();
  }
};
