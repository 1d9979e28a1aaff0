import type { KoaContextWithOIDC } from 'oidc-provider';
import { describe, expect, it } from 'vitest';
import { type PasswordPageDeps, passwordRoutes } from '../../functions/oidc/password-pages.ts';
import { type InteractionDeps, interactionRoutes } from '../../functions/oidc/steps/index.ts';

/** Just enough of a Koa context for routing and the error page; no step runs in these tests. */
const fakeCtx = (method: string, path: string) => {
  const headers: Record<string, string> = {};
  const ctx = {
    method,
    path,
    url: path,
    query: {},
    ip: '203.0.113.1',
    secure: false,
    state: {},
    status: 404,
    type: '',
    body: undefined as unknown,
    cookies: { get: () => undefined, set: () => undefined },
    get: () => '',
    set: (name: string, value: string) => {
      headers[name] = value;
    },
  };
  return { ctx, headers };
};

const interactions = interactionRoutes({
  issuer: 'http://localhost:3000',
  cookieKeys: ['key'],
} as unknown as InteractionDeps);
const passwords = passwordRoutes({ issuer: 'http://localhost:3000' } as unknown as PasswordPageDeps);

type Middleware = (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>;

const answer = async (routes: Middleware, method: string, path: string) => {
  const { ctx } = fakeCtx(method, path);
  let passedOn = false;
  await routes(ctx as unknown as KoaContextWithOIDC, async () => {
    passedOn = true;
  });
  return { passedOn, status: ctx.status, type: ctx.type, body: ctx.body };
};

describe('the sign-in step routes', () => {
  it('answers 404 for an interaction id no provider makes, or a step that does not exist', async () => {
    for (const path of [
      `/interaction/${'x'.repeat(65)}`,
      '/interaction/abc%2Dd',
      '/interaction/abc/',
      '/interaction//login',
      '/interaction/abc/teleport',
      '/interaction/abc/passkey',
    ]) {
      const res = await answer(interactions, 'GET', path);
      expect(res, path).toMatchObject({ passedOn: false, status: 404, type: 'html' });
      expect(String(res.body)).toContain('there is no such page');
    }
  });

  it('says which method a step takes, before anything else', async () => {
    const cases = [
      ['POST', '/interaction/abc', 'use GET'],
      ['GET', '/interaction/abc/login', 'use POST'],
      ['HEAD', '/interaction/abc/new-password', 'use POST'],
      ['PUT', '/register', 'use GET or POST'],
    ] as const;
    for (const [method, path, message] of cases) {
      const res = await answer(interactions, method, path);
      expect(res, `${method} ${path}`).toMatchObject({ status: 405, type: 'html' });
      expect(String(res.body)).toContain(message);
    }
  });

  it('answers the passkey calls in JSON, a missing action included', async () => {
    expect(await answer(interactions, 'POST', '/interaction/abc/passkey/teleport')).toMatchObject({
      status: 404,
      body: { error: 'invalid_request', detail: 'there is no such page' },
    });
    expect(await answer(interactions, 'GET', '/interaction/abc/passkey/login')).toMatchObject({
      status: 405,
      body: { error: 'invalid_request', detail: 'use POST' },
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
    expect(String(put.body)).toContain('method not allowed here');
    expect(await answer(passwords, 'GET', '/password/change/passkey-login-options')).toMatchObject({
      status: 405,
      body: { error: 'invalid_request', detail: 'use POST' },
    });
  });

  it('passes on other paths, and the outbox when there is none', async () => {
    for (const path of ['/password/reset/', '/password', '/outbox'])
      expect((await answer(passwords, 'GET', path)).passedOn, path).toBe(true);
  });
});
