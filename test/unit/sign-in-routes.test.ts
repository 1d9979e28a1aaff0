import type { KoaContextWithOIDC } from 'oidc-provider';
import { describe, expect, it } from 'vitest';
import { OWN_PAGE_PATH } from '../../functions/oidc/app.ts';
import { pageRoutes } from '../../functions/oidc/page-routes.ts';
import { type PasswordPageDeps, passwordRouter } from '../../functions/oidc/password-pages.ts';
import { type InteractionDeps, interactionRouter } from '../../functions/oidc/steps/index.ts';
import { type Lang, t } from '../../libs/web/index.ts';

/** Just enough of a Koa context for routing and the error page; no step runs in these tests. */
const fakeCtx = (method: string, path: string, lang: Lang) => {
  const headers: Record<string, string> = {};
  const ctx = {
    method,
    path,
    url: path,
    query: {},
    ip: '203.0.113.1',
    secure: false,
    state: {},
    req: {},
    status: 404,
    type: '',
    body: undefined as unknown,
    cookies: { get: () => undefined, set: () => undefined },
    get: (name: string) => (name === 'accept-language' ? lang : ''),
    set: (name: string, value: string) => {
      headers[name] = value;
    },
  };
  return { ctx, headers };
};

const interactions = pageRoutes(
  interactionRouter({
    issuer: 'http://localhost:3000',
    cookieKeys: ['key'],
  } as unknown as InteractionDeps),
);
const passwords = pageRoutes(
  passwordRouter({ issuer: 'http://localhost:3000' } as unknown as PasswordPageDeps),
);

type Middleware = (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>;

const answer = async (routes: Middleware, method: string, path: string, lang: Lang = 'en') => {
  const { ctx } = fakeCtx(method, path, lang);
  let passedOn = false;
  await routes(ctx as unknown as KoaContextWithOIDC, async () => {
    passedOn = true;
  });
  return { passedOn, status: ctx.status, type: ctx.type, body: ctx.body, state: ctx.state };
};

describe('the sign-in step routes', () => {
  it('answers the kit’s 404 page, in the person’s language, for an interaction id no provider makes', async () => {
    for (const lang of ['en', 'zh-CN'] as const)
      for (const path of [
        `/interaction/${'x'.repeat(65)}`,
        '/interaction/abc%2Dd',
        '/interaction/a.b/login',
      ]) {
        const res = await answer(interactions, 'GET', path, lang);
        expect(res, path).toMatchObject({ passedOn: false, status: 404, type: 'html' });
        expect(String(res.body)).toContain(t(lang, 'edge_notFoundTitle'));
        expect(String(res.body)).toContain(`lang="${lang}"`);
      }
  });

  it('passes a step that does not exist, or a path not in its canonical form, on to oidc-provider', async () => {
    for (const path of [
      '/interaction/abc/',
      '/interaction//login',
      '/interaction/abc/teleport',
      '/interaction/abc/passkey',
      '/interaction/abc/passkey/teleport',
      '/interaction/abc/%6Cogin',
    ])
      expect((await answer(interactions, 'POST', path)).passedOn, path).toBe(true);
  });

  it('says which method a step takes, before anything else, in the page’s language', async () => {
    const cases = [
      ['POST', '/interaction/abc', 'GET'],
      ['GET', '/interaction/abc/login', 'POST'],
      ['HEAD', '/interaction/abc/new-password', 'POST'],
      ['PUT', '/register', 'GET / POST'],
    ] as const;
    for (const lang of ['en', 'zh-CN'] as const)
      for (const [method, path, methods] of cases) {
        const res = await answer(interactions, method, path, lang);
        expect(res, `${method} ${path}`).toMatchObject({ status: 405, type: 'html' });
        expect(String(res.body)).toContain(t(lang, 'step_methodNotAllowed', { methods }));
      }
  });

  it('leads the language switch of a step to its interaction’s page, never to a POST-only route', async () => {
    for (const step of ['login', 'otp', 'new-password', 'passkey/login'])
      expect((await answer(interactions, 'GET', `/interaction/abc/${step}`)).state).toMatchObject({
        pagePath: '/interaction/abc',
      });
    expect((await answer(interactions, 'PUT', '/register')).state).toMatchObject({ pagePath: '/register' });
  });

  it('answers the passkey calls in JSON: English for programs, the catalogue key, and the person’s words', async () => {
    expect(await answer(interactions, 'GET', '/interaction/abc/passkey/login', 'zh-CN')).toMatchObject({
      status: 405,
      body: {
        error: 'invalid_request',
        code: 'step_methodNotAllowed',
        detail: t('en', 'step_methodNotAllowed', { methods: 'POST' }),
        message: t('zh-CN', 'step_methodNotAllowed', { methods: 'POST' }),
      },
    });
  });

  it('passes every other path on to oidc-provider', async () => {
    for (const path of ['/auth', '/interaction', '/register/', '/registers'])
      expect((await answer(interactions, 'GET', path)).passedOn, path).toBe(true);
  });
});

describe('the password page routes', () => {
  it('refuses methods a page does not take', async () => {
    const put = await answer(passwords, 'PUT', '/password/change');
    expect(put).toMatchObject({ status: 405, type: 'html' });
    expect(String(put.body)).toContain(t('en', 'step_methodNotAllowed', { methods: 'GET / POST' }));
    expect(await answer(passwords, 'GET', '/password/change/passkey-login-options')).toMatchObject({
      status: 405,
      body: { error: 'invalid_request', code: 'step_methodNotAllowed' },
    });
  });

  it('passes on other paths, and the outbox when there is none', async () => {
    for (const path of ['/password/reset/', '/password', '/outbox'])
      expect((await answer(passwords, 'GET', path)).passedOn, path).toBe(true);
  });
});

describe('the paths that load the own pages (app.ts loads them on first use)', () => {
  const routers = [
    interactionRouter({ issuer: 'http://localhost:3000', cookieKeys: ['key'] } as unknown as InteractionDeps),
    passwordRouter({ issuer: 'http://localhost:3000', outbox: {} } as unknown as PasswordPageDeps),
  ];

  it('cover every route of every page router, so none is passed on to oidc-provider unloaded', () => {
    const templates = routers.flatMap((router) => router.routes().map((route) => route.template));
    expect(templates).toContain('/outbox');
    expect(templates.length).toBeGreaterThan(15);
    for (const template of templates) {
      const path = template.replace(/\{\w+\}/g, 'abc');
      expect(OWN_PAGE_PATH.test(path), template).toBe(true);
    }
  });

  it('leave out what oidc-provider answers, discovery first', () => {
    for (const path of [
      '/.well-known/openid-configuration',
      '/jwks',
      '/token',
      '/auth',
      '/auth/abc',
      '/me',
      '/session/end',
      '/',
      '/interactions',
      '/registered',
      '/passwords/x',
    ])
      expect(OWN_PAGE_PATH.test(path), path).toBe(false);
  });
});
