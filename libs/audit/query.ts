import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { Zone } from '../config/index.ts';
import { ValidationError } from '../errors/index.ts';
import { AUDIT_INDEXES, epochSeconds, isExpired } from '../store/index.ts';
import { type ChainedEvent, INDEX_SHARDS, shardedKey } from './event.ts';
import { findEventById, inEventPartition, stripKey } from './log.ts';

const id = z.string().min(1).max(256);

/** What auditors filter by. Every filter is optional; results come newest first. */
export const AuditFilter = z.strictObject({
  actor: id.optional(),
  subject: id.optional(),
  client: id.optional(),
  type: z
    .string()
    .regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/, 'an event type such as login.failure')
    .optional(),
  outcome: z.enum(['success', 'failure', 'denied']).optional(),
  zone: Zone.optional(),
  from: z.iso.datetime({ offset: true, message: 'an ISO 8601 time such as 2026-11-28T00:00:00Z' }).optional(),
  to: z.iso.datetime({ offset: true, message: 'an ISO 8601 time such as 2026-11-28T23:59:59Z' }).optional(),
});
export type AuditFilter = z.infer<typeof AuditFilter>;

export interface AuditPage {
  readonly events: ChainedEvent[];
  /** Opaque: pass it back for the next page; absent on the last one. */
  readonly next?: string;
  /** Items the store read to produce this page (DynamoDB's ScannedCount): the cost of the query. */
  readonly scanned: number;
  /** The index that served the query. */
  readonly index: string;
}

/** The longest time a month walk goes back when the filter gives no start. */
const MONTHS_BACK_BY_DEFAULT = 37;

const Cursor = z.strictObject({
  i: z.string(),
  m: z
    .string()
    .regex(/^\d{4}-\d{2}$/)
    .optional(),
  /** The searched value (actor, subject, client or type), so a cursor serves only its own search. */
  v: z.string().max(300).optional(),
  /** Time and sort key of the last event returned: the page after it starts just past it. */
  t: z.string().max(40),
  s: z.string().max(300),
});
type Cursor = z.infer<typeof Cursor>;

type Plan = {
  readonly index: string;
  readonly attribute: 'actor' | 'subject' | 'client' | 'type' | 'month';
  /** The index's partition key attribute. */
  readonly key: string;
  /** Write-sharded: the partition is `<value>#<n>` for each of INDEX_SHARDS, and searches fan out. */
  readonly sharded: boolean;
  readonly value?: string;
  /** Filters the index key does not cover, checked by the store before returning items. */
  readonly rest: ReadonlyArray<readonly [string, string]>;
};

/** Picks the most selective index the filter names; the rest become a filter expression. */
const planOf = (filter: AuditFilter): Plan => {
  const remaining = (skip: string) =>
    (['actor', 'subject', 'client', 'type', 'outcome', 'zone'] as const)
      .filter((k) => k !== skip && filter[k] !== undefined)
      .map((k) => [k, filter[k]!] as const);
  if (filter.actor !== undefined)
    return {
      index: AUDIT_INDEXES.byActor,
      attribute: 'actor',
      key: 'actor',
      sharded: false,
      value: filter.actor,
      rest: remaining('actor'),
    };
  if (filter.subject !== undefined)
    return {
      index: AUDIT_INDEXES.bySubject,
      attribute: 'subject',
      key: 'subject',
      sharded: false,
      value: filter.subject,
      rest: remaining('subject'),
    };
  if (filter.client !== undefined)
    return {
      index: AUDIT_INDEXES.byClient,
      attribute: 'client',
      key: 'clientKey',
      sharded: true,
      value: filter.client,
      rest: remaining('client'),
    };
  if (filter.type !== undefined)
    return {
      index: AUDIT_INDEXES.byType,
      attribute: 'type',
      key: 'typeKey',
      sharded: true,
      value: filter.type,
      rest: remaining('type'),
    };
  return {
    index: AUDIT_INDEXES.byMonth,
    attribute: 'month',
    key: 'monthKey',
    sharded: true,
    rest: remaining('month'),
  };
};

const monthsBetween = (from: Date, to: Date): string[] => {
  const months: string[] = [];
  const cursor = new Date(Date.UTC(to.getUTCFullYear(), to.getUTCMonth(), 1));
  const stop = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), 1));
  while (cursor >= stop) {
    months.push(cursor.toISOString().slice(0, 7));
    cursor.setUTCMonth(cursor.getUTCMonth() - 1);
  }
  return months;
};

const encodeCursor = (cursor: Cursor): string => Buffer.from(JSON.stringify(cursor)).toString('base64url');

const decodeCursor = (raw: string, plan: Plan): Cursor => {
  let parsed: Cursor;
  try {
    parsed = Cursor.parse(JSON.parse(Buffer.from(raw, 'base64url').toString()));
  } catch {
    throw new ValidationError('cursor is not one this API gave out; start the search again without it');
  }
  const ownKey =
    parsed.i === plan.index &&
    (plan.attribute === 'month' ? parsed.m !== undefined : parsed.v === plan.value);
  if (!ownKey) throw new ValidationError('cursor belongs to a different search; start again without it');
  return parsed;
};

type Item = Record<string, unknown>;

/** Newest first: by time, then by sort key (time and event id), so the order is total. */
const newer = (a: Item, b: Item): boolean =>
  String(a.time) > String(b.time) || (a.time === b.time && String(a.sk) > String(b.sk));

/** One index partition read page by page, newest first. */
interface ShardReader {
  readonly key: string;
  buffer: Item[];
  next?: Record<string, unknown>;
  done: boolean;
}

/**
 * The auditors' reader: every query is served by an index (actor, subject, client, type, or
 * month), newest first, paged by an opaque cursor that points just past the last event
 * returned. Never a scan. The client, type and month indexes are write-sharded: a search reads
 * each shard a few items at a time and merges them, so it reads little more than it returns.
 */
export class AuditQuery {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async search(
    filter: AuditFilter,
    options: { readonly limit: number; readonly cursor?: string },
  ): Promise<AuditPage> {
    if (filter.from && filter.to && filter.from > filter.to)
      throw new ValidationError('from must not be later than to');
    const plan = planOf(filter);
    const start = options.cursor ? decodeCursor(options.cursor, plan) : undefined;
    const to = filter.to ? new Date(filter.to) : this.now();
    const from = filter.from
      ? new Date(filter.from)
      : new Date(to.getTime() - MONTHS_BACK_BY_DEFAULT * 31 * 86_400_000);
    const partitions =
      plan.attribute === 'month'
        ? monthsBetween(from, to).filter((m) => !start?.m || m <= start.m)
        : [plan.value!];
    const events: ChainedEvent[] = [];
    const scanned = { count: 0 };
    const nowSeconds = epochSeconds(this.now());
    let last: Item | undefined;
    for (const partition of partitions) {
      const after = start && (plan.attribute !== 'month' || start.m === partition) ? start : undefined;
      const keys = plan.sharded
        ? Array.from({ length: INDEX_SHARDS }, (_, n) => shardedKey(partition, n))
        : [partition];
      const readers: ShardReader[] = keys.map((key) => ({ key, buffer: [], done: false }));
      const fill = (reader: ShardReader) =>
        this.fill(
          reader,
          plan,
          filter,
          after,
          options.limit - events.length,
          readers.length,
          scanned,
          nowSeconds,
        );
      await Promise.all(readers.map(fill));
      for (;;) {
        const empty = readers.filter((r) => r.buffer.length === 0 && !r.done);
        if (empty.length > 0) {
          await Promise.all(empty.map(fill));
          continue;
        }
        let best: ShardReader | undefined;
        for (const r of readers) if (r.buffer[0] && (!best || newer(r.buffer[0], best.buffer[0]!))) best = r;
        if (!best) break;
        const item = best.buffer.shift()!;
        if (events.length === options.limit) {
          // One more exists: the cursor points just past the last one returned.
          return { events, next: this.cursorAt(plan, last!), scanned: scanned.count, index: plan.index };
        }
        events.push(stripKey(item));
        last = item;
      }
    }
    return { events, scanned: scanned.count, index: plan.index };
  }

  /** Reads the next page of one index partition into its buffer. */
  private async fill(
    reader: ShardReader,
    plan: Plan,
    filter: AuditFilter,
    after: Cursor | undefined,
    remaining: number,
    shards: number,
    scanned: { count: number },
    nowSeconds: number,
  ): Promise<void> {
    const wanted = Math.max(1, remaining) + 1;
    // Each shard holds about 1/shards of what is wanted; one more each so the merge can see past it.
    const perShard = shards > 1 ? Math.ceil(wanted / shards) + 1 : wanted;
    const upper = filter.to ? new Date(filter.to).toISOString() : '9';
    const page = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: plan.index,
        KeyConditionExpression: '#p = :p AND #t BETWEEN :from AND :to',
        ...(plan.rest.length
          ? { FilterExpression: plan.rest.map(([k]) => `#${k} = :${k}`).join(' AND ') }
          : {}),
        ExpressionAttributeNames: {
          '#p': plan.key,
          '#t': 'time',
          ...Object.fromEntries(plan.rest.map(([k]) => [`#${k}`, k])),
        },
        ExpressionAttributeValues: {
          ':p': reader.key,
          ':from': filter.from ? new Date(filter.from).toISOString() : '0',
          ':to': after && after.t < upper ? after.t : upper,
          ...Object.fromEntries(plan.rest.map(([k, v]) => [`:${k}`, v])),
        },
        ScanIndexForward: false,
        // Without a filter the store reads what the merge needs; with one, read ahead a little.
        Limit: plan.rest.length ? Math.min(1000, perShard * 4) : perShard,
        ExclusiveStartKey: reader.next,
      }),
    );
    scanned.count += page.ScannedCount ?? 0;
    const fresh = (page.Items ?? []).filter(
      (item) =>
        inEventPartition(item) &&
        !isExpired(item, nowSeconds) &&
        // Past the cursor: events at its exact time are skipped up to and including its key.
        !(after && item.time === after.t && String(item.sk) >= after.s),
    );
    reader.buffer.push(...fresh);
    reader.buffer.sort((a, b) => (newer(a, b) ? -1 : 1));
    reader.next = page.LastEvaluatedKey;
    reader.done = reader.next === undefined;
  }

  /** One event by id (help-desk references and alert links); undefined when absent or expired. */
  async byId(eventId: string): Promise<ChainedEvent | undefined> {
    const event = await findEventById(this.doc, this.tableName, eventId);
    return event && !isExpired(event) ? event : undefined;
  }

  /**
   * Events of one type per day over the last `days` days (for the console's charts): reads
   * only the index's time attribute, at most `cap` items; `capped` says it stopped. Days are
   * UTC days, or those of the zone `offsetMinutes` east of UTC (the console counts China's days).
   */
  async countByDay(
    type: string,
    days: number,
    cap = 20_000,
    offsetMinutes = 0,
  ): Promise<{ readonly counts: ReadonlyMap<string, number>; readonly capped: boolean }> {
    const shift = offsetMinutes * 60_000;
    const local = new Date(this.now().getTime() + shift);
    const from = new Date(
      Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() - (days - 1)) - shift,
    );
    const counts = new Map<string, number>();
    let capped = false;
    const share = Math.ceil(cap / INDEX_SHARDS);
    await Promise.all(
      Array.from({ length: INDEX_SHARDS }, async (_, n) => {
        let cursor: Record<string, unknown> | undefined;
        let mine = 0;
        do {
          const page = await this.doc.send(
            new QueryCommand({
              TableName: this.tableName,
              IndexName: AUDIT_INDEXES.byType,
              KeyConditionExpression: '#type = :type AND #t >= :from',
              ExpressionAttributeNames: { '#type': 'typeKey', '#t': 'time' },
              ExpressionAttributeValues: { ':type': shardedKey(type, n), ':from': from.toISOString() },
              ProjectionExpression: '#t, pk, sk',
              Limit: Math.min(5000, share - mine),
              ExclusiveStartKey: cursor,
            }),
          );
          for (const item of page.Items ?? []) {
            if (!inEventPartition(item)) continue;
            const day = new Date(new Date(String(item.time)).getTime() + shift).toISOString().slice(0, 10);
            counts.set(day, (counts.get(day) ?? 0) + 1);
          }
          mine += page.Count ?? 0;
          cursor = page.LastEvaluatedKey;
        } while (cursor && mine < share);
        if (cursor) capped = true;
      }),
    );
    return { counts, capped };
  }

  private cursorAt(plan: Plan, item: Item): string {
    return encodeCursor({
      i: plan.index,
      ...(plan.attribute === 'month' ? { m: String(item.month) } : { v: plan.value }),
      t: String(item.time),
      s: String(item.sk),
    });
  }
}
