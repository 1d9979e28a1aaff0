// What both entries (Node and WebCrypto) export besides the bound verifier.
export type { PublicJwk, VerifierCrypto } from './crypto.ts';
export {
  LICENCE_ID_PREFIX,
  type LicenceIdParts,
  licenceId,
  licenceIdProblem,
  mod3736CheckCharacter,
} from './licence-id.ts';
export {
  type OnlineVerification,
  OnlineVerifyError,
  type OnlineVerifyOptions,
  verifyOnline,
} from './online.ts';
export { BITS, getStatusBits, STATUS, type StatusName, statusName } from './status.ts';
export {
  emptyTrustCache,
  readTrustCache,
  type TrustCache,
  type TrustOptions,
  trustSources,
} from './trust.ts';
export { isUscc, usccCheckCharacter } from './uscc.ts';
export {
  createVerifier,
  ENVELOPE_CLAIMS,
  type InvalidReason,
  type LicenceVerifier,
  type ParsedSdJwt,
  type StatusEvidence,
  type StatusListBits,
  splitSdJwt,
  type Verdict,
  type VerificationResult,
  type VerifyOptions,
} from './verify.ts';
