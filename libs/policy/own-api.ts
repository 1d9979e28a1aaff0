import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { AccountStore } from '../accounts/store.ts';
import type { Zone } from '../config/index.ts';
import { NotFoundError, problemErrors, securityHeaders, zoneContext } from '../http/index.ts';
import { logger } from '../observability/index.ts';
import { getClient } from '../oidc/registry.ts';
import type { Runtime } from '../runtime/index.ts';
import { AccessControl } from './access.ts';
import type { RouteArea } from './entities.ts';
import {
  type ApiAccess,
  type ApiAccessOptions,
  apiRequestOf,
  assertAllowed,
  decideApiAccess,
} from './require-access.ts';
import { zoneTokenTrust } from './zone-trust.ts';

export type Allowed = Extract<ApiAccess, { allowed: true }>;

/** One route of one of yitong's own APIs, as the policies see it and as the handler serves it. */
export type OwnRoute = ProtectedRoute | PublicRoute;

/** Open to anyone at every entry that exposes it (discovery, status lists, verification). */
export interface PublicRoute {
  readonly public: true;
  readonly handle: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;
}

export interface ProtectedRoute {
  readonly public?: false;
  /** The zones the route belongs to (the Route entity's `zones`). @default the API's home zones */
  readonly zones?: readonly Zone[];
  readonly minLoa?: number;
  /** Audit allows too: reading the audit trail, administrative changes. */
  readonly privileged: boolean;
  readonly handle: (event: APIGatewayProxyEvent, access: Allowed) => Promise<APIGatewayProxyResult>;
}

export const json = (statusCode: number, body: unknown): APIGatewayProxyResult => ({
  statusCode,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  body: JSON.stringify(body),
});

/**
 * A yitong API function (audit, admin): every request meets the policies first. Routes are
 * keyed `METHOD /resource/{param}` as API Gateway names them; the token must be one of this
 * zone's issuer for `<issuer>/<api>`, and the account it names is loaded afresh.
 */
export const ownApiHandler = async (
  runtime: Runtime,
  area: Extract<RouteArea, 'audit' | 'admin' | 'licences'>,
  /** The zones the API belongs to, whatever entry exposes it. */
  homeZones: readonly Zone[],
  routes: Readonly<Record<string, OwnRoute>>,
  options: { readonly access?: AccessControl } = {},
) => {
  const { config, doc } = runtime;
  const accounts = new AccountStore(doc, config.tables.identity);
  const access = options.access ?? new AccessControl(config.zone, runtime.audit);
  // Every request decides: load the engine during init, alongside the zone's token keys.
  const [trust] = await Promise.all([zoneTokenTrust(runtime), access.engine()]);
  const base: ApiAccessOptions = {
    access,
    ...trust,
    audience: `${config.issuer.replace(/\/$/, '')}/${area}`,
    account: (id) => accounts.findById(id),
    client: async (id) => {
      const client = await getClient(doc, config.tables.identity, id);
      return client && { ...client, yitong_disabled: client.yitong_disabled === true };
    },
  };
  // Routes the API serves behind its greedy `{proxy+}` resource (one API Gateway resource for
  // many routes keeps the stack inside CloudFormation's limits): matched here by path.
  const patterns = Object.keys(routes).map((key) => {
    const [method, path] = key.split(' ') as [string, string];
    const names: string[] = [];
    const segments = path.split('/').map((segment) => {
      const param = /^\{(\w+)\}$/.exec(segment);
      if (!param) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(param[1]!);
      return '([^/]+)';
    });
    const pattern = new RegExp(`^${segments.join('/')}$`);
    return { key, method, path, pattern, names };
  });
  const resolve = (event: APIGatewayProxyEvent): { id: string; event: APIGatewayProxyEvent } => {
    const id = `${event.httpMethod} ${event.resource}`;
    if (routes[id] || !event.resource?.endsWith('{proxy+}')) return { id, event };
    for (const p of patterns) {
      if (p.method !== event.httpMethod) continue;
      const match = p.pattern.exec(event.path);
      if (!match) continue;
      const params = Object.fromEntries(p.names.map((n, i) => [n, decodeURIComponent(match[i + 1]!)]));
      return {
        id: p.key,
        event: { ...event, resource: p.path, pathParameters: { ...event.pathParameters, ...params } },
      };
    }
    return { id, event };
  };

  return middy<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>()
    .use(injectLambdaContext(logger))
    .use(zoneContext(config.zone))
    .use(problemErrors())
    .use(securityHeaders())
    .handler(async (incoming) => {
      const { id, event } = resolve(incoming);
      // A path the API does not have still meets the zone policy first: 403 from the wrong
      // entry, 404 only for a caller who may use the API.
      const route: OwnRoute = routes[id] ?? {
        privileged: false,
        handle: async () => {
          throw new NotFoundError(`${event.httpMethod} ${event.path} is not part of the ${area} API`);
        },
      };
      if (route.public) return route.handle(event);
      const result = await decideApiAccess(
        { ...base, privileged: route.privileged },
        apiRequestOf(event, { id, area, zones: route.zones ?? homeZones, minLoa: route.minLoa }),
      );
      return route.handle(event, assertAllowed(result));
    });
};
