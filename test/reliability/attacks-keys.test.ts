/**
 * Attacks on the zones' keys and on DPoP: a compromised public-zone function minting intranet
 * administrator tokens with its own key, and a captured DPoP proof replayed at a department API
 * (behind the authorizer, and behind requireAccess in a department Lambda).
 */
import { createHash, randomUUID } from 'node:crypto';
import middy from '@middy/core';
import type {
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  APIGatewayRequestAuthorizerEvent,
  Context,
} from 'aws-lambda';
import { base64url, exportJWK, SignJWT } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHandler as makeAuthorizer } from '../../functions/authorizer/app.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import type { AppConfig, Zone } from '../../libs/config/index.ts';
import { problemErrors } from '../../libs/http/middleware.ts';
import { LocalKeyring } from '../../libs/keys/index.ts';
import { OidcRegistry } from '../../libs/oidc/index.ts';
import { DynamoDpopProofLog } from '../../libs/policy/dpop-proofs.ts';
import { AccessControl, zoneTokenTrust } from '../../libs/policy/index.ts';
import { requireAccess } from '../../libs/policy/require-access.ts';
import { createRuntime } from '../../libs/runtime/index.ts';
import { createDynamoClient } from '../../libs/store/index.ts';
import {
  CALLBACK,
  clientConfig,
  createPerson,
  isCallback,
  registerClient,
  tokensFor,
} from '../../testkit/oidc-flow.ts';
import { startTestStack } from '../../testkit/stack.ts';
import { UserAgent } from '../../testkit/user-agent.ts';
import { auditEvents } from '../support/audit.ts';

let stack: LocalStack;
let admin: Awaited<ReturnType<typeof createPerson>>;

const API_HOST = 'api.tax.gov.example';
type DpopKeyPair = Awaited<ReturnType<typeof oidc.randomDPoPKeyPair>>;
const AUDIENCE = `https://${API_HOST}/filing`;

beforeAll(async () => {
  stack = await startTestStack();
  admin = await createPerson(stack, { roles: ['staff', 'admin'], totp: true });
  await new OidcRegistry(
    createDynamoClient({ endpoint: stack.dynamodbEndpoint }),
    stack.tables.identity,
  ).putResourceServer({
    audience: AUDIENCE,
    name: 'Tax filing API',
    department: 'tax',
    scopes: ['tax:read'],
    accessTokenTtl: 600,
    routes: { 'GET /filings': { scope: 'tax:read' } },
  });
  await registerClient(stack, 'public', 'tax-replay', { dpop_bound_access_tokens: true });
}, 120_000);
afterAll(() => stack?.stop());

/** A zone's id-token signer, read from the local stack's keyring as that zone's function reads it. */
const zoneSigner = (zone: Zone) => new LocalKeyring(stack.keysDir, { zone }).signer('id-token');

/** An access token (RFC 9068) with `claims`, signed with `zone`'s key as its function would sign. */
const accessTokenSignedBy = async (zone: Zone, claims: Record<string, unknown>) => {
  const signer = await zoneSigner(zone);
  const now = Math.floor(Date.now() / 1000);
  const header = { alg: 'ES256', typ: 'at+jwt', kid: signer.kid };
  const payload = { iat: now, exp: now + 300, jti: randomUUID(), ...claims };
  const input = `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify(payload))}`;
  return `${input}.${base64url.encode(await signer.sign(new TextEncoder().encode(input)))}`;
};

/** An intranet administrator's access token for the admin API, signed with `zone`'s key. */
const adminTokenSignedBy = (zone: Zone) =>
  accessTokenSignedBy(zone, {
    iss: stack.urls.intranet,
    aud: `${stack.urls.intranet}/admin`,
    sub: admin.accountId,
    client_id: 'security-console',
    yitong_account: admin.accountId,
    acr: 'urn:yitong:loa:2',
    amr: ['pwd', 'otp'],
    scope: 'openid admin',
  });

const listDepartments = (token: string) =>
  fetch(`${stack.urls.intranet}/admin/departments`, { headers: { authorization: `Bearer ${token}` } });

describe('a key per zone', () => {
  it("accepts an intranet administrator's token signed with the intranet key (the baseline)", async () => {
    expect((await listDepartments(await adminTokenSignedBy('intranet'))).status).toBe(200);
  });

  it('refuses an intranet administrator token minted with the public zone key, with 401', async () => {
    const res = await listDepartments(await adminTokenSignedBy('public'));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/invalid_token/);
  });

  it("publishes only the zone's own id-token key in each zone's JWKS", async () => {
    const kids = async (zone: Zone) => {
      const { keys } = (await (await fetch(`${stack.urls[zone]}/jwks`)).json()) as {
        keys: Array<{ kid: string }>;
      };
      return keys.map((k) => k.kid);
    };
    const published = {
      public: await kids('public'),
      extranet: await kids('extranet'),
      intranet: await kids('intranet'),
    };
    for (const zone of ['public', 'extranet', 'intranet'] as const) {
      expect(published[zone]).toEqual([(await zoneSigner(zone)).kid]);
    }
    expect(new Set(Object.values(published).flat()).size).toBe(3);
  });
});

/** The event API Gateway gives a REQUEST authorizer (and a proxy Lambda) for GET /filings. */
const filingsEvent = (headers: Record<string, string>) =>
  ({
    type: 'REQUEST',
    methodArn: 'arn:aws:execute-api:cn-north-1:123456789012:abcdef/prod/GET/filings',
    resource: '/filings',
    path: '/filings',
    httpMethod: 'GET',
    headers,
    body: null,
    multiValueHeaders: null,
    pathParameters: null,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    requestContext: {
      domainName: API_HOST,
      path: '/prod/filings',
      stage: 'prod',
      requestId: randomUUID(),
      identity: { sourceIp: '203.0.113.9', userAgent: 'vitest' },
    },
  }) as unknown as APIGatewayRequestAuthorizerEvent & APIGatewayProxyEvent;

const zoneConfig = (zone: Zone): AppConfig => ({
  zone,
  issuer: stack.urls[zone],
  tables: stack.tables,
  keys: { kind: 'local', dir: stack.keysDir },
  dynamodbEndpoint: stack.dynamodbEndpoint,
  localMode: true,
});

/** A DPoP proof for GET /filings with `token`, issued at `iat` (default now). */
const proofFor = async (keyPair: DpopKeyPair, token: string, iat?: number) =>
  new SignJWT({
    htm: 'GET',
    htu: `https://${API_HOST}/prod/filings`,
    jti: randomUUID(),
    ath: createHash('sha256').update(token).digest('base64url'),
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await exportJWK(keyPair.publicKey) })
    .setIssuedAt(iat)
    .sign(keyPair.privateKey);

/** A citizen's DPoP-bound token for the filing API and one proof for GET /filings. */
const boundTokenAndProof = async (keyPair?: DpopKeyPair) => {
  keyPair ??= await oidc.randomDPoPKeyPair('ES256');
  const citizen = await createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: false });
  const { access_token } = await tokensFor(stack, 'public', 'tax-replay', citizen, {
    resource: AUDIENCE,
    scope: 'openid tax:read',
    dpop: (config) => oidc.getDPoPHandle(config, keyPair),
  });
  return { Authorization: `DPoP ${access_token}`, DPoP: await proofFor(keyPair, access_token) };
};

/** A department Lambda of the public zone behind requireAccess, as docs/departments.md shows. */
const departmentLambda = async () => {
  const runtime = await createRuntime(zoneConfig('public'));
  return middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
    .use(problemErrors())
    .use(
      requireAccess({
        access: new AccessControl('public', runtime.audit),
        ...(await zoneTokenTrust(runtime)),
        audience: AUDIENCE,
        route: (e) => ({
          id: `${e.httpMethod} ${e.resource}`,
          area: 'department-api',
          zones: ['public'],
          scope: 'tax:read',
        }),
      }),
    )
    .handler(async () => ({ statusCode: 200, body: '{}' }));
};

describe('a sign-in session per zone', () => {
  // Browsers send localhost cookies to every port, and a stolen cookie can be replayed at any
  // host: a session the public zone made must not count as a sign-in at the intranet.
  it("does not take the public zone's sign-in session for one at the intranet", async () => {
    await registerClient(stack, 'public', 'tax-session-public');
    await registerClient(stack, 'intranet', 'staff-session-intranet');
    const person = await createPerson(stack, { roles: ['staff'], totp: true });
    const ua = new UserAgent();
    await tokensFor(stack, 'public', 'tax-session-public', person, { ua });
    const config = await clientConfig(stack, 'intranet', 'staff-session-intranet');
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    });
    const page = await ua.follow(url.href, isCallback);
    expect(isCallback(new URL(page.url))).toBe(false);
    // The intranet's own sign-in form, not single sign-on from the public zone.
    expect(page.html).toContain('name="username"');
    expect(page.url).toMatch(new RegExp(`^${stack.urls.intranet}/interaction/`));
  });
});

describe('a key per zone at department APIs', () => {
  it("refuses at the intranet authorizer a token the public zone's key signed in the intranet's name", async () => {
    const authorize = await makeAuthorizer(await createRuntime(zoneConfig('intranet')), {
      audience: AUDIENCE,
    });
    // A department machine client's token (client credentials): sub is the client.
    const claims = {
      iss: stack.urls.intranet,
      aud: AUDIENCE,
      sub: 'tax-intranet-batch',
      client_id: 'tax-intranet-batch',
      scope: 'tax:read',
    };
    const genuine = await authorize(
      filingsEvent({ Authorization: `Bearer ${await accessTokenSignedBy('intranet', claims)}` }),
    );
    expect(genuine.policyDocument.Statement[0]!.Effect).toBe('Allow');
    const forged = filingsEvent({ Authorization: `Bearer ${await accessTokenSignedBy('public', claims)}` });
    await expect(authorize(forged)).rejects.toThrow('Unauthorized');
  });
});

describe('DPoP proof replay', () => {
  it('refuses a proof used a second time at the authorizer', async () => {
    const authorize = await makeAuthorizer(await createRuntime(zoneConfig('public')), { audience: AUDIENCE });
    const headers = await boundTokenAndProof();
    const first = await authorize(filingsEvent(headers));
    expect(first.policyDocument.Statement[0]!.Effect).toBe('Allow');
    await expect(authorize(filingsEvent(headers))).rejects.toThrow('Unauthorized');
  });

  it('refuses a proof used a second time behind requireAccess, with 401 invalid_dpop_proof', async () => {
    const handler = await departmentLambda();
    const headers = await boundTokenAndProof();
    const before = new Set((await auditEvents(stack)).map((e) => e.eventId));
    expect((await handler(filingsEvent(headers), {} as Context)).statusCode).toBe(200);
    const again = await handler(filingsEvent(headers), {} as Context);
    expect(again.statusCode).toBe(401);
    expect(again.headers?.['www-authenticate']).toMatch(/^DPoP error="invalid_dpop_proof"/);
    expect(JSON.parse(again.body).detail).toMatch(/already been used/);
    // Audited once, saying why.
    const replays = (await auditEvents(stack)).filter(
      (e) =>
        !before.has(e.eventId) &&
        e.type === 'policy.denied' &&
        (e.details as { tokenError?: string } | undefined)?.tokenError === 'invalid_dpop_proof',
    );
    expect(replays.map((e) => (e.details as { tokenProblem: string }).tokenProblem)).toEqual([
      expect.stringMatching(/already been used/),
    ]);
  });

  it('refuses a proof issued outside the five-minute window, either way', async () => {
    const handler = await departmentLambda();
    const keyPair = await oidc.randomDPoPKeyPair('ES256');
    const { Authorization } = await boundTokenAndProof(keyPair);
    const token = Authorization.replace(/^DPoP /, '');
    for (const skew of [-301, 301]) {
      const proof = await proofFor(keyPair, token, Math.floor(Date.now() / 1000) + skew);
      const res = await handler(filingsEvent({ Authorization, DPoP: proof }), {} as Context);
      expect(res.statusCode).toBe(401);
      expect(JSON.parse(res.body).detail).toMatch(/too old or from the future/);
    }
    const fresh = await proofFor(keyPair, token);
    expect((await handler(filingsEvent({ Authorization, DPoP: fresh }), {} as Context)).statusCode).toBe(200);
  });
});

describe('the DPoP proof log', () => {
  const log = () =>
    new DynamoDpopProofLog(createDynamoClient({ endpoint: stack.dynamodbEndpoint }), stack.tables.identity);

  it('accepts one of two simultaneous uses of the same proof', async () => {
    const jti = randomUUID();
    const now = Math.floor(Date.now() / 1000);
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, () => log().firstUse('jkt-a', jti, now + 300, now)),
    );
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    // The same jti from another key is another proof.
    expect(await log().firstUse('jkt-b', jti, now + 300, now)).toBe(true);
  });

  it('forgets a proof once it has expired, even before DynamoDB deletes it', async () => {
    const jti = randomUUID();
    const now = Math.floor(Date.now() / 1000);
    expect(await log().firstUse('jkt-a', jti, now + 10, now)).toBe(true);
    expect(await log().firstUse('jkt-a', jti, now + 20, now + 9)).toBe(false);
    expect(await log().firstUse('jkt-a', jti, now + 40, now + 10)).toBe(true);
  });
});
