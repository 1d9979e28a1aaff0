import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { adminRoutes } from '../../functions/admin/app.ts';
import { auditRoutes } from '../../functions/audit/app.ts';
import { licenceRoutes } from '../../functions/licences/app.ts';
import { FUNCTIONS } from '../../infra/routes.ts';
import type { AppConfig, Zone } from '../../libs/config/index.ts';
import { openApiPath, type Router } from '../../libs/http/index.ts';
import { IssueRequest, StatusChange } from '../../libs/licences/index.ts';
import { createRuntime, type OwnRoute } from '../../libs/runtime/index.ts';
import { createDynamoClient } from '../../libs/store/index.ts';

const configOf = (zone: Zone): AppConfig => ({
  zone,
  issuer: `https://${zone}.yitong.example/prod`,
  tables: { identity: 'identity', licences: 'licences', audit: 'audit' },
  keys: { kind: 'kms', keyIds: {}, secrets: [] },
  dynamodbEndpoint: undefined,
  localMode: false,
});

const APIS = {
  admin: { routes: adminRoutes, prefix: '/admin/' },
  audit: { routes: auditRoutes, prefix: '/audit/' },
  licences: { routes: licenceRoutes, prefix: '/' },
} as const;
type ApiName = keyof typeof APIS;

/** The one route table's zones for an API's document. */
const zonesServing = (api: ApiName): readonly Zone[] =>
  FUNCTIONS.find((f) => f.name === api)!.routes.find((r) => r.path === openApiPath(api))!.zones;

/** The document a zone's function serves, fetched through its own router. */
const served = async (api: ApiName, zone: Zone) => {
  const runtime = await createRuntime(configOf(zone), {
    doc: createDynamoClient({ endpoint: 'http://127.0.0.1:9' }),
    cookieKeys: [],
  });
  const router = APIS[api].routes(runtime) as Router<OwnRoute>;
  const route = router.routes().find((r) => r.method === 'GET' && r.template === openApiPath(api))!;
  expect(route.handler.public).toBe(true);
  const answer = await (route.handler as Extract<OwnRoute, { public: true }>).handle({} as never);
  expect(answer.statusCode).toBe(200);
  expect(answer.headers?.['content-type']).toBe('application/json');
  return { router, document: JSON.parse(answer.body) as OpenApi };
};

/** The OpenAPI 3.1 shape these documents must have (what generators and gateways read). */
const Operation = z.object({
  operationId: z.string().regex(/^[a-zA-Z]+$/),
  summary: z.string().min(5),
  parameters: z
    .array(
      z.object({
        name: z.string(),
        in: z.enum(['path', 'query', 'header']),
        required: z.boolean(),
        schema: z.record(z.string(), z.unknown()),
      }),
    )
    .optional(),
  requestBody: z
    .object({
      required: z.literal(true),
      content: z.object({ 'application/json': z.object({ schema: z.object({}) }) }),
    })
    .optional(),
  responses: z
    .record(z.string().regex(/^([1-5]\d\d|default)$/), z.object({ description: z.string() }))
    .refine((r) => Object.keys(r).some((s) => /^2\d\d$/.test(s)), 'a success answer'),
  security: z.array(z.record(z.string(), z.array(z.string()))),
});
const OpenApi = z.object({
  openapi: z.string().regex(/^3\.1\.\d+$/),
  jsonSchemaDialect: z.literal('https://json-schema.org/draft/2020-12/schema'),
  info: z.object({
    title: z.string(),
    version: z.string().regex(/^\d+\.\d+\.\d+$/),
    description: z.string(),
  }),
  servers: z.array(z.object({ url: z.url() })).length(1),
  paths: z.record(
    z.string().regex(/^\//),
    z.partialRecord(z.enum(['get', 'post', 'put', 'patch', 'delete']), Operation),
  ),
  components: z.object({
    schemas: z.record(z.string().regex(/^[A-Za-z]+$/), z.record(z.string(), z.unknown())),
    securitySchemes: z.record(z.string(), z.object({ type: z.string() })),
  }),
});
type OpenApi = z.infer<typeof OpenApi>;

/** Every `$ref` in a value. */
const refsIn = (value: unknown): string[] =>
  Array.isArray(value)
    ? value.flatMap(refsIn)
    : value && typeof value === 'object'
      ? Object.entries(value).flatMap(([k, v]) => (k === '$ref' ? [String(v)] : refsIn(v)))
      : [];

const operationsOf = (document: OpenApi) =>
  Object.entries(document.paths).flatMap(([path, item]) =>
    Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
  );

describe('the OpenAPI documents', () => {
  for (const api of Object.keys(APIS) as ApiName[]) {
    for (const zone of zonesServing(api)) {
      it(`describe the ${api} API at the ${zone} entry as OpenAPI 3.1, every reference resolving`, async () => {
        const { document } = await served(api, zone);
        const shape = OpenApi.safeParse(document);
        expect(shape.success, JSON.stringify(shape.error?.issues.slice(0, 3))).toBe(true);
        expect(document.servers[0]!.url).toBe(`https://${zone}.yitong.example/prod`);
        const ids = Object.values(document.paths).flatMap((item) =>
          Object.values(item).map((op) => op!.operationId),
        );
        expect(new Set(ids).size).toBe(ids.length);
        for (const ref of refsIn(document)) {
          expect(ref).toMatch(/^#\/components\/schemas\//);
          expect(document.components.schemas[ref.split('/').pop()!], ref).toBeDefined();
        }
        // Each schema is JSON Schema zod can read back (so any 2020-12 validator can).
        for (const [name, schema] of Object.entries(document.components.schemas))
          expect(() => z.fromJSONSchema(schema as never), name).not.toThrow();
      });
    }
  }

  it('list every operation the admin, audit and licences routers route (their consoles aside)', async () => {
    for (const api of Object.keys(APIS) as ApiName[]) {
      const { router, document } = await served(api, 'intranet');
      const routed = router
        .routes()
        .filter((r) => r.template.startsWith(APIS[api].prefix) && !r.template.startsWith(`/${api}/console`))
        .filter((r) => r.template !== openApiPath(api))
        .map((r) => `${r.method} ${r.template}`);
      expect(routed.length).toBeGreaterThan(3);
      expect(operationsOf(document).sort(), api).toEqual(routed.sort());
    }
  });

  it('list only the public operations of the licences API at the public entry', async () => {
    const { router, document } = await served('licences', 'public');
    const open = router
      .routes()
      .filter((r) => r.handler.public && r.template !== openApiPath('licences'))
      .map((r) => `${r.method} ${r.template}`);
    expect(operationsOf(document).sort()).toEqual(open.sort());
    expect(operationsOf(document)).not.toContain('POST /licences');
    expect(operationsOf((await served('licences', 'extranet')).document)).toContain('POST /licences');
  });

  it('describe requests with the very schemas that validate them', async () => {
    const { document } = await served('licences', 'extranet');
    const asServed = (schema: z.ZodType) => {
      const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
      return rest;
    };
    expect(document.components.schemas.IssueRequest).toEqual(asServed(IssueRequest));
    expect(document.components.schemas.StatusChange).toEqual(asServed(StatusChange));
    const issue = document.paths['/licences']!.post!;
    expect(issue.parameters?.find((p) => p.name === 'Idempotency-Key')?.required).toBe(true);
    const { document: admin } = await served('admin', 'intranet');
    const methods = (
      admin.components.schemas.ClientInput as { properties: Record<string, { type?: string }> }
    ).properties.token_endpoint_auth_method;
    expect(methods).toBeDefined();
    const search = (await served('audit', 'intranet')).document.paths['/audit/events']!.get!;
    expect(search.parameters?.map((p) => p.name)).toEqual(
      expect.arrayContaining(['actor', 'type', 'outcome', 'from', 'to', 'limit', 'cursor']),
    );
  });
});
