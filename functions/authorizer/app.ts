import type {
  APIGatewayAuthorizerResult,
  APIGatewayProxyEvent,
  APIGatewayRequestAuthorizerEvent,
} from 'aws-lambda';
import { OidcRegistry, type ResourceServer } from '../../libs/oidc/index.ts';
import { apiRequestOf, authorizerContext, decideApiAccess, zoneTokenTrust } from '../../libs/policy/index.ts';
import type { Runtime } from '../../libs/runtime/index.ts';

export interface AuthorizerOptions {
  /** The API's audience when the stage does not name one in its `yitongAudience` variable. */
  readonly audience?: string;
  /** For tests: the clock tokens are judged by. */
  readonly now?: () => Date;
}

const CACHE_MS = 60_000;

/**
 * API Gateway Lambda authorizer (REQUEST type) for department APIs. It verifies the access
 * token (this zone's issuer, the API's audience, expiry, DPoP binding when present), then
 * evaluates `callApi` on the route with the scope and level the API registered for it.
 * Allowed: an Allow policy for the method with the principal in the context. No valid token:
 * 401 ("Unauthorized"). Refused by policy: a Deny policy (403), audited with the policy ids.
 */
export const makeHandler = async (runtime: Runtime, options: AuthorizerOptions = {}) => {
  const { config, doc, access } = runtime;
  const registry = new OidcRegistry(doc, config.tables.identity);
  // Every request decides: load the engine during init, alongside the zone's token keys.
  const [trust] = await Promise.all([zoneTokenTrust(runtime), access.engine()]);
  const servers = new Map<string, { at: number; server: ResourceServer | undefined }>();
  const serverFor = async (audience: string) => {
    const cached = servers.get(audience);
    if (cached && Date.now() - cached.at < CACHE_MS) return cached.server;
    const server = await registry.findResourceServer(audience);
    servers.set(audience, { at: Date.now(), server });
    return server;
  };

  return async (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
    const audience = event.stageVariables?.yitongAudience ?? options.audience;
    const server = audience ? await serverFor(audience) : undefined;
    // A misconfigured API fails closed: without a registered audience nothing is allowed.
    if (!audience || !server) return deny(event, 'unconfigured');
    // API Gateway has already matched the path to one of the department's resources: the rule is
    // looked up under that resource, not matched again with the Router. A second matcher could only
    // disagree with the gateway that routed the request, and the registered keys are data that need
    // not be templates the Router accepts.
    const id = `${event.httpMethod} ${event.resource}`;
    const rule = server.routes[id] ?? server.routes[`ANY ${event.resource}`] ?? {};
    const request = apiRequestOf(event as unknown as APIGatewayProxyEvent, {
      id,
      area: 'department-api',
      zones: [config.zone],
      minLoa: rule.minLoa,
      scope: rule.scope,
    });
    const result = await decideApiAccess(
      {
        access,
        ...trust,
        audience,
        ...(options.now ? { now: options.now } : {}),
      },
      { ...request, origin: { ...request.origin, department: server.department } },
    );
    if (!result.allowed) {
      // API Gateway turns this exact message into 401 with the gateway response.
      if (result.status === 401) throw new Error('Unauthorized');
      return deny(event, result.decision.policyIds.join(' ') || 'default-deny');
    }
    return {
      principalId: result.claims.sub,
      policyDocument: statement('Allow', event.methodArn),
      // The shape @yitong/access's authorizerCaller reads back in the department's integration.
      context: authorizerContext(result.claims, server.department, result.decision.policyIds),
    };
  };
};

const statement = (effect: 'Allow' | 'Deny', resource: string) => ({
  Version: '2012-10-17',
  Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }],
});

const deny = (event: APIGatewayRequestAuthorizerEvent, reason: string): APIGatewayAuthorizerResult => ({
  principalId: 'denied',
  policyDocument: statement('Deny', event.methodArn),
  context: { reason },
});
