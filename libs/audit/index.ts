export { canonicalJson } from './canonical.ts';
export { EVENT_TYPES, eventTypeEntry } from './catalogue.ts';
export { eventHash } from './chain.ts';
export {
  createCheckpoint,
  type EventProof,
  newestCheckpoint,
  proveEvent,
  type TrailVerification,
  verifyTrail,
} from './checkpoint.ts';
export { DETECTION_ATTRIBUTES, DETECTION_PREFIX, DetectingAuditLog } from './detection.ts';
export {
  AuditEventInput,
  CHECKPOINT_PARTITION,
  type ChainedEvent,
  type ChainRef,
  chainKey,
  DEFAULT_SHARDS,
  EVENT_PARTITIONS,
  EVENT_PREFIX,
  eventPartition,
  eventSortKey,
  GENESIS_HASH,
  INDEX_SHARDS,
  SEAL_PREFIX,
  sealPartition,
  seqKey,
} from './event.ts';
export {
  auditSearchQuery,
  csvHeader,
  ExportFormat,
  exportFormatOf,
  exportResponse,
  searchOf,
  toCsvRows,
  toJsonl,
} from './export.ts';
export { type AuditLog, buildEvent, chainOf, DynamoAuditLog, eventItem, shardOf, stripKey } from './log.ts';
export { MeteredAuditLog } from './metered.ts';
export { AuditFilter, type AuditPage, AuditQuery } from './query.ts';
export { RETENTION_CLASSES } from './retention.ts';
export { AuditSealer, type Seal, type SealRun } from './seal.ts';
export { AuditTrail, type StoredSeal } from './trail.ts';
