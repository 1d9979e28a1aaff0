import { createHash, randomUUID } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DEFAULT_RETENTION, type RetentionDays } from '../config/index.ts';
import { AUDIT_INDEXES, epochSeconds, isConditionalCheckFailed } from '../store/index.ts';
import { eventHash } from './chain.ts';
import {
  AUDIT_SCHEMA_VERSION,
  AuditEventInput,
  type ChainedEvent,
  type ChainRef,
  DEFAULT_SHARDS,
  eventPartition,
  eventSortKey,
  indexShardOf,
  shardedKey,
} from './event.ts';
import { retentionClassOf } from './retention.ts';

export interface AuditLogOptions {
  /** Write shards per retention class (docs/audit.md: the arithmetic). @default DEFAULT_SHARDS */
  readonly shards?: number;
  /** Days each class is kept. @default DEFAULT_RETENTION */
  readonly retention?: RetentionDays;
  readonly now?: () => Date;
}

/** The audit writer every function holds. Events are only ever added: never updated or deleted. */
export interface AuditLog {
  /**
   * Records one event durably (it is in the table when this resolves) and returns it as
   * stored. A caller-chosen `eventId` makes the append idempotent: a retry finds the event.
   */
  append(event: AuditEventInput, options?: { readonly eventId?: string }): Promise<ChainedEvent>;
}

/** The attributes of a stored event besides the event itself: its key and its index keys. */
export const eventItem = (event: ChainedEvent): Record<string, unknown> => {
  const ix = indexShardOf(event.shard);
  return {
    pk: eventPartition(event),
    sk: eventSortKey(event.time, event.eventId),
    ...event,
    monthKey: shardedKey(event.month, ix),
    typeKey: shardedKey(event.type, ix),
    ...(event.client ? { clientKey: shardedKey(event.client, ix) } : {}),
  };
};

/** Attributes a stored item has that are not part of the event (keys and index keys). */
const ITEM_ONLY = ['pk', 'sk', 'monthKey', 'typeKey', 'clientKey'] as const;

/** An event as the table holds it, without its key and index-key attributes. */
export const stripKey = (item: object): ChainedEvent => {
  const event = { ...(item as Record<string, unknown>) };
  for (const key of ITEM_ONLY) delete event[key];
  return event as unknown as ChainedEvent;
};

/**
 * Writes each event with one put to the partition of its retention class and write shard
 * (`event#<class>#<shard>`, sorted by time and id). Appends never wait on each other: no
 * position is claimed, so any number of containers write at once. The sealer chains each
 * shard's events afterwards (libs/audit/seal.ts); only it may write seals.
 */
export class DynamoAuditLog implements AuditLog {
  readonly shards: number;
  private readonly retention: RetentionDays;
  private readonly now: () => Date;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: AuditLogOptions = {},
  ) {
    this.shards = options.shards ?? DEFAULT_SHARDS;
    this.retention = options.retention ?? DEFAULT_RETENTION;
    this.now = options.now ?? (() => new Date());
  }

  async append(input: AuditEventInput, options: { readonly eventId?: string } = {}): Promise<ChainedEvent> {
    const parsed = AuditEventInput.parse(input);
    const eventId = options.eventId ?? randomUUID();
    if (options.eventId !== undefined) {
      // A caller-chosen id is a retry's way to say "at most once".
      const stored = await findEventById(this.doc, this.tableName, eventId);
      if (stored) return stored;
    }
    const event = buildEvent(parsed, {
      eventId,
      at: this.now(),
      shards: this.shards,
      retention: this.retention,
    });
    try {
      // Conditional only so that nothing is ever replaced: the key is new, so it never contends.
      // The SDK's own retry of a put that did land finds the identical item: that is success.
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: eventItem(event),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (err: unknown) {
      if (!isConditionalCheckFailed(err)) throw err;
      const stored = await this.stored(event);
      if (stored?.hash !== event.hash) throw err;
    }
    return event;
  }

  private async stored(event: ChainedEvent): Promise<ChainedEvent | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: eventPartition(event), sk: eventSortKey(event.time, event.eventId) },
        ConsistentRead: true,
      }),
    );
    return Item ? stripKey(Item) : undefined;
  }
}

/** The partitions writers may write to: each retention class times DEFAULT_SHARDS (at most). */
const EVENT_PARTITION = /^event#(access|security)#(0|[1-9]\d?)$/;

/**
 * Whether an item sits in one of the event partitions (searches show nothing else: an item a
 * writer put elsewhere, or a detection counter given an event's attributes, is not the trail).
 * An altered event in its partition still shows; verification and its proof name it.
 */
export const inEventPartition = (item: Record<string, unknown>, shards = DEFAULT_SHARDS): boolean => {
  const match = typeof item.pk === 'string' ? EVENT_PARTITION.exec(item.pk) : null;
  return match !== null && Number(match[2]) < shards && typeof item.sk === 'string';
};

/**
 * Whether a stored item is a well-formed event where it should be: in a known event partition,
 * its key, index keys and shard what its fields say, its hash that of its content. Searches
 * and proofs show nothing else, and the sealer seals nothing else: a writer can put an item in
 * another partition, or give a detection counter an event's attributes, but not into the trail.
 */
export const isWellFormedEvent = (item: Record<string, unknown>, shards = DEFAULT_SHARDS): boolean => {
  const match = typeof item.pk === 'string' ? EVENT_PARTITION.exec(item.pk) : null;
  if (!match || Number(match[2]) >= shards) return false;
  const event = stripKey(item);
  if (
    typeof event.time !== 'string' ||
    // Exactly as the writer writes it (UTC, milliseconds): the time index compares text.
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(event.time) ||
    Number.isNaN(Date.parse(event.time)) ||
    event.month !== event.time.slice(0, 7) ||
    typeof event.eventId !== 'string' ||
    // An event id has one shard: a copy under another shard is not the event.
    shardOf(event.eventId, shards) !== event.shard ||
    typeof event.type !== 'string' ||
    typeof event.hash !== 'string' ||
    event.retention !== match[1] ||
    event.shard !== Number(match[2])
  ) {
    return false;
  }
  const expected = eventItem(event);
  for (const key of ITEM_ONLY) if (expected[key] !== item[key]) return false;
  return eventHash(event) === event.hash;
};

/**
 * An event as the writer stores it, from what happened and when: its shard (from its id), its
 * retention class and expiry, its hash. The one place the stored shape is made.
 */
export const buildEvent = (
  input: AuditEventInput,
  options: {
    readonly eventId: string;
    readonly at: Date;
    readonly shards?: number;
    readonly retention?: RetentionDays;
  },
): ChainedEvent => {
  const retention = retentionClassOf(input.type);
  const time = options.at.toISOString();
  const content: Omit<ChainedEvent, 'hash'> = {
    ...input,
    v: AUDIT_SCHEMA_VERSION,
    eventId: options.eventId,
    time,
    month: time.slice(0, 7),
    retention,
    shard: shardOf(options.eventId, options.shards ?? DEFAULT_SHARDS),
    expiresAt: epochSeconds(options.at) + (options.retention ?? DEFAULT_RETENTION)[retention] * 86_400,
  };
  return { ...content, hash: eventHash(content) };
};

/** The write shard an event id falls in (0 … shards-1). */
export const shardOf = (eventId: string, shards: number): number =>
  createHash('sha256').update(eventId).digest().readUInt32BE(0) % shards;

/** The chain an event belongs to. */
export const chainOf = (event: Pick<ChainedEvent, 'retention' | 'shard'>): ChainRef => ({
  retention: event.retention,
  shard: event.shard,
});

/**
 * An event by id through the event-id index, read from the table itself (expired or not;
 * undefined when there is none). A forged copy under another key would be a second index
 * entry: the seals, not this lookup, decide which is genuine.
 */
export const findEventById = async (
  doc: DynamoDBDocumentClient,
  table: string,
  eventId: string,
): Promise<ChainedEvent | undefined> => {
  const item = await findItemById(doc, table, eventId);
  return item ? stripKey(item) : undefined;
};

/** The stored item of an event id, keys and all (for proofs); the first when there are copies. */
export const findItemById = async (
  doc: DynamoDBDocumentClient,
  table: string,
  eventId: string,
): Promise<Record<string, unknown> | undefined> => (await findItemsById(doc, table, eventId))[0];

/** Every item in the event partitions that has this event id: one, unless a copy was planted. */
export const findItemsById = async (
  doc: DynamoDBDocumentClient,
  table: string,
  eventId: string,
): Promise<Record<string, unknown>[]> => {
  const found: Record<string, unknown>[] = [];
  const { Items } = await doc.send(
    new QueryCommand({
      TableName: table,
      IndexName: AUDIT_INDEXES.byEventId,
      KeyConditionExpression: 'eventId = :id',
      ExpressionAttributeValues: { ':id': eventId },
      Limit: 10,
    }),
  );
  // A copy planted outside the event partitions (or under a counter) is never the event.
  for (const key of Items ?? []) {
    if (typeof key.pk !== 'string' || !EVENT_PARTITION.test(key.pk)) continue;
    const { Item } = await doc.send(
      new GetCommand({ TableName: table, Key: { pk: key.pk, sk: key.sk }, ConsistentRead: true }),
    );
    if (Item && inEventPartition(Item) && Item.eventId === eventId) found.push(Item);
  }
  return found;
};
