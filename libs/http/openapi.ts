import type { APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod';
import type { Zone } from '../config/index.ts';
import { PROBLEM_CONTENT_TYPE } from './problem.ts';

/**
 * OpenAPI 3.1 descriptions of yitong's own APIs, generated from the zod schemas that validate
 * their requests (and describe their main answers), so a description cannot drift from the
 * code: each API lists its operations once (`ApiDescription`), naming the very schema objects
 * its handlers parse with, and `openApiDocument` turns them into JSON Schema 2020-12 (OpenAPI
 * 3.1's dialect) with zod's own `z.toJSONSchema`. Request schemas are described as they are
 * accepted (`io: 'input'`: a field with a default may be left out), answers as they are sent.
 */

export type ApiMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface ApiAnswer {
  readonly description: string;
  /** The body's schema; none for bodies that are not JSON or have no fixed shape. */
  readonly schema?: z.ZodType;
  /** @default application/json */
  readonly contentType?: string;
}

export interface ApiOperation {
  readonly method: ApiMethod;
  /** The route template as the function's router has it: `/licences/{licenceId}/status`. */
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  /** The zones whose entry offers it. @default every zone */
  readonly zones?: readonly Zone[];
  /** Open to anyone (no access token). */
  readonly public?: boolean;
  /** Query parameters: each property of the object is one parameter. */
  readonly query?: z.ZodObject;
  readonly headers?: Readonly<
    Record<string, { readonly schema: z.ZodType; readonly required: boolean; readonly description: string }>
  >;
  readonly body?: z.ZodType;
  readonly answers: Readonly<Record<number, ApiAnswer>>;
}

export interface ApiDescription {
  readonly title: string;
  readonly version: string;
  readonly description: string;
  /** Named schemas (components.schemas): an operation naming one of these objects refers to it. */
  readonly schemas: Readonly<Record<string, z.ZodType>>;
  readonly operations: readonly ApiOperation[];
}

/** RFC 9457 problem details, as every error answer of yitong's APIs carries them (problem.ts). */
export const ProblemDetails = z.looseObject({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: z.string().optional(),
  instance: z.string().optional(),
  'invalid-params': z.array(z.object({ name: z.string(), reason: z.string() })).optional(),
});

type JsonSchema = Record<string, unknown>;
type Io = 'input' | 'output';

const jsonSchemaOf = (schema: z.ZodType, io: Io): JsonSchema => {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io,
    target: 'draft-2020-12',
    // Refinements and transforms have no JSON Schema: the description says what they accept.
    unrepresentable: 'any',
  }) as JsonSchema;
  return rest;
};

/** The zones an operation is offered in. */
export const offeredIn = (operation: ApiOperation, zone: Zone): boolean =>
  !operation.zones || operation.zones.includes(zone);

/**
 * The OpenAPI 3.1 document of an API as one zone's entry offers it: only the operations of that
 * zone, and the zone's base URL as the server.
 */
export const openApiDocument = (
  api: ApiDescription,
  where: { readonly zone: Zone; readonly serverUrl: string },
): JsonSchema => {
  const names = new Map<z.ZodType, string>([
    [ProblemDetails, 'Problem'],
    ...Object.entries(api.schemas).map(([name, s]) => [s, name] as const),
  ]);
  const components: Record<string, JsonSchema> = {};
  const usedAs = new Map<string, Io>();
  const ref = (schema: z.ZodType, io: Io): JsonSchema => {
    const name = names.get(schema);
    if (!name) return jsonSchemaOf(schema, io);
    const before = usedAs.get(name);
    if (before && before !== io)
      throw new Error(`${name} describes both a request and an answer: name each use on its own`);
    usedAs.set(name, io);
    components[name] ??= jsonSchemaOf(schema, io);
    return { $ref: `#/components/schemas/${name}` };
  };
  const problem = { [PROBLEM_CONTENT_TYPE]: { schema: ref(ProblemDetails, 'output') } };
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of api.operations.filter((o) => offeredIn(o, where.zone))) {
    const pathParams = [...op.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
      name,
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    const queryParams = op.query
      ? Object.entries(op.query.shape as Record<string, z.ZodType>).map(([name, schema]) => ({
          name,
          in: 'query',
          required: !schema.safeParse(undefined).success,
          schema: jsonSchemaOf(schema, 'input'),
          ...(schema.description ? { description: schema.description } : {}),
        }))
      : [];
    const headerParams = Object.entries(op.headers ?? {}).map(([name, h]) => ({
      name,
      in: 'header',
      required: h.required,
      description: h.description,
      schema: jsonSchemaOf(h.schema, 'input'),
    }));
    const parameters = [...pathParams, ...queryParams, ...headerParams];
    const responses: Record<string, unknown> = {};
    for (const [status, answer] of Object.entries(op.answers))
      responses[status] = {
        description: answer.description,
        ...(answer.schema || answer.contentType
          ? {
              content: {
                [answer.contentType ?? 'application/json']: answer.schema
                  ? { schema: ref(answer.schema, 'output') }
                  : {},
              },
            }
          : {}),
      };
    responses.default = { description: 'a problem (RFC 9457) that says what was wrong', content: problem };
    paths[op.path] ??= {};
    paths[op.path]![op.method.toLowerCase()] = {
      operationId: op.operationId,
      summary: op.summary,
      ...(parameters.length ? { parameters } : {}),
      ...(op.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: ref(op.body, 'input') } },
            },
          }
        : {}),
      responses,
      security: op.public ? [] : [{ bearer: [] }, { dpop: [] }],
    };
  }
  return {
    openapi: '3.1.1',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: { title: api.title, version: api.version, description: api.description },
    servers: [{ url: where.serverUrl.replace(/\/$/, ''), description: `the ${where.zone} zone` }],
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: "an access token of this zone's issuer for this API (resource indicator)",
        },
        dpop: {
          type: 'http',
          scheme: 'dpop',
          description: 'a DPoP-bound access token (RFC 9449) with its DPoP proof header',
        },
      },
    },
  };
};

/** The served document: public, cacheable for a few minutes. */
export const openApiResponse = (document: JsonSchema): APIGatewayProxyResult => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' },
  body: JSON.stringify(document),
});

/** Where each API's document is served, in each zone that offers the API. */
export const openApiPath = (api: 'admin' | 'licences' | 'audit'): string => `/openapi/${api}.json`;
