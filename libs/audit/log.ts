import { createHash, randomUUID } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DEFAULT_RETENTION, type RetentionDays } from '../config/index.ts';
import { AUDIT_INDEXES, epochSeconds, isConditionalCheckFailed } from '../store/index.ts';
import { type ChainVerification, eventHash, type StoredChainItem, verifyChainItems } from './chain.ts';
import {
  AUDIT_SCHEMA_VERSION,
  AuditEventInput,
  type ChainedEvent,
  type ChainRef,
  chainKey,
  GENESIS_HASH,
  seqKey,
} from './event.ts';
import { RETENTION_CLASSES, retentionClassOf } from './retention.ts';

export interface AuditLogOptions {
  /** Independent chains per retention class; more shards mean less contention between appends. @default 4 */
  readonly shards?: number;
  /** Attempts before giving up when other writers keep taking the next position. @default 16 */
  readonly maxAttempts?: number;
  /** Days each class is kept. @default DEFAULT_RETENTION */
  readonly retention?: RetentionDays;
  readonly now?: () => Date;
}

export class AuditContentionError extends Error {
  override readonly name = 'AuditContentionError';
  readonly code = 'AUDIT_CONTENTION';
}

/** Options of a chain walk. */
export interface VerifyOptions {
  /** Sequence numbers whose hashes the caller wants back (a checkpoint's heads). */
  readonly remember?: ReadonlySet<number>;
}

/** The audit writer and chain reader. Events are only ever appended: never updated or deleted. */
export interface AuditLog {
  append(event: AuditEventInput, options?: { readonly eventId?: string }): Promise<ChainedEvent>;
  verifyChain(chain: ChainRef, options?: VerifyOptions): Promise<ChainVerification>;
  verifyAll(): Promise<ChainVerification[]>;
  /** Every chain there is: each retention class times the shards. */
  chains(): ChainRef[];
  readonly shards: number;
}

interface Tip {
  readonly seq: number;
  readonly hash: string;
  readonly expiresAt: number;
}

export class DynamoAuditLog implements AuditLog {
  readonly shards: number;
  private readonly maxAttempts: number;
  private readonly retention: RetentionDays;
  private readonly now: () => Date;
  /** The last link this container wrote per chain. */
  private readonly tips = new Map<string, Tip>();
  /** The last append queued per chain in this container. */
  private readonly turns = new Map<string, Promise<void>>();

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: AuditLogOptions = {},
  ) {
    this.shards = options.shards ?? 4;
    this.maxAttempts = options.maxAttempts ?? 16;
    this.retention = options.retention ?? DEFAULT_RETENTION;
    this.now = options.now ?? (() => new Date());
  }

  chains(): ChainRef[] {
    return RETENTION_CLASSES.flatMap((retention) =>
      Array.from({ length: this.shards }, (_, shard) => ({ retention, shard })),
    );
  }

  /**
   * Appends one event to the chain of its retention class and the shard its id hashes to.
   * The write is conditional on the position being free; a writer that loses re-reads the
   * tip and tries again. A retried write that finds its own event already in place returns
   * it: no duplicate.
   */
  async append(input: AuditEventInput, options: { readonly eventId?: string } = {}): Promise<ChainedEvent> {
    const event = AuditEventInput.parse(input);
    const eventId = options.eventId ?? randomUUID();
    const retention = retentionClassOf(event.type);
    const chain: ChainRef = { retention, shard: this.shardOf(eventId) };
    const key = chainKey(chain);
    // Appends of one container to one chain take turns: they never race each other, and each
    // starts from the tip the last one wrote. Only other containers can contend.
    const previous = this.turns.get(key) ?? Promise.resolve();
    const mine = previous.then(() =>
      this.appendTo(chain, key, event, eventId, options.eventId !== undefined),
    );
    const settled = mine.then(
      () => undefined,
      () => undefined,
    );
    this.turns.set(key, settled);
    void settled.then(() => {
      if (this.turns.get(key) === settled) this.turns.delete(key);
    });
    return mine;
  }

  private async appendTo(
    chain: ChainRef,
    key: string,
    event: AuditEventInput,
    eventId: string,
    callerChoseId: boolean,
  ): Promise<ChainedEvent> {
    const { retention } = chain;
    const now = this.now();
    const time = now.toISOString();
    const keepUntil = epochSeconds(now) + this.retention[retention] * 86_400;
    // A fresh event (no caller-supplied id) cannot already be stored, so the tip this container
    // last wrote is a safe first guess: no read at all when nobody else wrote since.
    if (callerChoseId) {
      // A caller-chosen id is a retry's way to say "at most once": an event that long since
      // left the chain's tail is found by its id.
      const stored = await this.findById(eventId);
      if (stored) return stored;
    }
    const guess = callerChoseId ? undefined : this.tips.get(key);
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      let tip: Tip | undefined = attempt === 0 ? guess : undefined;
      if (!tip) {
        const recent = await this.tail(chain, attempt === 0 ? 1 : 16);
        const mine = recent.find((item) => item.eventId === eventId);
        if (mine) return stripKey(mine);
        tip = recent[0];
      }
      const content: Omit<ChainedEvent, 'hash'> = {
        ...event,
        v: AUDIT_SCHEMA_VERSION,
        eventId,
        time,
        month: time.slice(0, 7),
        retention,
        shard: chain.shard,
        seq: (tip?.seq ?? 0) + 1,
        // Never earlier than the predecessor's, so a chain expires strictly oldest first.
        expiresAt: Math.max(keepUntil, tip?.expiresAt ?? 0),
        prevExpiresAt: tip?.expiresAt ?? 0,
        prevHash: tip?.hash ?? GENESIS_HASH,
      };
      const chained: ChainedEvent = { ...content, hash: eventHash(content) };
      try {
        await this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { pk: key, sk: seqKey(chained.seq), ...chained },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        this.tips.set(key, { seq: chained.seq, hash: chained.hash, expiresAt: chained.expiresAt });
        return chained;
      } catch (err: unknown) {
        if (!isConditionalCheckFailed(err)) throw err;
        await backoff(attempt);
      }
    }
    throw new AuditContentionError(`audit chain ${key} stayed contended for ${this.maxAttempts} attempts`);
  }

  async verifyChain(chain: ChainRef, options: VerifyOptions = {}): Promise<ChainVerification> {
    const items = await this.read(chain);
    return verifyChainItems(
      chain,
      items,
      { seq: 0, hash: GENESIS_HASH },
      { now: epochSeconds(this.now()), remember: options.remember },
    );
  }

  async verifyAll(): Promise<ChainVerification[]> {
    return Promise.all(this.chains().map((chain) => this.verifyChain(chain)));
  }

  /** A chain's stored events in order, from `fromSeq` to `toSeq` inclusive when given. */
  async read(chain: ChainRef, range: { readonly fromSeq?: number; readonly toSeq?: number } = {}) {
    const items: StoredChainItem[] = [];
    let cursor: Record<string, unknown> | undefined;
    const bounded = range.fromSeq !== undefined || range.toSeq !== undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: bounded ? 'pk = :pk AND sk BETWEEN :from AND :to' : 'pk = :pk',
          ExpressionAttributeValues: {
            ':pk': chainKey(chain),
            ...(bounded
              ? { ':from': seqKey(range.fromSeq ?? 0), ':to': `${seqKey(range.toSeq ?? 999_999_999_999)}~` }
              : {}),
          },
          ConsistentRead: true,
          ExclusiveStartKey: cursor,
        }),
      );
      for (const item of page.Items ?? []) items.push(toStoredItem(item));
      cursor = page.LastEvaluatedKey;
    } while (cursor);
    return items;
  }

  private findById(eventId: string): Promise<ChainedEvent | undefined> {
    return findEventById(this.doc, this.tableName, eventId);
  }

  /** The newest event of a chain, read consistently. */
  async head(chain: ChainRef): Promise<ChainedEvent | undefined> {
    const [tip] = await this.tail(chain, 1);
    return tip && stripKey(tip);
  }

  private shardOf(eventId: string): number {
    return createHash('sha256').update(eventId).digest().readUInt32BE(0) % this.shards;
  }

  private async tail(chain: ChainRef, limit: number): Promise<StoredChainItem[]> {
    const { Items } = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': chainKey(chain) },
        ScanIndexForward: false,
        ConsistentRead: true,
        Limit: limit,
      }),
    );
    return (Items ?? []).map(toStoredItem);
  }
}

/**
 * An event by id through the event-id index, read from the table itself (expired or not;
 * undefined when there is none). A forged copy under another key would be a second index
 * entry: the chain walk, not this lookup, decides which is genuine.
 */
export const findEventById = async (
  doc: DynamoDBDocumentClient,
  table: string,
  eventId: string,
): Promise<ChainedEvent | undefined> => {
  const { Items } = await doc.send(
    new QueryCommand({
      TableName: table,
      IndexName: AUDIT_INDEXES.byEventId,
      KeyConditionExpression: 'eventId = :id',
      ExpressionAttributeValues: { ':id': eventId },
      Limit: 1,
    }),
  );
  const key = Items?.[0];
  if (!key) return undefined;
  const { Item } = await doc.send(
    new GetCommand({ TableName: table, Key: { pk: key.pk, sk: key.sk }, ConsistentRead: true }),
  );
  return Item ? stripKey(Item) : undefined;
};

/** Items come back from the table as untyped records; only the shape we wrote is accepted. */
const toStoredItem = (item: Record<string, unknown>): StoredChainItem => {
  const { pk: _pk, ...rest } = item;
  if (typeof rest.sk !== 'string' || typeof rest.seq !== 'number' || typeof rest.hash !== 'string') {
    // Keep it: verification reports it as altered rather than the reader crashing.
    return { ...(rest as unknown as StoredChainItem), seq: Number(rest.seq), hash: String(rest.hash) };
  }
  return rest as unknown as StoredChainItem;
};

/** An event as the table holds it, without its key attributes. */
export const stripKey = (item: object): ChainedEvent => {
  const { pk: _pk, sk: _sk, ...event } = item as Record<string, unknown>;
  return event as unknown as ChainedEvent;
};

const backoff = (attempt: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(200, 10 * 2 ** attempt)));
