/**
 * Attacks on audiences (issue #14, findings 1 and 2): a client obtains tokens only for the APIs
 * it was granted — yitong's own admin, audit and licence APIs only for the clients made (or
 * granted by an administrator) for them, a department's API only for that department's clients
 * or clients granted explicitly — and every own API checks the token's scope.
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHandler as makeAuthorizer } from '../../functions/authorizer/app.ts';
import { seedDemoResourceServers } from '../../infra/local/seed.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import { totpCode } from '../../libs/accounts/index.ts';
import type { Zone } from '../../libs/config/index.ts';
import { createRuntime } from '../../libs/runtime/index.ts';
import { createDynamoClient } from '../../libs/store/index.ts';
import { CALLBACK, clientConfig, createPerson, isCallback, registerClient } from '../../testkit/oidc-flow.ts';
import { startTestStack } from '../../testkit/stack.ts';
import { signIn, UserAgent } from '../../testkit/user-agent.ts';
import { auditEvents } from '../support/audit.ts';

let stack: LocalStack;
/** A new person per sign-in: a second factor's code is good once, so nobody signs in twice in a step. */
const admin = () => createPerson(stack, { roles: ['staff', 'admin'], totp: true });
const auditor = () => createPerson(stack, { roles: ['staff', 'auditor'], totp: true });
/** An administrator's admin API token, through a client an administrator granted the admin API. */
let adminToken: string;
/** An intranet site registered through the admin API: granted nothing. */
let site: { clientId: string; secret: string };
let taxApi: string;

const insecure = { execute: [oidc.allowInsecureRequests] };
/** A test client an administrator granted the admin and audit APIs. */
const testAdmin = { clientId: 'yitong-test-admin', secret: `yitong-test-admin-secret-${'x'.repeat(32)}` };
const ownApi = (zone: Zone, api: 'admin' | 'audit' | 'licences') => `${stack.urls[zone]}/${api}`;

type Attempt =
  | { readonly error: string; readonly description: string }
  | { readonly tokens: oidc.TokenEndpointResponse; readonly config: oidc.Configuration };

/** A code + PKCE sign-in through the real pages; an error the issuer redirects back is returned, not thrown. */
const authorize = async (
  client: { readonly clientId: string; readonly secret: string },
  who: Awaited<ReturnType<typeof createPerson>>,
  params: { readonly resource: string; readonly scope: string },
): Promise<Attempt> => {
  const config = await clientConfig(stack, 'intranet', client.clientId, client.secret);
  const verifier = oidc.randomPKCECodeVerifier();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: CALLBACK,
    scope: params.scope,
    resource: params.resource,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    // A refresh token needs the person's consent to offline access (OIDC Core 11).
    ...(params.scope.includes('offline_access') ? { prompt: 'consent' } : {}),
  });
  const callback = await signIn(new UserAgent(), url.href, isCallback, who);
  const error = callback.searchParams.get('error');
  if (error) return { error, description: callback.searchParams.get('error_description') ?? '' };
  const tokens = await oidc.authorizationCodeGrant(
    config,
    callback,
    { pkceCodeVerifier: verifier },
    { resource: params.resource },
  );
  return { tokens, config };
};

/** The token endpoint's answer, as an OAuth error or the tokens. */
const tokenRequest = async (request: () => Promise<oidc.TokenEndpointResponse>) => {
  try {
    return { tokens: await request() };
  } catch (err: unknown) {
    if (err instanceof oidc.ResponseBodyError)
      return { error: err.error, description: err.error_description };
    throw err;
  }
};

const adminApi = async (method: string, path: string, body?: unknown, token = adminToken) => {
  const res = await fetch(`${stack.urls.intranet}/admin${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

const refusalsFor = async (client: string, resource: string) =>
  (await auditEvents(stack)).filter(
    (e) => e.type === 'token.audience_refused' && e.client === client && e.resource === resource,
  );

const machineConfig = (clientId: string, zone: Zone = 'extranet') => {
  const client = stack.demo.machineClients.find((c) => c.clientId === clientId)!;
  return oidc.discovery(
    new URL(stack.urls[zone]),
    clientId,
    undefined,
    oidc.ClientSecretBasic(client.secret),
    insecure,
  );
};

beforeAll(async () => {
  stack = await startTestStack();
  const doc = createDynamoClient({ endpoint: stack.dynamodbEndpoint });
  taxApi = 'http://tax.localhost:9/api';
  await seedDemoResourceServers(doc, stack.tables.identity, 'http://tax.localhost:9');
  await registerClient(stack, 'intranet', 'yitong-test-admin', {
    yitong_department: 'yitong',
    yitong_resources: ['admin', 'audit'],
  });
  const granted = await authorize(testAdmin, await admin(), {
    resource: ownApi('intranet', 'admin'),
    scope: 'openid admin',
  });
  if (!('tokens' in granted)) throw new Error(`the granted client was refused: ${granted.description}`);
  adminToken = granted.tokens.access_token;
  const created = await adminApi('POST', '/clients', {
    client_name: 'Intranet site registered through the admin API',
    department: 'general-office',
    zone: 'intranet',
    redirect_uris: [CALLBACK],
    grant_types: ['authorization_code', 'refresh_token'],
  });
  expect(created.status).toBe(201);
  site = { clientId: String(created.body.client_id), secret: String(created.body.client_secret) };
}, 180_000);
afterAll(() => stack?.stop());

describe('a site registered through the admin API and yitong’s own APIs', () => {
  for (const [api, person, scope, path] of [
    ['admin', admin, 'admin', '/admin/departments'],
    ['audit', auditor, 'audit:read', '/audit/verify'],
  ] as const) {
    it(`gets no ${api} API token for a person who signs in through it, with or without the scope (invalid_target, audited)`, async () => {
      for (const asked of [`openid ${scope}`, 'openid', `openid offline_access ${scope}`]) {
        const attempt = await authorize(site, await person(), {
          resource: ownApi('intranet', api),
          scope: asked,
        });
        if ('tokens' in attempt) {
          // What the unchanged code did: the API accepted the token, and a refresh minted more.
          const res = await fetch(`${stack.urls.intranet}${path}`, {
            headers: { authorization: `Bearer ${attempt.tokens.access_token}` },
          });
          throw new Error(`a ${api} token was issued for "${asked}"; ${path} answered ${res.status}`);
        }
        expect(attempt.error).toBe('invalid_target');
        expect(attempt.description).toMatch(new RegExp(api));
      }
      expect(await refusalsFor(site.clientId, ownApi('intranet', api))).toHaveLength(3);
    });
  }

  it('is refused at the pushed authorization request endpoint too (audited once)', async () => {
    const config = await clientConfig(stack, 'intranet', site.clientId, site.secret);
    const before = (await refusalsFor(site.clientId, ownApi('intranet', 'admin'))).length;
    const outcome = await tokenRequest(async () => {
      await oidc.buildAuthorizationUrlWithPAR(config, {
        redirect_uri: CALLBACK,
        scope: 'openid admin',
        resource: ownApi('intranet', 'admin'),
        code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
        code_challenge_method: 'S256',
      });
      return { access_token: 'none', token_type: 'bearer' } as oidc.TokenEndpointResponse;
    });
    expect(outcome.error).toBe('invalid_target');
    expect(await refusalsFor(site.clientId, ownApi('intranet', 'admin'))).toHaveLength(before + 1);
  });

  it('leaves the command line client its admin API, and refuses it the audit API at device authorization', async () => {
    const cli = await oidc.discovery(
      new URL(stack.urls.intranet),
      'yitong-cli',
      undefined,
      oidc.None(),
      insecure,
    );
    const admitted = await oidc.initiateDeviceAuthorization(cli, {
      scope: 'openid offline_access admin',
      resource: ownApi('intranet', 'admin'),
    });
    expect(admitted.user_code).toBeTruthy();
    const refused = await tokenRequest(async () => {
      await oidc.initiateDeviceAuthorization(cli, {
        scope: 'openid audit:read',
        resource: ownApi('intranet', 'audit'),
      });
      return { access_token: 'none', token_type: 'bearer' } as oidc.TokenEndpointResponse;
    });
    expect(refused.error).toBe('invalid_target');
    expect(await refusalsFor('yitong-cli', ownApi('intranet', 'audit'))).toHaveLength(1);
  });
});

describe('own APIs check the token’s scope', () => {
  /** A token for an own API from a client granted it, asked for without the API's scope. */
  const scopeless = async (person: Awaited<ReturnType<typeof admin>>, api: 'admin' | 'audit') => {
    const attempt = await authorize(testAdmin, person, {
      resource: ownApi('intranet', api),
      scope: 'openid',
    });
    if (!('tokens' in attempt)) throw new Error(attempt.description);
    return attempt.tokens.access_token;
  };

  it('refuses an administrator’s admin API token without the admin scope, naming the scope (403)', async () => {
    const res = await adminApi('GET', '/departments', undefined, await scopeless(await admin(), 'admin'));
    expect(res.status).toBe(403);
    expect(String(res.body.detail)).toMatch(/"admin" scope/);
    expect(res.body).toMatchObject({ missingScope: 'admin', policyIds: ['scope-admin-api'] });
  });

  it('refuses an auditor’s audit API token without audit:read, naming the scope (403)', async () => {
    const res = await fetch(`${stack.urls.intranet}/audit/verify`, {
      headers: { authorization: `Bearer ${await scopeless(await auditor(), 'audit')}` },
    });
    expect(res.status).toBe(403);
    expect(String(((await res.json()) as { detail?: string }).detail)).toMatch(/"audit:read" scope/);
  });

  it('refuses a licence issuer’s machine token without licences:issue, naming the scope (403)', async () => {
    const { access_token } = await oidc.clientCredentialsGrant(await machineConfig('transport-registry'), {
      resource: ownApi('extranet', 'licences'),
    });
    const res = await fetch(`${stack.urls.extranet}/licences`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${access_token}`,
        'content-type': 'application/json',
        'idempotency-key': randomUUID(),
      },
      body: JSON.stringify({
        type: 'driving-permit',
        holder: { residentId: '110101199003070011' },
        claims: {},
      }),
    });
    expect(res.status).toBe(403);
    expect(String(((await res.json()) as { detail?: string }).detail)).toMatch(/"licences:issue" scope/);
  });
});

describe('grants are an administrator’s act', () => {
  it('refuses a department’s own registration that grants its client an API (RFC 7591)', async () => {
    const issued = await adminApi('POST', '/departments/general-office/registration-tokens', {
      expiresInDays: 1,
    });
    expect(issued.status).toBe(201);
    const res = await fetch(`${stack.urls.intranet}/reg`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${String(issued.body.initial_access_token)}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        client_name: 'Self-granted admin site',
        redirect_uris: [CALLBACK],
        token_endpoint_auth_method: 'client_secret_basic',
        yitong_resources: ['admin'],
      }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: 'invalid_client_metadata',
      error_description: expect.stringMatching(/yitong_resources/),
    });
  });
});

describe('grants in the admin console', () => {
  it('lists a client’s APIs, grants one and withdraws it, each audited with the administrator', async () => {
    const person = await admin();
    const ua = new UserAgent();
    const departmentPage = `${stack.urls.intranet}/admin/console/departments/market`;
    const callback = await signIn(
      ua,
      departmentPage,
      (u) => u.pathname.endsWith('/admin/console/callback'),
      person,
    );
    await ua.follow(callback.href);
    const row = (html: string) =>
      /<section class="item" data-client="market-registry">[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';
    let page = await ua.follow(departmentPage);
    expect(row(page.html)).toContain('<code>licences</code>');
    const change = async (fields: Record<string, string>) => {
      const csrf = /name="csrf" value="([^"]+)"/.exec(page.html)![1]!;
      const action = `${stack.urls.intranet}/admin/console/clients/market-registry/resources`;
      page = await ua.follow(action, undefined, await ua.request(action, { form: { csrf, ...fields } }));
      expect(page.status).toBe(200);
    };
    await change({ grant: taxApi, reason: 'tax asked in writing, ref 2026-77' });
    expect(row(page.html)).toContain(`<code>${taxApi}</code>`);
    const apis = await ua.follow(`${stack.urls.intranet}/admin/console/resource-servers`);
    expect(
      /<section class="item" data-audience="http:\/\/tax.localhost:9\/api">[\s\S]*?<\/section>/.exec(
        apis.html,
      )?.[0],
    ).toContain('<code>market-registry</code> (market): tax asked in writing, ref 2026-77');
    await change({ revoke: taxApi, reason: 'withdrawn in the admin console' });
    expect(row(page.html)).not.toContain(`<code>${taxApi}</code>`);
    const audited = (await auditEvents(stack)).filter(
      (e) => e.client === 'market-registry' && e.actor === person.accountId,
    );
    expect(audited.map((e) => [e.type, e.resource, e.reason])).toEqual([
      ['admin.client.resource_granted', taxApi, 'tax asked in writing, ref 2026-77'],
      ['admin.client.resource_revoked', taxApi, 'withdrawn in the admin console'],
    ]);
  });
});

describe('a department’s machine client and another department’s API', () => {
  const authorizerEvent = (token: string): APIGatewayRequestAuthorizerEvent =>
    ({
      type: 'REQUEST',
      methodArn: 'arn:aws:execute-api:cn-north-1:123456789012:abcdef/prod/POST/filings',
      resource: '/filings',
      path: '/filings',
      httpMethod: 'POST',
      headers: { Authorization: `Bearer ${token}` },
      requestContext: {
        domainName: 'tax.localhost',
        path: '/prod/filings',
        stage: 'prod',
        requestId: randomUUID(),
        identity: { sourceIp: '203.0.113.9', userAgent: 'vitest' },
      },
    }) as unknown as APIGatewayRequestAuthorizerEvent;

  it('gets no token for the Tax Bureau API with tax:file (invalid_target, audited), unless tax grants it', async () => {
    const market = await machineConfig('market-registry');
    const refused = await tokenRequest(() =>
      oidc.clientCredentialsGrant(market, { resource: taxApi, scope: 'tax:file' }),
    );
    if (refused.tokens) {
      // What the unchanged code did: the tax API's authorizer let the market registry file taxes.
      const authorizer = await makeAuthorizer(
        await createRuntime({
          zone: 'extranet',
          issuer: stack.urls.extranet,
          tables: stack.tables,
          keys: { kind: 'local', dir: stack.keysDir },
          dynamodbEndpoint: stack.dynamodbEndpoint,
          localMode: true,
        }),
        { audience: taxApi },
      );
      const verdict = await authorizer(authorizerEvent(refused.tokens.access_token));
      throw new Error(`market-registry got a tax:file token; the authorizer said ${JSON.stringify(verdict)}`);
    }
    expect(refused.error).toBe('invalid_target');
    expect(await refusalsFor('market-registry', taxApi)).toHaveLength(1);

    // The tax department grants it (recorded by an administrator, audited), then takes it back.
    const grant = await adminApi('POST', '/clients/market-registry/resources', {
      grant: [taxApi],
      reason: 'tax asked: market registry files on behalf of new companies',
    });
    expect(grant.status).toBe(200);
    expect(grant.body.yitong_resources).toEqual(expect.arrayContaining(['licences', taxApi]));
    expect((await adminApi('GET', '/clients/market-registry')).body.yitong_resources).toContain(taxApi);
    const grantees = async () =>
      (
        (await adminApi('GET', '/resource-servers')).body.resourceServers as Array<{
          audience: string;
          grantedTo: Array<{ clientId: string; department: string }>;
        }>
      ).find((server) => server.audience === taxApi)?.grantedTo;
    expect(await grantees()).toMatchObject([{ clientId: 'market-registry', department: 'market' }]);
    const granted = await oidc.clientCredentialsGrant(market, { resource: taxApi, scope: 'tax:file' });
    expect(granted.scope).toBe('tax:file');

    const revoke = await adminApi('POST', '/clients/market-registry/resources', {
      revoke: [taxApi],
      reason: 'the arrangement ended',
    });
    expect(revoke.status).toBe(200);
    expect(revoke.body.yitong_resources).not.toContain(taxApi);
    expect(await grantees()).toEqual([]);
    const again = await tokenRequest(() =>
      oidc.clientCredentialsGrant(market, { resource: taxApi, scope: 'tax:file' }),
    );
    expect(again.error).toBe('invalid_target');
    const changes = (await auditEvents(stack)).filter(
      (e) =>
        e.client === 'market-registry' &&
        String(e.type).startsWith('admin.client.resource_') &&
        ['tax asked: market registry files on behalf of new companies', 'the arrangement ended'].includes(
          String(e.reason),
        ),
    );
    expect(changes.map((e) => [e.type, e.resource, e.department])).toEqual([
      ['admin.client.resource_granted', taxApi, 'tax'],
      ['admin.client.resource_revoked', taxApi, 'tax'],
    ]);
  });

  it('refuses a grant of an API that is not registered, of yitong’s admin API to an extranet client (400), or to yitong’s own clients (409)', async () => {
    const unknown = await adminApi('POST', '/clients/market-registry/resources', {
      grant: ['https://nowhere.example/api'],
      reason: 'testing',
    });
    expect(unknown.status).toBe(400);
    const adminToMachine = await adminApi('POST', '/clients/market-registry/resources', {
      grant: ['admin'],
      reason: 'testing',
    });
    expect(adminToMachine.status).toBe(400);
    expect(JSON.stringify(adminToMachine.body)).toMatch(/intranet/);
    // yitong's own clients keep the APIs their code gives them (restored at every start anyway).
    const cli = await adminApi('POST', '/clients/yitong-cli/resources', {
      grant: ['audit'],
      reason: 'testing',
    });
    expect(cli.status).toBe(409);
  });

  it('stops a refresh token minting tokens for an API its client lost', async () => {
    await registerClient(stack, 'intranet', 'yitong-refresher', {
      yitong_department: 'yitong',
      yitong_resources: ['admin'],
    });
    const refresher = { clientId: 'yitong-refresher', secret: `yitong-refresher-secret-${'x'.repeat(32)}` };
    const attempt = await authorize(refresher, await admin(), {
      resource: ownApi('intranet', 'admin'),
      scope: 'openid offline_access admin',
    });
    if (!('tokens' in attempt)) throw new Error(attempt.description);
    const refreshed = await oidc.refreshTokenGrant(attempt.config, attempt.tokens.refresh_token!, {
      resource: ownApi('intranet', 'admin'),
    });
    expect((await adminApi('GET', '/departments', undefined, refreshed.access_token)).status).toBe(200);

    const revoked = await adminApi('POST', '/clients/yitong-refresher/resources', {
      revoke: ['admin'],
      reason: 'no longer needed',
    });
    expect(revoked.status).toBe(200);
    const after = await tokenRequest(() =>
      oidc.refreshTokenGrant(attempt.config, refreshed.refresh_token!, {
        resource: ownApi('intranet', 'admin'),
      }),
    );
    expect(after.error).toBe('invalid_target');
    expect(await refusalsFor('yitong-refresher', ownApi('intranet', 'admin'))).toHaveLength(1);
  });
});

describe('consent shows everything asked for', () => {
  it('names the API and each of its scopes in plain words, in both languages', async () => {
    await registerClient(stack, 'intranet', 'yitong-consent', {
      yitong_department: 'yitong',
      yitong_resources: ['audit'],
    });
    const config = await clientConfig(
      stack,
      'intranet',
      'yitong-consent',
      `yitong-consent-secret-${'x'.repeat(32)}`,
    );
    const person = await auditor();
    const ua = new UserAgent();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK,
      scope: 'openid audit:read',
      resource: ownApi('intranet', 'audit'),
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    });
    let page = await ua.follow(url.href, isCallback);
    page = await ua.submit(page, '/login', { username: person.username, password: person.password });
    page = await ua.submit(page, '/otp', { otp: totpCode(person.totpSecret!) });
    if (page.html.includes('/protect"')) page = await ua.submit(page, '/protect', { choice: 'skip' });
    expect(page.html).toContain('/consent"');
    expect(page.html).toMatch(/yitong audit trail/);
    expect(page.html).toMatch(/read, search and export the audit trail/);
    const chinese = await ua.request(page.url, { headers: { 'accept-language': 'zh-CN' } });
    expect(chinese.html).toContain('/consent"');
    expect(chinese.html).toMatch(/一通审计记录/);
    expect(chinese.html).toMatch(/查阅、检索和导出审计记录/);

    // An answer to another page (what is asked for is not what was shown) grants nothing.
    const tampered = await ua.request(ua.resolve(page, /action="([^"]*\/consent)"/.exec(page.html)![1]!), {
      form: {
        csrf: /name="csrf" value="([^"]+)"/.exec(page.html)![1]!,
        shown: 'a-page-that-showed-less',
        decision: 'allow',
      },
    });
    expect(tampered.status).toBe(400);
    expect(tampered.headers.get('location')).toBeNull();
  });
});
