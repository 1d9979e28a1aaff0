/**
 * Attacks on the sign-in failure budget (issue #15, findings 1 and 8): guessing the second
 * factor (one by one, or racing many codes at once), finishing or adding a factor to a sign-in
 * whose login name is locked, enrolling before the one-time password is replaced, wiping the
 * count with a known password, and locking staff out from a stranger's address. Loopback only;
 * every loop and every burst bounded.
 */
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildCli } from '../../cli/main.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import { AccountStore, totpCode } from '../../libs/accounts/index.ts';
import type { Zone } from '../../libs/config/index.ts';
import { createDynamoClient } from '../../libs/store/index.ts';
import { CALLBACK, clientConfig, createPerson, isCallback, registerClient } from '../../testkit/oidc-flow.ts';
import { startTestStack } from '../../testkit/stack.ts';
import { type Page, UserAgent } from '../../testkit/user-agent.ts';
import { auditEvents } from '../support/audit.ts';

let stack: LocalStack;
type Person = Awaited<ReturnType<typeof createPerson>>;

const PUBLIC_CLIENT = 'tax-signin';
const INTRANET_CLIENT = 'audit-signin';
/** Another address on the loopback network: the stranger's source. */
const STRANGER = '127.0.0.2';

beforeAll(async () => {
  stack = await startTestStack();
  await registerClient(stack, 'public', PUBLIC_CLIENT);
  await registerClient(stack, 'intranet', INTRANET_CLIENT);
}, 120_000);
afterAll(() => stack?.stop());

/** The sign-in page of a fresh authorization request. */
const begin = async (ua: UserAgent, zone: Zone = 'public') => {
  const config = await clientConfig(stack, zone, zone === 'public' ? PUBLIC_CLIENT : INTRANET_CLIENT);
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: CALLBACK,
    scope: 'openid',
    code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
    code_challenge_method: 'S256',
  });
  return ua.follow(url.href, isCallback);
};

/** A whole password attempt on a new interaction, from a new browser (at `source`, if given). */
const tryPassword = async (who: Person, password: string, opts: { zone?: Zone; source?: string } = {}) => {
  const ua = new UserAgent({ sourceAddress: opts.source });
  const page = await ua.submit(
    await begin(ua, opts.zone),
    '/login',
    { username: who.username, password },
    isCallback,
  );
  return { ua, page };
};

const asksForCode = (page: Page) => page.html.includes('/otp" novalidate');
const submitCode = (ua: UserAgent, page: Page, otp: string) => ua.submit(page, '/otp', { otp }, isCallback);

/** Six digits that are none of the codes the authenticator accepts now (one step of drift either way). */
const wrongCode = (secret: string, n: number): string => {
  const now = Date.now();
  const valid = new Set([-30_000, 0, 30_000].map((d) => totpCode(secret, now + d)));
  for (let i = n; ; i++) {
    const guess = String(i % 1_000_000).padStart(6, '0');
    if (!valid.has(guess)) return guess;
  }
};

const eventsAbout = async (accountId: string, type: string) =>
  (await auditEvents(stack)).filter((e) => e.subject === accountId && e.type === type);

/** The interaction id and CSRF token a sign-in page carries. */
const interactionOf = (page: Page) => ({
  uid: /interaction\/([\w-]+)\//.exec(page.html)![1]!,
  csrf: /name="csrf" value="([^"]+)"/.exec(page.html)![1]!,
});

/**
 * Posts straight to a step of the interaction `page` belongs to (as a script would, whatever
 * the page offers), with the page's CSRF token.
 */
const postStep = (ua: UserAgent, page: Page, step: string, fields: Record<string, string> = {}) => {
  const { uid, csrf } = interactionOf(page);
  return ua.request(`${stack.urls.public}/interaction/${uid}/${step}`, { form: { csrf, ...fields } });
};

/** The passkey registration options of the interaction `page` belongs to (the page script's call). */
const passkeyOptions = (ua: UserAgent, page: Page) => {
  const { uid, csrf } = interactionOf(page);
  return ua.request(`${stack.urls.public}/interaction/${uid}/passkey/register-options`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
    body: '{}',
  });
};

const accountStore = () =>
  new AccountStore(createDynamoClient({ endpoint: stack.dynamodbEndpoint }), stack.tables.identity);

const messageOf = (page: Page) =>
  /<p class="message" id="(?:password|otp)-error">([^<]*)</.exec(page.html)?.[1] ?? '';

describe('second-factor guessing', () => {
  it('evaluates at most five codes on one interaction, then ends it: 200 guesses get nowhere', async () => {
    const who = await createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: true });
    const { ua, page: otpPage } = await tryPassword(who, who.password);
    expect(asksForCode(otpPage)).toBe(true);

    const first = await submitCode(ua, otpPage, wrongCode(who.totpSecret!, 999_999));
    expect(messageOf(first)).toMatch(/4 more codes before this sign-in ends/);
    const statuses: number[] = [first.status];
    for (let i = 1; i < 200; i++)
      statuses.push((await submitCode(ua, otpPage, wrongCode(who.totpSecret!, i))).status);

    expect(await eventsAbout(who.accountId, 'mfa.failure')).toHaveLength(5);
    expect(statuses.slice(0, 4)).toEqual([400, 400, 400, 400]);
    expect(statuses.slice(5).every((s) => s === 429)).toBe(true);
    // Even the right code cannot finish an ended interaction.
    const right = await submitCode(ua, otpPage, totpCode(who.totpSecret!));
    expect(isCallback(new URL(right.url))).toBe(false);
    expect(right.status).toBe(429);
    expect(right.html).toContain('password/reset');
    expect(await eventsAbout(who.accountId, 'login.success')).toHaveLength(0);
  });

  it('refuses the right code on a pending sign-in once the login name is locked', async () => {
    const who = await createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: true });
    const pending = await tryPassword(who, who.password);
    expect(asksForCode(pending.page)).toBe(true);

    for (let i = 0; i < 6; i++) await tryPassword(who, `wrong password ${i}`);
    expect((await tryPassword(who, who.password)).page.status).toBe(423);

    const done = await submitCode(pending.ua, pending.page, totpCode(who.totpSecret!));
    expect(await eventsAbout(who.accountId, 'login.success')).toHaveLength(0);
    expect(done.status).toBe(423);
    expect(done.html).not.toContain('/consent"');
    expect(await eventsAbout(who.accountId, 'account.locked')).toHaveLength(1);
  });

  it('refuses every other way to finish once the login name is locked ("not now" on the protect page)', async () => {
    const who = await createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: false });
    const pending = await tryPassword(who, who.password);
    expect(pending.page.html).toContain('/protect"');

    for (let i = 0; i < 6; i++) await tryPassword(who, `wrong password ${i}`);
    const done = await pending.ua.submit(pending.page, '/protect', { choice: 'skip' }, isCallback);
    expect(await eventsAbout(who.accountId, 'login.success')).toHaveLength(0);
    expect(done.status).toBe(423);
    expect(done.html).toContain('password/reset');
  });

  it('counts wrong codes on several interactions in the budget passwords use; a right password clears none', async () => {
    const who = await createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: true });
    const first = await tryPassword(who, who.password);
    for (let i = 0; i < 4; i++) await submitCode(first.ua, first.page, wrongCode(who.totpSecret!, i));

    // The attacker knows the password: a new interaction, the right password, no wiped count.
    const second = await tryPassword(who, who.password);
    expect(asksForCode(second.page)).toBe(true);

    const fifth = await tryPassword(who, 'wrong password');
    expect(fifth.page.status).toBe(401);
    const sixth = await tryPassword(who, 'wrong password again');
    expect(sixth.page.status).toBe(423);
    expect(messageOf(fifth.page)).toMatch(/1 more try/);
    expect(await eventsAbout(who.accountId, 'account.locked')).toHaveLength(1);
  });
});

describe('racing the per-sign-in code limit', () => {
  const burst = async (ua: UserAgent, page: Page, secret: string, n: number) =>
    (await Promise.all(Array.from({ length: n }, (_, i) => submitCode(ua, page, wrongCode(secret, i))))).map(
      (p) => p.status,
    );

  it('evaluates at most five of forty codes sent at once on one interaction, and ends it once', async () => {
    const who = await createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: true });
    const { ua, page } = await tryPassword(who, who.password);
    expect(asksForCode(page)).toBe(true);

    const statuses = await burst(ua, page, who.totpSecret!, 40);
    const evaluated = (await eventsAbout(who.accountId, 'mfa.failure')).filter(
      (e) => e.outcome === 'failure',
    );
    expect(evaluated).toHaveLength(5);
    expect(await eventsAbout(who.accountId, 'login.ended')).toHaveLength(1);
    expect(statuses.filter((s) => s === 400).length).toBeLessThanOrEqual(4);
    expect(statuses.every((s) => s === 400 || s === 429)).toBe(true);
    expect(await eventsAbout(who.accountId, 'login.success')).toHaveLength(0);
  });

  it('audits the lock a burst of codes starts once', async () => {
    const who = await createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: true });
    const { ua, page } = await tryPassword(who, who.password);
    // Three wrong passwords first: the burst's third wrong code is the sixth failure of this source.
    for (let i = 0; i < 3; i++) await tryPassword(who, `wrong password ${i}`);

    const statuses = await burst(ua, page, who.totpSecret!, 40);
    const evaluated = (await eventsAbout(who.accountId, 'mfa.failure')).filter(
      (e) => e.outcome === 'failure',
    );
    expect(evaluated.length).toBeGreaterThanOrEqual(3);
    expect(evaluated.length).toBeLessThanOrEqual(5);
    expect(await eventsAbout(who.accountId, 'account.locked')).toHaveLength(1);
    expect(statuses).toContain(423);
    expect((await eventsAbout(who.accountId, 'login.ended')).length).toBeLessThanOrEqual(1);
  });
});

describe('adding a factor to a sign-in that may not finish', () => {
  it('refuses every enrolment step once the login name is locked, and adds no factor', async () => {
    const who = await createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: false });
    const pending = await tryPassword(who, who.password);
    expect(pending.page.html).toContain('/protect"');

    for (let i = 0; i < 6; i++) await tryPassword(who, `wrong password ${i}`);
    const setUp = await pending.ua.submit(pending.page, '/protect', { choice: 'totp' }, isCallback);
    expect(setUp.status).toBe(423);
    expect(setUp.html).not.toContain('totp-secret');
    const confirm = await postStep(pending.ua, pending.page, 'enrol', { otp: '123456' });
    expect(confirm.status).toBe(423);
    expect(confirm.html).not.toContain('totp-secret');
    expect((await passkeyOptions(pending.ua, pending.page)).status).toBe(423);

    expect(await eventsAbout(who.accountId, 'mfa.enrolled')).toHaveLength(0);
    const account = await accountStore().findById(who.accountId);
    expect(account?.totp).toBeUndefined();
    expect(account?.passkeyIds).toEqual([]);
  });
});

describe('a first sign-in out of order', () => {
  it('refuses to enrol a second factor before the one-time password is replaced', async () => {
    const who = await createPerson(stack, { roles: ['staff'], totp: false });
    const store = accountStore();
    await store.update((await store.findById(who.accountId))!, {
      mustChangePassword: true,
      mustEnrolSecondFactor: true,
    });
    const { ua, page } = await tryPassword(who, who.password);
    expect(page.html).toContain('/new-password" novalidate');

    const shown = await postStep(ua, page, 'enrol', { otp: '000000' });
    expect(shown.status).toBe(403);
    const secret = /id="totp-secret">([A-Z2-7]+)</.exec(shown.html)?.[1];
    expect(secret).toBeUndefined();
    const viaProtect = await postStep(ua, page, 'protect', { choice: 'totp' });
    expect(viaProtect.status).toBe(403);
    expect(viaProtect.html).not.toContain('totp-secret');
    expect((await passkeyOptions(ua, page)).status).toBe(403);

    expect(await eventsAbout(who.accountId, 'mfa.enrolled')).toHaveLength(0);
    expect((await store.findById(who.accountId))?.totp).toBeUndefined();
  });
});

describe('passkeys in the same budget', () => {
  it('counts failed assertions of a known passkey, and refuses the passkey unevaluated once the name is locked', async () => {
    const who = await createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: false });
    const store = new AccountStore(
      createDynamoClient({ endpoint: stack.dynamodbEndpoint }),
      stack.tables.identity,
    );
    const credentialId = `cred-${who.accountId}`;
    await store.addPasskey((await store.findById(who.accountId))!, {
      credentialId,
      publicKey: Buffer.from('not a key').toString('base64url'),
      counter: 0,
      transports: [],
    });
    const ua = new UserAgent();
    const page = await begin(ua);
    const uid = /interaction\/([\w-]+)\/login/.exec(page.html)![1]!;
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.html)![1]!;
    const post = (action: string, body: unknown) =>
      ua.request(`${stack.urls.public}/interaction/${uid}/passkey/${action}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
        body: JSON.stringify(body),
      });
    expect((await post('login-options', {})).status).toBe(200);
    const forged = { id: credentialId, rawId: credentialId, type: 'public-key', response: {} };
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await post('login', forged)).status);

    expect(statuses).toEqual([401, 401, 401, 401, 401, 423, 423]);
    expect(await eventsAbout(who.accountId, 'account.locked')).toHaveLength(1);
    expect((await tryPassword(who, who.password)).page.status).toBe(423);
  });
});

describe('lockout as denial of service', () => {
  it('six wrong passwords from a stranger’s address do not lock an administrator out of their own', async () => {
    const admin = await createPerson(stack, { roles: ['staff', 'admin'], totp: true });
    for (let i = 0; i < 6; i++) {
      const { page } = await tryPassword(admin, `guess ${i}`, { zone: 'intranet', source: STRANGER });
      expect(page.status).toBe(i < 5 ? 401 : 423);
    }
    const stranger = await tryPassword(admin, admin.password, { zone: 'intranet', source: STRANGER });
    expect(stranger.page.status).toBe(423);

    const own = await tryPassword(admin, admin.password, { zone: 'intranet' });
    expect(own.page.status).toBe(200);
    expect(asksForCode(own.page)).toBe(true);
    // An English page that was told no time zone states the time in UTC, and says so.
    expect(messageOf(stranger.page)).toMatch(/\d{1,2}:\d{2}[ap]m \(Coordinated Universal Time\)\./);
    expect(stranger.page.html).toContain('password/reset');
    const locks = await eventsAbout(admin.accountId, 'account.locked');
    expect(locks).toHaveLength(1);
    expect(locks[0]).toMatchObject({ sourceIp: STRANGER, details: { scope: 'source' } });
  });

  it('tells the person in Chinese when they can try again, and how to reset the password', async () => {
    const who = await createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: false });
    const attempt = async (password: string) => {
      const ua = new UserAgent({ sourceAddress: '127.0.0.3' });
      ua.plant('yitong_lang', 'zh-CN');
      return ua.submit(await begin(ua), '/login', { username: who.username, password }, isCallback);
    };
    expect(messageOf(await attempt('wrong 1'))).toMatch(/还可尝试 5 次/);
    for (let i = 2; i <= 5; i++) await attempt(`wrong ${i}`);
    const locked = await attempt('wrong 6');
    expect(locked.status).toBe(423);
    expect(messageOf(locked)).toMatch(/北京时间/);
    expect(locked.html).toContain('password/reset');
  });

  it('locks a name everywhere only after a hundred failures from many sources, until an administrator unlocks it', async () => {
    const admin = await createPerson(stack, { roles: ['staff', 'admin'], totp: true });
    // Seventeen strangers, six guesses each: sixteen source waits, then the hundredth failure.
    for (let source = 10; source < 27; source++) {
      for (let i = 0; i < 6; i++)
        await tryPassword(admin, `guess ${i}`, { zone: 'intranet', source: `127.0.0.${source}` });
    }
    const own = await tryPassword(admin, admin.password, { zone: 'intranet' });
    expect(own.page.status).toBe(423);
    expect(messageOf(own.page)).toMatch(/many places.*\d{1,2}:\d{2}[ap]m \(Coordinated Universal Time\)\./);
    const locks = await eventsAbout(admin.accountId, 'account.locked');
    // Each of the first sixteen strangers started a wait for its own address; the seventeenth
    // was stopped by the name's lock before its sixth guess. Counted by address: once, in a full
    // run under load, one address's wait was audited twice (a known gap in docs/security.md).
    const waited = locks.filter((e) => (e.details as { scope: string }).scope === 'source');
    expect(new Set(waited.map((e) => e.sourceIp))).toEqual(
      new Set(Array.from({ length: 16 }, (_, i) => `127.0.0.${10 + i}`)),
    );
    expect(locks.filter((e) => (e.details as { scope: string }).scope === 'account')).toHaveLength(1);

    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out.push(String(chunk));
      return true;
    });
    try {
      await buildCli({ throwOnError: true }).parseAsync([
        'node',
        'yitong',
        'accounts',
        'unlock',
        '--login-name',
        admin.username,
        '--reason',
        'help-desk ticket 42',
        '--endpoint',
        stack.dynamodbEndpoint,
        '--table-prefix',
        stack.tables.identity.replace(/-identity$/, ''),
      ]);
    } finally {
      spy.mockRestore();
    }
    expect(out.join('')).toContain(`unlocked ${admin.username}`);
    expect(await eventsAbout(admin.accountId, 'account.unlocked')).toHaveLength(1);
    expect(asksForCode((await tryPassword(admin, admin.password, { zone: 'intranet' })).page)).toBe(true);
    expect(
      asksForCode(
        (await tryPassword(admin, admin.password, { zone: 'intranet', source: '127.0.0.10' })).page,
      ),
    ).toBe(true);
  });
});
