import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { FieldError } from './forms.ts';
import type { Html } from './html.ts';
import { page } from './layout.ts';
import { type Lang, pickLang } from './words.ts';

/** The cookie that remembers a chosen language, shared with the sign-in pages. */
export const LANG_COOKIE = 'yitong_lang';

/** What a page's Content-Security-Policy allows beyond its own nonce'd style and script. */
export interface PageCspOptions {
  /** The page's script calls back to its own origin (the passkey calls). @default false */
  readonly fetches?: boolean;
  /**
   * A form's answer may redirect to another site (sign-in and logout end at the service the
   * person came from); browsers apply `form-action` to those redirects, so it is left out.
   * @default false
   */
  readonly formsLeadAway?: boolean;
}

/**
 * The one Content-Security-Policy of every server-rendered page: nothing but the page's own
 * style and script (by nonce) and its images; no framing, no base element elsewhere.
 */
export const pageCsp = (nonce: string, options: PageCspOptions = {}): string =>
  [
    "default-src 'none'",
    `style-src 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
    "img-src 'self' data:",
    ...(options.fetches ? ["connect-src 'self'"] : []),
    ...(options.formsLeadAway ? [] : ["form-action 'self'"]),
    "base-uri 'self'",
    "frame-ancestors 'none'",
  ].join('; ');

const headerOf = (event: APIGatewayProxyEvent, name: string): string | undefined =>
  Object.entries(event.headers ?? {}).find(([key]) => key.toLowerCase() === name)?.[1] ?? undefined;

/** The request's cookies by name, values decoded. */
export const cookiesOf = (event: APIGatewayProxyEvent): Record<string, string> =>
  Object.fromEntries(
    (headerOf(event, 'cookie') ?? '')
      .split(';')
      .map((part) => part.trim().split('='))
      .filter(([name, value]) => name && value !== undefined)
      .map(([name, ...rest]) => [name!, decodeURIComponent(rest.join('='))]),
  );

/** The page language: ?lang=, then the remembered choice, then Accept-Language. */
export const langOfEvent = (event: APIGatewayProxyEvent): Lang =>
  pickLang(
    event.queryStringParameters?.lang,
    cookiesOf(event)[LANG_COOKIE],
    headerOf(event, 'accept-language'),
  );

/**
 * A server-rendered page as a Lambda proxy result: the sign-in pages' frame, a nonce CSP,
 * no caching. `path` is the page's own path (for the language switch), relative to basePath.
 */
export const pageResponse = (options: {
  readonly event: APIGatewayProxyEvent;
  readonly status: number;
  readonly lang: Lang;
  readonly title: string;
  readonly body: Html;
  readonly basePath: string;
  readonly path: string;
  readonly script?: string;
  /** The page's own styles, added to the frame's. */
  readonly styles?: string;
  readonly cookies?: readonly string[];
  /** The form's field errors: the page shows GOV.UK's error summary, focused, and "Error: " in the title. */
  readonly errors?: readonly FieldError[];
}): APIGatewayProxyResult => {
  const nonce = randomBytes(16).toString('base64');
  const other = options.lang === 'en' ? 'zh-CN' : 'en';
  const result: APIGatewayProxyResult = {
    statusCode: options.status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': pageCsp(nonce),
    },
    body: page({
      lang: options.lang,
      title: options.title,
      body: options.body,
      nonce,
      basePath: options.basePath,
      switchHref: `${options.path.replace(/^\//, '')}?lang=${other}`,
      script: options.script,
      styles: options.styles,
      errors: options.errors,
    }),
  };
  const cookies = [...(options.cookies ?? [])];
  if (options.event.queryStringParameters?.lang === options.lang) {
    cookies.push(`${LANG_COOKIE}=${options.lang}; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax`);
  }
  if (cookies.length) result.multiValueHeaders = { 'set-cookie': cookies };
  return result;
};
