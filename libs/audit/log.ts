import { createHash, randomUUID } from 'node:crypto';
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed } from '../store/index.ts';
import { type ChainVerification, eventHash, type StoredChainItem, verifyChainItems } from './chain.ts';
import {
  AUDIT_SCHEMA_VERSION,
  AuditEventInput,
  type ChainedEvent,
  chainKey,
  GENESIS_HASH,
  seqKey,
} from './event.ts';

export interface AuditLogOptions {
  /** Independent chains; more shards mean less contention between concurrent appends. @default 4 */
  readonly shards?: number;
  /** Attempts before giving up when other writers keep taking the next position. @default 8 */
  readonly maxAttempts?: number;
  readonly now?: () => Date;
}

export class AuditContentionError extends Error {
  override readonly name = 'AuditContentionError';
  readonly code = 'AUDIT_CONTENTION';
}

/** The audit writer and chain reader. Events are only ever appended: never updated or deleted. */
export interface AuditLog {
  append(event: AuditEventInput, options?: { readonly eventId?: string }): Promise<ChainedEvent>;
  verifyShard(shard: number): Promise<ChainVerification>;
  verifyAll(): Promise<ChainVerification[]>;
  readonly shards: number;
}

export class DynamoAuditLog implements AuditLog {
  readonly shards: number;
  private readonly maxAttempts: number;
  private readonly now: () => Date;
  /** The last link this container wrote per shard. */
  private readonly tips = new Map<number, { seq: number; hash: string }>();

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: AuditLogOptions = {},
  ) {
    this.shards = options.shards ?? 4;
    this.maxAttempts = options.maxAttempts ?? 8;
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Appends one event to the chain of the shard its id hashes to. The write is conditional
   * on the position being free; a writer that loses re-reads the tip and tries again. A
   * retried write that finds its own event already in place returns it: no duplicate.
   */
  async append(input: AuditEventInput, options: { readonly eventId?: string } = {}): Promise<ChainedEvent> {
    const event = AuditEventInput.parse(input);
    const eventId = options.eventId ?? randomUUID();
    const shard = this.shardOf(eventId);
    const time = this.now().toISOString();
    // A fresh event (no caller-supplied id) cannot already be stored, so the tip this container
    // last wrote is a safe first guess: no read at all when nobody else wrote since.
    const guess = options.eventId === undefined ? this.tips.get(shard) : undefined;
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      let tip: { seq: number; hash: string } | undefined = attempt === 0 ? guess : undefined;
      if (!tip) {
        const recent = await this.tail(shard, attempt === 0 ? 1 : 16);
        const mine = recent.find((item) => item.eventId === eventId);
        if (mine) return stripKey(mine);
        tip = recent[0];
      }
      const content: Omit<ChainedEvent, 'hash'> = {
        ...event,
        v: AUDIT_SCHEMA_VERSION,
        eventId,
        time,
        shard,
        seq: (tip?.seq ?? 0) + 1,
        prevHash: tip?.hash ?? GENESIS_HASH,
      };
      const chained: ChainedEvent = { ...content, hash: eventHash(content) };
      try {
        await this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { pk: chainKey(shard), sk: seqKey(chained.seq), ...chained },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        this.tips.set(shard, { seq: chained.seq, hash: chained.hash });
        return chained;
      } catch (err: unknown) {
        if (!isConditionalCheckFailed(err)) throw err;
        await backoff(attempt);
      }
    }
    throw new AuditContentionError(`audit shard ${shard} stayed contended for ${this.maxAttempts} attempts`);
  }

  async verifyShard(shard: number): Promise<ChainVerification> {
    const items: StoredChainItem[] = [];
    let cursor: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': chainKey(shard) },
          ConsistentRead: true,
          ExclusiveStartKey: cursor,
        }),
      );
      for (const item of page.Items ?? []) items.push(toStoredItem(item));
      cursor = page.LastEvaluatedKey;
    } while (cursor);
    return verifyChainItems(shard, items, { seq: 0, hash: GENESIS_HASH });
  }

  async verifyAll(): Promise<ChainVerification[]> {
    return Promise.all(Array.from({ length: this.shards }, (_, shard) => this.verifyShard(shard)));
  }

  private shardOf(eventId: string): number {
    return createHash('sha256').update(eventId).digest().readUInt32BE(0) % this.shards;
  }

  private async tail(shard: number, limit: number): Promise<StoredChainItem[]> {
    const { Items } = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': chainKey(shard) },
        ScanIndexForward: false,
        ConsistentRead: true,
        Limit: limit,
      }),
    );
    return (Items ?? []).map(toStoredItem);
  }
}

/** Items come back from the table as untyped records; only the shape we wrote is accepted. */
const toStoredItem = (item: Record<string, unknown>): StoredChainItem => {
  const { pk: _pk, ...rest } = item;
  if (typeof rest.sk !== 'string' || typeof rest.seq !== 'number' || typeof rest.hash !== 'string') {
    // Keep it: verification reports it as altered rather than the reader crashing.
    return { ...(rest as unknown as StoredChainItem), seq: Number(rest.seq), hash: String(rest.hash) };
  }
  return rest as unknown as StoredChainItem;
};

const stripKey = (item: StoredChainItem): ChainedEvent => {
  const { sk: _sk, ...event } = item;
  return event;
};

const backoff = (attempt: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(200, 10 * 2 ** attempt)));
