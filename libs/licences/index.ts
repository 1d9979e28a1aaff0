export {
  type HolderRefs,
  holderRefOf,
  IdempotencyKey,
  IssueRequest,
  Licence,
  LicenceHolder,
  LicenceService,
  Receipt,
  Share,
  ShareRequest,
  StatusChange,
} from './service.ts';
export { encodeList, LIST_SIZE, STATUS, setStatusBits, signStatusList } from './status-list.ts';
export {
  LicenceType,
  LicenceTypeConflictError,
  LicenceTypeInput,
  LicenceTypeStore,
  typeMetadata,
} from './types.ts';
export {
  ENVELOPE_CLAIMS,
  emptyTrustCache,
  licenceClaims,
  type OnlineVerification,
  readTrustCache,
  type StatusEvidence,
  type TrustCache,
  trustSources,
  type Verdict,
  type VerificationResult,
  verifyLicence,
} from './verify.ts';
