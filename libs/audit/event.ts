import * as z from 'zod';
import { Zone } from '../config/index.ts';
import { RETENTION_CLASSES, type RetentionClass } from './retention.ts';

const id = z.string().min(1).max(256);

/** What happened, as the writer of an audit event describes it. Version 2 of the schema (docs/audit.md). */
export const AuditEventInput = z.strictObject({
  /** Dotted event type from the catalogue, e.g. `login.success`, `licence.issued`, `policy.denied`. */
  type: z.string().regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/, 'a dotted lower-case event type'),
  outcome: z.enum(['success', 'failure', 'denied']),
  zone: Zone,
  actor: id.optional(),
  /** The company the actor acted for (`company#<USCC>`), when acting as its representative or agent. */
  onBehalfOf: id.optional(),
  subject: id.optional(),
  client: id.optional(),
  department: id.optional(),
  resource: id.optional(),
  sourceIp: z.string().max(64).optional(),
  userAgent: z.string().max(512).optional(),
  reason: z.string().max(1024).optional(),
  policyIds: z.array(id).max(64).optional(),
  correlationId: id.optional(),
  /** Event-specific fields; keep personal data out (ids, not names). */
  details: z.record(z.string(), z.json()).optional(),
});
export type AuditEventInput = z.infer<typeof AuditEventInput>;

/**
 * 3: events are written where they land (one put to a write-sharded partition) and sealed
 * into their chain afterwards in batches; the time, type and client indexes are write-sharded.
 */
export const AUDIT_SCHEMA_VERSION = 3;
export const GENESIS_HASH = '0'.repeat(64);

/** Write shards per retention class: each is one event partition and one chain of seals. */
export const DEFAULT_SHARDS = 16;
/** Shards of the time, type and client indexes: searches on them fan out over this many keys. */
export const INDEX_SHARDS = 8;

/** An event as stored: the input plus where it was written. Every field is covered by `hash`. */
export interface ChainedEvent extends AuditEventInput {
  readonly v: number;
  readonly eventId: string;
  readonly time: string;
  /** `YYYY-MM` of `time`. */
  readonly month: string;
  readonly retention: RetentionClass;
  /** The write shard: which event partition holds it and which chain of seals seals it. */
  readonly shard: number;
  /** Epoch seconds after which the event may be deleted (the table's TTL attribute). */
  readonly expiresAt: number;
  /** SHA-256 of every other field (canonical JSON); its seal lists this hash. */
  readonly hash: string;
}

/** One hash chain: a retention class and a shard of it. */
export interface ChainRef {
  readonly retention: RetentionClass;
  readonly shard: number;
}

/** Sort keys are zero-padded so lexical order is chain order. */
export const seqKey = (seq: number): string => seq.toString().padStart(12, '0');
/** A chain's name in reports and checkpoints. */
export const chainKey = (chain: ChainRef): string => `chain#${chain.retention}#${chain.shard}`;
/** The partition a chain's events are written to, each under `eventSortKey`. */
export const eventPartition = (chain: ChainRef): string => `${EVENT_PREFIX}${chain.retention}#${chain.shard}`;
/** Partition prefixes: event writers may write only under EVENT_PREFIX, the sealer only under SEAL_PREFIX. */
export const EVENT_PREFIX = 'event#';
export const SEAL_PREFIX = 'seal#';
export const eventSortKey = (time: string, eventId: string): string => `${time}#${eventId}`;
/** The partition of a chain's seals, each under `seqKey(seq)`. */
export const sealPartition = (chain: ChainRef): string => `${SEAL_PREFIX}${chain.retention}#${chain.shard}`;
/** The partition of the signed checkpoints, each under `seqKey(seq)`. */
export const CHECKPOINT_PARTITION = 'checkpoint';

/** Every chain there is with `shards` write shards: each retention class times the shards. */
export const chainsOf = (shards: number): ChainRef[] =>
  RETENTION_CLASSES.flatMap((retention) =>
    Array.from({ length: shards }, (_, shard) => ({ retention, shard })),
  );

/** Every event partition there may be (each class times DEFAULT_SHARDS): the only keys writers may put. */
export const EVENT_PARTITIONS: readonly string[] = chainsOf(DEFAULT_SHARDS).map(eventPartition);

/** Keys of the write-sharded indexes: `<value>#<index shard>`. */
export const indexShardOf = (shard: number): number => shard % INDEX_SHARDS;
export const shardedKey = (value: string, indexShard: number): string => `${value}#${indexShard}`;
