import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalDemo } from '../../examples/department-site/local-demo.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import { totpCode } from '../../libs/accounts/index.ts';
import { createPerson, registerClient, tokensFor } from '../../testkit/oidc-flow.ts';
import { signIn, UserAgent } from '../../testkit/user-agent.ts';
import { auditEvents } from '../support/audit.ts';

let stack: LocalStack;
let staffPortal: string;
let tax: string;

const demo = (loginName: string) => {
  const account = stack.demo.accounts.find((a) => a.loginName === loginName)!;
  return { username: account.loginName, password: account.password, totpSecret: account.totpSecret };
};
const onSite = (site: string) => (u: URL) => u.pathname === '/callback' && u.port === new URL(site).port;

/** Headers a caller might hope would make it look like the intranet. */
const SPOOFS: Record<string, string>[] = [
  {},
  { 'x-yitong-zone': 'intranet' },
  { zone: 'intranet', 'x-zone': 'intranet' },
  { 'x-forwarded-for': '10.0.0.1', 'x-forwarded-host': 'localhost:3002', 'x-real-ip': '10.0.0.1' },
  { forwarded: 'for=10.0.0.1;host=intranet.gov.example;proto=https' },
];

beforeAll(async () => {
  stack = await startLocalDemo({
    memory: true,
    ports: { public: 0, extranet: 0, intranet: 0 },
    demoSites: { tax: 0, housing: 0, staff: 0 },
  });
  staffPortal = stack.demo.sites.staff.url;
  tax = stack.demo.sites.tax.url;
  await registerClient(stack, 'intranet', 'security-console', { yitong_resources: ['admin', 'audit'] });
});
afterAll(() => stack?.stop());

describe('signing in to an intranet service', () => {
  it('lets the demo civil servant into the staff portal through :3002, only after the TOTP step', async () => {
    const ua = new UserAgent();
    const li = demo('li.si');
    const start = await ua.follow(`${staffPortal}/login`);
    expect(new URL(start.url).origin).toBe(stack.urls.intranet);
    const afterPassword = await ua.submit(start, '/login', { username: li.username, password: li.password });
    expect(afterPassword.html).toContain('/otp" novalidate');
    const consent = await ua.submit(afterPassword, '/otp', { otp: totpCode(li.totpSecret!) });
    const done = await ua.submit(consent, '/consent', { decision: 'allow' }, onSite(staffPortal));
    expect((await ua.follow(done.url)).html).toContain('Signed in as');
  });

  it('does not offer the staff portal at the public entry', async () => {
    const url = new URL(`${stack.urls.public}/auth`);
    url.search = new URLSearchParams({
      client_id: 'staff-portal',
      redirect_uri: `${staffPortal}/callback`,
      response_type: 'code',
      scope: 'openid',
      code_challenge: 'a'.repeat(43),
      code_challenge_method: 'S256',
    }).toString();
    const page = await new UserAgent().request(url.href);
    expect(page.status).toBe(400);
    expect(page.html).toMatch(/invalid_client/);
  });

  it('refuses a citizen with a clear page, audits it once, and hands access_denied back to the portal', async () => {
    const ua = new UserAgent();
    const citizen = await createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: true });
    const start = await ua.follow(`${staffPortal}/login`);
    let page = await ua.submit(start, '/login', { username: citizen.username, password: citizen.password });
    // A level would not help (no staff role): no TOTP step, straight to the refusal.
    expect(page.status).toBe(403);
    expect(page.html).toContain('You cannot use this service here');
    expect(page.html).toContain('does not have the role this service requires');
    const reference = /help desk: ([0-9a-f-]{36})/.exec(page.html)?.[1];
    expect(reference).toBeDefined();

    const denials = (await auditEvents(stack)).filter(
      (e) => e.type === 'policy.denied' && e.actor === citizen.accountId,
    );
    expect(denials).toHaveLength(1);
    expect(denials[0]).toMatchObject({
      eventId: reference,
      outcome: 'denied',
      zone: 'intranet',
      client: 'staff-portal',
      policyIds: [],
      details: { action: 'login' },
    });
    expect(String(denials[0]!.reason)).toMatch(/default deny/);

    // Reloading the page explains again without a second audit event.
    page = await ua.request(page.url);
    expect(page.status).toBe(403);
    const back = /<a class="button" href="([^"]+)"/.exec(page.html)![1]!;
    const callback = await ua.follow(ua.resolve(page, back), onSite(staffPortal));
    expect(new URL(callback.url).searchParams.get('error')).toBe('access_denied');
    expect((await ua.follow(callback.url)).html).toContain('access_denied');
    expect(
      (await auditEvents(stack)).filter((e) => e.type === 'policy.denied' && e.actor === citizen.accountId),
    ).toHaveLength(1);
  });

  it('steps a staff member without a second factor up to one instead of refusing', async () => {
    const ua = new UserAgent();
    const staff = await createPerson(stack, { roles: ['staff'], totp: false });
    const start = await ua.follow(`${staffPortal}/login`);
    const page = await ua.submit(start, '/login', { username: staff.username, password: staff.password });
    expect(page.status).toBe(200);
    expect(page.html).toContain('/enrol"');
    expect(page.html).not.toContain('You cannot use this service here');
  });
});

describe('a suspended client', () => {
  it('ends single sign-on to it at once, with a page that says the service is suspended', async () => {
    const ua = new UserAgent();
    const person = { username: 'zhang.san', password: 'demo-citizen-2026' };
    const first = await signIn(ua, `${tax}/login`, onSite(tax), person);
    expect((await ua.follow(first.href)).html).toContain('Signed in as');

    const admin = await createPerson(stack, { roles: ['staff', 'admin'], totp: true });
    const { access_token } = await tokensFor(stack, 'intranet', 'security-console', admin, {
      resource: `${stack.urls.intranet}/admin`,
      scope: 'openid admin',
    });
    const suspend = (disabled: boolean) =>
      fetch(`${stack.urls.intranet}/admin/clients/tax-bureau`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ disabled, reason: 'incident 2026-118: site compromised' }),
      });
    expect((await suspend(true)).status).toBe(200);
    try {
      const again = await ua.follow(`${tax}/login`, onSite(tax));
      expect(again.status).toBe(403);
      expect(again.html).toContain('This service is suspended.');
    } finally {
      expect((await suspend(false)).status).toBe(200);
    }
    const changes = (await auditEvents(stack)).filter(
      (e) => e.type === 'admin.client.updated' && e.client === 'tax-bureau',
    );
    expect(changes.map((e) => e.details)).toEqual([
      { before: { yitong_disabled: false }, after: { yitong_disabled: true } },
      { before: { yitong_disabled: true }, after: { yitong_disabled: false } },
    ]);
    expect(changes.every((e) => e.actor === admin.accountId)).toBe(true);
  });
});

describe('the audit and admin APIs', () => {
  let auditorToken: string;
  let adminToken: string;

  beforeAll(async () => {
    const auditor = await createPerson(stack, { roles: ['staff', 'auditor'], totp: true });
    const admin = await createPerson(stack, { roles: ['staff', 'admin'], totp: true });
    auditorToken = (
      await tokensFor(stack, 'intranet', 'security-console', auditor, {
        resource: `${stack.urls.intranet}/audit`,
        scope: 'openid audit:read',
      })
    ).access_token;
    adminToken = (
      await tokensFor(stack, 'intranet', 'security-console', admin, {
        resource: `${stack.urls.intranet}/admin`,
        scope: 'openid admin',
      })
    ).access_token;
  });

  it('answer 403 at the public and extranet entries whatever headers are sent', async () => {
    const requests = [
      { method: 'GET', path: '/audit/verify' },
      { method: 'GET', path: '/audit/events' },
      { method: 'GET', path: '/admin/clients/tax-bureau' },
      { method: 'PATCH', path: '/admin/clients/tax-bureau' },
    ];
    for (const zone of ['public', 'extranet'] as const) {
      for (const { method, path } of requests) {
        for (const spoof of SPOOFS) {
          for (const token of [undefined, auditorToken, adminToken]) {
            const res = await fetch(`${stack.urls[zone]}${path}`, {
              method,
              headers: {
                ...spoof,
                ...(token ? { authorization: `Bearer ${token}` } : {}),
                ...(method === 'PATCH' ? { 'content-type': 'application/json' } : {}),
              },
              body: method === 'PATCH' ? JSON.stringify({ disabled: true, reason: 'spoofed' }) : undefined,
            });
            expect({ zone, method, path, spoof, status: res.status }).toEqual({
              zone,
              method,
              path,
              spoof,
              status: 403,
            });
            expect(res.headers.get('content-type')).toBe('application/problem+json');
            expect(((await res.json()) as { detail: string }).detail).toMatch(/zone-api-entry/);
          }
        }
      }
    }
    // Nothing was changed by any of those PATCHes.
    const admin = await fetch(`${stack.urls.intranet}/admin/clients/tax-bureau`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(((await admin.json()) as { yitong_disabled: boolean }).yitong_disabled).toBe(false);
  });

  it('ask for a token at the intranet entry, and then admit only the right role', async () => {
    const verify = (token?: string) =>
      fetch(`${stack.urls.intranet}/audit/verify`, {
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });
    const anonymous = await verify();
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);

    const tampered = `${auditorToken.slice(0, -4)}AAAA`;
    const bad = await verify(tampered);
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);

    const ok = await verify(auditorToken);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ ok: true });

    // An administrator's token is for another audience; an auditor is not an administrator.
    expect((await verify(adminToken)).status).toBe(401);
    const adminAsAuditor = await fetch(`${stack.urls.intranet}/admin/clients/tax-bureau`, {
      headers: { authorization: `Bearer ${auditorToken}` },
    });
    expect(adminAsAuditor.status).toBe(401);

    const missing = await fetch(`${stack.urls.intranet}/admin/clients/no-such-client`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(missing.status).toBe(404);
  });

  it('register a licence type version by version, refusing a definition with what to fix', async () => {
    const fishing = {
      typeId: 'fishing-permit',
      name: { en: 'Fishing permit', 'zh-CN': '捕捞许可证' },
      department: 'agriculture',
      issuerCode: '11100000000013127D',
      typeCode: '11100000000013127D004',
      validityDays: 365,
      claims: [
        { name: 'holder_name', label: { en: 'Name', 'zh-CN': '姓名' }, type: 'string', disclosable: true },
        { name: 'waters', label: { en: 'Waters', 'zh-CN': '水域' }, type: 'string', disclosable: false },
      ],
    };
    const put = (body: unknown) =>
      fetch(`${stack.urls.intranet}/admin/licence-types/fishing-permit`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const created = await put(fishing);
    expect(created.status).toBe(201);
    const type = (await created.json()) as { vct: string; version: number };
    expect(type).toMatchObject({ version: 1, vct: `${stack.urls.public}/licences/types/fishing-permit/v1` });
    expect((await put(fishing)).status).toBe(200);
    const v2 = await put({ ...fishing, validityDays: 730 });
    expect(await v2.json()).toMatchObject({ version: 2 });
    expect((await fetch(type.vct)).status).toBe(200);

    const bad = await put({
      ...fishing,
      issuerCode: '11100000000013127A',
      claims: [{ ...fishing.claims[0], name: 'iss' }],
    });
    expect(bad.status).toBe(400);
    const problems = ((await bad.json()) as { 'invalid-params': { name: string }[] })['invalid-params'];
    expect(problems.map((p) => p.name).sort()).toEqual(['claims.0.name', 'issuerCode']);
    const events = (await auditEvents(stack)).filter((e) => e.type === 'admin.licence_type.updated');
    expect(events.map((e) => (e.details as { after: { version: number } }).after.version)).toEqual([1, 2]);
  });

  it('audit every denial and every privileged allow with the deciding policies', async () => {
    const before = await auditEvents(stack);
    const res = await fetch(`${stack.urls.intranet}/audit/verify`, {
      headers: { authorization: `Bearer ${auditorToken}` },
    });
    expect(res.status).toBe(200);
    const refused = await fetch(`${stack.urls.public}/audit/verify`, {
      headers: { authorization: `Bearer ${auditorToken}` },
    });
    expect(refused.status).toBe(403);
    const after = await auditEvents(stack);
    const added = after.filter((e) => !before.some((b) => b.eventId === e.eventId));
    expect(added.map((e) => ({ type: e.type, zone: e.zone, policyIds: e.policyIds }))).toEqual(
      expect.arrayContaining([
        { type: 'policy.allowed', zone: 'intranet', policyIds: ['role-auditor-audit-api'] },
        { type: 'policy.denied', zone: 'public', policyIds: ['zone-api-entry'] },
      ]),
    );
    expect(added).toHaveLength(2);
  });
});
