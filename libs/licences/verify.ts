/**
 * The licence verifier is the published package `@yitong/licence-verifier` (packages/licence-verifier):
 * yitong's licences function, the CLI and outside verifiers run the same code. This lib uses its
 * Node entry (synchronous `node:crypto` on cached keys).
 */
export {
  disclosureNames,
  ENVELOPE_CLAIMS,
  emptyTrustCache,
  licenceClaims,
  licenceId,
  licenceIdProblem,
  mod3736CheckCharacter,
  type OnlineVerification,
  presentLicence,
  readStatusList,
  readTrustCache,
  type StatusEvidence,
  type TrustCache,
  trustSources,
  type Verdict,
  type VerificationResult,
  verifyLicence,
} from '../../packages/licence-verifier/src/node.ts';
