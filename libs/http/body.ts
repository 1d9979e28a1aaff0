import type { APIGatewayProxyEvent } from 'aws-lambda';
import type * as z from 'zod';
import {
  invalidParamsOf,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../errors/index.ts';

/** API bodies are small; anything larger is a mistake or an attack. */
export const MAX_JSON_BODY_BYTES = 64 * 1024;

const headerOf = (event: APIGatewayProxyEvent, name: string): string | undefined => {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted) return value ?? undefined;
  }
  return undefined;
};

/**
 * Reads a JSON body and validates it with `schema`: a wrong content type, an oversized or
 * malformed body, and every schema violation become a 4xx that names what was wrong.
 */
export const parseJsonBody = <S extends z.ZodType>(event: APIGatewayProxyEvent, schema: S): z.infer<S> => {
  const contentType = headerOf(event, 'content-type') ?? '';
  if (!/^application\/([a-z.+-]*\+)?json\s*(;|$)/i.test(contentType)) {
    throw new UnsupportedMediaTypeError(
      `send the body as application/json (got ${contentType || 'no content type'})`,
    );
  }
  const raw = event.body ?? '';
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  if (Buffer.byteLength(text) > MAX_JSON_BODY_BYTES) {
    throw new PayloadTooLargeError(`the body must be at most ${MAX_JSON_BODY_BYTES} bytes`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ValidationError('the body is not valid JSON');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new ValidationError('the request failed validation', invalidParamsOf(parsed.error));
  }
  return parsed.data;
};
