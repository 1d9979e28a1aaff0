import * as z from 'zod';
import { Zone } from '../config/index.ts';
import type { RetentionClass } from './retention.ts';

const id = z.string().min(1).max(256);

/** What happened, as the writer of an audit event describes it. Version 2 of the schema (docs/audit.md). */
export const AuditEventInput = z.strictObject({
  /** Dotted event type from the catalogue, e.g. `login.success`, `licence.issued`, `policy.denied`. */
  type: z.string().regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/, 'a dotted lower-case event type'),
  outcome: z.enum(['success', 'failure', 'denied']),
  zone: Zone,
  actor: id.optional(),
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

/** 2: retention classes with their own chains, expiry inside the hash, the month index key. */
export const AUDIT_SCHEMA_VERSION = 2;
export const GENESIS_HASH = '0'.repeat(64);

/** An event as stored: the input plus its place in a chain. Every field is covered by `hash`. */
export interface ChainedEvent extends AuditEventInput {
  readonly v: number;
  readonly eventId: string;
  readonly time: string;
  /** `YYYY-MM` of `time`: the partition of the time index. */
  readonly month: string;
  readonly retention: RetentionClass;
  readonly shard: number;
  readonly seq: number;
  /** Epoch seconds after which the event may be deleted; never earlier than its predecessor's. */
  readonly expiresAt: number;
  /**
   * The predecessor's expiry (0 for the first event): a gap before this event is lawful
   * only if this time has passed, which tells expiry from deletion.
   */
  readonly prevExpiresAt: number;
  readonly prevHash: string;
  readonly hash: string;
}

/** One hash chain: a retention class and a shard of it. */
export interface ChainRef {
  readonly retention: RetentionClass;
  readonly shard: number;
}

/** Sort keys are zero-padded so lexical order is chain order. */
export const seqKey = (seq: number): string => seq.toString().padStart(12, '0');
export const chainKey = (chain: ChainRef): string => `chain#${chain.retention}#${chain.shard}`;
