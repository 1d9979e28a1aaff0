import { createHash, randomUUID } from 'node:crypto';
import middy from '@middy/core';
import type {
  APIGatewayAuthorizerResult,
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  APIGatewayRequestAuthorizerEvent,
  Context,
} from 'aws-lambda';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalDemo } from '../../examples/department-site/local-demo.ts';
import { makeHandler } from '../../functions/authorizer/app.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import type { AppConfig } from '../../libs/config/index.ts';
import { problemErrors } from '../../libs/http/middleware.ts';
import { OidcRegistry } from '../../libs/oidc/index.ts';
import { AccessControl, zoneTokenTrust } from '../../libs/policy/index.ts';
import { type AccessContext, requireAccess } from '../../libs/policy/require-access.ts';
import { createRuntime } from '../../libs/runtime/index.ts';
import { createDynamoClient } from '../../libs/store/index.ts';
import { createPerson, registerClient, tokensFor } from '../../testkit/oidc-flow.ts';
import { auditEvents } from '../support/audit.ts';

let stack: LocalStack;
let audience: string;
let authorize: (event: APIGatewayRequestAuthorizerEvent) => Promise<APIGatewayAuthorizerResult>;
let clock = () => new Date();
let citizenToken: string;

const API_HOST = 'api.tax.gov.example';
type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

/** The event API Gateway sends a REQUEST authorizer for a call to the tax API. */
const event = (
  method: string,
  resource: string,
  headers: Record<string, string>,
  stageVariables: Record<string, string> | null = null,
): APIGatewayRequestAuthorizerEvent =>
  ({
    type: 'REQUEST',
    methodArn: `arn:aws:execute-api:cn-north-1:123456789012:abcdef/prod/${method}${resource}`,
    resource,
    path: resource,
    httpMethod: method,
    headers,
    multiValueHeaders: null,
    pathParameters: null,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables,
    requestContext: {
      domainName: API_HOST,
      path: `/prod${resource}`,
      stage: 'prod',
      requestId: randomUUID(),
      identity: { sourceIp: '203.0.113.7', userAgent: 'vitest' },
    },
  }) as unknown as APIGatewayRequestAuthorizerEvent;

/** The public zone's function config on the running local stack. */
const publicConfig = (): AppConfig => ({
  zone: 'public',
  issuer: stack.urls.public,
  tables: stack.tables,
  keys: { kind: 'local', dir: stack.keysDir },
  dynamodbEndpoint: stack.dynamodbEndpoint,
  localMode: true,
});

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const effectOf = (result: APIGatewayAuthorizerResult) => result.policyDocument.Statement[0]!.Effect;

beforeAll(async () => {
  stack = await startLocalDemo({
    memory: true,
    ports: { public: 0, extranet: 0, intranet: 0 },
    demoSites: { tax: 0, housing: 0, staff: 0 },
  });
  audience = `${stack.demo.sites.tax.url}/api`;
  const doc = createDynamoClient({ endpoint: stack.dynamodbEndpoint });
  await new OidcRegistry(doc, stack.tables.identity).putResourceServer({
    audience: `${stack.demo.sites.housing.url}/api`,
    name: 'Housing API',
    department: 'housing',
    scopes: ['housing:read'],
    accessTokenTtl: 600,
    routes: {},
  });
  await registerClient(stack, 'public', 'tax-app');
  await registerClient(stack, 'public', 'tax-dpop', { dpop_bound_access_tokens: true });
  await registerClient(stack, 'extranet', 'tax-extranet');
  authorize = await makeHandler(await createRuntime(publicConfig()), { audience, now: () => clock() });
  const citizen = await createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: false });
  citizenToken = (
    await tokensFor(stack, 'public', 'tax-app', citizen, { resource: audience, scope: 'openid tax:read' })
  ).access_token;
});
afterAll(() => stack?.stop());

describe('the department API authorizer', () => {
  it('allows a valid token on a route its scope opens, with the principal in the context', async () => {
    const result = await authorize(event('GET', '/filings', bearer(citizenToken)));
    expect(effectOf(result)).toBe('Allow');
    expect(result.context).toMatchObject({
      scope: 'tax:read',
      acr: 'urn:yitong:loa:1',
      department: 'tax',
      clientId: 'tax-app',
      policyIds: 'role-department-api-user',
    });
    expect(result.principalId).toBe(result.context!.sub);
  });

  it('denies (403) a route that needs another scope and a higher level, and audits it with the explanation', async () => {
    const result = await authorize(event('POST', '/filings', bearer(citizenToken)));
    expect(effectOf(result)).toBe('Deny');
    const denial = (await auditEvents(stack)).find(
      (e) => e.type === 'policy.denied' && e.resource === 'Yitong::Route::POST /filings',
    );
    expect(denial).toMatchObject({
      zone: 'public',
      department: 'tax',
      sourceIp: '203.0.113.7',
      policyIds: [],
    });
    expect(String(denial!.reason)).toMatch(/default deny/);
  });

  it('answers 401 without a token, for an expired one, and for a tampered one', async () => {
    await expect(authorize(event('GET', '/filings', {}))).rejects.toThrow('Unauthorized');
    clock = () => new Date(Date.now() + 11 * 60_000);
    try {
      await expect(authorize(event('GET', '/filings', bearer(citizenToken)))).rejects.toThrow('Unauthorized');
    } finally {
      clock = () => new Date();
    }
    const [header, payload, signature] = citizenToken.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, scope: 'tax:read tax:file' })).toString(
      'base64url',
    );
    await expect(
      authorize(event('POST', '/filings', bearer(`${header}.${forged}.${signature}`))),
    ).rejects.toThrow('Unauthorized');
  });

  it('refuses a token for another audience', async () => {
    const other = event('GET', '/filings', bearer(citizenToken), {
      yitongAudience: `${stack.demo.sites.housing.url}/api`,
    });
    await expect(authorize(other)).rejects.toThrow('Unauthorized');
  });

  it("refuses a token from another zone's issuer for the same API", async () => {
    const staff = await createPerson(stack, { roles: ['staff'], totp: false });
    const { access_token } = await tokensFor(stack, 'extranet', 'tax-extranet', staff, {
      resource: audience,
      scope: 'openid tax:read',
    });
    const claims = JSON.parse(Buffer.from(access_token.split('.')[1]!, 'base64url').toString());
    expect(claims.iss).toBe(stack.urls.extranet);
    expect(claims.aud).toBe(audience);
    await expect(authorize(event('GET', '/filings', bearer(access_token)))).rejects.toThrow('Unauthorized');
  });

  it('holds a DPoP-bound token to its key: the right proof passes, a mismatched one or none does not', async () => {
    const keyPair = await oidc.randomDPoPKeyPair('ES256');
    const citizen = await createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: false });
    const { access_token } = await tokensFor(stack, 'public', 'tax-dpop', citizen, {
      resource: audience,
      scope: 'openid tax:read',
      dpop: (config) => oidc.getDPoPHandle(config, keyPair),
    });
    const proof = async (key: KeyPair, overrides: Record<string, unknown> = {}) =>
      new SignJWT({
        htm: 'GET',
        htu: `https://${API_HOST}/prod/filings`,
        jti: randomUUID(),
        ath: createHash('sha256').update(access_token).digest('base64url'),
        ...overrides,
      })
        .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await exportJWK(key.publicKey) })
        .setIssuedAt()
        .sign(key.privateKey);
    const call = async (headers: Record<string, string>) => authorize(event('GET', '/filings', headers));

    expect(effectOf(await call({ Authorization: `DPoP ${access_token}`, DPoP: await proof(keyPair) }))).toBe(
      'Allow',
    );
    const stranger = await generateKeyPair('ES256', { extractable: true });
    await expect(
      call({ Authorization: `DPoP ${access_token}`, DPoP: await proof(stranger) }),
    ).rejects.toThrow('Unauthorized');
    await expect(
      call({
        Authorization: `DPoP ${access_token}`,
        DPoP: await proof(keyPair, { htu: 'https://evil.example/x' }),
      }),
    ).rejects.toThrow('Unauthorized');
    await expect(call({ Authorization: `DPoP ${access_token}` })).rejects.toThrow('Unauthorized');
    await expect(call(bearer(access_token))).rejects.toThrow('Unauthorized');
  });

  it('ignores a header that claims a zone', async () => {
    const spoofed = await authorize(
      event('POST', '/filings', { ...bearer(citizenToken), 'X-Yitong-Zone': 'intranet', Zone: 'intranet' }),
    );
    expect(effectOf(spoofed)).toBe('Deny');
    const denials = (await auditEvents(stack)).filter((e) => e.type === 'policy.denied');
    expect(denials.every((e) => e.zone === 'public')).toBe(true);
  });
});

describe('requireAccess on a department Lambda', () => {
  it('lets a valid token through with the principal, and refuses others with 401 or 403', async () => {
    const runtime = await createRuntime(publicConfig());
    const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
      .use(problemErrors())
      .use(
        requireAccess({
          access: new AccessControl('public', runtime.audit),
          ...(await zoneTokenTrust(runtime)),
          audience,
          route: (e) => ({
            id: `${e.httpMethod} ${e.resource}`,
            area: 'department-api',
            zones: ['public'],
            scope: e.httpMethod === 'GET' ? 'tax:read' : 'tax:file',
          }),
        }),
      )
      .handler(async (_event, context) => {
        const { principal, claims } = (context as AccessContext).access;
        return { statusCode: 200, body: JSON.stringify({ principal, scope: claims.scopes }) };
      });
    const call = (method: string, headers: Record<string, string>) =>
      handler(
        { ...event(method, '/filings', headers), body: null } as unknown as APIGatewayProxyEvent,
        {} as Context,
      );
    const ok = await call('GET', bearer(citizenToken));
    expect(ok.statusCode).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ principal: { kind: 'user' }, scope: ['tax:read'] });
    const noScope = await call('POST', bearer(citizenToken));
    expect(noScope.statusCode).toBe(403);
    const none = await call('GET', {});
    expect(none.statusCode).toBe(401);
    expect(none.headers?.['www-authenticate']).toMatch(/^Bearer/);
  });
});
