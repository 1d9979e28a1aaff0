/**
 * Attacks on staff accounts and the first-party portals (issue #15, findings 4-6): a portal's
 * session cookie replayed at another portal, one administrator granting a privileged role alone
 * (directly or through a second account), a one-time password that is never changed, and staff
 * changes that are written without their audit event.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { AccountStore } from '../../libs/accounts/index.ts';
import { createDynamoClient } from '../../libs/store/index.ts';
import { createPerson, registerClient, tokensFor } from '../../testkit/oidc-flow.ts';
import { startTestStack } from '../../testkit/stack.ts';
import { type SignInOptions, signIn, UserAgent } from '../../testkit/user-agent.ts';
import { auditEvents, roleRequestTrail } from '../support/audit.ts';

let stack: LocalStack;
let accounts: AccountStore;

const adminApi = (token: string) => (method: string, path: string, body?: unknown) =>
  fetch(`${stack.urls.intranet}/admin${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

/** A fresh administrator (with TOTP) and an admin API caller signed in as them. */
const newAdmin = async () => {
  const person = await createPerson(stack, { roles: ['staff', 'admin'], totp: true });
  const { access_token } = await tokensFor(stack, 'intranet', 'staff-attack-intranet', person, {
    resource: `${stack.urls.intranet}/admin`,
    scope: 'openid admin',
  });
  return { ...person, call: adminApi(access_token) };
};

/** Signs in to a first-party portal through its own pages; returns its session cookie. */
const portalCookie = async (base: string, path: string, cookie: string, who: SignInOptions) => {
  const ua = new UserAgent();
  const callback = await signIn(ua, `${base}${path}/login`, (u) => u.pathname === `${path}/callback`, who);
  const landed = await ua.follow(callback.href);
  expect(landed.status).toBe(200);
  const value = ua.cookies().get(cookie);
  expect(value).toBeTruthy();
  return value!;
};

const console = (cookieName: string, value: string, url: string) =>
  fetch(url, { headers: { cookie: `${cookieName}=${value}`, 'accept-language': 'en' }, redirect: 'manual' });

beforeAll(async () => {
  stack = await startTestStack();
  await registerClient(stack, 'intranet', 'staff-attack-intranet', { yitong_resources: ['admin', 'audit'] });
  accounts = new AccountStore(
    createDynamoClient({ endpoint: stack.dynamodbEndpoint }),
    stack.tables.identity,
  );
});
afterAll(() => stack?.stop());

describe('portal sessions', () => {
  it("refuses the public account portal's cookie at the intranet admin console", async () => {
    const person = await createPerson(stack, { roles: ['staff', 'admin'], totp: true });
    const own = await portalCookie(stack.urls.intranet, '/admin/console', 'yitong_admin', person);
    expect((await console('yitong_admin', own, `${stack.urls.intranet}/admin/console`)).status).toBe(200);

    const other = await createPerson(stack, { roles: ['staff', 'admin'], totp: true });
    const stolen = await portalCookie(stack.urls.public, '/account', 'yitong_account', other);
    const res = await console('yitong_admin', stolen, `${stack.urls.intranet}/admin/console`);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/\/admin\/console\/login/);
  });

  it("refuses the security console's cookie at the admin console, and the admin console's at the security console", async () => {
    const person = await createPerson(stack, { roles: ['staff', 'admin', 'auditor'], totp: true });
    const security = await portalCookie(stack.urls.intranet, '/audit/console', 'yitong_console', person);
    expect((await console('yitong_console', security, `${stack.urls.intranet}/audit/console`)).status).toBe(
      200,
    );
    expect((await console('yitong_admin', security, `${stack.urls.intranet}/admin/console`)).status).toBe(
      303,
    );

    const other = await createPerson(stack, { roles: ['staff', 'admin', 'auditor'], totp: true });
    const admin = await portalCookie(stack.urls.intranet, '/admin/console', 'yitong_admin', other);
    expect((await console('yitong_console', admin, `${stack.urls.intranet}/audit/console`)).status).toBe(303);
  });
});

describe('separation of duties', () => {
  it('needs a second administrator to create an auditor, who must change the one-time password and enrol before reading the trail', async () => {
    const first = await newAdmin();
    const asked = await first.call('POST', '/staff', {
      loginName: 'auditor.alone',
      displayName: 'Made by one admin',
      roles: ['staff', 'auditor'],
      department: 'tax',
    });
    expect(asked.status).toBe(202);
    const request = (await asked.json()) as Record<string, unknown>;
    expect(request).not.toHaveProperty('one_time_password');
    expect(await accounts.findByLoginName('auditor.alone')).toBeUndefined();

    // The requester cannot approve their own request.
    const self = await first.call('POST', `/staff-requests/${String(request.requestId)}/approve`, {});
    expect(self.status).toBe(403);
    expect(await accounts.findByLoginName('auditor.alone')).toBeUndefined();

    const second = await newAdmin();
    const approved = await second.call('POST', `/staff-requests/${String(request.requestId)}/approve`, {});
    expect(approved.status).toBe(201);
    const created = (await approved.json()) as { accountId: string; one_time_password: string };
    expect(
      (await second.call('POST', `/staff-requests/${String(request.requestId)}/approve`, {})).status,
    ).toBe(409);

    // The one-time password alone gets no code: the first sign-in asks for a new password first.
    const ua = new UserAgent();
    const start = await ua.follow(
      `${stack.urls.intranet}/audit/console/login`,
      (u) => u.pathname === '/audit/console/callback',
    );
    const next = await ua.submit(
      start,
      '/login',
      { username: 'auditor.alone', password: created.one_time_password },
      (u) => u.pathname === '/audit/console/callback',
    );
    expect(next.html).toContain('/new-password" novalidate');
    expect(new URL(next.url).pathname).not.toBe('/audit/console/callback');

    // Done properly (new password, then a second factor), the auditor reads the trail.
    const { access_token } = await tokensFor(
      stack,
      'intranet',
      'staff-attack-intranet',
      {
        username: 'auditor.alone',
        password: created.one_time_password,
        newPassword: 'a new and secret sentence',
        onTotpEnrolled: () => undefined,
      },
      { resource: `${stack.urls.intranet}/audit`, scope: 'openid audit:read' },
    );
    const events = await fetch(`${stack.urls.intranet}/audit/events?type=admin.account.created`, {
      headers: { authorization: `Bearer ${access_token}` },
    });
    expect(events.status).toBe(200);
    expect(await roleRequestTrail(stack, first.accountId, second.accountId)).toEqual({
      requested: 1,
      approved: 1,
    });
    const trail = await auditEvents(stack);
    expect(
      trail.filter((e) => e.type === 'admin.account.created' && e.subject === created.accountId),
    ).toHaveLength(1);
    const after = await accounts.findById(created.accountId);
    expect(after).toMatchObject({ mustChangePassword: false, mustEnrolSecondFactor: false });
  });

  it('does not let an administrator gain a role through a second account they created', async () => {
    const first = await newAdmin();
    // A second administrator account made by the first alone: only a request.
    const sock = await first.call('POST', '/staff', {
      loginName: 'sock.puppet',
      displayName: 'Second account',
      roles: ['staff', 'admin'],
      department: 'tax',
    });
    expect(sock.status).toBe(202);
    expect(await accounts.findByLoginName('sock.puppet')).toBeUndefined();

    // Even a genuine second administrator only requests the role for the first…
    const second = await newAdmin();
    const grant = await second.call('PATCH', `/staff/${first.accountId}`, {
      roles: ['staff', 'admin', 'auditor'],
      reason: 'needs to read the trail',
    });
    expect(grant.status).toBe(202);
    const { requestId } = (await grant.json()) as { requestId: string };
    expect((await accounts.findById(first.accountId))?.roles).toEqual(['staff', 'admin']);
    // …which the first, whom it is about, cannot approve, nor can its requester.
    expect((await first.call('POST', `/staff-requests/${requestId}/approve`, {})).status).toBe(403);
    expect((await second.call('POST', `/staff-requests/${requestId}/approve`, {})).status).toBe(403);
    expect((await accounts.findById(first.accountId))?.roles).toEqual(['staff', 'admin']);

    const third = await newAdmin();
    expect((await third.call('POST', `/staff-requests/${requestId}/approve`, {})).status).toBe(200);
    expect((await accounts.findById(first.accountId))?.roles).toEqual(['staff', 'admin', 'auditor']);
  });
});

describe('refused self-escalation is on record', () => {
  it('audits once, as denied, an administrator approving their own request or changing their own roles', async () => {
    const first = await newAdmin();
    const asked = await first.call('PATCH', `/staff/${(await newAdmin()).accountId}`, {
      roles: ['staff', 'admin', 'auditor'],
      reason: 'wants the trail read',
    });
    expect(asked.status).toBe(202);
    const { requestId } = (await asked.json()) as { requestId: string };
    expect((await first.call('POST', `/staff-requests/${requestId}/approve`, {})).status).toBe(403);
    const own = await first.call('PATCH', `/staff/${first.accountId}`, {
      roles: ['staff', 'admin', 'auditor'],
      reason: 'promote myself',
    });
    expect(own.status).toBe(409);
    expect((await accounts.findById(first.accountId))?.roles).toEqual(['staff', 'admin']);

    const refusals = (await auditEvents(stack)).filter(
      (e) => e.type === 'admin.self_change.denied' && e.actor === first.accountId,
    );
    expect(refusals).toHaveLength(2);
    expect(refusals.every((e) => e.outcome === 'denied')).toBe(true);
    expect(refusals.map((e) => e.resource)).toEqual([requestId, undefined]);
    expect(refusals[1]).toMatchObject({ subject: first.accountId });
  });
});

describe('staff changes are all or nothing', () => {
  it('audits a staff account made without a department, and a change that clears the department', async () => {
    const admin = await newAdmin();
    const created = await admin.call('POST', '/staff', {
      loginName: 'no.department',
      displayName: 'No department',
      roles: ['staff'],
    });
    expect(created.status).toBe(201);
    const { accountId } = (await created.json()) as { accountId: string };
    expect(
      (await auditEvents(stack)).filter((e) => e.type === 'admin.account.created' && e.subject === accountId),
    ).toHaveLength(1);

    const officer = await admin.call('POST', '/staff', {
      loginName: 'leaves.tax',
      displayName: 'Leaves tax',
      roles: ['staff'],
      department: 'tax',
    });
    const officerId = ((await officer.json()) as { accountId: string }).accountId;
    const changed = await admin.call('PATCH', `/staff/${officerId}`, {
      roles: ['staff', 'department-officer'],
      department: null,
      reason: 'moves to a central team',
    });
    expect(changed.status).toBe(200);
    const stored = await accounts.findById(officerId);
    expect(stored).toMatchObject({ roles: ['staff', 'department-officer'] });
    expect(stored?.department).toBeUndefined();
    const updates = (await auditEvents(stack)).filter(
      (e) => e.type === 'admin.account.updated' && e.subject === officerId,
    );
    expect(updates).toHaveLength(1);
    expect(updates[0]).toMatchObject({ details: { after: { roles: ['staff', 'department-officer'] } } });
  });

  it('changes nothing when a staff change is refused', async () => {
    const admin = await newAdmin();
    const created = await admin.call('POST', '/staff', {
      loginName: 'stays.same',
      displayName: 'Stays the same',
      roles: ['staff'],
      department: 'tax',
    });
    const { accountId } = (await created.json()) as { accountId: string };
    const before = await accounts.findById(accountId);
    const bad = await admin.call('PATCH', `/staff/${accountId}`, {
      roles: ['staff', 'department-officer'],
      department: 'no-such-department',
      reason: 'a typo in the department',
    });
    expect(bad.status).toBe(400);
    expect(await accounts.findById(accountId)).toEqual(before);
    expect(
      (await auditEvents(stack)).filter((e) => e.type === 'admin.account.updated' && e.subject === accountId),
    ).toHaveLength(0);
  });
});
