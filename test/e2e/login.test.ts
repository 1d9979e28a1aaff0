import { generateKeyPairSync } from 'node:crypto';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalDemo } from '../../examples/department-site/local-demo.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import { putClient } from '../../libs/oidc/index.ts';
import { createDynamoClient } from '../../libs/store/index.ts';
import { type SignInOptions, signIn, UserAgent } from '../../testkit/user-agent.ts';
import { auditEvents } from '../support/audit.ts';

let stack: LocalStack;
let issuer: string;
const CALLBACK = 'http://localhost:9/cb';
const isCallback = (url: URL) => url.href.startsWith(CALLBACK);
const citizen = { username: 'zhang.san', password: 'demo-citizen-2026' };
const insecure = { execute: [oidc.allowInsecureRequests] };

const clientKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });

const register = (clientId: string, extra: Record<string, unknown> = {}) =>
  putClient(createDynamoClient({ endpoint: stack.dynamodbEndpoint }), stack.tables.identity, {
    client_id: clientId,
    client_secret: `${clientId}-secret-${'x'.repeat(32)}`,
    client_name: clientId,
    redirect_uris: [CALLBACK],
    grant_types: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_method: 'client_secret_basic',
    yitong_zone: 'public',
    yitong_department: clientId.split('-')[0]!,
    ...extra,
  });

const configFor = (clientId: string, auth = oidc.ClientSecretBasic(`${clientId}-secret-${'x'.repeat(32)}`)) =>
  oidc.discovery(new URL(issuer), clientId, undefined, auth, insecure);

/** A full code + PKCE sign-in by a fresh (or given) person; returns the code's callback and the checks. */
const authorize = async (
  config: oidc.Configuration,
  ua = new UserAgent(),
  params: Record<string, string> = {},
  who: SignInOptions = citizen,
) => {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: CALLBACK,
    scope: 'openid profile offline_access',
    prompt: 'consent',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    ...params,
  });
  const callback = await signIn(ua, url.href, isCallback, who);
  return { callback, checks: { pkceCodeVerifier: verifier, expectedState: state }, ua };
};

beforeAll(async () => {
  stack = await startLocalDemo({
    memory: true,
    ports: { public: 0, extranet: 0, intranet: 0 },
    demoSites: { tax: 0, housing: 0 },
  });
  issuer = stack.urls.public;
  await register('tax-portal');
  await register('tax-mobile');
  await register('housing-portal');
  await register('health-portal', { yitong_required_acr: 'urn:yitong:loa:2' });
  await register('dpop-app', { dpop_bound_access_tokens: true });
  await register('par-app', { require_pushed_authorization_requests: true });
  await register('intranet-only', { yitong_zone: 'intranet' });
  await register('jwt-app', {
    token_endpoint_auth_method: 'private_key_jwt',
    client_secret: undefined,
    jwks: {
      keys: [{ ...clientKey.publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'ES256', use: 'sig' }],
    },
  });
});
afterAll(() => stack?.stop());

describe('sign-in with code and PKCE', () => {
  it('issues ID, access and refresh tokens to a confidential client', async () => {
    const config = await configFor('tax-portal');
    const { callback, checks } = await authorize(config);
    const tokens = await oidc.authorizationCodeGrant(config, callback, checks);
    const claims = tokens.claims()!;
    expect(claims.iss).toBe(issuer);
    expect(claims.acr).toBe('urn:yitong:loa:1');
    expect(claims.name).toBe('张三 Zhang San');
    expect(tokens.refresh_token).toBeDefined();
    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
    expect(userinfo.sub).toBe(claims.sub);
  });

  it('gives one department the same subject on two sites, and another department a different one', async () => {
    const ua = new UserAgent();
    const subOf = async (clientId: string) => {
      const config = await configFor(clientId);
      const { callback, checks } = await authorize(config, ua);
      return (await oidc.authorizationCodeGrant(config, callback, checks)).claims()!.sub;
    };
    const taxPortal = await subOf('tax-portal');
    const taxMobile = await subOf('tax-mobile');
    const housing = await subOf('housing-portal');
    expect(taxMobile).toBe(taxPortal);
    expect(housing).not.toBe(taxPortal);
  });

  it('refuses an authorization request without PKCE or with plain PKCE', async () => {
    const config = await configFor('tax-portal');
    const ua = new UserAgent();
    const attempts: Array<Record<string, string>> = [
      {},
      { code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' },
    ];
    for (const extra of attempts) {
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: CALLBACK,
        scope: 'openid',
        state: 's',
        ...extra,
      });
      const page = await ua.follow(url.href, isCallback);
      const result = new URL(page.url);
      expect(result.searchParams.get('error')).toBe('invalid_request');
    }
  });

  it('refuses a redirect_uri that was not registered, without redirecting', async () => {
    const config = await configFor('tax-portal');
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: 'https://attacker.example/cb',
      scope: 'openid',
      code_challenge: 'a'.repeat(43),
      code_challenge_method: 'S256',
    });
    const page = await new UserAgent().request(url.href);
    expect(page.status).toBe(400);
    expect(page.headers.get('location')).toBeNull();
    expect(page.html).toContain('redirect_uri');
  });

  it('refuses a replayed code and revokes what the first exchange issued', async () => {
    const config = await configFor('tax-portal');
    const { callback, checks } = await authorize(config);
    const tokens = await oidc.authorizationCodeGrant(config, callback, checks);
    await expect(oidc.authorizationCodeGrant(config, callback, checks)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    const introspection = await oidc.tokenIntrospection(config, tokens.access_token);
    expect(introspection.active).toBe(false);
  });

  it('rotates refresh tokens and revokes the grant when an old one is reused', async () => {
    const config = await configFor('tax-portal');
    const { callback, checks } = await authorize(config);
    const first = await oidc.authorizationCodeGrant(config, callback, checks);
    const second = await oidc.refreshTokenGrant(config, first.refresh_token!);
    expect(second.refresh_token).toBeDefined();
    expect(second.refresh_token).not.toBe(first.refresh_token);
    await expect(oidc.refreshTokenGrant(config, first.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    await expect(oidc.refreshTokenGrant(config, second.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('introspects and revokes access tokens', async () => {
    const config = await configFor('tax-portal');
    const { callback, checks } = await authorize(config);
    const tokens = await oidc.authorizationCodeGrant(config, callback, checks);
    expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(true);
    await oidc.tokenRevocation(config, tokens.access_token);
    expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
  });

  it('accepts pushed authorization requests and requires them where the client says so', async () => {
    const config = await configFor('par-app');
    const direct = oidc.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK,
      scope: 'openid',
      code_challenge: 'a'.repeat(43),
      code_challenge_method: 'S256',
    });
    const refused = await new UserAgent().follow(direct.href, isCallback);
    expect(new URL(refused.url).searchParams.get('error') ?? refused.html).toMatch(/invalid_request|pushed/);

    const verifier = oidc.randomPKCECodeVerifier();
    const url = await oidc.buildAuthorizationUrlWithPAR(config, {
      redirect_uri: CALLBACK,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    expect(url.searchParams.get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/);
    const callback = await signIn(new UserAgent(), url.href, isCallback, citizen);
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier });
    expect(tokens.id_token).toBeDefined();
  });

  it('binds access tokens to a DPoP key', async () => {
    const config = await configFor('dpop-app');
    const dpop = oidc.getDPoPHandle(config, await oidc.randomDPoPKeyPair('ES256'));
    const { callback, checks } = await authorize(config);
    const tokens = await oidc.authorizationCodeGrant(config, callback, checks, undefined, { DPoP: dpop });
    expect(tokens.token_type.toLowerCase()).toBe('dpop');
    const claims = tokens.claims()!;
    await expect(
      oidc.fetchUserInfo(config, tokens.access_token, claims.sub, { DPoP: dpop }),
    ).resolves.toMatchObject({ sub: claims.sub });
    const stolen = await fetch(`${issuer}/me`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(stolen.status).toBe(401);
  });

  it('authenticates a client with private_key_jwt', async () => {
    const privateKey = await crypto.subtle.importKey(
      'jwk',
      clientKey.privateKey.export({ format: 'jwk' }),
      { name: 'ECDSA', namedCurve: 'P-256' },
      false,
      ['sign'],
    );
    const config = await configFor('jwt-app', oidc.PrivateKeyJwt({ key: privateKey, kid: 'k1' }));
    const { callback, checks } = await authorize(config);
    const tokens = await oidc.authorizationCodeGrant(config, callback, checks);
    expect(tokens.claims()!.aud).toBe('jwt-app');
  });

  it('issues JWT access tokens for a registered resource server', async () => {
    const config = await configFor('tax-portal');
    const audience = `${stack.demo.sites.tax.url}/api`;
    const { callback, checks } = await authorize(config, new UserAgent(), {
      resource: audience,
      scope: 'openid tax:read',
    });
    const tokens = await oidc.authorizationCodeGrant(config, callback, checks, { resource: audience });
    const [, payload] = tokens.access_token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    expect(claims).toMatchObject({ iss: issuer, aud: audience, scope: 'tax:read' });
  });
});

describe('response modes', () => {
  it('answers form_post with a page whose only script is allowed by its hash', async () => {
    const ua = new UserAgent();
    const config = await configFor('tax-portal');
    await authorize(config, ua);
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK,
      scope: 'openid',
      response_mode: 'form_post',
      code_challenge: 'a'.repeat(43),
      code_challenge_method: 'S256',
    });
    const page = await ua.follow(url.href, isCallback);
    expect(page.status).toBe(200);
    expect(page.html).toContain(`action="${CALLBACK}"`);
    expect(page.html).toMatch(/name="code"/);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self' 'sha256-[\w+/=]+'/);
  });
});

describe('single sign-on', () => {
  it('signs a person into a second site without asking for credentials again', async () => {
    const ua = new UserAgent();
    const first = await configFor('tax-portal');
    await authorize(first, ua);
    const second = await configFor('housing-portal');
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(second, {
      redirect_uri: CALLBACK,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    let page = await ua.follow(url.href, isCallback);
    expect(page.html).not.toContain('autocomplete="current-password"');
    if (!isCallback(new URL(page.url)))
      page = await ua.submit(page, '/consent', { decision: 'allow' }, isCallback);
    const tokens = await oidc.authorizationCodeGrant(second, new URL(page.url), {
      pkceCodeVerifier: verifier,
    });
    expect(tokens.claims()!.acr).toBe('urn:yitong:loa:1');
  });

  it('refuses a client pinned to another zone', async () => {
    const config = oidc.buildAuthorizationUrl(await configFor('tax-portal'), {
      redirect_uri: CALLBACK,
      scope: 'openid',
    });
    config.searchParams.set('client_id', 'intranet-only');
    const page = await new UserAgent().request(config.href);
    expect(page.status).toBe(400);
    expect(page.html).toMatch(/invalid_client/);
  });
});

describe('re-authentication and logout redirects', () => {
  it('asks for the password again when a site sends prompt=login, despite the session', async () => {
    const ua = new UserAgent();
    const config = await configFor('tax-portal');
    await authorize(config, ua);
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK,
      scope: 'openid',
      prompt: 'login',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const page = await ua.follow(url.href, isCallback);
    expect(page.html).toContain('autocomplete="current-password"');
  });

  it('asks again once the session is older than max_age', async () => {
    const ua = new UserAgent();
    const config = await configFor('tax-portal');
    await authorize(config, ua);
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK,
      scope: 'openid',
      max_age: '0',
      code_challenge: 'a'.repeat(43),
      code_challenge_method: 'S256',
    });
    const page = await ua.follow(url.href, isCallback);
    expect(page.html).toContain('autocomplete="current-password"');
  });

  it('refuses a post-logout redirect that was not registered', async () => {
    const ua = new UserAgent();
    const config = await configFor('tax-portal');
    const { callback, checks } = await authorize(config, ua);
    const tokens = await oidc.authorizationCodeGrant(config, callback, checks);
    const url = oidc.buildEndSessionUrl(config, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: 'https://attacker.example/after',
    });
    const page = await ua.request(url.href);
    expect(page.status).toBe(400);
    expect(page.headers.get('location')).toBeNull();
    expect(page.html).toMatch(/post_logout_redirect_uri/);
  });
});

describe('after a password change', () => {
  it('ends sessions and tokens from before it', async () => {
    const { AccountStore } = await import('../../libs/accounts/index.ts');
    const accounts = new AccountStore(
      createDynamoClient({ endpoint: stack.dynamodbEndpoint }),
      stack.tables.identity,
    );
    await accounts.create({
      kind: 'citizen',
      loginName: 'changes.mind',
      displayName: 'C',
      password: 'first password 123',
      roles: ['citizen'],
    });
    const ua = new UserAgent();
    const config = await configFor('tax-portal');
    const { callback, checks } = await authorize(
      config,
      ua,
      {},
      { username: 'changes.mind', password: 'first password 123' },
    );
    const tokens = await oidc.authorizationCodeGrant(config, callback, checks);
    const iat = tokens.claims()!.iat;

    const form = await ua.follow(`${issuer}/password/change?lang=en`);
    const changed = await ua.submit(form, '/password/change', {
      username: 'changes.mind',
      current: 'first password 123',
      password: 'second password 456',
    });
    expect(changed.html).toContain('Your password has been changed');
    const account = (await accounts.findByLoginName('changes.mind'))!;
    expect(account.sessionsValidAfter).toBeGreaterThanOrEqual(iat);
    // Tokens issued in the very second of the change stay valid; make the change a second later.
    await accounts.update(account, { sessionsValidAfter: iat + 1 });

    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    const userinfo = await fetch(`${issuer}/me`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(userinfo.status).toBe(401);
    const again = await ua.follow(
      oidc.buildAuthorizationUrl(config, {
        redirect_uri: CALLBACK,
        scope: 'openid',
        code_challenge: 'a'.repeat(43),
        code_challenge_method: 'S256',
      }).href,
      isCallback,
    );
    expect(again.html).toContain('autocomplete="current-password"');
  });
});

describe('assurance', () => {
  it('asks a person with an authenticator for their code and reports level 2', async () => {
    const staff = stack.demo.accounts.find((a) => a.loginName === 'li.si')!;
    const config = await configFor('tax-portal');
    const { callback, checks } = await authorize(
      config,
      new UserAgent(),
      {},
      { username: staff.loginName, password: staff.password, totpSecret: staff.totpSecret },
    );
    const claims = (await oidc.authorizationCodeGrant(config, callback, checks)).claims()!;
    expect(claims.acr).toBe('urn:yitong:loa:2');
    expect(claims.amr).toEqual(expect.arrayContaining(['pwd', 'otp']));
  });

  it('steps a level-1 session up to level 2 for a service that requires it, enrolling an authenticator', async () => {
    const ua = new UserAgent();
    const person = { username: 'step.up', password: 'step-up-password-1' };
    const { AccountStore } = await import('../../libs/accounts/index.ts');
    await new AccountStore(
      createDynamoClient({ endpoint: stack.dynamodbEndpoint }),
      stack.tables.identity,
    ).create({
      kind: 'citizen',
      loginName: person.username,
      displayName: 'Step Up',
      password: person.password,
      roles: ['citizen'],
    });
    await authorize(await configFor('tax-portal'), ua, {}, person);
    const config = await configFor('health-portal');
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    let page = await ua.follow(url.href, isCallback);
    expect(page.html).toContain('/enrol"');
    expect(page.html).not.toContain('autocomplete="current-password"');
    const secret = /id="totp-secret">([A-Z2-7]+)</.exec(page.html)![1]!;
    const { totpCode } = await import('../../libs/accounts/index.ts');
    page = await ua.submit(page, '/enrol', { otp: totpCode(secret) }, isCallback);
    expect(page.html.match(/<li>[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}<\/li>/g)).toHaveLength(10);
    page = await ua.submit(page, '/finish', {}, isCallback);
    if (!isCallback(new URL(page.url)))
      page = await ua.submit(page, '/consent', { decision: 'allow' }, isCallback);
    const claims = (
      await oidc.authorizationCodeGrant(config, new URL(page.url), { pkceCodeVerifier: verifier })
    ).claims()!;
    expect(claims.acr).toBe('urn:yitong:loa:2');
  });
});

describe('abuse resistance', () => {
  it('locks a login name after six failures, answering unknown and known names alike', async () => {
    const config = await configFor('tax-portal');
    const tryLogin = async (username: string, password: string) => {
      const ua = new UserAgent();
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: CALLBACK,
        scope: 'openid',
        code_challenge: 'a'.repeat(43),
        code_challenge_method: 'S256',
      });
      const page = await ua.follow(url.href, isCallback);
      return ua.submit(page, '/login', { username, password }, isCallback);
    };
    const wrongKnown = await tryLogin('wang.wu', 'not-the-password');
    const wrongUnknown = await tryLogin('nobody.here', 'not-the-password');
    expect(wrongKnown.status).toBe(401);
    expect(wrongUnknown.status).toBe(401);
    const message = (p: { html: string }) =>
      /<p class="message" id="password-error">([^<]*)</.exec(p.html)?.[1];
    expect(message(wrongKnown)).toBe(message(wrongUnknown));

    for (let i = 0; i < 5; i++) await tryLogin('wang.wu', 'not-the-password');
    const withRightPassword = await tryLogin('wang.wu', 'demo-auditor-2026');
    expect(withRightPassword.status).toBe(423);

    const events = await auditEvents(stack);
    expect(events.filter((e) => e.type === 'account.locked')).toHaveLength(1);
  });
});

describe('single logout', () => {
  it('signs out of every demo site through back-channel logout', async () => {
    const ua = new UserAgent();
    const { tax, housing } = stack.demo.sites;
    const visit = async (site: string) => {
      const callback = await signIn(
        ua,
        `${site}/login`,
        (u) => u.pathname === '/callback' && u.port === new URL(site).port,
        citizen,
      );
      await ua.follow(callback.href);
      return ua.request(`${site}/`);
    };
    expect((await visit(tax.url)).html).toContain('Signed in as');
    expect((await visit(housing.url)).html).toContain('Signed in as');

    const logout = await ua.request(`${tax.url}/logout`, { form: {} });
    let page = await ua.follow(logout.headers.get('location')!);
    page = await ua.submit(page, '/session/end/confirm', { logout: 'yes' });
    // Back at the site the person left from, signed out.
    expect(page.url.startsWith(tax.url)).toBe(true);
    expect(page.html).toContain('Not signed in');

    const received = async (site: string) => (await (await fetch(`${site}/logouts`)).json()) as unknown[];
    expect(await received(tax.url)).toHaveLength(1);
    expect(await received(housing.url)).toHaveLength(1);
    expect((await ua.request(`${housing.url}/`)).html).toContain('Not signed in');
  });
});
