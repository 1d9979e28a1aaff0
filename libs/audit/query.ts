import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { Zone } from '../config/index.ts';
import { ValidationError } from '../errors/index.ts';
import { AUDIT_INDEXES, epochSeconds, isExpired } from '../store/index.ts';
import type { ChainedEvent } from './event.ts';
import { findEventById, stripKey } from './log.ts';

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
  k: z.record(z.string(), z.union([z.string().max(300), z.number()])),
});
type Cursor = z.infer<typeof Cursor>;

type Plan = {
  readonly index: string;
  readonly attribute: 'actor' | 'subject' | 'client' | 'type' | 'month';
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
  for (const attribute of ['actor', 'subject', 'client', 'type'] as const) {
    if (filter[attribute] !== undefined) {
      const index =
        AUDIT_INDEXES[`by${attribute[0]!.toUpperCase()}${attribute.slice(1)}` as keyof typeof AUDIT_INDEXES];
      return { index, attribute, value: filter[attribute], rest: remaining(attribute) };
    }
  }
  return { index: AUDIT_INDEXES.byMonth, attribute: 'month', rest: remaining('month') };
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
  const key = parsed.k;
  const ownKey =
    parsed.i === plan.index &&
    typeof key.pk === 'string' &&
    typeof key.sk === 'string' &&
    typeof key.time === 'string' &&
    (plan.attribute === 'month' ? key.month === parsed.m : key[plan.attribute] === plan.value);
  if (!ownKey) throw new ValidationError('cursor belongs to a different search; start again without it');
  return parsed;
};

/**
 * The auditors' reader: every query is served by an index (actor, subject, client, type, or
 * month), newest first, paged by an opaque cursor that points just past the last event
 * returned. Never a scan.
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
    let scanned = 0;
    const nowSeconds = epochSeconds(this.now());
    for (const partition of partitions) {
      let exclusiveStart =
        start && (plan.attribute !== 'month' || start.m === partition) ? start.k : undefined;
      let last: Record<string, unknown> | undefined;
      do {
        const wanted = options.limit - events.length;
        const page = await this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: plan.index,
            KeyConditionExpression: '#p = :p AND #t BETWEEN :from AND :to',
            ...(plan.rest.length
              ? { FilterExpression: plan.rest.map(([k]) => `#${k} = :${k}`).join(' AND ') }
              : {}),
            ExpressionAttributeNames: {
              '#p': plan.attribute,
              '#t': 'time',
              ...Object.fromEntries(plan.rest.map(([k]) => [`#${k}`, k])),
            },
            ExpressionAttributeValues: {
              ':p': partition,
              ':from': filter.from ? new Date(filter.from).toISOString() : '0',
              ':to': filter.to ? new Date(filter.to).toISOString() : '9',
              ...Object.fromEntries(plan.rest.map(([k, v]) => [`:${k}`, v])),
            },
            ScanIndexForward: false,
            // Without a filter the store reads exactly what it returns; with one, read ahead a little.
            Limit: plan.rest.length ? Math.min(1000, Math.max(1, wanted) * 4) : Math.max(1, wanted) + 1,
            ExclusiveStartKey: exclusiveStart,
          }),
        );
        scanned += page.ScannedCount ?? 0;
        for (const item of page.Items ?? []) {
          if (isExpired(item, nowSeconds)) continue;
          if (events.length === options.limit) {
            // One more exists: the cursor points just past the last one returned.
            return { events, next: this.cursorAt(plan, last!), scanned, index: plan.index };
          }
          events.push(stripKey(item));
          last = item;
        }
        exclusiveStart = page.LastEvaluatedKey;
      } while (exclusiveStart);
    }
    return { events, scanned, index: plan.index };
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
    let read = 0;
    let cursor: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: AUDIT_INDEXES.byType,
          KeyConditionExpression: '#type = :type AND #t >= :from',
          ExpressionAttributeNames: { '#type': 'type', '#t': 'time' },
          ExpressionAttributeValues: { ':type': type, ':from': from.toISOString() },
          ProjectionExpression: '#t',
          Limit: Math.min(5000, cap - read),
          ExclusiveStartKey: cursor,
        }),
      );
      for (const item of page.Items ?? []) {
        const day = new Date(new Date(String(item.time)).getTime() + shift).toISOString().slice(0, 10);
        counts.set(day, (counts.get(day) ?? 0) + 1);
      }
      read += page.Count ?? 0;
      cursor = page.LastEvaluatedKey;
    } while (cursor && read < cap);
    return { counts, capped: cursor !== undefined };
  }

  private cursorAt(plan: Plan, item: Record<string, unknown>): string {
    const k: Record<string, string> = {
      pk: String(item.pk),
      sk: String(item.sk),
      time: String(item.time),
      [plan.attribute]: String(item[plan.attribute]),
    };
    return encodeCursor({ i: plan.index, ...(plan.attribute === 'month' ? { m: k.month } : {}), k });
  }
}
