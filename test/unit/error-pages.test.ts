import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import {
  ForbiddenError,
  httpFunction,
  NotFoundError,
  prefersPage,
  UnauthorizedError,
  ValidationError,
} from '../../libs/http/index.ts';
import { errorPages, errorSummary, field, html, page } from '../../libs/web/index.ts';

const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

const event = (method: string, headers: Record<string, string>, path = '/account/nope') =>
  ({
    httpMethod: method,
    path,
    resource: '/account/{proxy+}',
    headers,
    queryStringParameters: null,
    body: null,
    isBase64Encoded: false,
    requestContext: { requestId: 'req-7f3a' },
  }) as unknown as APIGatewayProxyEvent;

const failing = (err: Error, errorPage = true) =>
  httpFunction(
    'public',
    async () => {
      throw err;
    },
    errorPage ? { errorPage: errorPages('/prod') } : {},
  );

const invoke = async (handler: ReturnType<typeof failing>, e: APIGatewayProxyEvent) =>
  (await handler(e, { awsRequestId: 'r', functionName: 'f' } as Context))!;

describe('choosing a page or JSON for an answer', () => {
  it('treats a browser navigating or submitting a form as a page request', () => {
    expect(prefersPage({ method: 'GET', accept: BROWSER })).toBe(true);
    expect(prefersPage({ method: 'HEAD', accept: 'text/html' })).toBe(true);
    expect(
      prefersPage({ method: 'POST', accept: BROWSER, contentType: 'application/x-www-form-urlencoded' }),
    ).toBe(true);
    expect(
      prefersPage({ method: 'POST', accept: BROWSER, contentType: 'multipart/form-data; boundary=x' }),
    ).toBe(true);
  });

  it('keeps JSON for programs: no Accept, */* alone, JSON preferred, a JSON body, other methods', () => {
    expect(prefersPage({ method: 'GET' })).toBe(false);
    expect(prefersPage({ method: 'GET', accept: '*/*' })).toBe(false);
    expect(prefersPage({ method: 'GET', accept: 'application/json' })).toBe(false);
    expect(prefersPage({ method: 'GET', accept: 'application/json, text/html;q=0.5' })).toBe(false);
    expect(prefersPage({ method: 'GET', accept: 'application/problem+json,text/html;q=0.9' })).toBe(false);
    expect(prefersPage({ method: 'GET', accept: 'text/html;q=0' })).toBe(false);
    expect(prefersPage({ method: 'POST', accept: BROWSER, contentType: 'application/json' })).toBe(false);
    expect(prefersPage({ method: 'DELETE', accept: BROWSER })).toBe(false);
  });
});

describe('error answers', () => {
  it('gives a browser an HTML page in its language with the status, a next step and the request id', async () => {
    const res = await invoke(
      failing(new NotFoundError('GET /account/nope is not part of the account portal')),
      event('GET', { accept: BROWSER, 'accept-language': 'en' }),
    );
    expect(res.statusCode).toBe(404);
    expect(res.headers?.['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers?.['content-security-policy']).toMatch(/style-src 'nonce-/);
    expect(res.body).toContain('<h1>Page not found</h1>');
    expect(res.body).toContain('<a href="./">Go to the yitong home page</a>');
    expect(res.body).toContain('<code>req-7f3a</code>');
    expect(res.body).toContain('<base href="/prod/">');
    // The error's own words are for programs: a person is told what to do instead.
    expect(res.body).not.toContain('is not part of the account portal');
  });

  it('speaks Chinese by default and never shows policy internals on a refusal', async () => {
    const res = await invoke(
      failing(new ForbiddenError('DENY Yitong::User::"e655" on Yitong::Route::"GET /audit/events"')),
      event('GET', { accept: BROWSER }),
    );
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('<html lang="zh-CN">');
    expect(res.body).toContain('您无法使用此页面');
    expect(res.body).not.toMatch(/DENY|Yitong::/);
  });

  it('keeps what a refusal or a busy store tells the client in headers', async () => {
    const res = await invoke(
      failing(new UnauthorizedError('no token', 'Bearer realm="yitong"')),
      event('GET', { accept: BROWSER }),
    );
    expect(res.statusCode).toBe(401);
    expect(res.headers?.['www-authenticate']).toBe('Bearer realm="yitong"');
    const busy = await invoke(
      failing(Object.assign(new Error('slow down'), { name: 'ThrottlingException' })),
      event('GET', { accept: BROWSER, 'accept-language': 'en' }),
    );
    expect(busy.statusCode).toBe(503);
    expect(busy.headers?.['retry-after']).toBe('1');
    expect(busy.body).toContain('The service is busy');
  });

  it('answers an unexpected error with a page that reveals nothing internal', async () => {
    const res = await invoke(
      failing(new Error('connection string postgres://secret@db')),
      event('POST', {
        accept: BROWSER,
        'content-type': 'application/x-www-form-urlencoded',
        'accept-language': 'en',
      }),
    );
    expect(res.statusCode).toBe(500);
    expect(res.body).toContain('Sorry, there is a problem with the service');
    expect(res.body).not.toContain('postgres');
  });

  it('keeps RFC 9457 problem+json for a program, and for every caller of a function without pages', async () => {
    const api = await invoke(
      failing(new ValidationError('the request failed validation')),
      event('GET', { accept: 'application/json' }),
    );
    expect(api.headers?.['content-type']).toBe('application/problem+json');
    expect(JSON.parse(api.body)).toMatchObject({ status: 400, instance: 'req-7f3a' });
    const noPages = await invoke(
      failing(new NotFoundError('no such thing'), false),
      event('GET', { accept: BROWSER }),
    );
    expect(noPages.headers?.['content-type']).toBe('application/problem+json');
  });
});

describe('the error summary on every form', () => {
  const frame = (body: ReturnType<typeof html>, errors?: Parameters<typeof page>[0]['errors']) =>
    page({
      lang: 'en',
      title: 'Sign in',
      body,
      nonce: 'n0nce',
      switchHref: 'x?lang=zh-CN',
      basePath: '',
      errors,
    });

  it('prefixes the title, focuses the summary on load and keeps its links on the form', () => {
    const body = html`${errorSummary('en', [{ field: 'username', message: 'Enter your login name.' }])}
${field({ name: 'username', label: 'Login name', autocomplete: 'username', maxlength: 64, error: 'Enter your login name.', autofocus: true })}`;
    const out = frame(body);
    expect(out).toContain('<title>Error: Sign in – ');
    expect(out).toMatch(/<div class="error-summary"[^>]*tabindex="-1"[^>]*autofocus>/);
    expect(out).toContain('<a href="#username">Enter your login name.</a>');
    // The field with the error does not take focus from the summary.
    expect(out).not.toMatch(/<input[^>]*autofocus/);
    // The script that moves focus to a field runs under the page's nonce (the CSP allows no other).
    expect(out).toContain('<script nonce="n0nce">document.querySelectorAll(\'[data-error-summary]');
  });

  it('adds the summary itself when a page is given its field errors, in Chinese too', () => {
    const out = page({
      lang: 'zh-CN',
      title: '登录',
      body: html`<form></form>`,
      nonce: 'n',
      switchHref: 'x?lang=en',
      basePath: '',
      errors: [{ field: 'username', message: '请输入登录名。' }],
    });
    expect(out).toContain('<title>错误：登录 – ');
    expect(out).toMatch(/<div class="card"><div class="error-summary"/);
    expect(out.match(/class="error-summary"/g)).toHaveLength(1);
  });

  it('has no prefix without errors, and text a person typed cannot fake a summary', () => {
    const typed = 'data-error-summary="true"';
    const out = frame(
      html`${field({ name: 'username', label: 'Login name', autocomplete: 'username', maxlength: 64, value: typed })}`,
    );
    expect(out).toContain('<title>Sign in – ');
    expect(out).not.toContain('<script');
  });
});
