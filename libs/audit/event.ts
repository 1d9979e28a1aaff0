import { z } from 'zod';
import { Zone } from '../config/index.ts';

const id = z.string().min(1).max(256);

/** What happened, as the writer of an audit event describes it. Version 1 of the schema. */
export const AuditEventInput = z.strictObject({
  /** Dotted event type, e.g. `login.success`, `licence.issued`, `policy.denied`. */
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

export const AUDIT_SCHEMA_VERSION = 1;
export const GENESIS_HASH = '0'.repeat(64);

/** An event as stored: the input plus its place in a shard's hash chain. */
export interface ChainedEvent extends AuditEventInput {
  readonly v: number;
  readonly eventId: string;
  readonly time: string;
  readonly shard: number;
  readonly seq: number;
  readonly prevHash: string;
  readonly hash: string;
}

/** Sort keys are zero-padded so lexical order is chain order. */
export const seqKey = (seq: number): string => seq.toString().padStart(12, '0');
export const chainKey = (shard: number): string => `chain#${shard}`;
