/** Identity proofing: resident ID numbers, assurance levels, the registry port and proving a person. */
export {
  ACTING_CHOICE_SECONDS,
  ActingChoice,
  ActingStore,
  endRepresentationSessions,
  type RepresentationSessionDeps,
} from './acting.ts';
export { IdentityClaims, PROOFING_ATTEMPTS, ProofingAttempts } from './claims.ts';
export {
  AgentGrant,
  type AgentGrantInput,
  AgentScope,
  Company,
  type CompanyDeps,
  CompanyStore,
  coversClient,
  coversLicenceType,
  grantAgent,
  type Representation,
  type RepresentationRole,
  registerCompany,
  revokeAgent,
} from './companies.ts';
export { companyRef, holderKind, IdentityHasher } from './hasher.ts';
export { IAL_URIS, type Ial, type IalUri, ialUri, parseIal, TRUST_FRAMEWORK } from './ial.ts';
export {
  type CounterProofingInput,
  IdentityLinkedElsewhereError,
  type ProofingContext,
  type ProofingDeps,
  ProofingPausedError,
  ProofingRefusedError,
  proveAtCounter,
  proveRemotely,
  RegistryUnavailableError,
  type RemoteProofingInput,
} from './proofing.ts';
export {
  maskResidentId,
  normaliseResidentId,
  ResidentId,
  residentIdCheckChar,
  residentIdFacts,
  residentIdProblem,
} from './resident-id.ts';
export { type IdentityServices, identityServices } from './services.ts';
export {
  CompanyRecord,
  HttpIdentitySource,
  type HttpIdentitySourceOptions,
  type IdentitySource,
  IdentitySourceUnavailableError,
  type PersonCheck,
  PersonVerdict,
} from './source.ts';
