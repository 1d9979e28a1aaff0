export { authorizerContext } from '../../packages/access/src/index.ts';
export { AccessControl, type LoginVerdict } from './access.ts';
export { caseRequest, loadPolicyTests, type PolicyCase, runPolicyCase } from './cases.ts';
export { DPOP_PROOF_PREFIX } from './dpop-proofs.ts';
export {
  type AccessRequest,
  type Action,
  type CedarEntity,
  type CedarUid,
  explain,
  PolicyEngine,
  policyDigest,
  readPolicySources,
  VALIDATED_DIGEST_FILE,
  validatePolicySources,
} from './engine.ts';
export {
  clientEntities,
  companyEntities,
  licenceTypeEntities,
  OWN_API_SCOPES,
  type PolicyClient,
  type PolicyRepresentation,
  type RouteArea,
  representationContext,
  requestContext,
  routeEntities,
  uniqueEntities,
  userEntities,
} from './entities.ts';
export {
  type Allowed,
  type ApiAccessOptions,
  apiRequestOf,
  assertAllowed,
  decideApiAccess,
  decidePortalAccess,
  licenceTypeRequest,
  requestUrlOf,
} from './require-access.ts';
export { zoneTokenTrust } from './zone-trust.ts';
