export { canonicalJson } from './canonical.ts';
export { EVENT_TYPES, type EventType, type EventTypeEntry, eventTypeEntry } from './catalogue.ts';
export {
  type ChainLink,
  type ChainProblem,
  type ChainProblemKind,
  type ChainVerification,
  eventHash,
  verifyChainItems,
} from './chain.ts';
export {
  type ChainReport,
  type Checkpoint,
  type CheckpointHead,
  createCheckpoint,
  type EventProof,
  latestCheckpoint,
  type ProofResult,
  proveEvent,
  type TrailVerification,
  verifyCheckpoint,
  verifyTrail,
} from './checkpoint.ts';
export {
  DEFAULT_OFFICE_HOURS,
  DETECTION_PREFIX,
  DetectingAuditLog,
  type DetectionRule,
  defaultRules,
  type OfficeHours,
  outsideOfficeHours,
  type RuleId,
} from './detection.ts';
export {
  AUDIT_SCHEMA_VERSION,
  AuditEventInput,
  type ChainedEvent,
  type ChainRef,
  chainKey,
  GENESIS_HASH,
  seqKey,
} from './event.ts';
export {
  CSV_COLUMNS,
  csvHeader,
  type ExportFormat,
  exportFormatOf,
  exportResponse,
  searchOf,
  toCsvRows,
  toJsonl,
} from './export.ts';
export {
  AuditContentionError,
  type AuditLog,
  type AuditLogOptions,
  DynamoAuditLog,
  stripKey,
  type VerifyOptions,
} from './log.ts';
export { MeteredAuditLog } from './metered.ts';
export { AuditFilter, type AuditPage, AuditQuery } from './query.ts';
export { RETENTION_CLASSES, type RetentionClass, retentionClassOf } from './retention.ts';
