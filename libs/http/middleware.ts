import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { Zone } from '../config/index.ts';
import { lambdaTracing, logger } from '../observability/index.ts';
import { type ErrorPageRenderer, eventPrefersPage } from './negotiate.ts';
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

/** What an HTTP function does with its errors beyond RFC 9457. */
export interface ErrorOptions {
  /**
   * The page a browser's request gets instead of problem+json (`prefersPage`): a function that
   * serves pages passes the web kit's `errorPages(basePath)`. Without it every error is JSON.
   */
  readonly errorPage?: ErrorPageRenderer;
}

/** Headers of a problem that still hold when a page carries it (when to retry, how to authenticate). */
const KEPT_HEADERS = ['retry-after', 'www-authenticate'];

/**
 * Any thrown error becomes an RFC 9457 response, or for a browser's page request the kit's
 * error page with the same status and the request id as its reference; nothing internal leaks.
 */
export const problemErrors = (options: ErrorOptions = {}): Middleware => ({
  onError: (request) => {
    const reference = request.event?.requestContext?.requestId;
    const problem = problemResponse(request.error, reference);
    if (!options.errorPage || !request.event || !eventPrefersPage(request.event)) {
      request.response = problem;
      return;
    }
    const page = options.errorPage(request.event, { status: problem.statusCode, reference });
    const kept = Object.entries(problem.headers ?? {}).filter(([name]) => KEPT_HEADERS.includes(name));
    request.response = { ...page, headers: { ...page.headers, ...Object.fromEntries(kept) } };
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
 * The one middleware chain of every HTTP function (APIs and pages alike): the invocation traced
 * (on Lambda), request context in the logs, the zone on the context, errors as RFC 9457 problems (as pages for a browser, when the
 * function serves pages and passes `errorPage`), security headers on every answer.
 */
export const httpFunction = (
  zone: Zone,
  handle: (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>,
  options: ErrorOptions = {},
) =>
  middy<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>()
    .use(lambdaTracing())
    .use(injectLambdaContext(logger))
    .use(zoneContext(zone))
    .use(problemErrors(options))
    .use(securityHeaders())
    .handler(handle);
