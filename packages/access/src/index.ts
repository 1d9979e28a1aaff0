/**
 * @yitong/access: check yitong access tokens in a department's API — a middy middleware for
 * Lambda, the token and DPoP checks on their own, and the caller yitong's authorizer passes on.
 * The DynamoDB DPoP proof log is in `@yitong/access/dynamodb` (it needs the AWS SDK).
 */
export {
  type AccessTokenClaims,
  AccessTokenError,
  DPOP_PROOF_MAX_AGE,
  loaOfAcr,
  type VerifyOptions,
  verifyAccessToken,
} from './access-token.ts';
export { type AuthorizerCaller, authorizerCaller, authorizerContext } from './authorizer.ts';
export { type DpopProofLog, MemoryDpopProofLog } from './dpop-proof-log.ts';
export { type ApiGatewayRequest, accessChallenge, headerOf, requestUrlOf } from './http.ts';
export {
  type AccessContext,
  type AccessDecision,
  type Caller,
  checkRoute,
  decideAccess,
  type MiddyRequest,
  problemResponse,
  type RequireAccessOptions,
  type RouteRule,
  requireAccess,
  type TokenTrust,
} from './require-access.ts';
