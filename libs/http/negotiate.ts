import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';

/**
 * Whether an answer goes to a person's browser (an HTML page) or to a program (JSON). One rule
 * for every function, the provider's own paths included, so an error reads the same wherever
 * it happens.
 */

/** What the choice looks at: the method, the Accept header, the body's content type. */
export interface RequestShape {
  readonly method: string;
  readonly accept?: string;
  readonly contentType?: string;
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json$/;

/** The quality (0–1) an Accept header gives the types `matches` picks out; -1 when none is named. */
const qualityOf = (accept: string, matches: (type: string) => boolean): number =>
  accept
    .split(',')
    .map((part) => part.trim().split(';'))
    .filter(([type]) => type !== undefined && matches(type.trim().toLowerCase()))
    .map(([, ...params]) => {
      const q = params.map((p) => /^\s*q\s*=\s*([\d.]+)\s*$/i.exec(p)?.[1]).find(Boolean);
      const value = q === undefined ? 1 : Number(q);
      return Number.isFinite(value) ? value : 0;
    })
    .reduce((best, q) => Math.max(best, q), -1);

/**
 * A page request: a browser navigating (GET or HEAD) or submitting a form (POST of
 * `application/x-www-form-urlencoded` or `multipart/form-data`), that names `text/html` in Accept
 * at least as high as any JSON type. `*∕*` alone (fetch, curl, SDKs) is a program's request: it
 * keeps RFC 9457 problem+json, and OAuth endpoints keep OAuth's JSON.
 */
export const prefersPage = (request: RequestShape): boolean => {
  const method = request.method.toUpperCase();
  const form = /^\s*(application\/x-www-form-urlencoded|multipart\/form-data)\s*(;|$)/i.test(
    request.contentType ?? '',
  );
  if (!(method === 'GET' || method === 'HEAD' || (method === 'POST' && form))) return false;
  const accept = request.accept ?? '';
  const html = qualityOf(accept, (type) => type === 'text/html');
  return html > 0 && html >= qualityOf(accept, (type) => JSON_TYPE.test(type));
};

const headerOf = (event: APIGatewayProxyEvent, name: string): string | undefined =>
  Object.entries(event.headers ?? {}).find(([key]) => key.toLowerCase() === name)?.[1] ?? undefined;

/** `prefersPage` for an API Gateway event. */
export const eventPrefersPage = (event: APIGatewayProxyEvent): boolean =>
  prefersPage({
    method: event.httpMethod ?? '',
    accept: headerOf(event, 'accept'),
    contentType: headerOf(event, 'content-type'),
  });

/** What an error page is told: the status only, and the reference the person can quote. */
export interface ErrorPageFacts {
  readonly status: number;
  /** The request id, which the logs and the problem+json `instance` carry too. */
  readonly reference?: string;
}

/**
 * Renders the error page a browser gets instead of problem+json. The web kit provides it
 * (`errorPages` in libs/web) and a page function hands it to `httpFunction`, so this lib knows
 * no page and imports no renderer.
 */
export type ErrorPageRenderer = (
  event: APIGatewayProxyEvent,
  problem: ErrorPageFacts,
) => APIGatewayProxyResult;
