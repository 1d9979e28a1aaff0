import type { APIGatewayProxyEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { adminRoutes } from '../../functions/admin/app.ts';
import { auditRoutes } from '../../functions/audit/app.ts';
import { licenceRoutes } from '../../functions/licences/app.ts';
import { RouteMatcher } from '../../infra/local/route-match.ts';
import { FUNCTIONS, routesOf, zonesOf } from '../../infra/routes.ts';
import type { AppConfig } from '../../libs/config/index.ts';
import { isRouteFound, type Router } from '../../libs/http/index.ts';
import type { RouteMethod } from '../../libs/http/router.ts';
import { createRuntime, type Runtime } from '../../libs/runtime/index.ts';
import { createDynamoClient } from '../../libs/store/index.ts';

/** Each function's own router, built as its handler builds it (building reads and writes nothing). */
const FUNCTION_ROUTERS: Readonly<Record<string, (runtime: Runtime) => Router<unknown>>> = {
  admin: adminRoutes,
  audit: auditRoutes,
  licences: licenceRoutes,
};

const config: AppConfig = {
  zone: 'intranet',
  issuer: 'https://intranet.yitong.example',
  tables: { identity: 'identity', licences: 'licences', audit: 'audit' },
  keys: { kind: 'kms', keyIds: {}, secrets: [] },
  dynamodbEndpoint: undefined,
  localMode: false,
};

/** A path a template matches: each `{param}` filled in, a greedy `{proxy+}` with two segments. */
const samplePath = (template: string) =>
  template
    .replace(/\{(\w+)\+\}/g, 'sample/rest')
    .replace(/\{(\w+)\}/g, (_, name: string) => `sample-${name}`);

/** The methods to try on a route: `ANY` stands for every one. */
const methodsOf = (method: RouteMethod): string[] =>
  method === 'ANY' ? ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] : [method];

describe('the route table and the functions’ routers', async () => {
  const runtime = await createRuntime(config, {
    doc: createDynamoClient({ endpoint: 'http://127.0.0.1:9' }),
    cookieKeys: [],
  });

  for (const [name, routerOf] of Object.entries(FUNCTION_ROUTERS)) {
    const fn = FUNCTIONS.find((f) => f.name === name)!;
    const router = routerOf(runtime);

    it(`routes every ${name} route, in every zone it is exposed in, to the ${name} function and that route`, () => {
      expect(router.routes().length).toBeGreaterThan(0);
      for (const zone of zonesOf(fn)) {
        const gateway = new RouteMatcher(routesOf(zone).map(({ fn: target, route }) => ({ target, route })));
        // A route the table names on its own is exposed only in the zones it lists there (an
        // API's description, where the API is offered); the rest reach it through the greedy routes.
        const exposedHere = (template: string) =>
          fn.routes.find((r) => r.path === template)?.zones.includes(zone) ?? true;
        for (const { method: routeMethod, template } of router
          .routes()
          .filter((r) => exposedHere(r.template))) {
          for (const method of methodsOf(routeMethod)) {
            const path = samplePath(template);
            const where = `${method} ${template} at the ${zone} entry`;
            const match = gateway.match(method, path);
            expect(match === undefined || match === 'method' ? match : match.target.name, where).toBe(name);
            if (match === undefined || match === 'method') continue;
            // The event the gateway hands over reaches this very route inside the function.
            const event = {
              httpMethod: method,
              path,
              resource: match.route.path,
              pathParameters: match.pathParameters,
            } as unknown as APIGatewayProxyEvent;
            const found = router.matchEvent(event);
            expect(isRouteFound(found) && found.template, where).toBe(template);
          }
        }
      }
    });

    it(`gives the ${name} function no route of the table it does not serve`, () => {
      const served = router.routes().map((r) => `${r.method} ${r.template}`);
      const listed = fn.routes.filter((r) => !r.path.endsWith('+}')).map((r) => `${r.method} ${r.path}`);
      expect(listed.filter((route) => !served.includes(route))).toEqual([]);
    });
  }
});
