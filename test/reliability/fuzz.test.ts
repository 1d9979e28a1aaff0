/**
 * Property-based bad input against every JSON and form endpoint that is not the licence API
 * (test/e2e/fuzz-licences.test.ts) and against the token and licence parsers: malformed
 * JSON and forms, wrong types, huge and deeply nested bodies, unicode edge cases, oversized
 * headers and injection strings in filters. Nothing answers 5xx, every 4xx says what was
 * wrong, and no rejected request changes what it targeted. FUZZ_RUNS raises the count.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { createLocalJWKSet } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_RESIDENTS } from '../../infra/local/registry-twin.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import { jwks, LocalKeyring } from '../../libs/keys/index.ts';
import { verifyLicence } from '../../libs/licences/index.ts';
import { getClient } from '../../libs/oidc/index.ts';
import { DynamoDpopProofLog } from '../../libs/policy/dpop-proofs.ts';
import { createDynamoClient } from '../../libs/store/index.ts';
import { AccessTokenError, verifyAccessToken } from '../../packages/access/src/index.ts';
import {
  CALLBACK,
  clientConfig,
  createPerson,
  isCallback,
  registerClient,
  tokensFor,
} from '../../testkit/oidc-flow.ts';
import { startTestStack } from '../../testkit/stack.ts';
import { signIn, UserAgent } from '../../testkit/user-agent.ts';
import { expectClear, formBody, headerValue, jsonBody, jsonValue, nasty, RUNS } from '../support/fuzz.ts';
import { proveIdentity } from '../support/licence-holders.ts';

let stack: LocalStack;
let adminToken: string;
let auditorToken: string;

beforeAll(async () => {
  stack = await startTestStack();
  await registerClient(stack, 'intranet', 'fuzz-console', { yitong_resources: ['admin', 'audit'] });
  await registerClient(stack, 'public', 'fuzz-site');
  const admin = await createPerson(stack, { roles: ['staff', 'admin'], totp: true });
  const auditor = await createPerson(stack, { roles: ['staff', 'auditor'], totp: true });
  adminToken = (
    await tokensFor(stack, 'intranet', 'fuzz-console', admin, {
      resource: `${stack.urls.intranet}/admin`,
      scope: 'openid admin',
    })
  ).access_token;
  auditorToken = (
    await tokensFor(stack, 'intranet', 'fuzz-console', auditor, {
      resource: `${stack.urls.intranet}/audit`,
      scope: 'openid audit:read',
    })
  ).access_token;
}, 120_000);
afterAll(() => stack?.stop());

const doc = () => createDynamoClient({ endpoint: stack.dynamodbEndpoint });
/** Items of a table whose key starts with a prefix: what a rejected request must not touch. */
const itemsOf = async (table: string, prefix: string) => {
  const { Items } = await doc().send(
    new ScanCommand({
      TableName: table,
      FilterExpression: 'begins_with(pk, :p)',
      ExpressionAttributeValues: { ':p': prefix },
    }),
  );
  return JSON.stringify((Items ?? []).sort((a, b) => `${a.pk}${a.sk}`.localeCompare(`${b.pk}${b.sk}`)));
};

describe('fuzzing the admin API', () => {
  it('PATCH /admin/clients/{id} refuses bad bodies clearly and leaves the client as it was', async () => {
    const before = await getClient(doc(), stack.tables.identity, 'fuzz-site');
    await fc.assert(
      fc.asyncProperty(
        jsonBody(
          fc.record({ disabled: fc.oneof(fc.boolean(), jsonValue), reason: fc.oneof(nasty, jsonValue) }),
        ),
        headerValue,
        async (body, header) => {
          const prior = await getClient(doc(), stack.tables.identity, 'fuzz-site');
          const res = await fetch(`${stack.urls.intranet}/admin/clients/fuzz-site`, {
            method: 'PATCH',
            headers: {
              authorization: `Bearer ${adminToken}`,
              'content-type': 'application/json',
              'x-fuzz': header,
            },
            body,
          });
          await expectClear(res, `PATCH ${body.slice(0, 80)}`);
          if (res.status >= 400)
            expect(await getClient(doc(), stack.tables.identity, 'fuzz-site')).toEqual(prior);
          if (res.status === 200) {
            // A valid change: put it back for the next run.
            await fetch(`${stack.urls.intranet}/admin/clients/fuzz-site`, {
              method: 'PATCH',
              headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
              body: JSON.stringify({ disabled: false, reason: 'fuzz: restore' }),
            });
          }
        },
      ),
      { numRuns: RUNS },
    );
    const after = await getClient(doc(), stack.tables.identity, 'fuzz-site');
    expect({ ...after, yitong_disabled: false }).toMatchObject({ ...before, yitong_disabled: false });
  }, 180_000);

  it('PUT /admin/licence-types/{id} refuses bad types clearly and registers nothing', async () => {
    const before = await itemsOf(stack.tables.licences, 'licence-types');
    await fc.assert(
      fc.asyncProperty(
        jsonBody(
          fc.record({
            name: fc.oneof(fc.record({ en: nasty, zh: nasty }), jsonValue),
            department: fc.oneof(nasty, jsonValue),
            claims: fc.oneof(fc.array(fc.record({ name: nasty, type: nasty })), jsonValue),
          }),
        ),
        fc.oneof(nasty, fc.constant('fuzz-type')),
        async (body, id) => {
          const typeId = encodeURIComponent(id.toWellFormed().slice(0, 200)) || 'x';
          const res = await fetch(`${stack.urls.intranet}/admin/licence-types/${typeId}`, {
            method: 'PUT',
            headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
            body,
          });
          expect(res.status, body.slice(0, 80)).not.toBe(200);
          await expectClear(res, `PUT ${typeId.slice(0, 40)} ${body.slice(0, 80)}`);
        },
      ),
      { numRuns: RUNS },
    );
    expect(await itemsOf(stack.tables.licences, 'licence-types')).toBe(before);
  }, 180_000);
});

describe('fuzzing the onboarding routes of the admin API', () => {
  it('refuses bad departments, clients, APIs, staff and tokens clearly and registers nothing', async () => {
    const registered = async () =>
      [
        await itemsOf(stack.tables.identity, 'departments'),
        await itemsOf(stack.tables.identity, 'department-clients#'),
        await itemsOf(stack.tables.identity, 'resource-server'),
        await itemsOf(stack.tables.identity, 'login#'),
      ].join('|');
    const before = await registered();
    const shapes = fc.record(
      {
        departmentId: fc.oneof(nasty, jsonValue),
        name: fc.oneof(nasty, jsonValue),
        uscc: fc.oneof(nasty, fc.constant('11100000000010001X')),
        zones: fc.oneof(fc.array(nasty, { maxLength: 4 }), jsonValue),
        client_name: fc.oneof(nasty, jsonValue),
        department: fc.oneof(fc.constant('nobody'), nasty),
        zone: fc.oneof(nasty, fc.constant('internet')),
        redirect_uris: fc.oneof(fc.array(nasty, { maxLength: 3 }), fc.constant(['https://*.gov.example/cb'])),
        audience: fc.oneof(nasty, jsonValue),
        scopes: fc.oneof(fc.array(nasty, { maxLength: 3 }), jsonValue),
        loginName: fc.oneof(nasty, jsonValue),
        roles: fc.oneof(fc.array(nasty, { maxLength: 3 }), fc.constant(['citizen'])),
        expiresInDays: fc.oneof(fc.integer(), jsonValue),
        uses: fc.oneof(fc.integer(), jsonValue),
        revoked: fc.oneof(fc.boolean(), jsonValue),
        grant: fc.oneof(fc.array(nasty, { maxLength: 3 }), fc.constant(['admin']), jsonValue),
        revoke: fc.oneof(fc.array(nasty, { maxLength: 3 }), jsonValue),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          ['POST', '/admin/departments'],
          ['PATCH', '/admin/departments/tax'],
          ['POST', '/admin/departments/tax/registration-tokens'],
          ['PATCH', '/admin/departments/tax/registration-tokens/iat_no-such-token'],
          ['POST', '/admin/clients'],
          ['PUT', '/admin/clients/fuzz-site'],
          ['POST', '/admin/clients/fuzz-site/secret'],
          ['PUT', '/admin/resource-servers'],
          ['POST', '/admin/staff'],
          ['PATCH', '/admin/staff/no-such-account'],
          ['POST', '/admin/clients/no-such-client/resources'],
          ['POST', '/admin/staff-requests/no-such-request/approve'],
          ['POST', '/admin/staff-requests/no-such-request/reject'],
        ),
        jsonBody(shapes),
        async ([method, path], body) => {
          const res = await fetch(`${stack.urls.intranet}${path}`, {
            method,
            headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
            body,
          });
          // Every field of a registration-token request has a default: `{}` is a whole request.
          if (!(path.endsWith('/registration-tokens') && res.status === 201))
            expect(res.status, `${method} ${path} ${body.slice(0, 80)}`).toBeGreaterThanOrEqual(400);
          await expectClear(res, `${method} ${path} ${body.slice(0, 80)}`);
        },
      ),
      { numRuns: RUNS },
    );
    expect(await registered()).toBe(before);
  }, 180_000);
});

describe('fuzzing the audit API', () => {
  it('GET /audit/events and /audit/export answer any filter with results or a 400 that names it', async () => {
    const params = fc.dictionary(
      fc.oneof(
        fc.constantFrom(
          'actor',
          'subject',
          'client',
          'type',
          'outcome',
          'zone',
          'from',
          'to',
          'limit',
          'cursor',
          'format',
        ),
        fc.string({ maxLength: 12 }),
      ),
      nasty.map((v) => v.toWellFormed().slice(0, 3000)),
      { maxKeys: 5 },
    );
    await fc.assert(
      fc.asyncProperty(params, fc.constantFrom('/audit/events', '/audit/export'), async (query, path) => {
        const res = await fetch(`${stack.urls.intranet}${path}?${new URLSearchParams(query)}`, {
          headers: { authorization: `Bearer ${auditorToken}` },
        });
        await expectClear(res, `${path} ${JSON.stringify(query).slice(0, 120)}`);
      }),
      { numRuns: RUNS },
    );
  }, 180_000);
});

describe('fuzzing the OIDC endpoints', () => {
  it('the token, introspection, revocation and PAR endpoints answer any form with an OAuth error', async () => {
    const basic = `Basic ${Buffer.from(`fuzz-site:fuzz-site-secret-${'x'.repeat(32)}`).toString('base64')}`;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/token', '/token/introspection', '/token/revocation', '/request'),
        formBody([
          'grant_type',
          'code',
          'redirect_uri',
          'code_verifier',
          'refresh_token',
          'token',
          'scope',
          'resource',
          'client_id',
          'response_type',
          'code_challenge',
        ]),
        fc.boolean(),
        async (path, body, authenticated) => {
          const res = await fetch(`${stack.urls.public}${path}`, {
            method: 'POST',
            headers: {
              'content-type': 'application/x-www-form-urlencoded',
              ...(authenticated ? { authorization: basic } : {}),
            },
            body,
          });
          await expectClear(res, `${path} ${body.slice(0, 100)}`);
        },
      ),
      { numRuns: RUNS },
    );
  }, 180_000);

  it('the authorization endpoint answers any query without a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(
          fc.constantFrom(
            'client_id',
            'redirect_uri',
            'response_type',
            'scope',
            'state',
            'code_challenge',
            'code_challenge_method',
            'acr_values',
            'prompt',
            'request_uri',
            'ui_locales',
            'max_age',
          ),
          nasty.map((v) => v.toWellFormed().slice(0, 2000)),
          { maxKeys: 8 },
        ),
        async (query) => {
          const res = await fetch(
            `${stack.urls.public}/auth?${new URLSearchParams({ client_id: 'fuzz-site', ...query })}`,
            {
              redirect: 'manual',
            },
          );
          expect(res.status, JSON.stringify(query).slice(0, 200)).toBeLessThan(500);
          await res.arrayBuffer();
        },
      ),
      { numRuns: RUNS },
    );
  }, 180_000);

  it('the sign-in forms answer any fields with a page, never a 5xx, and create or change no account', async () => {
    const config = await clientConfig(stack, 'public', 'fuzz-site');
    const ua = new UserAgent();
    const accountsBefore = await itemsOf(stack.tables.identity, 'account#');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('login', 'otp', 'enrol', 'finish', 'protect', 'consent', 'abort'),
        formBody(['username', 'password', 'otp', 'choice', 'decision', 'csrf']),
        async (step, body) => {
          const url = oidc.buildAuthorizationUrl(config, {
            redirect_uri: CALLBACK,
            scope: 'openid',
            code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
            code_challenge_method: 'S256',
          });
          const page = await ua.follow(url.href, isCallback);
          const uid = /interaction\/([\w-]+)\//.exec(page.html)?.[1];
          expect(uid).toBeDefined();
          const res = await ua.request(`${stack.urls.public}/interaction/${uid}/${step}`, {
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body,
          });
          expect(res.status, `${step} ${body.slice(0, 100)}`).toBeLessThan(500);
          if (res.status >= 400) expect(res.html, step).toMatch(/<h1[^>]*>[^<]+<\/h1>|"error"/);
        },
      ),
      { numRuns: RUNS },
    );
    expect(await itemsOf(stack.tables.identity, 'account#')).toBe(accountsBefore);
  }, 180_000);

  it('registration and password pages answer any fields without a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/register', '/password/reset', '/password/reset/confirm', '/password/change'),
        formBody(['displayName', 'username', 'password', 'email', 'code', 'csrf', 'current', 'next']),
        async (path, body) => {
          const res = await fetch(`${stack.urls.public}${path}`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body,
            redirect: 'manual',
          });
          if (res.status >= 400) await expectClear(res, `${path} ${body.slice(0, 100)}`);
          else await res.arrayBuffer();
        },
      ),
      { numRuns: RUNS },
    );
  }, 180_000);
});

describe('fuzzing the account portal', () => {
  it('the share form refuses bad fields clearly and creates no share', async () => {
    // The demo licences are issued to 张三's ID number: his wallet shows them once he proves it.
    await proveIdentity(
      stack,
      stack.demo.accounts.find((a) => a.loginName === 'zhang.san')!.accountId,
      DEMO_RESIDENTS.find((r) => r.loginName === 'zhang.san')!,
    );
    const ua = new UserAgent();
    const callback = await signIn(
      ua,
      `${stack.urls.public}/account/login`,
      (u) => u.pathname === '/account/callback',
      { username: 'zhang.san', password: 'demo-citizen-2026' },
    );
    await ua.follow(callback.href);
    const wallet = await ua.follow(`${stack.urls.public}/account/licences`);
    const link = /href="(account\/licences\/[^"]+)"/.exec(wallet.html)![1]!;
    const licencePage = await ua.follow(ua.resolve(wallet, link));
    const csrf = /name="csrf" value="([^"]+)"/.exec(licencePage.html)![1]!;
    const sharesBefore = await itemsOf(stack.tables.licences, 'share#');
    await fc.assert(
      fc.asyncProperty(formBody(['fields', 'purpose', 'hours']), fc.boolean(), async (body, withCsrf) => {
        const res = await ua.request(`${licencePage.url}/shares`, {
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: withCsrf ? `${body}&csrf=${csrf}` : body,
        });
        expect(res.status, body.slice(0, 100)).toBeLessThan(500);
        expect(res.status, body.slice(0, 100)).not.toBe(201);
      }),
      { numRuns: RUNS },
    );
    expect(await itemsOf(stack.tables.licences, 'share#')).toBe(sharesBefore);
  }, 180_000);
});

describe('fuzzing the parsers', () => {
  it('the access-token verifier refuses any header with a typed error, never a crash', async () => {
    const keyring = new LocalKeyring(stack.keysDir, { zone: 'intranet' });
    const keys = createLocalJWKSet(await jwks(keyring, ['id-token']));
    const dpopProofs = new DynamoDpopProofLog(doc(), stack.tables.identity);
    await fc.assert(
      fc.asyncProperty(nasty, fc.option(nasty, { nil: undefined }), async (authorization, dpop) => {
        const outcome = await verifyAccessToken({
          issuer: stack.urls.intranet,
          audience: `${stack.urls.intranet}/audit`,
          keys,
          dpopProofs,
          authorization: authorization.startsWith('Bearer ') ? authorization : `Bearer ${authorization}`,
          dpop,
          method: 'GET',
          url: `${stack.urls.intranet}/audit/verify`,
        }).catch((err: unknown) => err);
        expect(outcome).toBeInstanceOf(AccessTokenError);
      }),
      { numRuns: RUNS * 3 },
    );
  });

  it('the licence verifier answers any string with a verdict and a reason, never a throw', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          nasty,
          fc.array(fc.base64String(), { maxLength: 6 }).map((p) => `${p.join('.')}~${p.join('~')}~`),
        ),
        async (token) => {
          const result = await verifyLicence(token, {
            issuerKeys: () => undefined,
            statusList: () => undefined,
          });
          expect(result.verdict).toBe('invalid');
          expect(typeof result.reason).toBe('string');
        },
      ),
      { numRuns: RUNS * 3 },
    );
  });
});
