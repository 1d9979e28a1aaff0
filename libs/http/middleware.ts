import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { Zone } from '../config/index.ts';
import { logger } from '../observability/index.ts';
import { problemResponse } from './problem.ts';

type Middleware = MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>;

/** A Lambda context that knows its zone, which the infrastructure fixes, never a header. */
export interface ZonedContext extends Context {
  zone: Zone;
}

/** Puts the zone this function was deployed for on the context. */
export const zoneContext = (zone: Zone): Middleware => ({
  before: (request) => {
    (request.context as ZonedContext).zone = zone;
  },
});

/** Any thrown error becomes an RFC 9457 response; nothing internal leaks. */
export const problemErrors = (): Middleware => ({
  onError: (request) => {
    request.response = problemResponse(request.error, request.event?.requestContext?.requestId);
  },
});

/** Defaults for JSON APIs; a handler that serves HTML sets its own CSP and keeps it. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'strict-transport-security': 'max-age=63072000; includeSubDomains; preload',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-site',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
};

const withSecurityHeaders = (response: APIGatewayProxyResult): void => {
  const present = new Set(
    [...Object.keys(response.headers ?? {}), ...Object.keys(response.multiValueHeaders ?? {})].map((h) =>
      h.toLowerCase(),
    ),
  );
  const headers = { ...(response.headers ?? {}) };
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
    if (!present.has(name)) headers[name] = value;
  }
  response.headers = headers;
};

/** Adds security headers to every response, errors included. Runs last. */
export const securityHeaders = (): Middleware => ({
  after: (request) => {
    if (request.response) withSecurityHeaders(request.response);
  },
  onError: (request) => {
    if (request.response) withSecurityHeaders(request.response);
  },
});

/**
 * The one middleware chain of every HTTP function (APIs and pages alike): request context in the
 * logs, the zone on the context, errors as RFC 9457 problems, security headers on every answer.
 */
export const httpFunction = (
  zone: Zone,
  handle: (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>,
) =>
  middy<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>()
    .use(injectLambdaContext(logger))
    .use(zoneContext(zone))
    .use(problemErrors())
    .use(securityHeaders())
    .handler(handle);
