import type { JWTVerifyGetKey } from 'jose';
import { type AccessTokenClaims, AccessTokenError, loaOfAcr, verifyAccessToken } from './access-token.ts';
import type { DpopProofLog } from './dpop-proof-log.ts';
import { type ApiGatewayRequest, accessChallenge, headerOf, requestUrlOf } from './http.ts';

/** What a route of a department API asks of its callers (as registered with yitong's resource server). */
export interface RouteRule {
  /** The scope the token must hold; a machine client (client credentials) is refused without one. */
  readonly scope?: string;
  /** The least level of assurance of a person's sign-in (1 password, 2 second factor, 3 passkey). @default 1 */
  readonly minLoa?: number;
}

export interface TokenTrust {
  /** The zone's issuer: tokens from another zone's issuer are refused. */
  readonly issuer: string;
  /** Your API's audience (its resource indicator, as registered). */
  readonly audience: string;
  /** That zone's token keys, e.g. `createRemoteJWKSet(new URL('<issuer>/jwks'))`: never another zone's. */
  readonly keys: JWTVerifyGetKey;
  /** Records each DPoP proof until it expires, so a replayed proof is refused (401). */
  readonly dpopProofs: DpopProofLog;
  /** The clock tokens are judged by. @default the system clock */
  readonly now?: () => Date;
}

/** Who is calling, once the token and the route rule let them through. */
export interface Caller {
  /** A person (your department's pairwise identifier in `id`) or a machine client (its client id). */
  readonly kind: 'user' | 'client';
  readonly id: string;
  readonly claims: AccessTokenClaims;
  /** The person's level of assurance (0 for a machine client). */
  readonly loa: number;
}

export type AccessDecision =
  | { readonly allowed: true; readonly caller: Caller }
  | {
      readonly allowed: false;
      readonly status: 401 | 403 | 404;
      readonly message: string;
      readonly wwwAuthenticate?: string;
      /** The scope the route requires that the token lacks (RFC 6750's insufficient_scope). */
      readonly missingScope?: string;
    };

/**
 * The rule yitong's department-API policies apply (`role-department-api-user` and
 * `-client` in policies/roles.cedar), for a Lambda that runs no policy engine: a person at the
 * route's level holding its scope when it names one; a machine client holding the route's scope.
 */
export const checkRoute = (claims: AccessTokenClaims, rule: RouteRule, audience: string): AccessDecision => {
  const loa = claims.machine ? 0 : loaOfAcr(claims.acr);
  const caller: Caller = { kind: claims.machine ? 'client' : 'user', id: claims.sub, claims, loa };
  if (rule.scope && !claims.scopes.includes(rule.scope))
    return {
      allowed: false,
      status: 403,
      message: `the access token lacks the "${rule.scope}" scope this API requires: ask for it with the resource ${audience}`,
      missingScope: rule.scope,
    };
  if (claims.machine && !rule.scope)
    return { allowed: false, status: 403, message: 'this route takes no machine client (it names no scope)' };
  const minLoa = rule.minLoa ?? 1;
  if (!claims.machine && loa < minLoa)
    return {
      allowed: false,
      status: 403,
      message: `this route needs a sign-in at level ${minLoa} (the token's is ${loa}): sign in again with acr_values urn:yitong:loa:${minLoa}`,
    };
  return { allowed: true, caller };
};

/** Verifies the request's access token (issuer, audience, expiry, DPoP binding) and applies the route rule. */
export const decideAccess = async (
  options: TokenTrust,
  event: ApiGatewayRequest,
  rule: RouteRule | undefined,
): Promise<AccessDecision> => {
  if (!rule) return { allowed: false, status: 404, message: `there is no ${event.httpMethod} ${event.path}` };
  let claims: AccessTokenClaims;
  try {
    claims = await verifyAccessToken({
      ...options,
      authorization: headerOf(event, 'authorization'),
      dpop: headerOf(event, 'dpop'),
      method: event.httpMethod,
      url: requestUrlOf(event),
    });
  } catch (err: unknown) {
    if (!(err instanceof AccessTokenError)) throw err;
    return { allowed: false, status: 401, message: err.message, wwwAuthenticate: accessChallenge(err) };
  }
  return checkRoute(claims, rule, options.audience);
};

/** A refusal as an RFC 9457 problem response, with the challenge a 401 carries. */
export const problemResponse = (
  refusal: Extract<AccessDecision, { allowed: false }>,
): { statusCode: number; headers: Record<string, string>; body: string } => ({
  statusCode: refusal.status,
  headers: {
    'content-type': 'application/problem+json',
    'cache-control': 'no-store',
    ...(refusal.wwwAuthenticate ? { 'www-authenticate': refusal.wwwAuthenticate } : {}),
  },
  body: JSON.stringify({
    type: 'about:blank',
    title: { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' }[refusal.status],
    status: refusal.status,
    detail: refusal.message,
    ...(refusal.missingScope ? { missingScope: refusal.missingScope } : {}),
  }),
});

/** The Lambda context behind `requireAccess`: who is calling. */
export interface AccessContext {
  access: Caller;
}

export interface RequireAccessOptions extends TokenTrust {
  /** The rule of the request's route; undefined answers 404. */
  readonly route: (event: ApiGatewayRequest) => RouteRule | undefined;
}

/** The middy request as the middleware reads and answers it (structurally `middy.Request`). */
export interface MiddyRequest<TEvent extends ApiGatewayRequest = ApiGatewayRequest> {
  event: TEvent;
  context: object;
  response?: unknown;
}

/**
 * A middy middleware that puts yitong access tokens in front of a department's Lambda: a
 * refused request is answered here (401 with a challenge, 403, 404, as RFC 9457 problems);
 * an allowed one reaches the handler with `context.access`, the caller.
 */
export const requireAccess = <TEvent extends ApiGatewayRequest = ApiGatewayRequest>(
  options: RequireAccessOptions,
) => ({
  before: async (request: MiddyRequest<TEvent>) => {
    const decision = await decideAccess(options, request.event, options.route(request.event));
    if (!decision.allowed) return problemResponse(decision);
    (request.context as AccessContext).access = decision.caller;
    return undefined;
  },
});
