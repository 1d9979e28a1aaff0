/** Identity proofing: resident ID numbers, assurance levels, the registry port and proving a person. */
export {
  ACTING_CHOICE_SECONDS,
  ActingChoice,
  ActingStore,
  endRepresentationSessions,
  type RepresentationSessionDeps,
} from './acting.ts';
export { IdentityClaims, PROOFING_ATTEMPTS, ProofingAttempts } from './claims.ts';
export type { AccountDeletionDeps, DeletionOutcome } from './closing.ts';
export {
  AgentGrant,
  type AgentGrantInput,
  type AgentGrantOutcome,
  AgentScope,
  Company,
  type CompanyDeps,
  type CompanyRefusal,
  CompanyStore,
  companyRefusalOf,
  coversClient,
  coversLicenceType,
  grantAgent,
  type Representation,
  type RepresentationRole,
  registerCompany,
  revokeAgent,
} from './companies.ts';
export { companyRef, holderKind, IdentityHasher } from './hasher.ts';
export {
  EVIDENCE_SUPPORTED,
  IAL_URIS,
  type Ial,
  type IalUri,
  IDENTITY_SCOPE,
  ialOfClaimsRequest,
  ialUri,
  parseIal,
  requiredIal,
  TRUST_FRAMEWORK,
  VERIFIED_CLAIM_NAMES,
} from './ial.ts';
export {
  type CounterProofingInput,
  IdentityLinkedElsewhereError,
  ProofingCodeError,
  ProofingCodeLimitError,
  type ProofingCodeSent,
  type ProofingContext,
  type ProofingDeps,
  type ProofingLang,
  ProofingPausedError,
  ProofingRefusedError,
  proveAtCounter,
  type RecordDeps,
  RegistryUnavailableError,
  type RemoteProofingInput,
} from './proofing.ts';
export type { PendingProofing, ProofingCodes } from './proofing-codes.ts';

/**
 * Remote proofing with possession of the phone (phone-proofing.ts: `startRemoteProofing`,
 * `resendProofingCode`, `confirmRemoteProofing`, `pendingProofing`, `ProofingCodes`,
 * `phoneProofingOf`), loaded on first use: only the pages that prove an identity need it.
 */
export const loadPhoneProofing = () => import('./phone-proofing.ts');
export {
  type ProofingFailure,
  type ProofingFieldProblem,
  type ProofingFormInput,
  proofingFailureOf,
  readProofingCode,
  readProofingForm,
} from './proofing-form.ts';
export {
  IdentityRecheck,
  IdentityRechecks,
  NoProvedIdentityError,
  NotTheAccountHolderError,
  RECHECK_SECONDS,
  type RecheckDeps,
  recheckAtCounter,
} from './recheck.ts';
export {
  maskResidentId,
  normaliseResidentId,
  ResidentId,
  type ResidentIdProblemKind,
  residentIdCheckChar,
  residentIdFacts,
  residentIdProblem,
  residentIdProblemKind,
} from './resident-id.ts';
export { type IdentityServices, identityOf, identityServices } from './services.ts';
export {
  CompanyRecord,
  HttpIdentitySource,
  type HttpIdentitySourceOptions,
  type IdentitySource,
  IdentitySourceUnavailableError,
  type PersonCheck,
  PersonVerdict,
} from './source.ts';

/**
 * `verifiedClaimsOf` and `verifiedClaimsRequestProblem` (verified-claims.ts), loaded on first
 * use: only tokens for the `identity` scope need them, and the oidc function's cold start does
 * not carry them (test/infra/bundle.test.ts holds it to its budget).
 */
export const loadVerifiedClaims = () => import('./verified-claims.ts');

/**
 * `deleteClosedAccount` and `sweepClosedAccounts` (closing.ts), loaded on first use: only the
 * account centre's closing and its sweep need them, never a cold start.
 */
export const loadAccountDeletion = () => import('./closing.ts');
