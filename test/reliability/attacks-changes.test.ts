/**
 * Attacks on sensitive account changes, password reset and device sign-in (issue #15,
 * findings 2, 3 and 9), against the local stack: a password change that skips the second
 * factor, reset codes guessed past their limit, reset mail flooding, a reset that tells known
 * names from unknown ones by the work it does, and a device confirmation that does not say
 * who is asking for what.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import {
  AccountStore,
  BackgroundMail,
  type Notifier,
  PasswordReset,
  totpCode,
  verifyPassword,
} from '../../libs/accounts/index.ts';
import { DEFAULT_LOCKOUT } from '../../libs/accounts/lockout.ts';
import type { AccountMessage } from '../../libs/accounts/notifier.ts';
import { createDynamoClient } from '../../libs/store/index.ts';
import { t } from '../../libs/web/index.ts';
import { CALLBACK, clientConfig, createPerson, isCallback, registerClient } from '../../testkit/oidc-flow.ts';
import { startTestStack } from '../../testkit/stack.ts';
import { type Page, signIn, UserAgent } from '../../testkit/user-agent.ts';

let stack: LocalStack;
let doc: DynamoDBDocumentClient;
let accounts: AccountStore;

beforeAll(async () => {
  stack = await startTestStack();
  doc = createDynamoClient({ endpoint: stack.dynamodbEndpoint });
  accounts = new AccountStore(doc, stack.tables.identity);
  await registerClient(stack, 'public', 'tax-passkey-site', { yitong_required_acr: 'urn:yitong:loa:3' });
}, 120_000);
afterAll(() => stack?.stop());

const passwordOf = async (accountId: string, password: string) =>
  verifyPassword(password, (await accounts.findById(accountId))!.password);

/** The codes the local outbox holds for one login name, oldest first. */
const outboxCodes = async (loginName: string): Promise<string[]> => {
  const page = await new UserAgent().follow(`${stack.urls.public}/outbox`);
  const rows = [
    ...page.html.matchAll(
      /<span class="to">([^<]+)<\/span>[^<]*<span class="kind">password-reset<\/span>[^<]*<code class="code">(\d{8})<\/code>/g,
    ),
  ];
  // The page lists the newest first.
  return rows
    .filter((m) => m[1] === loginName)
    .map((m) => m[2]!)
    .reverse();
};

const resetRequest = async (ua: UserAgent, username: string): Promise<Page> =>
  ua.submit(await ua.follow(`${stack.urls.public}/password/reset?lang=en`), '/password/reset', { username });

const resetConfirm = async (ua: UserAgent, username: string, code: string, password: string) =>
  ua.submit(
    await ua.follow(`${stack.urls.public}/password/reset/confirm?lang=en`),
    '/password/reset/confirm',
    { username, code, password },
  );

/** Posts the password change form for a person, with the given extra fields. */
const changePassword = (
  ua: UserAgent,
  form: Page,
  person: { username: string; password: string },
  password: string,
  extra: Record<string, string> = {},
) =>
  ua.submit(form, '/password/change', {
    username: person.username,
    current: person.password,
    password,
    ...extra,
  });

/** The page without what differs on every request (CSRF token, CSP nonce). */
const stable = (html: string) =>
  html
    .replace(/name="csrf" value="[^"]+"/g, 'csrf')
    .replace(/nonce-[^']+'/g, "nonce'")
    .replace(/nonce="[^"]+"/g, 'nonce');

describe('sensitive changes need the account’s strongest factor', () => {
  it('refuses a password change with the password alone on an account with a second factor', async () => {
    const person = await createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: true });
    const ua = new UserAgent();
    const form = await ua.follow(`${stack.urls.public}/password/change?lang=en`);
    const refused = await changePassword(ua, form, person, 'a new password nobody asked for');
    expect(refused.status).toBe(401);
    expect(await passwordOf(person.accountId, person.password)).toBe(true);
    const wrongCode = await changePassword(ua, form, person, 'a new password nobody asked for', {
      otp: '000000',
    });
    expect(wrongCode.status).toBe(401);
    expect(await passwordOf(person.accountId, person.password)).toBe(true);
    // With the security code too, the owner can change it.
    const changed = await changePassword(ua, form, person, 'the owner chose this one', {
      otp: totpCode(person.totpSecret!),
    });
    expect(changed.status).toBe(200);
    expect(await passwordOf(person.accountId, 'the owner chose this one')).toBe(true);
  });

  it('stops guessing the security code on the change page, even with the right password each time', async () => {
    const person = await createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: true });
    const ua = new UserAgent();
    const form = await ua.follow(`${stack.urls.public}/password/change?lang=en`);
    const right = totpCode(person.totpSecret!);
    const wrong = right === '000000' ? '000001' : '000000';
    // Wrong codes here spend the sign-in failure budget: the source waits once it is spent.
    for (let i = 1; i <= DEFAULT_LOCKOUT.sourceFailures; i++) {
      const guess = await changePassword(ua, form, person, 'a new password nobody asked for', { otp: wrong });
      expect(guess.status).toBe(i < DEFAULT_LOCKOUT.sourceFailures ? 401 : 423);
    }
    const late = await changePassword(ua, form, person, 'a new password nobody asked for', { otp: right });
    expect(late.status).toBe(423);
    expect(await passwordOf(person.accountId, person.password)).toBe(true);
  });

  it('refuses a password change confirmed by less than the passkey an account has', async () => {
    const person = await createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: true });
    await accounts.addPasskey((await accounts.findById(person.accountId))!, {
      credentialId: `passkey-of-${person.username}`,
      publicKey: 'not used: the attacker does not have this passkey',
      counter: 0,
      transports: [],
    });
    const ua = new UserAgent();
    const form = await ua.follow(`${stack.urls.public}/password/change?lang=en`);
    const attempts: Record<string, string>[] = [
      {},
      { otp: totpCode(person.totpSecret!) },
      { passkey: JSON.stringify({ id: `passkey-of-${person.username}`, response: {} }) },
    ];
    for (const extra of attempts) {
      const refused = await changePassword(ua, form, person, 'a new password nobody asked for', extra);
      expect(refused.status, JSON.stringify(extra)).toBe(401);
    }
    expect(await passwordOf(person.accountId, person.password)).toBe(true);
  });

  it('gives passkey challenges for a password change only to the page that holds the CSRF token', async () => {
    const url = `${stack.urls.public}/password/change/passkey-login-options`;
    const stranger = await fetch(url, { method: 'POST', headers: { 'x-csrf-token': 'guessed' } });
    expect(stranger.status).toBe(403);
    expect(await stranger.json()).toMatchObject({ error: 'invalid_request' });
    const ua = new UserAgent();
    const form = await ua.follow(`${stack.urls.public}/password/change?lang=en`);
    const csrf = /name="csrf" value="([^"]+)"/.exec(form.html)![1]!;
    const own = await ua.request(url, { method: 'POST', headers: { 'x-csrf-token': csrf } });
    expect(own.status).toBe(200);
    expect(JSON.parse(own.html)).toMatchObject({ userVerification: 'required' });
  });

  it('refuses to reset the authenticator app of an account whose strongest factor is a passkey', async () => {
    const person = await createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: true });
    const account = (await accounts.findById(person.accountId))!;
    await accounts.addPasskey(account, {
      credentialId: `passkey-of-${person.username}`,
      publicKey: 'not used: the attacker does not have this passkey',
      counter: 0,
      transports: [],
    });
    const before = (await accounts.findById(person.accountId))!;
    const config = await clientConfig(stack, 'public', 'tax-passkey-site');
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    });
    // The attacker has the password and the authenticator app, not the passkey.
    const ua = new UserAgent();
    const login = await ua.follow(url.href, isCallback);
    const passkeyPage = await ua.submit(login, '/login', {
      username: person.username,
      password: person.password,
    });
    expect(passkeyPage.html).toContain('passkey-login');
    const uid = /interaction\/([\w-]+)\//.exec(passkeyPage.html)![1]!;
    const csrf = /name="csrf" value="([^"]+)"/.exec(passkeyPage.html)![1]!;
    // The page asks for the passkey; the attacker posts the app's code to the code step instead.
    const coded = await ua.request(`${stack.urls.public}/interaction/${uid}/otp`, {
      form: { csrf, otp: totpCode(person.totpSecret!) },
    });
    expect(coded.html).toContain('passkey-login');
    const enrol = await ua.request(`${stack.urls.public}/interaction/${uid}/protect`, {
      form: { csrf, choice: 'totp' },
    });
    expect(enrol.status).toBe(403);
    const options = await ua.request(`${stack.urls.public}/interaction/${uid}/passkey/register-options`, {
      body: '{}',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
    });
    expect(options.status).toBe(403);
    const after = (await accounts.findById(person.accountId))!;
    // The authenticator app is still the one the person set up (a new one has a new date).
    expect(after.totp?.enabledAt).toBeDefined();
    expect(after.totp?.enabledAt).toBe(before.totp?.enabledAt);
    expect(after.passkeyIds).toEqual([`passkey-of-${person.username}`]);
  });
});

describe('sessions after a password change', () => {
  it('ends the account portal’s own session too, not only the sign-in session', async () => {
    const person = await createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: false });
    const ua = new UserAgent();
    const callback = await signIn(
      ua,
      `${stack.urls.public}/account/login`,
      (u) => u.pathname === '/account/callback',
      person,
    );
    await ua.follow(callback.href);
    expect((await ua.follow(`${stack.urls.public}/account/activity`)).status).toBe(200);
    // A thief holds this browser's cookies; the owner changes the password a little later.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 5_000 });
    try {
      const owner = new UserAgent();
      const form = await owner.follow(`${stack.urls.public}/password/change?lang=en`);
      expect((await changePassword(owner, form, person, 'the owner’s new password')).status).toBe(200);
      // The old cookie now leads to the issuer's sign-in form, not to the person's activity.
      const after = await ua.follow(`${stack.urls.public}/account/activity`);
      expect(after.url).toMatch(new RegExp(`^${stack.urls.public}/interaction/`));
      expect(after.html).toContain('name="username"');
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('password reset', () => {
  it('a new request does not give the code five more guesses', async () => {
    const person = await createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: false });
    const ua = new UserAgent();
    await resetRequest(ua, person.username);
    for (let i = 0; i < 5; i++) {
      const wrong = await resetConfirm(ua, person.username, '00000000', 'guessed password 123');
      expect(wrong.status).toBe(400);
    }
    await resetRequest(ua, person.username);
    const codes = await outboxCodes(person.username);
    expect(codes.length).toBeGreaterThanOrEqual(1);
    // Even the right code of the newest message is refused: the guesses are used up.
    const late = await resetConfirm(ua, person.username, codes.at(-1)!, 'guessed password 123');
    expect(late.status).toBe(400);
    expect(await passwordOf(person.accountId, person.password)).toBe(true);
  });

  it('limits reset requests for one account, answering every one with the same page', async () => {
    const person = await createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: false });
    const ua = new UserAgent();
    const pages: string[] = [];
    for (let i = 0; i < 10; i++) {
      const page = await resetRequest(ua, person.username);
      expect(page.status).toBe(200);
      pages.push(stable(page.html));
    }
    expect(new Set(pages).size).toBe(1);
    expect((await outboxCodes(person.username)).length).toBeLessThanOrEqual(3);
    // An unknown name gets that same page.
    const unknown = await resetRequest(ua, `nobody-${Date.now()}`);
    expect(stable(unknown.html).replace(/nobody-\d+/g, 'NAME')).toBe(
      pages[0]!.replaceAll(person.username, 'NAME'),
    );
  });

  it('does the same work for unknown names as for known ones, and sends mail off the request path', async () => {
    const person = await createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: false });
    const commands: string[] = [];
    const recording = new Proxy(doc, {
      get(target, prop, receiver) {
        if (prop !== 'send') return Reflect.get(target, prop, receiver);
        return (command: { constructor: { name: string }; input: { Key?: { pk?: string } } }) => {
          const pk = String(command.input.Key?.pk ?? (command.input as { Item?: { pk?: string } }).Item?.pk);
          commands.push(`${command.constructor.name} ${pk.split('#')[0]}`);
          return target.send(command as never);
        };
      },
    });
    // A mail system that never answers: the request must not wait for it.
    const sent: AccountMessage[] = [];
    const stuck: Notifier = {
      send: (message) => {
        sent.push(message);
        return new Promise(() => undefined);
      },
    };
    const reset = new PasswordReset(
      recording,
      stack.tables.identity,
      new AccountStore(recording, stack.tables.identity),
      new BackgroundMail(stuck),
      ['a reset code key for this test, 32 characters or more'],
    );
    const within = <T>(p: Promise<T>) =>
      Promise.race([
        p,
        new Promise<never>((_, no) => setTimeout(() => no(new Error('waited for the mail')), 3000)),
      ]);
    await within(reset.request(person.username, 'en'));
    const known = commands.splice(0);
    await within(reset.request(`nobody-${Date.now()}`, 'en'));
    const unknown = commands.splice(0);
    expect(unknown).toEqual(known);
    await new Promise((r) => setTimeout(r, 50));
    expect(sent.map((m) => m.to.loginName)).toEqual([person.username]);
  });

  it('limits reset requests from one source address', async () => {
    const ua = new UserAgent();
    const statuses: number[] = [];
    for (let i = 0; i < 70; i++) statuses.push((await resetRequest(ua, `spray-${i}-${Date.now()}`)).status);
    expect(statuses.slice(0, 10).every((s) => s === 200)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
  }, 60_000);
});

describe('device sign-in', () => {
  // Only yitong's own command line may use the device grant (the client rules): it asks for the
  // admin API, and the page must say who asks and what for before anyone confirms.
  const confirmPage = async (lang: 'en' | 'zh-CN') => {
    const started = await fetch(`${stack.urls.intranet}/device/auth`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: 'yitong-cli',
        scope: 'openid admin',
        resource: `${stack.urls.intranet}/admin`,
      }),
    });
    expect(started.status, await started.clone().text()).toBe(200);
    const { user_code } = (await started.json()) as { user_code: string };
    const ua = new UserAgent();
    ua.plant('yitong_lang', lang);
    const input = await ua.follow(`${stack.urls.intranet}/device`);
    return ua.submit(input, '/device', { user_code });
  };

  it('names the application, its department and what it asks for, in both languages', async () => {
    const en = await confirmPage('en');
    expect(en.status).toBe(200);
    expect(en.html).toContain('yitong command line 一通命令行');
    expect(en.html).toMatch(/id="device-department">yitong</);
    expect(en.html).toContain(t('en', 'scope_admin'));
    expect(en.html).toContain(`${stack.urls.intranet}/admin`);
    const zh = await confirmPage('zh-CN');
    expect(zh.html).toContain('yitong command line 一通命令行');
    expect(zh.html).toContain(t('zh-CN', 'scope_admin'));
    expect(zh.html).toMatch(/id="device-department">一通</);
  });

  it('asks for the code in the page’s language only', async () => {
    for (const lang of ['en', 'zh-CN'] as const) {
      const other = lang === 'en' ? 'zh-CN' : 'en';
      const ua = new UserAgent();
      ua.plant('yitong_lang', lang);
      const input = await ua.follow(`${stack.urls.intranet}/device`);
      expect(input.html).toContain(t(lang, 'deviceInputTitle'));
      expect(input.html).toContain(`aria-label="${t(lang, 'deviceCodeLabel')}"`);
      expect(input.html).not.toContain(t(other, 'deviceInputTitle'));
      const wrong = await ua.submit(input, '/device', { user_code: 'WRONG-CODE' });
      expect(wrong.html).toContain(t(lang, 'deviceCodeWrong'));
    }
  });
});
