import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_RESIDENTS } from '../../infra/local/registry-twin.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import { AccountStore, LoginLockout } from '../../libs/accounts/index.ts';
import { AccountSessions } from '../../libs/oidc/index.ts';
import { createDynamoClient } from '../../libs/store/index.ts';
import {
  adminApiToken,
  CALLBACK,
  clientConfig,
  createPerson,
  isCallback,
  registerClient,
  tokensFor,
} from '../../testkit/oidc-flow.ts';
import { startTestStack } from '../../testkit/stack.ts';
import { type Page, signIn, UserAgent } from '../../testkit/user-agent.ts';
import { auditEvents } from '../support/audit.ts';
import { proveAs, stackProofing } from '../support/proving.ts';

let stack: LocalStack;
let accounts: AccountStore;
let sessions: AccountSessions;
const resident = (nameEn: string) => DEMO_RESIDENTS.find((r) => r.nameEn === nameEn)!;
const desk = () => `${stack.urls.intranet}/admin/console/support`;
const atDesk = (location: URL) => location.href.startsWith(desk()) && !location.pathname.endsWith('/login');
const REASON = 'ticket 4711: the person lost their phone';

beforeAll(async () => {
  stack = await startTestStack();
  const doc = createDynamoClient({ endpoint: stack.dynamodbEndpoint });
  accounts = new AccountStore(doc, stack.tables.identity);
  sessions = new AccountSessions({ doc, table: stack.tables.identity, queues: {} });
  await registerClient(stack, 'public', 'desk-site');
});
afterAll(() => stack?.stop());

/** A member of the help desk's browser, signed in at the help desk. */
const supportAgent = async () => {
  const who = await createPerson(stack, { roles: ['staff', 'support'], totp: true });
  const ua = new UserAgent();
  await signIn(ua, desk(), atDesk, who);
  return { ua, who };
};

/** A citizen with an email address and an authenticator app, signed in at a public site. */
const citizen = async (o: { proveAs?: string } = {}) => {
  const person = await createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: true });
  const account = (await accounts.findById(person.accountId))!;
  await accounts.update(account, { email: `${person.username}@example.com` });
  if (o.proveAs) await proveAs(stackProofing(stack), person.accountId, resident(o.proveAs));
  await tokensFor(stack, 'public', 'desk-site', person);
  return person;
};

const find = (ua: UserAgent, page: Page, by: string, q: string, reason = REASON) =>
  ua.submit(page, '/support/find', { by, q, reason });
const csrfOf = (page: Page) => /name="csrf" value="([^"]+)"/.exec(page.html)![1]!;
const post = (ua: UserAgent, page: Page, accountId: string, action: string, form: Record<string, string>) =>
  ua.request(`${desk()}/${accountId}/${action}`, { form: { csrf: csrfOf(page), ...form } });
const noticesTo = (loginName: string) =>
  (stack.outbox?.messages ?? []).filter((m) => m.kind === 'notice' && m.to.loginName === loginName);
const eventsOf = async (type: string, subject: string) =>
  (await auditEvents(stack)).filter((e) => e.type === type && e.subject === subject);

describe('the help desk: finding a person', () => {
  it('refuses a look-up without a reason, finds by login name, email, verified phone and proved ID number, and audits each look-up once with its reason', async () => {
    const { ua, who } = await supportAgent();
    const person = await citizen({ proveAs: 'Zhang San' });
    const home = await ua.request(desk());
    expect(home.status).toBe(200);

    const noReason = await find(ua, home, 'loginName', person.username, '  ');
    expect(noReason.status).toBe(400);
    expect(noReason.html).toContain('Say why, in 10 to 500 characters');
    expect(noReason.html).not.toContain(`data-account="${person.accountId}"`);

    const byName = await find(ua, home, 'loginName', person.username.toUpperCase());
    expect(byName.status).toBe(200);
    expect(byName.html).toContain(`data-account="${person.accountId}"`);
    // What support sees: masked contact details and ID number, which factors exist; never a secret.
    expect(byName.html).toContain('p***@example.com');
    expect(byName.html).not.toContain(`${person.username}@example.com`);
    expect(byName.html).toContain('data-totp="true"');
    expect(byName.html).toContain('data-ial="2"');
    const zhang = resident('Zhang San');
    expect(byName.html).toContain(`${zhang.residentId.slice(0, 4)}**********${zhang.residentId.slice(14)}`);
    expect(byName.html).not.toContain(zhang.residentId);
    expect(byName.html).not.toContain(person.totpSecret!);

    const byEmail = await find(ua, home, 'email', `${person.username.toUpperCase()}@Example.com`);
    expect(byEmail.html).toContain(`data-account="${person.accountId}"`);
    // Full-width, as a Chinese input method may type it.
    const wide = `${person.username}@example.com`.replace(/[!-~]/g, (c) =>
      String.fromCharCode(c.charCodeAt(0) + 0xfee0),
    );
    const byWideEmail = await find(ua, home, 'email', wide);
    expect(byWideEmail.html).toContain(`data-account="${person.accountId}"`);
    // A phone finds only an account that verified it, however the number is written.
    const pending = await accounts.update((await accounts.findById(person.accountId))!, {
      phone: '+8613800139001',
    });
    const unverified = await find(ua, home, 'phone', '138 0013 9001');
    expect(unverified.status).toBe(404);
    await accounts.update(pending, { phoneVerifiedAt: new Date().toISOString() });
    const byPhone = await find(ua, home, 'phone', '138-0013-9001');
    expect(byPhone.status).toBe(200);
    expect(byPhone.html).toContain(`data-account="${person.accountId}"`);
    expect(byPhone.html).toContain('+86 138****9001');
    expect(byPhone.html).not.toContain('13800139001');
    expect((await find(ua, home, 'phone', '010 6512 3456')).status).toBe(400);
    const byNumber = await find(ua, home, 'residentId', zhang.residentId.toLowerCase());
    expect(byNumber.status).toBe(200);
    expect(byNumber.html).toContain(`data-account="${person.accountId}"`);
    // A number nobody proved finds nobody (and says so).
    const unproved = await find(ua, home, 'residentId', resident('Wu Chi').residentId);
    expect(unproved.status).toBe(404);
    expect(unproved.html).toContain('Nobody matches');
    const badNumber = await find(ua, home, 'residentId', '110105198510101234');
    expect(badNumber.status).toBe(400);

    const lookups = (await auditEvents(stack)).filter(
      (e) => e.type === 'support.lookup' && e.actor === who.accountId,
    );
    expect(
      lookups.map((e) => [
        e.outcome,
        e.subject ?? null,
        e.reason,
        (e.details as { by?: string } | undefined)?.by,
      ]),
    ).toEqual([
      ['success', person.accountId, REASON, 'loginName'],
      ['success', person.accountId, REASON, 'email'],
      ['success', person.accountId, REASON, 'email'],
      ['failure', null, REASON, 'phone'],
      ['success', person.accountId, REASON, 'phone'],
      ['success', person.accountId, REASON, 'residentId'],
      ['failure', null, REASON, 'residentId'],
    ]);
    expect(JSON.stringify(lookups)).not.toContain(zhang.residentId);
  });
});

describe('the help desk: a lost second factor', () => {
  it('is reset only after the person is re-checked in person; the reset ends their sessions, uses up the re-check and tells them', async () => {
    const { ua, who } = await supportAgent();
    const person = await citizen({ proveAs: 'Chen Ming' });
    expect(await sessions.sessions(person.accountId)).toHaveLength(1);
    const found = await find(ua, await ua.request(desk()), 'loginName', person.username);
    // No re-check yet: the page offers the re-check, not the reset, and a forged reset is refused.
    expect(found.html).toContain(`/${person.accountId}/recheck"`);
    expect(found.html).not.toContain(`/${person.accountId}/reset-factor"`);
    const early = await post(ua, found, person.accountId, 'reset-factor', { reason: REASON });
    expect(early.status).toBe(403);
    expect(early.html).toContain('Re-check the person’s identity with their ID card first');
    expect((await accounts.findById(person.accountId))?.totp).toBeDefined();

    // The card must be confirmed, and be the account's person.
    const chen = resident('Chen Ming');
    const unconfirmed = await ua.submit(found, `/${person.accountId}/recheck`, {
      cardName: chen.name,
      cardNumber: chen.residentId,
    });
    expect(unconfirmed.status).toBe(400);
    const liu = resident('Liu Fang');
    const otherCard = await ua.submit(found, `/${person.accountId}/recheck`, {
      cardName: liu.name,
      cardNumber: liu.residentId,
      confirm: 'yes',
    });
    expect(otherCard.status).toBe(422);
    expect(otherCard.html).toContain('This ID card is not of the person this account proved');

    const rechecked = await ua.submit(found, `/${person.accountId}/recheck`, {
      cardName: chen.name,
      cardNumber: chen.residentId,
      confirm: 'yes',
    });
    expect(rechecked.status).toBe(200);
    expect(rechecked.html).toContain('id="recheck-recorded"');
    const validUntil = Date.parse(/data-valid-until="([^"]+)"/.exec(rechecked.html)![1]!);
    expect(validUntil - Date.now()).toBeGreaterThan(29 * 60_000);
    expect(validUntil - Date.now()).toBeLessThanOrEqual(30 * 60_000);

    const noReason = await ua.submit(rechecked, `/${person.accountId}/reset-factor`, { reason: 'x' });
    expect(noReason.status).toBe(400);
    expect((await accounts.findById(person.accountId))?.totp).toBeDefined();

    const reset = await ua.submit(rechecked, `/${person.accountId}/reset-factor`, { reason: REASON });
    expect(reset.status).toBe(200);
    expect(reset.html).toContain('id="support-done"');
    const after = (await accounts.findById(person.accountId))!;
    expect(after.totp).toBeUndefined();
    expect(after.passkeyIds).toEqual([]);
    expect(after.mustEnrolSecondFactor).toBe(true);
    expect(after.sessionsValidAfter).toBeGreaterThan(0);
    expect(await sessions.sessions(person.accountId)).toEqual([]);
    expect(await sessions.grants(person.accountId)).toEqual([]);
    expect(noticesTo(person.username).map((m) => [m.channel, m.kind === 'notice' && m.notice])).toEqual([
      ['email', 'support-factor-reset'],
    ]);

    // The re-check was used up: a second reset needs another.
    const again = await post(ua, reset, person.accountId, 'reset-factor', { reason: REASON });
    expect(again.status).toBe(403);

    expect(
      (await eventsOf('support.identity_rechecked', person.accountId)).map((e) => [
        e.actor,
        e.outcome,
        e.reason ?? null,
      ]),
    ).toEqual([
      [who.accountId, 'failure', 'not-the-account-holder'],
      [who.accountId, 'success', null],
    ]);
    const resets = await eventsOf('support.factor_reset', person.accountId);
    expect(resets.map((e) => [e.actor, e.outcome, e.reason])).toEqual([
      [who.accountId, 'failure', 'no-identity-recheck'],
      [who.accountId, 'success', REASON],
      [who.accountId, 'failure', 'no-identity-recheck'],
    ]);
    expect(resets[1]!.details).toMatchObject({
      removed: { totp: true, recoveryCodes: 0, passkeys: 0 },
      recheckedBy: who.accountId,
      recheckMethod: 'counter',
      sessionsEnded: 1,
    });

    // The next sign-in asks for a new second factor before anything else.
    const config = await clientConfig(stack, 'public', 'desk-site');
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      state: oidc.randomState(),
    });
    const next = new UserAgent();
    let page = await next.follow(url.href, isCallback);
    page = await next.submit(
      page,
      '/login',
      { username: person.username, password: person.password },
      isCallback,
    );
    expect(isCallback(new URL(page.url))).toBe(false);
    expect(page.html).toContain('/enrol" novalidate');
  });

  it('cannot be reset for an account with no proved identity: the person is sent to a counter first', async () => {
    const { ua } = await supportAgent();
    const person = await citizen();
    const found = await find(ua, await ua.request(desk()), 'loginName', person.username);
    expect(found.html).toContain('This account has no proved identity');
    expect(found.html).toContain('identity officer at a service counter');
    expect(found.html).not.toContain(`/${person.accountId}/recheck"`);
    const refused = await post(ua, found, person.accountId, 'reset-factor', { reason: REASON });
    expect(refused.status).toBe(409);
    expect((await accounts.findById(person.accountId))?.totp).toBeDefined();
    const recheck = await post(ua, found, person.accountId, 'recheck', {
      cardName: resident('Zhou Jie').name,
      cardNumber: resident('Zhou Jie').residentId,
      confirm: 'yes',
    });
    expect(recheck.status).toBe(409);
    expect((await eventsOf('support.factor_reset', person.accountId)).map((e) => e.reason)).toEqual([
      'no-proved-identity',
    ]);
    expect((await eventsOf('support.identity_rechecked', person.accountId)).map((e) => e.reason)).toEqual([
      'no-proved-identity',
    ]);
    expect(noticesTo(person.username)).toEqual([]);
  });
});

describe('the help desk: unlock, disable, enable', () => {
  it('each needs a reason, is audited once and tells the person; disabling ends every session at once', async () => {
    const { ua, who } = await supportAgent();
    const person = await citizen();
    // Locked from everywhere after a distributed guessing attack.
    const lockout = new LoginLockout(
      createDynamoClient({ endpoint: stack.dynamodbEndpoint }),
      stack.tables.identity,
    );
    for (let i = 0; i < 100; i++)
      await lockout.recordFailure(
        person.username,
        `198.51.100.${i % 250}`,
        await lockout.state(person.username, 'x'),
      );
    const found = await find(ua, await ua.request(desk()), 'loginName', person.username);
    expect(found.html).toContain('data-locked="true"');

    const noReason = await ua.submit(found, `/${person.accountId}/unlock`, { reason: '' });
    expect(noReason.status).toBe(400);
    // A reason must be visible: zero-width and format characters do not count (outside attack).
    for (const invisible of [
      '\u200b'.repeat(11),
      '\u2060\u00ad\u3164'.repeat(4),
      `\u202e${'\u200b'.repeat(10)}`,
      '\u2800'.repeat(10),
      '\u034f\ufe0f\u0301'.repeat(4),
    ]) {
      const blank = await ua.submit(found, `/${person.accountId}/unlock`, { reason: invisible });
      expect(blank.status).toBe(400);
    }
    expect((await lockout.state(person.username, '203.0.113.9')).locked).toBe(true);
    const unlocked = await ua.submit(found, `/${person.accountId}/unlock`, { reason: REASON });
    expect(unlocked.status).toBe(200);
    expect(unlocked.html).toContain('data-locked="false"');
    expect((await lockout.state(person.username, '203.0.113.9')).locked).toBe(false);

    expect(await sessions.sessions(person.accountId)).toHaveLength(1);
    const disabled = await ua.submit(unlocked, `/${person.accountId}/disable`, { reason: REASON });
    expect(disabled.status).toBe(200);
    expect(disabled.html).toContain('data-status="disabled"');
    expect((await accounts.findById(person.accountId))?.status).toBe('disabled');
    expect(await sessions.sessions(person.accountId)).toEqual([]);
    expect(await sessions.grants(person.accountId)).toEqual([]);

    // Disabling it again changes nothing: refused, neither audited nor told.
    const csrf = /name="csrf" value="([^"]+)"/.exec(disabled.html)![1]!;
    const post = (action: string) =>
      ua.request(`${desk()}/${person.accountId}/${action}`, { form: { csrf, reason: REASON } });
    expect((await post('disable')).status).toBe(409);
    // Nor is an account unlocked that is not locked.
    expect((await post('unlock')).status).toBe(409);
    const enabled = await ua.submit(disabled, `/${person.accountId}/enable`, { reason: REASON });
    expect(enabled.status).toBe(200);
    expect((await accounts.findById(person.accountId))?.status).toBe('active');
    expect((await post('enable')).status).toBe(409);

    expect(noticesTo(person.username).map((m) => m.kind === 'notice' && m.notice)).toEqual([
      'support-unlocked',
      'support-disabled',
      'support-enabled',
    ]);
    for (const type of ['support.unlocked', 'support.disabled', 'support.enabled']) {
      expect((await eventsOf(type, person.accountId)).map((e) => [e.actor, e.outcome, e.reason])).toEqual([
        [who.accountId, 'success', REASON],
      ]);
    }
  });

  it('does not act on staff accounts or the staff member’s own', async () => {
    const { ua, who } = await supportAgent();
    const admin = await createPerson(stack, { roles: ['staff', 'admin'], totp: true });
    const found = await find(ua, await ua.request(desk()), 'loginName', admin.username);
    expect(found.html).toContain('This is a staff account');
    expect((await post(ua, found, admin.accountId, 'disable', { reason: REASON })).status).toBe(403);
    expect((await post(ua, found, who.accountId, 'disable', { reason: REASON })).status).toBe(403);
    expect((await accounts.findById(admin.accountId))?.status).toBe('active');
    expect((await accounts.findById(who.accountId))?.status).toBe('active');
  });
});

describe('the help desk: separation of duties', () => {
  it('support staff cannot reach the admin console, administrators cannot reach the help desk, and nobody is given both roles', async () => {
    const { ua } = await supportAgent();
    const console = await ua.request(`${stack.urls.intranet}/admin/console`);
    expect(console.status).toBe(403);
    const admin = await createPerson(stack, { roles: ['staff', 'admin'], totp: true });
    const adminUa = new UserAgent();
    await signIn(adminUa, desk(), atDesk, admin);
    const refused = await adminUa.request(desk());
    expect(refused.status).toBe(403);
    expect(refused.html).toContain('The help desk is for support staff');

    const token = await adminApiToken(stack, 'desk-admin-tool');
    const res = await fetch(`${stack.urls.intranet}/admin/staff`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        loginName: 'both-roles',
        displayName: 'Both',
        roles: ['staff', 'support', 'admin'],
      }),
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('support and admin are never held together');
    expect(await accounts.findByLoginName('both-roles')).toBeUndefined();
  });
});
