export { canonicalJson } from './canonical.ts';
export {
  type ChainProblem,
  type ChainProblemKind,
  type ChainVerification,
  eventHash,
  verifyChainItems,
} from './chain.ts';
export { AUDIT_SCHEMA_VERSION, AuditEventInput, type ChainedEvent, GENESIS_HASH } from './event.ts';
export { AuditContentionError, type AuditLog, type AuditLogOptions, DynamoAuditLog } from './log.ts';
export { MeteredAuditLog } from './metered.ts';
