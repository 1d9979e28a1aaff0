import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { ialOf } from '../accounts/index.ts';
import type { Zone } from '../config/index.ts';
import {
  eventPrefersPage,
  httpFunction,
  isRouteFound,
  NotFoundError,
  type Router,
  routedEvent,
} from '../http/index.ts';
import { getClient } from '../oidc/index.ts';
import {
  type Allowed,
  type ApiAccessOptions,
  apiRequestOf,
  assertAllowed,
  decideApiAccess,
  type RouteArea,
  zoneTokenTrust,
} from '../policy/index.ts';
import { errorPages } from '../web/index.ts';
import type { Runtime } from './runtime.ts';

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

/** A JSON answer of an own API, never cached. */
export const json = (statusCode: number, body: unknown): APIGatewayProxyResult => ({
  statusCode,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  body: JSON.stringify(body),
});

/**
 * A yitong API function (audit, admin, licences): every request meets the policies first. The
 * router matches as API Gateway does, and the policies see each route as `METHOD /template`; the
 * token must be one of this zone's issuer for `<issuer>/<api>`, and the account it names is
 * loaded afresh. It lives with the runtime, not in libs/policy: it composes the runtime's account
 * store, access control and keys with the client registry into a function, and policy only decides.
 */
export const ownApiHandler = async (
  runtime: Runtime,
  area: Extract<RouteArea, 'audit' | 'admin' | 'licences'>,
  /** The zones the API belongs to, whatever entry exposes it. */
  homeZones: readonly Zone[],
  routes: Router<OwnRoute>,
) => {
  const { config, doc, accounts, access } = runtime;
  // Every request decides: load the engine during init, alongside the zone's token keys.
  const [trust] = await Promise.all([zoneTokenTrust(runtime), access.engine()]);
  const base: ApiAccessOptions = {
    access,
    ...trust,
    audience: `${config.issuer.replace(/\/$/, '')}/${area}`,
    account: async (id) => {
      const account = await accounts.findById(id);
      return account && { ...account, ial: ialOf(account) };
    },
    client: async (id) => {
      const client = await getClient(doc, config.tables.identity, id);
      return client && { ...client, yitong_disabled: client.yitong_disabled === true };
    },
  };

  // The consoles' pages share the API's function: a browser's refusal or unknown page is the
  // kit's error page, while API callers keep problem+json.
  const errorPage = errorPages(new URL(config.issuer).pathname.replace(/\/$/, ''));
  return httpFunction(
    config.zone,
    async (incoming) => {
      // Behind the API's greedy `{proxy+}` resource (one API Gateway resource for many routes keeps
      // the stack inside CloudFormation's limits) the router matches the path itself.
      const found = routes.matchEvent(incoming);
      const event = isRouteFound(found) ? routedEvent(incoming, found) : incoming;
      const id = `${event.httpMethod} ${event.resource}`;
      // A path the API does not have, or a method its resource lacks, still meets the zone policy
      // first: 403 from the wrong entry, 404 only for a caller who may use the API.
      const route: OwnRoute = isRouteFound(found)
        ? found.handler
        : {
            privileged: false,
            handle: async () => {
              throw new NotFoundError(`${event.httpMethod} ${event.path} is not part of the ${area} API`);
            },
          };
      if (route.public) return route.handle(event);
      // A person's browser (a page request with no token) at a page the API does not have: the
      // consoles' "page not found", not a sign-in prompt that could never help. API callers, who
      // send a token, still meet the zone policy first.
      if (!isRouteFound(found) && eventPrefersPage(event) && !hasBearer(event))
        throw new NotFoundError(`${event.httpMethod} ${event.path} is not a page of the ${area} console`);
      const result = await decideApiAccess(
        { ...base, privileged: route.privileged },
        apiRequestOf(event, { id, area, zones: route.zones ?? homeZones, minLoa: route.minLoa }),
      );
      return route.handle(event, assertAllowed(result));
    },
    { errorPage },
  );
};

const hasBearer = (event: APIGatewayProxyEvent): boolean =>
  Object.entries(event.headers ?? {}).some(
    ([name, value]) => name.toLowerCase() === 'authorization' && !!value,
  );
