import { decodeJwt } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { clientInputSchema } from '../../libs/oidc/index.ts';
import { adminApiToken, CALLBACK, clientConfig, signInTo } from '../../testkit/oidc-flow.ts';
import { startTestStack } from '../../testkit/stack.ts';
import { auditEvents } from '../support/audit.ts';

let stack: LocalStack;
let adminToken: string;
const citizen = { username: 'zhang.san', password: 'demo-citizen-2026' };

const admin = (method: string, path: string, body?: unknown) =>
  fetch(`${stack.urls.intranet}/admin${path}`, {
    method,
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

const WATER = {
  departmentId: 'water',
  name: '水务局',
  nameEn: 'Water Authority',
  uscc: '111000000000200015',
  zones: ['public'],
};
const client = (extra: Record<string, unknown> = {}) => ({
  client_name: 'Water bills',
  department: 'water',
  zone: 'public',
  redirect_uris: [CALLBACK],
  ...extra,
});

beforeAll(async () => {
  stack = await startTestStack();
  adminToken = await adminApiToken(stack, 'onboarding-console');
});
afterAll(() => stack?.stop());

describe('departments', () => {
  it('registers a department once, checking its unified social credit code', async () => {
    const created = await admin('POST', '/departments', WATER);
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ departmentId: 'water', status: 'active' });
    expect((await admin('POST', '/departments', WATER)).status).toBe(409);
    const bad = await admin('POST', '/departments', {
      ...WATER,
      departmentId: 'forest',
      uscc: '11100000000010001X',
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toMatch(/check character/);
    const list = (await (await admin('GET', '/departments')).json()) as {
      departments: Array<{ departmentId: string }>;
    };
    expect(list.departments.map((d) => d.departmentId)).toEqual(
      expect.arrayContaining(['water', 'tax', 'transport']),
    );
  });

  it("answers 409 for another department's credit code, naming the field and the holder, and lets one of two racing registrations win", async () => {
    const taken = await admin('POST', '/departments', { ...WATER, departmentId: 'forest', name: '林业局' });
    expect(taken.status).toBe(409);
    expect(await taken.json()).toMatchObject({
      status: 409,
      holder: 'water',
      'invalid-params': [{ name: 'uscc' }],
    });
    const race = { ...WATER, uscc: '111000000000200028', zones: ['public'] };
    const answers = await Promise.all(
      ['river', 'lake'].map((departmentId) =>
        admin('POST', '/departments', { ...race, departmentId, name: `${departmentId}局` }),
      ),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409]);
    const list = (await (await admin('GET', '/departments')).json()) as {
      departments: Array<{ uscc: string }>;
    };
    expect(list.departments.filter((d) => d.uscc === race.uscc)).toHaveLength(1);
    expect(
      (await auditEvents(stack)).filter(
        (e) => e.type === 'admin.department.created' && ['river', 'lake'].includes(String(e.department)),
      ),
    ).toHaveLength(1);
  });
});

describe('a client registered through the admin API', () => {
  let clientId: string;
  let secret: string;

  it('completes a full sign-in with openid-client, and is listed under its department', async () => {
    const res = await admin('POST', '/clients', client());
    expect(res.status).toBe(201);
    const body = (await res.json()) as { client_id: string; client_secret: string };
    clientId = body.client_id;
    secret = body.client_secret;
    expect(clientId).toMatch(/^water-/);
    const tokens = await signInTo(stack, 'public', { clientId, secret }, citizen);
    expect(tokens.claims()?.aud).toBe(clientId);
    const listed = (await (await admin('GET', '/clients?department=water')).json()) as {
      clients: Array<{ client_id: string; client_secret?: string }>;
    };
    expect(listed.clients.map((c) => c.client_id)).toContain(clientId);
    expect(listed.clients.every((c) => c.client_secret === undefined)).toBe(true);
    const audited = (await auditEvents(stack)).filter(
      (e) => e.type === 'admin.client.created' && e.client === clientId,
    );
    expect(audited).toHaveLength(1);
    expect(JSON.stringify(audited[0])).not.toContain(secret);
  });

  it('cannot be signed in to once disabled, and can again once restored', async () => {
    expect(
      (await admin('PATCH', `/clients/${clientId}`, { disabled: true, reason: 'onboarding test' })).status,
    ).toBe(200);
    await expect(signInTo(stack, 'public', { clientId, secret }, citizen)).rejects.toThrow();
    expect(
      (await admin('PATCH', `/clients/${clientId}`, { disabled: false, reason: 'onboarding test' })).status,
    ).toBe(200);
    await signInTo(stack, 'public', { clientId, secret }, citizen);
  });

  it('has its registration replaced with PUT, keeping its department, zone and suspension state', async () => {
    const replaced = await admin(
      'PUT',
      `/clients/${clientId}`,
      client({ post_logout_redirect_uris: ['http://localhost:9/bye'] }),
    );
    expect(replaced.status).toBe(200);
    expect(await replaced.json()).toMatchObject({
      post_logout_redirect_uris: ['http://localhost:9/bye'],
      yitong_disabled: false,
    });
    const moved = await admin('PUT', `/clients/${clientId}`, client({ department: 'tax' }));
    expect(moved.status).toBe(400);
    const audited = (await auditEvents(stack)).filter(
      (e) =>
        e.type === 'admin.client.updated' &&
        e.client === clientId &&
        (e.details as { after?: { post_logout_redirect_uris?: unknown } })?.after?.post_logout_redirect_uris,
    );
    expect(audited).toHaveLength(1);
    await signInTo(stack, 'public', { clientId, secret }, citizen);
  });

  it('rotates its secret: the old one stops working, the new one works', async () => {
    const rotated = await admin('POST', `/clients/${clientId}/secret`, { reason: 'yearly rotation' });
    expect(rotated.status).toBe(200);
    const fresh = ((await rotated.json()) as { client_secret: string }).client_secret;
    expect(fresh).not.toBe(secret);
    await expect(signInTo(stack, 'public', { clientId, secret }, citizen)).rejects.toThrow();
    await signInTo(stack, 'public', { clientId, secret: fresh }, citizen);
  });
});

describe('invalid client metadata', () => {
  const refused = async (extra: Record<string, unknown>, status: number, message: RegExp) => {
    const res = await admin(
      'POST',
      '/clients',
      client({ client_name: `Refused ${Math.random()}`, ...extra }),
    );
    expect(res.status).toBe(status);
    expect(JSON.stringify(await res.json())).toMatch(message);
  };

  it('is refused with a message that says what to fix', async () => {
    await refused({ redirect_uris: ['https://*.water.gov.example/cb'] }, 400, /wildcards are not allowed/);
    await refused({ redirect_uris: ['http://water.gov.example/cb'] }, 400, /use https/);
    await refused({ redirect_uris: ['https://water.gov.example/cb#x'] }, 400, /fragment/);
    await refused({ zone: 'internet' }, 400, /zone/);
    await refused({ zone: 'intranet' }, 400, /may not register clients in the intranet zone/);
    await refused({ department: 'nobody' }, 400, /no department nobody/);
    await refused({ token_endpoint_auth_method: 'private_key_jwt' }, 400, /jwks or jwks_uri/);
    await refused({ client_name: 'Water bills' }, 409, /already has a client named/);
  });

  it('outside local mode, plain http is refused even for localhost', () => {
    const production = clientInputSchema({ localMode: false });
    const result = production.safeParse({ ...client(), redirect_uris: ['http://localhost:9/cb'] });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toMatch(/use https/);
    expect(clientInputSchema({ localMode: true }).safeParse(client()).success).toBe(true);
  });
});

describe('self-service with an initial access token (RFC 7591 and 7592)', () => {
  let token: string;

  it('registers a client that completes a full sign-in, and manages it with its own token', async () => {
    // Two registrations: this one, and the refused attempts below (a refusal uses none).
    const issued = await admin('POST', '/departments/water/registration-tokens', {
      expiresInDays: 1,
      uses: 2,
    });
    expect(issued.status).toBe(201);
    token = ((await issued.json()) as { initial_access_token: string }).initial_access_token;

    const registered = await fetch(`${stack.urls.public}/reg`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: 'Water outage alerts',
        redirect_uris: [CALLBACK],
        grant_types: ['authorization_code', 'refresh_token'],
        token_endpoint_auth_method: 'client_secret_basic',
      }),
    });
    expect(registered.status).toBe(201);
    const body = (await registered.json()) as Record<string, string>;
    expect(body).toMatchObject({ yitong_department: 'water', yitong_zone: 'public' });
    await signInTo(stack, 'public', { clientId: body.client_id!, secret: body.client_secret! }, citizen);

    const read = await fetch(body.registration_client_uri!, {
      headers: { authorization: `Bearer ${body.registration_access_token}` },
    });
    expect(read.status).toBe(200);
    expect(
      (await auditEvents(stack)).filter((e) => e.type === 'client.registered' && e.client === body.client_id),
    ).toHaveLength(1);

    // Its token cannot move this client to another department…
    const moved = await fetch(body.registration_client_uri!, {
      method: 'PUT',
      headers: {
        authorization: `Bearer ${body.registration_access_token}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        client_id: body.client_id,
        client_name: 'Water outage alerts',
        redirect_uris: [CALLBACK],
        token_endpoint_auth_method: 'client_secret_basic',
        yitong_department: 'tax',
      }),
    });
    expect(moved.status).toBe(400);
    expect(((await moved.json()) as { error_description: string }).error_description).toMatch(
      /clients of water only/,
    );
    // …nor reach another department's client of the same issuer.
    const taxSite = await admin('POST', '/clients', {
      client_name: 'Tax e-filing',
      department: 'tax',
      zone: 'public',
      redirect_uris: [CALLBACK],
    });
    const foreignId = ((await taxSite.json()) as { client_id: string }).client_id;
    const foreign = await fetch(`${stack.urls.public}/reg/${foreignId}`, {
      headers: { authorization: `Bearer ${body.registration_access_token}` },
    });
    expect(foreign.status).toBe(401);
    expect(((await foreign.json()) as { error: string }).error).toBe('invalid_token');
  });

  it('cannot register in a zone the department may not use, or a client with bad addresses', async () => {
    const at = (zone: 'public' | 'intranet', metadata: Record<string, unknown>) =>
      fetch(`${stack.urls[zone]}/reg`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          redirect_uris: [CALLBACK],
          token_endpoint_auth_method: 'client_secret_basic',
          ...metadata,
        }),
      });
    const intranet = await at('intranet', { client_name: 'Water intranet' });
    expect(intranet.status).toBe(400);
    expect(((await intranet.json()) as { error_description: string }).error_description).toMatch(
      /not at the intranet issuer/,
    );
    const wildcard = await at('public', {
      client_name: 'Water wildcard',
      redirect_uris: ['https://*.water.gov.example/cb'],
    });
    expect(wildcard.status).toBe(400);
    const wildcardError = ((await wildcard.json()) as { error_description: string }).error_description;
    expect(wildcardError, wildcardError).toMatch(/wildcards/);
    const other = await at('public', { client_name: 'Water other', yitong_department: 'tax' });
    expect(other.status).toBe(400);
    const anonymous = await fetch(`${stack.urls.public}/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'No token', redirect_uris: [CALLBACK] }),
    });
    expect(anonymous.status).toBe(401);
  });
});

describe('resource servers', () => {
  it('registers a department API whose tokens the issuer then mints', async () => {
    const audience = `${stack.urls.public}/water-api`;
    const put = await admin('PUT', '/resource-servers', {
      audience,
      name: 'Water API',
      department: 'water',
      scopes: ['meters:read'],
    });
    expect(put.status).toBe(201);
    const list = (await (await admin('GET', '/resource-servers')).json()) as {
      resourceServers: Array<{ audience: string }>;
    };
    expect(list.resourceServers.map((s) => s.audience)).toContain(audience);
    const machine = await admin('POST', '/clients', {
      client_name: 'Water meter reader',
      department: 'water',
      zone: 'public',
      redirect_uris: [],
      grant_types: ['client_credentials'],
    });
    expect(machine.status).toBe(201);
    const { client_id, client_secret } = (await machine.json()) as {
      client_id: string;
      client_secret: string;
    };
    const config = await clientConfig(stack, 'public', client_id, client_secret);
    const tokens = await oidc.clientCredentialsGrant(config, { resource: audience, scope: 'meters:read' });
    const claims = decodeJwt(tokens.access_token);
    expect(claims).toMatchObject({ aud: audience, client_id, scope: 'meters:read' });
  });
});

describe('staff accounts and roles', () => {
  it('lists the roles, creates a staff account with a one-time password, and changes its roles with an audit record', async () => {
    const roles = (await (await admin('GET', '/roles')).json()) as { roles: Array<{ role: string }> };
    expect(roles.roles.map((r) => r.role)).toEqual(expect.arrayContaining(['staff', 'auditor', 'admin']));

    const created = await admin('POST', '/staff', {
      loginName: 'qian.ba',
      displayName: '钱八 Qian Ba',
      roles: ['staff'],
      department: 'water',
    });
    expect(created.status).toBe(201);
    const body = (await created.json()) as {
      accountId: string;
      one_time_password: string;
      secondFactor: boolean;
    };
    expect(body.secondFactor).toBe(false);
    expect(body.one_time_password.length).toBeGreaterThanOrEqual(16);
    expect(
      (await admin('POST', '/staff', { loginName: 'qian.ba', displayName: 'x', roles: ['staff'] })).status,
    ).toBe(409);
    const citizenRole = await admin('POST', '/staff', {
      loginName: 'zhou.ba',
      displayName: 'x',
      roles: ['citizen'],
    });
    expect(citizenRole.status).toBe(400);

    const changed = await admin('PATCH', `/staff/${body.accountId}`, {
      roles: ['staff', 'department-officer'],
      reason: 'joined the licensing team',
    });
    expect(changed.status).toBe(200);
    expect(await changed.json()).toMatchObject({ roles: ['staff', 'department-officer'] });
    const audited = (await auditEvents(stack)).filter((e) => e.type === 'admin.account.updated');
    expect(audited).toHaveLength(1);
    expect(audited[0]).toMatchObject({
      reason: 'joined the licensing team',
      details: { before: { roles: ['staff'] }, after: { roles: ['staff', 'department-officer'] } },
    });
    expect(JSON.stringify(await auditEvents(stack))).not.toContain(body.one_time_password);
  });
});
