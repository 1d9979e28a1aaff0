export { AccessControl, type CheckedDecision, type DecisionOrigin, type LoginVerdict } from './access.ts';
export { type AccessTokenClaims, AccessTokenError, verifyAccessToken } from './access-token.ts';
export { type CaseResult, caseRequest, loadPolicyTests, PolicyCase, runPolicyCase } from './cases.ts';
export { DPOP_PROOF_PREFIX, type DpopProofLog, DynamoDpopProofLog } from './dpop-proofs.ts';
export {
  type AccessRequest,
  type Action,
  type CedarEntity,
  type CedarUid,
  type Decision,
  defaultPolicyDir,
  explain,
  PolicyEngine,
  PolicyLoadError,
  type PolicySources,
  policyDigest,
  type RequestContext,
  readPolicySources,
  uid,
  VALIDATED_DIGEST_FILE,
  validatePolicySources,
} from './engine.ts';
export {
  anonymousEntities,
  clientEntities,
  departmentEntity,
  licenceTypeEntities,
  OWN_API_SCOPES,
  type PolicyAccount,
  type PolicyClient,
  type PolicyRoute,
  type RouteArea,
  requestContext,
  routeEntities,
  uniqueEntities,
  userEntities,
} from './entities.ts';
export {
  type AccessContext,
  type Allowed,
  type ApiAccess,
  type ApiAccessOptions,
  type ApiPrincipal,
  type ApiRequest,
  apiRequestOf,
  assertAllowed,
  decideApiAccess,
  decidePortalAccess,
  licenceTypeRequest,
  requestUrlOf,
  requireAccess,
} from './require-access.ts';
export { zoneTokenTrust } from './zone-trust.ts';
