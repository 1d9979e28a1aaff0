import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

/**
 * Checks real requests and answers against a served OpenAPI 3.1 document with ajv (JSON Schema
 * 2020-12, the dialect of OpenAPI 3.1): a validator independent of zod, which generates the
 * document, so a generator bug cannot agree with itself. The document's
 * `#/components/schemas/…` references are resolved by registering the document with ajv.
 */

type Json = Record<string, unknown>;
interface Operation {
  readonly parameters?: ReadonlyArray<{ name: string; in: string; required: boolean }>;
  readonly requestBody?: { content: Record<string, { schema?: Json }> };
  readonly responses: Record<string, { content?: Record<string, { schema?: Json }> }>;
}
export interface OpenApiDocument {
  readonly servers: ReadonlyArray<{ url: string }>;
  readonly paths: Record<string, Record<string, Operation>>;
  readonly components: { schemas: Record<string, Json> };
}

const SCHEMAS = 'https://yitong.invalid/schemas/';

/** `#/components/schemas/X` as a reference to the component registered as its own schema. */
const absolute = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(absolute)
    : value && typeof value === 'object'
      ? Object.fromEntries(
          Object.entries(value).map(([k, v]) => [
            k,
            k === '$ref' && typeof v === 'string' && v.startsWith('#/components/schemas/')
              ? `${SCHEMAS}${v.slice('#/components/schemas/'.length)}`
              : absolute(v),
          ]),
        )
      : value;

export class Contract {
  private readonly ajv: Ajv2020;
  private readonly compiled = new Map<Json, ValidateFunction>();

  constructor(readonly document: OpenApiDocument) {
    // strict: an unknown keyword in a generated schema is an error, not silently ignored.
    this.ajv = new Ajv2020({ strict: true, allErrors: true });
    addFormats.default(this.ajv);
    for (const [name, schema] of Object.entries(document.components.schemas))
      this.ajv.addSchema({ ...(absolute(schema) as Json), $id: `${SCHEMAS}${name}` });
  }

  /** The operation a real request reached: the path template that matches, and the method. */
  operation(method: string, path: string): { template: string; operation: Operation } {
    const bare = path.split('?')[0]!;
    for (const [template, item] of Object.entries(this.document.paths)) {
      const pattern = new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+').replace(/\./g, '\\.')}$`);
      const operation = item[method.toLowerCase()];
      if (pattern.test(bare) && operation) return { template, operation };
    }
    throw new Error(`${method} ${bare} is not in the document`);
  }

  private check(schema: Json | undefined, value: unknown, what: string): void {
    if (!schema) throw new Error(`${what}: the document gives no schema`);
    let validate = this.compiled.get(schema);
    if (!validate) {
      validate = this.ajv.compile(absolute(schema) as Json);
      this.compiled.set(schema, validate);
    }
    if (!validate(value))
      throw new Error(
        `${what} does not match the document: ${this.ajv.errorsText(validate.errors)}\n${JSON.stringify(value)}`,
      );
  }

  /** The request sent: its required parameters present, its body as the document describes it. */
  request(method: string, path: string, init: { headers?: Record<string, string>; body?: unknown }): void {
    const { template, operation } = this.operation(method, path);
    const query = new URL(path, 'http://x').searchParams;
    const headers = new Map(Object.entries(init.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    for (const p of operation.parameters ?? []) {
      if (!p.required) continue;
      if (p.in === 'query' && !query.has(p.name)) throw new Error(`${template}: query ${p.name} is required`);
      if (p.in === 'header' && !headers.has(p.name.toLowerCase()))
        throw new Error(`${template}: header ${p.name} is required`);
    }
    if (init.body !== undefined)
      this.check(
        operation.requestBody?.content['application/json']?.schema,
        init.body,
        `${method} ${template} request`,
      );
    else if (operation.requestBody) throw new Error(`${method} ${template} needs a body`);
  }

  /** The answer received: a status the document lists, and a body of its schema. */
  response(method: string, path: string, status: number, contentType: string, body: unknown): void {
    const { template, operation } = this.operation(method, path);
    const answer =
      operation.responses[String(status)] ?? (status >= 400 ? operation.responses.default : undefined);
    if (!answer) throw new Error(`${method} ${template}: ${status} is not an answer the document lists`);
    const type = contentType.split(';')[0]!.trim();
    const media = answer.content?.[type];
    if (!media) throw new Error(`${method} ${template} ${status}: ${type} is not what the document says`);
    if (media.schema) this.check(media.schema, body, `${method} ${template} ${status} answer`);
  }
}
