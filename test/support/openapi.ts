import * as z from 'zod';

/**
 * Checks real requests and answers against a served OpenAPI 3.1 document. Its JSON Schemas
 * (2020-12) are read by zod's `z.fromJSONSchema`, the JSON Schema reader of the zod the
 * project already depends on: ajv is not installed here. The document's `#/components/schemas/…`
 * references are given to it as `$defs`, the only local references it resolves.
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

const toDefs = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(toDefs)
    : value && typeof value === 'object'
      ? Object.fromEntries(
          Object.entries(value).map(([k, v]) => [
            k,
            k === '$ref' && typeof v === 'string'
              ? v.replace('#/components/schemas/', '#/$defs/')
              : toDefs(v),
          ]),
        )
      : value;

export class Contract {
  constructor(readonly document: OpenApiDocument) {}

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
    const root = { ...(toDefs(schema) as Json), $defs: toDefs(this.document.components.schemas) };
    const result = z.fromJSONSchema(root as never).safeParse(value);
    if (!result.success)
      throw new Error(
        `${what} does not match the document: ${z.prettifyError(result.error)}\n${JSON.stringify(value)}`,
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
