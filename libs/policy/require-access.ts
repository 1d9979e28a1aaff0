import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { JWTVerifyGetKey } from 'jose';
import {
  type AccessTokenClaims,
  AccessTokenError,
  accessChallenge,
  type DpopProofLog,
  headerOf,
  requestUrlOf,
  verifyAccessToken,
} from '../../packages/access/src/index.ts';
import { ForbiddenError, UnauthorizedError } from '../errors/index.ts';
import type { AccessControl, CheckedDecision, DecisionOrigin } from './access.ts';
import type { AccessRequest, CedarEntity, CedarUid } from './engine.ts';
import {
  anonymousEntities,
  clientEntities,
  licenceTypeEntities,
  type PolicyAccount,
  type PolicyClient,
  type PolicyRoute,
  requestContext,
  requiredScopeOf,
  routeEntities,
  uniqueEntities,
  userEntities,
} from './entities.ts';

export interface ApiAccessOptions {
  readonly access: AccessControl;
  /** The zone's issuer: tokens from another zone's issuer are refused. */
  readonly issuer: string;
  /** The API's audience (its resource indicator). */
  readonly audience: string;
  /** The zone's own token keys (its JWKS): never another zone's. */
  readonly keys: JWTVerifyGetKey;
  /** Records each DPoP proof until it expires, so a replayed proof is refused (401). */
  readonly dpopProofs: DpopProofLog;
  /**
   * Loads the person a token of yitong's own APIs names, so roles and status are today's,
   * not those at issuance. Department APIs leave it out and decide on the token alone.
   */
  readonly account?: (id: string) => Promise<PolicyAccount | undefined>;
  /** Loads a machine client's registration (its department and whether it is disabled). */
  readonly client?: (id: string) => Promise<PolicyClient | undefined>;
  /** Audit allows too (admin, audit, licence status changes). */
  readonly privileged?: boolean;
  /** The clock tokens are judged by. @default the system clock */
  readonly now?: () => Date;
}

export interface ApiRequest {
  readonly method: string;
  /** The URL as the client addressed it (for DPoP's htu). */
  readonly url: string;
  readonly authorization: string | undefined;
  readonly dpop: string | undefined;
  readonly route: PolicyRoute;
  readonly origin: DecisionOrigin;
}

export type ApiPrincipal =
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'user'; readonly id: string; readonly account?: PolicyAccount }
  | { readonly kind: 'client'; readonly id: string; readonly client?: PolicyClient };

export type ApiAccess =
  | {
      readonly allowed: true;
      readonly principal: ApiPrincipal;
      readonly claims: AccessTokenClaims;
      readonly decision: CheckedDecision;
      /** The principal as the policies see it, for further decisions on the same request. */
      readonly principalUid: CedarUid;
      readonly principalEntities: readonly CedarEntity[];
    }
  | {
      readonly allowed: false;
      readonly status: 401 | 403;
      readonly message: string;
      readonly wwwAuthenticate?: string;
      /** The scope the API requires that the token lacks (RFC 6750's insufficient_scope). */
      readonly missingScope?: string;
      readonly decision: CheckedDecision;
    };

/**
 * The decision for one API request: verifies the access token, builds the principal, and
 * evaluates `callApi` on the route. A denial decided by a forbid (the wrong zone, a disabled
 * account) is 403 whoever asks; a default deny for a caller without valid credentials is 401.
 * Every denial is audited with the deciding policies (by AccessControl.check).
 */
export const decideApiAccess = async (options: ApiAccessOptions, req: ApiRequest): Promise<ApiAccess> => {
  let claims: AccessTokenClaims | undefined;
  let tokenError: AccessTokenError | undefined;
  if (req.authorization) {
    try {
      // The zone's trust (issuer, audience, keys, proof log, clock) and the request's token and proof.
      claims = await verifyAccessToken({ ...options, ...req });
    } catch (err: unknown) {
      if (!(err instanceof AccessTokenError)) throw err;
      tokenError = err;
    }
  }
  const { principal, uid, entities } = await principalOf(options, claims);
  const route = routeEntities(req.route);
  const request: AccessRequest = {
    principal: uid,
    action: 'callApi',
    resource: route[0]!.uid as CedarUid,
    context: requestContext(options.access.zone, claims ?? {}),
    entities: uniqueEntities(entities, route),
  };
  const decision = await options.access.check(
    request,
    {
      ...req.origin,
      ...(principal.kind === 'user' ? { actor: principal.account ? principal.id : undefined } : {}),
      ...(principal.kind === 'client' ? { client: principal.id } : {}),
    },
    {
      privileged: options.privileged,
      // A refused token says why in the denial (a replayed DPoP proof hints at a stolen token).
      ...(tokenError ? { details: { tokenError: tokenError.code, tokenProblem: tokenError.message } } : {}),
    },
  );
  if (decision.allowed && claims) {
    return { allowed: true, principal, claims, decision, principalUid: uid, principalEntities: entities };
  }
  if (principal.kind === 'anonymous' && !decision.forbidden) {
    return {
      allowed: false,
      status: 401,
      message: tokenError?.message ?? 'this API needs an access token',
      wwwAuthenticate: accessChallenge(tokenError),
      decision,
    };
  }
  // A token without the scope the API requires: say which (RFC 6750's insufficient_scope).
  const scope = requiredScopeOf(req.route);
  if (claims && scope && !claims.scopes.includes(scope)) {
    return {
      allowed: false,
      status: 403,
      message: `the access token lacks the "${scope}" scope this API requires: ask for it with the resource ${options.audience}`,
      missingScope: scope,
      decision,
    };
  }
  return {
    allowed: false,
    status: 403,
    message: decision.forbidden
      ? `refused by policy ${decision.policyIds.join(', ')}`
      : 'no policy allows this caller to use this API',
    decision,
  };
};

const principalOf = async (
  options: ApiAccessOptions,
  claims: AccessTokenClaims | undefined,
): Promise<{ principal: ApiPrincipal; uid: CedarUid; entities: CedarEntity[] }> => {
  const anonymous = () => {
    const entities = anonymousEntities();
    return { principal: { kind: 'anonymous' } as const, uid: entities[0]!.uid as CedarUid, entities };
  };
  if (!claims) return anonymous();
  if (claims.machine) {
    const client = (await options.client?.(claims.clientId)) ?? { client_id: claims.clientId };
    const entities = clientEntities({ ...client, client_id: claims.clientId });
    return {
      principal: { kind: 'client', id: claims.clientId, client },
      uid: entities[0]!.uid as CedarUid,
      entities,
    };
  }
  if (claims.account && options.account) {
    const account = await options.account(claims.account);
    if (!account) return anonymous();
    const entities = userEntities(account);
    return {
      principal: { kind: 'user', id: account.id, account },
      uid: entities[0]!.uid as CedarUid,
      entities,
    };
  }
  // A department API sees the department's pairwise subject: the token is all it knows.
  const entities = userEntities({
    id: claims.sub,
    kind: 'person',
    status: 'active',
    roles: [],
    identityAssurance: 'unknown',
    // What a department's token says of the person does not include the identity level.
    ial: 1,
  });
  return { principal: { kind: 'user', id: claims.sub }, uid: entities[0]!.uid as CedarUid, entities };
};

export { requestUrlOf };

export const apiRequestOf = (event: APIGatewayProxyEvent, route: PolicyRoute): ApiRequest => ({
  method: event.httpMethod,
  url: requestUrlOf(event),
  authorization: headerOf(event, 'authorization'),
  dpop: headerOf(event, 'dpop'),
  route,
  origin: {
    sourceIp: event.requestContext?.identity?.sourceIp,
    userAgent: headerOf(event, 'user-agent')?.slice(0, 512),
    correlationId: event.requestContext?.requestId,
  },
});

/** A request the policies let through, with who is calling. */
export type Allowed = Extract<ApiAccess, { allowed: true }>;

/**
 * Whether a caller the API check allowed may act on a licence type (issue its licences, change
 * their status): asked of the type as its department's, in the zone the request came through.
 */
export const licenceTypeRequest = (
  allowed: Allowed,
  action: 'issueLicence' | 'changeLicenceStatus',
  type: { readonly vct: string; readonly department: string },
  zone: string,
): AccessRequest => {
  const resource = licenceTypeEntities(type.vct, type.department);
  return {
    principal: allowed.principalUid,
    action,
    resource: resource[0]!.uid as AccessRequest['resource'],
    context: requestContext(zone, allowed.claims),
    entities: uniqueEntities([...allowed.principalEntities], resource),
  };
};

/** A refusal becomes the right problem response: 401 with a challenge, or 403. */
export const assertAllowed = (result: ApiAccess): Allowed => {
  if (result.allowed) return result;
  if (result.status === 401) throw new UnauthorizedError(result.message, result.wwwAuthenticate ?? 'Bearer');
  throw new ForbiddenError(result.message, {
    policyIds: result.decision.policyIds,
    ...(result.missingScope ? { missingScope: result.missingScope } : {}),
  });
};

/** What a handler behind requireAccess knows about its caller. */
export interface AccessContext extends Context {
  access: Extract<ApiAccess, { allowed: true }>;
}

/**
 * A middy middleware that puts the policies in front of a Lambda: yitong's own admin and
 * audit functions use it, and departments can put it on theirs. `route` names the Route
 * entity of the request (its area, zones, level and scope); undefined means 404.
 */
export const requireAccess = (
  options: ApiAccessOptions & { readonly route: (event: APIGatewayProxyEvent) => PolicyRoute },
): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context> => ({
  before: async (request) => {
    const result = await decideApiAccess(options, apiRequestOf(request.event, options.route(request.event)));
    (request.context as AccessContext).access = assertAllowed(result);
  },
});

/**
 * The decision for a signed-in person of a first-party portal (the security console): the
 * same `callApi` policies as the API, with the session's assurance instead of a token's.
 * Audited like every privileged allow and every denial.
 */
export const decidePortalAccess = async (
  access: AccessControl,
  account: PolicyAccount | undefined,
  session: { readonly acr?: string; readonly amr?: readonly string[] },
  route: PolicyRoute,
  origin: DecisionOrigin,
): Promise<CheckedDecision> => {
  const principal = account ? userEntities(account) : anonymousEntities();
  const resource = routeEntities(route);
  // The console is its API's own front end, not a client holding a token: its session stands
  // for the API's scope, and role, level and zone decide.
  const scope = requiredScopeOf(route);
  const request: AccessRequest = {
    principal: principal[0]!.uid as CedarUid,
    action: 'callApi',
    resource: resource[0]!.uid as CedarUid,
    context: requestContext(access.zone, { ...session, scopes: scope ? [scope] : [] }),
    entities: uniqueEntities(principal, resource),
  };
  return access.check(request, { ...origin, actor: account?.id }, { privileged: true });
};
