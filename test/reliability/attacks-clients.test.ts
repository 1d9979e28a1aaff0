/**
 * Attacks on client registration (issue #14, findings 3 and 6): dynamic registration that
 * skips the admin API's client rules, initial access tokens that never run out and cannot be
 * revoked, and CORS preflights that welcome any origin. Every one must be refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_DRIVING_PERMIT_CLAIMS } from '../../infra/local/seed.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import type { Zone } from '../../libs/config/index.ts';
import {
  adminApiToken,
  CALLBACK,
  createPerson,
  machineToken,
  registerClient,
  signInTo,
} from '../../testkit/oidc-flow.ts';
import { startTestStack } from '../../testkit/stack.ts';
import { auditEvents } from '../support/audit.ts';

let stack: LocalStack;
let adminToken: string;

const admin = (method: string, path: string, body?: unknown) =>
  fetch(`${stack.urls.intranet}/admin${path}`, {
    method,
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

/** A fresh initial access token for a department, as an administrator issues it. */
const initialToken = async (department: string, request: Record<string, unknown> = {}) => {
  const res = await admin('POST', `/departments/${department}/registration-tokens`, request);
  expect(res.status).toBe(201);
  return (await res.json()) as { initial_access_token: string; token_id?: string; uses?: number };
};

let names = 0;
/** An RFC 7591 registration at a zone's issuer with an initial access token. */
const register = (zone: Zone, token: string, metadata: Record<string, unknown>) =>
  fetch(`${stack.urls[zone]}/reg`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: `Attack client ${++names}`, ...metadata }),
  });
const oauthError = async (res: Response) =>
  (await res.json()) as { error?: string; error_description?: string; client_id?: string };

beforeAll(async () => {
  stack = await startTestStack();
  adminToken = await adminApiToken(stack, 'clients-console');
}, 120_000);
afterAll(() => stack?.stop());

describe('dynamic registration follows the admin API’s client rules', () => {
  it('refuses a public (auth method none) client_credentials client, so nobody issues licences with a bare client_id', async () => {
    const { initial_access_token } = await initialToken('transport', { zones: ['extranet'] });
    const res = await register('extranet', initial_access_token, {
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'none',
    });
    if (res.status === 201) {
      // The attack as found: a token for licence issuance with only a client_id, then a licence.
      const { client_id } = await oauthError(res);
      const token = await fetch(`${stack.urls.extranet}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: client_id!,
          resource: `${stack.urls.extranet}/licences`,
          scope: 'licences:issue',
        }),
      });
      const { access_token } = (await token.json()) as { access_token?: string };
      const issued = await fetch(`${stack.urls.extranet}/licences`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${access_token}`,
          'content-type': 'application/json',
          'idempotency-key': 'attack-clients-none',
        },
        body: JSON.stringify({
          type: 'driving-permit',
          holder: { residentId: DEMO_DRIVING_PERMIT_CLAIMS.id_number },
          claims: DEMO_DRIVING_PERMIT_CLAIMS,
        }),
      });
      expect(
        { registration: res.status, token: token.status, licence: issued.status },
        'a secretless client obtained a licences:issue token and issued a licence',
      ).toEqual({ registration: 400, token: 401, licence: 401 });
    }
    expect(res.status).toBe(400);
    const error = await oauthError(res);
    expect(error.error).toBe('invalid_client_metadata');
    expect(error.error_description).toMatch(/client_credentials needs a confidential client/);
  });

  it('refuses subject_type public, so a department never learns a citizen’s internal account id', async () => {
    const { initial_access_token } = await initialToken('housing', { uses: 2 });
    const res = await register('public', initial_access_token, {
      redirect_uris: [CALLBACK],
      token_endpoint_auth_method: 'client_secret_basic',
      subject_type: 'public',
    });
    if (res.status === 201) {
      const body = (await res.json()) as { client_id: string; client_secret: string };
      const citizen = await createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: false });
      const tokens = await signInTo(
        stack,
        'public',
        { clientId: body.client_id, secret: body.client_secret },
        citizen,
      );
      expect(tokens.claims()?.sub, 'the citizen’s sub is the internal account id').not.toBe(
        citizen.accountId,
      );
    }
    expect(res.status).toBe(400);
    const error = await oauthError(res);
    expect(error.error).toBe('invalid_client_metadata');
    expect(error.error_description).toMatch(/subject_type.*pairwise/);
    // The same registration without it gets pairwise subjects.
    const fine = await register('public', initial_access_token, {
      redirect_uris: [CALLBACK],
      token_endpoint_auth_method: 'client_secret_basic',
    });
    expect(fine.status).toBe(201);
    expect(await fine.json()).toMatchObject({ subject_type: 'pairwise' });
  });

  it('refuses the device_code grant, which only yitong’s own CLI may use', async () => {
    const { initial_access_token } = await initialToken('housing');
    const res = await register('public', initial_access_token, {
      grant_types: ['urn:ietf:params:oauth:grant-type:device_code'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'none',
      subject_type: 'public',
    });
    if (res.status === 201) {
      const { client_id } = await oauthError(res);
      const device = await fetch(`${stack.urls.public}/device/auth`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ client_id: client_id!, scope: 'openid' }),
      });
      expect(device.status, 'a department client started a device authorization').not.toBe(200);
    }
    expect(res.status).toBe(400);
    expect((await oauthError(res)).error_description).toMatch(/device_code/);
  });

  it('refuses privileged yitong metadata it did not compute itself, but keeps yitong_required_acr and _ial', async () => {
    const { initial_access_token } = await initialToken('housing', { uses: 3 });
    for (const privileged of [
      { yitong_disabled: false, yitong_zone: 'intranet' },
      { yitong_resources: ['https://example.gov/admin'] },
      { yitong_anything: true },
    ]) {
      const res = await register('public', initial_access_token, {
        redirect_uris: [CALLBACK],
        token_endpoint_auth_method: 'client_secret_basic',
        ...privileged,
      });
      expect(res.status, JSON.stringify(privileged)).toBe(400);
      expect((await oauthError(res)).error_description).toMatch(/yitong_/);
    }
    const stepUp = await register('public', initial_access_token, {
      redirect_uris: [CALLBACK],
      token_endpoint_auth_method: 'client_secret_basic',
      yitong_required_acr: 'urn:yitong:loa:2',
    });
    expect(stepUp.status).toBe(201);
    expect(await stepUp.json()).toMatchObject({
      yitong_required_acr: 'urn:yitong:loa:2',
      yitong_department: 'housing',
      yitong_disabled: false,
    });
    // A department may require a proved identity for its own client, but only as a level yitong knows.
    const proved = await register('public', initial_access_token, {
      redirect_uris: [CALLBACK],
      token_endpoint_auth_method: 'client_secret_basic',
      yitong_required_ial: 'urn:yitong:ial:2',
    });
    expect(proved.status).toBe(201);
    expect(await proved.json()).toMatchObject({ yitong_required_ial: 'urn:yitong:ial:2' });
    const unknown = await register('public', initial_access_token, {
      redirect_uris: [CALLBACK],
      token_endpoint_auth_method: 'client_secret_basic',
      yitong_required_ial: 'urn:yitong:ial:7',
    });
    expect(unknown.status).toBe(400);
    expect((await oauthError(unknown)).error_description).toMatch(/yitong_required_ial: must be one of/);
  });
});

describe('one set of client rules on both paths', () => {
  /** Each rule once: what is asked for, and the words both paths refuse it with. */
  const RULES: ReadonlyArray<readonly [string, Record<string, unknown>, RegExp]> = [
    [
      'none only with the code flow',
      { grant_types: ['client_credentials'], redirect_uris: [], token_endpoint_auth_method: 'none' },
      /client_credentials needs a confidential client/,
    ],
    [
      'client_credentials only with a secret or keys',
      {
        grant_types: ['authorization_code', 'client_credentials'],
        redirect_uris: [CALLBACK],
        token_endpoint_auth_method: 'none',
      },
      /client_credentials needs a confidential client/,
    ],
    ['department clients are pairwise', { redirect_uris: [CALLBACK], subject_type: 'public' }, /pairwise/],
    [
      'no device code for department clients',
      { grant_types: ['urn:ietf:params:oauth:grant-type:device_code'], redirect_uris: [] },
      /device code grant is only for yitong/,
    ],
    [
      'no implicit grant',
      { grant_types: ['implicit'], redirect_uris: [CALLBACK] },
      /implicit is not allowed/,
    ],
    [
      'no password grant',
      { grant_types: ['password'], redirect_uris: [CALLBACK] },
      /password is not allowed/,
    ],
    [
      'refresh tokens come with the code flow',
      { grant_types: ['refresh_token', 'client_credentials'], redirect_uris: [] },
      /refresh_token comes with authorization_code/,
    ],
    [
      'full https addresses',
      { redirect_uris: ['https://*.housing.example/cb'] },
      /wildcards are not allowed/,
    ],
    [
      'private_key_jwt brings keys',
      { redirect_uris: [CALLBACK], token_endpoint_auth_method: 'private_key_jwt' },
      /jwks or jwks_uri/,
    ],
  ];

  it('refuses each rule alike at the admin API (problem+json naming the field) and at /reg (invalid_client_metadata)', async () => {
    const { initial_access_token, token_id } = await initialToken('housing', { uses: 2 });
    for (const [rule, metadata, words] of RULES) {
      const viaAdmin = await admin('POST', '/clients', {
        client_name: `Rule ${rule}`,
        department: 'housing',
        zone: 'public',
        token_endpoint_auth_method: 'client_secret_basic',
        ...metadata,
      });
      expect(viaAdmin.status, rule).toBe(400);
      const problem = (await viaAdmin.json()) as {
        'invalid-params'?: Array<{ name: string; reason: string }>;
      };
      expect(
        problem['invalid-params']?.some((p) => words.test(p.reason)),
        `${rule}: ${JSON.stringify(problem)}`,
      ).toBe(true);

      const viaRegistration = await register('public', initial_access_token, {
        token_endpoint_auth_method: 'client_secret_basic',
        ...metadata,
      });
      expect(viaRegistration.status, rule).toBe(400);
      const error = await oauthError(viaRegistration);
      expect(['invalid_client_metadata', 'invalid_redirect_uri'], rule).toContain(error.error);
      expect(error.error_description, rule).toMatch(words);
    }
    // Refusals spent none of this token's two uses (other tests' tokens of the department aside).
    const tokens = (await (await admin('GET', '/departments/housing/registration-tokens')).json()) as {
      tokens: Array<{ token_id: string; used: number }>;
    };
    expect(tokens.tokens.find((t) => t.token_id === token_id)?.used).toBe(0);
  });

  it('holds for RFC 7592 updates, which keep yitong’s metadata and cannot lift a suspension', async () => {
    const { initial_access_token } = await initialToken('housing');
    const res = await register('public', initial_access_token, {
      redirect_uris: [CALLBACK],
      token_endpoint_auth_method: 'client_secret_basic',
    });
    const created = (await res.json()) as Record<string, unknown> & {
      client_id: string;
      registration_client_uri: string;
      registration_access_token: string;
    };
    let accessToken = created.registration_access_token;
    const update = async (metadata: Record<string, unknown>) => {
      const {
        registration_access_token: _rat,
        registration_client_uri: _uri,
        ...current
      } = (await (
        await fetch(created.registration_client_uri, { headers: { authorization: `Bearer ${accessToken}` } })
      ).json()) as Record<string, unknown>;
      const {
        client_secret: _secret,
        client_id_issued_at: _at,
        client_secret_expires_at: _exp,
        ...body
      } = {
        ...current,
        ...metadata,
      };
      const put = await fetch(created.registration_client_uri, {
        method: 'PUT',
        headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const answer = (await put.json()) as Record<string, unknown>;
      if (put.ok) accessToken = String(answer.registration_access_token);
      return { status: put.status, answer };
    };
    // Sending back what it read is fine.
    expect((await update({ client_name: 'Housing renamed' })).status).toBe(200);
    const machine = await update({ grant_types: ['client_credentials'], token_endpoint_auth_method: 'none' });
    expect(machine.status).toBe(400);
    expect(String(machine.answer.error_description)).toMatch(
      /client_credentials needs a confidential client/,
    );
    expect((await update({ subject_type: 'public' })).status).toBe(400);

    expect(
      (await admin('PATCH', `/clients/${created.client_id}`, { disabled: true, reason: 'under review' }))
        .status,
    ).toBe(200);
    const lift = await update({ yitong_disabled: false });
    expect(lift.status).toBe(400);
    expect(String(lift.answer.error_description)).toMatch(/suspended/);
    // Nor does its own token change it while suspended (a stolen token during an incident).
    const moved = await update({ redirect_uris: ['https://elsewhere.example/cb'] });
    expect(moved.status).toBe(400);
    const stored = (await (await admin('GET', `/clients/${created.client_id}`)).json()) as Record<
      string,
      unknown
    >;
    expect(stored).toMatchObject({
      yitong_disabled: true,
      client_name: 'Housing renamed',
      subject_type: 'pairwise',
    });
  });

  it('holds for a client stored around them (or before them): it cannot obtain a token', async () => {
    await registerClient(stack, 'extranet', 'transport-stored', {
      client_secret: undefined,
      redirect_uris: [],
      response_types: [],
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'none',
    });
    const token = await fetch(`${stack.urls.extranet}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: 'transport-stored',
        resource: `${stack.urls.extranet}/licences`,
        scope: 'licences:issue',
      }),
    });
    expect(token.status).toBeGreaterThanOrEqual(400);
    expect(token.status).toBeLessThan(500);
    const refusal = (await token.json()) as { access_token?: string; error_description?: string };
    expect(refusal.access_token).toBeUndefined();
    expect(refusal.error_description).toMatch(/client_credentials needs a confidential client/);
  });
});

describe('initial access tokens', () => {
  it('are single use by default: a second registration is refused with a clear error', async () => {
    const { initial_access_token } = await initialToken('housing');
    const metadata = { redirect_uris: [CALLBACK], token_endpoint_auth_method: 'client_secret_basic' };
    const first = await register('public', initial_access_token, metadata);
    expect(first.status).toBe(201);
    const second = await register('public', initial_access_token, metadata);
    expect(second.status).toBe(401);
    const error = await oauthError(second);
    expect(error.error).toBe('invalid_token');
    expect(error.error_description).toMatch(/used up/);
  });

  it('cannot be used twice by two concurrent registrations', async () => {
    const { initial_access_token } = await initialToken('housing');
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        register('public', initial_access_token, {
          redirect_uris: [CALLBACK],
          token_endpoint_auth_method: 'client_secret_basic',
        }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 401, 401, 401, 401, 401]);
  });

  it('are listed for their department and can be revoked; a revoked token is refused', async () => {
    const issued = await initialToken('housing', { uses: 5 });
    const listed = await admin('GET', '/departments/housing/registration-tokens');
    expect(listed.status).toBe(200);
    const { tokens } = (await listed.json()) as {
      tokens: Array<Record<string, unknown>>;
    };
    const mine = tokens.find((t) => t.token_id === issued.token_id);
    expect(mine).toMatchObject({ department: 'housing', uses: 5, used: 0, status: 'active' });
    expect(JSON.stringify(tokens)).not.toContain(issued.initial_access_token);

    const registered = await register('public', issued.initial_access_token, {
      redirect_uris: [CALLBACK],
      token_endpoint_auth_method: 'client_secret_basic',
    });
    expect(registered.status).toBe(201);
    const clientId = ((await registered.json()) as { client_id: string }).client_id;
    const used = await auditEvents(stack);
    expect(
      used.filter(
        (e) =>
          e.type === 'client.registered' &&
          e.client === clientId &&
          e.department === 'housing' &&
          (e.details as { registrationToken?: string }).registrationToken === issued.token_id,
      ),
    ).toHaveLength(1);

    const revoked = await admin('PATCH', `/departments/housing/registration-tokens/${issued.token_id}`, {
      revoked: true,
      reason: 'sent to the wrong team',
    });
    expect(revoked.status).toBe(200);
    expect(await revoked.json()).toMatchObject({ status: 'revoked', used: 1 });
    expect(
      (await auditEvents(stack)).filter(
        (e) => e.type === 'admin.registration_token.revoked' && e.reason === 'sent to the wrong team',
      ),
    ).toHaveLength(1);
    const refused = await register('public', issued.initial_access_token, {
      redirect_uris: [CALLBACK],
      token_endpoint_auth_method: 'client_secret_basic',
    });
    expect(refused.status).toBe(401);
    expect((await oauthError(refused)).error_description).toMatch(/revoked/);
  });

  it('refuse a uses count out of bounds with a problem that names the field', async () => {
    const res = await admin('POST', '/departments/housing/registration-tokens', { uses: 0 });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toMatch(/uses/);
  });
});

describe('CORS at the token endpoints', () => {
  const preflight = (path: string, origin: string, method: string, headers?: string) =>
    fetch(`${stack.urls.public}${path}`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': method,
        ...(headers ? { 'access-control-request-headers': headers } : {}),
      },
    });

  it('does not welcome an unknown origin to /token or /me', async () => {
    for (const [path, method, headers] of [
      ['/token', 'POST', 'dpop'],
      ['/me', 'GET', 'authorization'],
    ] as const) {
      const res = await preflight(path, 'https://evil.example', method, headers);
      expect(res.headers.get('access-control-allow-origin'), path).toBeNull();
      expect(res.status, path).toBeGreaterThanOrEqual(400);
    }
  });

  it('welcomes the web origin of a registered browser client (and only that client’s)', async () => {
    const spa = await admin('POST', '/clients', {
      client_name: 'Housing app in the browser',
      department: 'housing',
      zone: 'public',
      redirect_uris: ['https://housing-app.example/callback'],
      token_endpoint_auth_method: 'none',
    });
    expect(spa.status).toBe(201);
    const { client_id } = (await spa.json()) as { client_id: string };
    const ok = await preflight('/token', 'https://housing-app.example', 'POST', 'dpop');
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://housing-app.example');
    // A confidential client's origin needs no CORS: its server talks to the token endpoint.
    await admin('POST', '/clients', {
      client_name: 'Housing server-side site',
      department: 'housing',
      zone: 'public',
      redirect_uris: ['https://housing-site.example/callback'],
    });
    const server = await preflight('/token', 'https://housing-site.example', 'POST', 'dpop');
    expect(server.headers.get('access-control-allow-origin')).toBeNull();
    // The browser client's origin is not welcome at another zone's issuer.
    const elsewhere = await fetch(`${stack.urls.extranet}/token`, {
      method: 'OPTIONS',
      headers: { origin: 'https://housing-app.example', 'access-control-request-method': 'POST' },
    });
    expect(elsewhere.headers.get('access-control-allow-origin')).toBeNull();
    // The actual request from another origin is refused even for that client.
    const actual = await fetch(`${stack.urls.public}/token`, {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id }),
    });
    expect(actual.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('a suspended client', () => {
  it('gets no token from the token endpoint, whatever the grant, until it is restored', async () => {
    const suspend = async (disabled: boolean) =>
      expect(
        (await admin('PATCH', '/clients/hr-registry', { disabled, reason: 'suspended in an attack test' }))
          .status,
      ).toBe(200);
    expect(await machineToken(stack, 'hr-registry')).toMatch(/^ey/);
    await suspend(true);
    try {
      await expect(machineToken(stack, 'hr-registry')).rejects.toMatchObject({ error: 'invalid_client' });
    } finally {
      await suspend(false);
    }
    expect(await machineToken(stack, 'hr-registry')).toMatch(/^ey/);
  });

  it('of a suspended department gets no token either, until the department is restored', async () => {
    const { yitong_department: department } = (await (await admin('GET', '/clients/hr-registry')).json()) as {
      yitong_department: string;
    };
    const status = async (value: 'active' | 'suspended') =>
      expect((await admin('PATCH', `/departments/${department}`, { status: value })).status).toBe(200);
    await status('suspended');
    try {
      await expect(machineToken(stack, 'hr-registry')).rejects.toMatchObject({ error: 'invalid_client' });
    } finally {
      await status('active');
    }
    expect(await machineToken(stack, 'hr-registry')).toMatch(/^ey/);
  });
});
