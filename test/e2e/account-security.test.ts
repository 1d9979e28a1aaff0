import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { AccountStore, newTotpSecret, totpCode } from '../../libs/accounts/index.ts';
import { createDynamoClient } from '../../libs/store/index.ts';
import { CALLBACK, clientConfig, createPerson, isCallback, registerClient } from '../../testkit/oidc-flow.ts';
import { startTestStack } from '../../testkit/stack.ts';
import { type Page, signIn, UserAgent } from '../../testkit/user-agent.ts';
import { auditEvents } from '../support/audit.ts';

let stack: LocalStack;
let store: AccountStore;
const SITE = 'security-site';

beforeAll(async () => {
  stack = await startTestStack({ memory: true, ports: { public: 0, extranet: 0, intranet: 0 } });
  store = new AccountStore(createDynamoClient({ endpoint: stack.dynamodbEndpoint }), stack.tables.identity);
  await registerClient(stack, 'public', SITE);
});
afterAll(async () => {
  await stack?.stop();
});

const onPage = (path: string) => (u: URL) => u.pathname === path;

/** A citizen with an email address (notices need somewhere to go), TOTP enrolled when asked. */
const citizen = async (totp: boolean) => {
  const person = await createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp });
  const account = (await store.findById(person.accountId))!;
  await store.update(account, { email: `${person.username}@example.cn` });
  return person;
};

/** Signs in to the account centre and opens the sign-in and security page. */
const securityPage = async (person: Parameters<typeof signIn>[3]) => {
  const ua = new UserAgent();
  await signIn(
    ua,
    `${stack.urls.public}/account/login?returnTo=/account/security`,
    onPage('/account/security'),
    person,
  );
  return { ua, page: await ua.follow(`${stack.urls.public}/account/security`) };
};

const csrfOf = (page: Page) => /name="csrf" value="([^"]+)"/.exec(page.html)![1]!;

/** The notices the stack's outbox holds for a person, by kind (delivery runs in the background). */
const noticesTo = (loginName: string, notice: string) =>
  stack.outbox.messages.filter(
    (m) => m.to.loginName === loginName && m.kind === 'notice' && m.notice === notice,
  );

const eventsOf = async (accountId: string, type: string) =>
  (await auditEvents(stack)).filter((e) => e.type === type && e.subject === accountId);

/** Starts a sign-in at the test site and sends the password: the page that follows. */
const startSignIn = async (ua: UserAgent, person: { username: string; password: string }) => {
  const config = await clientConfig(stack, 'public', SITE);
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: CALLBACK,
    scope: 'openid',
    code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
    code_challenge_method: 'S256',
    state: oidc.randomState(),
  });
  const login = await ua.follow(url.href, isCallback);
  return ua.submit(login, '/login', { username: person.username, password: person.password }, isCallback);
};

/** After the second factor: the rest of the sign-in (consent), asking for no code again. */
const finish = (ua: UserAgent, page: Page, person: { username: string; password: string }) =>
  isCallback(new URL(page.url))
    ? Promise.resolve(new URL(page.url))
    : signIn(ua, page.url, isCallback, { username: person.username, password: person.password });

describe('sign-in and security in the account centre', () => {
  it('refuses a change without a fresh sign-in at the account’s highest level, and asks for one', async () => {
    const person = await citizen(false);
    const { ua, page } = await securityPage(person);
    // Signed in with the password just now, and the password is all the account has: fresh.
    expect(page.html).toContain('id="fresh"');
    // A second factor added since (elsewhere): the sign-in is no longer at the highest level.
    const secret = newTotpSecret();
    const account = (await store.findById(person.accountId))!;
    await store.update(account, {
      totp: { secret, enabledAt: new Date().toISOString(), lastStep: 0, recoveryCodes: [] },
    });
    const stale = await ua.follow(`${stack.urls.public}/account/security`);
    expect(stale.status).toBe(200);
    expect(stale.html).toContain('id="confirm-link"');
    expect(stale.html).not.toContain('action="account/security/recovery-codes"');
    expect(stale.html).not.toContain('id="totp-link"');
    // The form posted anyway: nothing changes, and the person is sent to sign in again at level 2.
    const refused = await ua.request(`${stack.urls.public}/account/security/recovery-codes`, {
      form: { csrf: csrfOf(stale) },
    });
    expect(refused.status).toBe(303);
    const to = new URL(refused.headers.get('location')!, refused.url);
    expect(to.pathname).toBe('/account/login');
    expect(to.searchParams.get('fresh')).toBe('1');
    expect(to.searchParams.get('acr')).toBe('urn:yitong:loa:2');
    expect((await store.findById(person.accountId))!.totp?.recovery).toBeUndefined();
    expect(await eventsOf(person.accountId, 'mfa.recovery_codes_regenerated')).toEqual([]);
    // Without the session's CSRF token the form is refused outright.
    const forged = await ua.request(`${stack.urls.public}/account/security/recovery-codes`, {
      form: { csrf: 'forged' },
    });
    expect(forged.status).toBe(403);
    // Confirming it's them asks for the password and the code again, then comes back, fresh.
    const confirmed = await ua.follow(
      `${stack.urls.public}/account/security/confirm`,
      onPage('/account/security'),
    );
    const back = await signIn(ua, confirmed.url, onPage('/account/security'), {
      ...person,
      totpSecret: secret,
    });
    expect(back.pathname).toBe('/account/security');
    const fresh = await ua.follow(back.href);
    expect(fresh.html).toContain('id="fresh"');
    expect(fresh.html).toContain('action="account/security/recovery-codes"');
  });

  it('replaces the authenticator app: the old app’s codes fail, the new one’s work, told and audited once', async () => {
    const person = await citizen(true);
    const { ua, page } = await securityPage(person);
    expect(page.html).toContain('id="fresh"');
    const setup = await ua.follow(`${stack.urls.public}/account/security/totp`);
    expect(setup.status).toBe(200);
    const secret = /id="totp-secret">([A-Z2-7]+)</.exec(setup.html)![1]!;
    expect(secret).not.toBe(person.totpSecret);
    // A wrong code: the same new app is asked for again, and nothing changed.
    const wrong = await ua.submit(setup, '/account/security/totp', { otp: '000000' });
    expect(wrong.status).toBe(400);
    expect(wrong.html).toContain(`id="totp-secret">${secret}<`);
    expect(wrong.html).toContain('error-summary');
    const done = await ua.submit(wrong, '/account/security/totp', { otp: totpCode(secret) });
    expect(new URL(done.url).searchParams.get('done')).toBe('totp-replaced');
    expect(done.html).toContain('id="done"');

    // The old app no longer signs in.
    const other = new UserAgent();
    const otp = await startSignIn(other, person);
    expect(otp.html).toContain('/otp" novalidate');
    const old = await other.submit(
      otp,
      '/otp',
      { otp: totpCode(person.totpSecret!, Date.now() + 30_000) },
      isCallback,
    );
    expect(old.status).toBe(400);
    // The new one does (its next code: the confirming one was this step's).
    const signedIn = await other.submit(
      old,
      '/otp',
      { otp: totpCode(secret, Date.now() + 30_000) },
      isCallback,
    );
    expect(signedIn.html).not.toContain('/otp" novalidate');
    expect(isCallback(await finish(other, signedIn, person))).toBe(true);

    expect(await eventsOf(person.accountId, 'mfa.totp_replaced')).toHaveLength(1);
    await vi.waitFor(() => expect(noticesTo(person.username, 'totp-replaced')).toHaveLength(1));
    expect(noticesTo(person.username, 'totp-replaced')[0]).toMatchObject({
      channel: 'email',
      to: { email: `${person.username}@example.cn` },
    });
  });

  it('regenerates recovery codes, shown once: the old ones stop working, a new one signs in and is told', async () => {
    const person = await citizen(true);
    const { ua, page } = await securityPage(person);
    const codesOf = (p: Page) =>
      [
        ...(/id="recovery-codes">([\s\S]*?)<\/ul>/.exec(p.html)?.[1] ?? '').matchAll(
          /<li>([A-Z0-9-]+)<\/li>/g,
        ),
      ].map((m) => m[1]!);
    const first = await ua.submit(page, '/account/security/recovery-codes', {});
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('no-store');
    const old = codesOf(first);
    expect(old).toHaveLength(10);
    const again = await ua.follow(`${stack.urls.public}/account/security`);
    expect(again.html).toContain('Unused recovery codes: 10.');
    const second = await ua.submit(again, '/account/security/recovery-codes', {});
    const codes = codesOf(second);
    expect(codes).toHaveLength(10);
    expect(codes.some((c) => old.includes(c))).toBe(false);
    // The page that listed them does not list them again.
    expect(codesOf(await ua.follow(`${stack.urls.public}/account/security`))).toEqual([]);

    const other = new UserAgent();
    const otp = await startSignIn(other, person);
    const refused = await other.submit(otp, '/otp', { otp: old[0]! }, isCallback);
    expect(refused.status).toBe(400);
    const signedIn = await other.submit(refused, '/otp', { otp: codes[0]! }, isCallback);
    expect(signedIn.html).not.toContain('/otp" novalidate');
    expect(isCallback(await finish(other, signedIn, person))).toBe(true);

    expect(await eventsOf(person.accountId, 'mfa.recovery_codes_regenerated')).toHaveLength(2);
    await vi.waitFor(() => {
      expect(noticesTo(person.username, 'recovery-codes-regenerated')).toHaveLength(2);
      expect(noticesTo(person.username, 'recovery-code-used')).toHaveLength(1);
    });
  });

  it('lists passkeys with their name and dates, and removes none without a fresh sign-in by passkey', async () => {
    const person = await citizen(false);
    const { ua } = await securityPage(person);
    let account = (await store.findById(person.accountId))!;
    account = await store.addPasskey(account, {
      credentialId: 'e2e-passkey-credential',
      publicKey: 'not-a-key',
      counter: 0,
      transports: [],
      name: 'My <phone>',
    });
    const page = await ua.follow(`${stack.urls.public}/account/security`);
    expect(page.html).toContain('My &#60;phone&#62;');
    expect(page.html).toContain('Not used yet');
    // A passkey now makes level 3 the account's highest: the password sign-in is not enough.
    expect(page.html).toContain('id="confirm-link"');
    expect(page.html).not.toContain('action="account/security/passkeys/remove"');
    const refused = await ua.request(`${stack.urls.public}/account/security/passkeys/remove`, {
      form: { csrf: csrfOf(page), passkey: 'e2e-passkey-credential', understood: 'yes' },
    });
    expect(refused.status).toBe(303);
    expect(new URL(refused.headers.get('location')!, refused.url).searchParams.get('acr')).toBe(
      'urn:yitong:loa:3',
    );
    expect((await store.findById(person.accountId))!.passkeyIds).toEqual(['e2e-passkey-credential']);
    expect(await store.findPasskey('e2e-passkey-credential')).toBeDefined();
    expect(await eventsOf(person.accountId, 'mfa.passkey_removed')).toEqual([]);
  });

  it('answers in Chinese too', async () => {
    const person = await citizen(true);
    const { ua } = await securityPage(person);
    const zh = await ua.request(`${stack.urls.public}/account/security?lang=zh-CN`);
    expect(zh.status).toBe(200);
    expect(zh.html).toContain('<h1>登录与安全</h1>');
    expect(zh.html).toContain('重新生成恢复码');
  });

  it('a password change sends the notice, audited once', async () => {
    const person = await citizen(false);
    const { ua, page } = await securityPage(person);
    expect(page.html).toContain('href="password/change?lang=en"');
    const form = await ua.follow(`${stack.urls.public}/password/change?lang=en`);
    const changed = await ua.submit(form, '/password/change', {
      username: person.username,
      current: person.password,
      password: 'a brand new password',
    });
    expect(changed.status).toBe(200);
    expect(await eventsOf(person.accountId, 'password.changed')).toHaveLength(1);
    await vi.waitFor(() => expect(noticesTo(person.username, 'password-changed')).toHaveLength(1));
  });
});
