import { ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalDemo } from '../../examples/department-site/local-demo.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import { AccountStore } from '../../libs/accounts/index.ts';
import { createDynamoClient } from '../../libs/store/index.ts';
import { t } from '../../libs/web/index.ts';
import { type Page, signIn, UserAgent } from '../../testkit/user-agent.ts';
import { auditEvents } from '../support/audit.ts';

let stack: LocalStack;
let tax: string;
const isTaxCallback = (url: URL) => url.pathname === '/callback' && url.origin === new URL(tax).origin;

beforeAll(async () => {
  stack = await startLocalDemo({
    memory: true,
    ports: { public: 0, extranet: 0, intranet: 0 },
    demoSites: { tax: 0, housing: 0 },
  });
  tax = stack.demo.sites.tax.url;
});
afterAll(() => stack?.stop());

/** Opens the sign-in page of the demo tax site in a fresh agent. */
const loginPage = async () => {
  const ua = new UserAgent();
  const page = await ua.follow(`${tax}/login`);
  const uid = /interaction\/([\w-]+)\/login/.exec(page.html)![1]!;
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.html)![1]!;
  return { ua, page, uid, csrf, base: stack.urls.public };
};

const signsIn = async (username: string, password: string) => {
  const ua = new UserAgent();
  const callback = await signIn(ua, `${tax}/login`, isTaxCallback, { username, password });
  const home = await ua.follow(callback.href);
  return home.html.includes('Signed in as');
};

describe('registration and passwords', () => {
  it('registers a citizen from a service and signs them in to it without typing the password again', async () => {
    const { ua, page } = await loginPage();
    const register = await ua.follow(
      ua.resolve(page, /href="(interaction\/[\w-]+\/register[^"]*)"/.exec(page.html)![1]!),
    );
    const protect = await ua.submit(register, '/register', {
      kind: 'citizen',
      displayName: 'Chen Jing',
      username: 'chen.jing',
      email: 'chen.jing@example.gov',
      password: 'chen jing password',
    });
    const consent = await ua.submit(protect, '/protect', { choice: 'skip' });
    const callback = await ua.submit(consent, '/consent', { decision: 'allow' }, isTaxCallback);
    expect(isTaxCallback(new URL(callback.url))).toBe(true);
    expect((await ua.follow(callback.url)).html).toContain('Signed in as');
    expect(await signsIn('chen.jing', 'chen jing password')).toBe(true);
  });

  it('registers citizens only: no account-type choice, and a forged kind=company makes a citizen (issue #20)', async () => {
    const ua = new UserAgent();
    const form = await ua.follow(`${stack.urls.public}/register?lang=en`);
    expect(form.html).not.toContain('name="kind"');
    const registered = await ua.submit(form, '/register', {
      kind: 'company',
      displayName: 'Forged Company Ltd',
      username: 'forged.company',
      password: 'forged company password',
    });
    expect(registered.status).toBe(201);
    const accounts = new AccountStore(
      createDynamoClient({ endpoint: stack.dynamodbEndpoint }),
      stack.tables.identity,
    );
    expect(await accounts.findByLoginName('forged.company')).toMatchObject({
      kind: 'citizen',
      roles: ['citizen'],
    });
    const trail = await auditEvents(stack);
    expect(
      trail.filter((e) => e.type === 'account.registered' && JSON.stringify(e).includes('"kind":"company"')),
    ).toHaveLength(0);
  });

  it('registers one account per sign-in: a second registration in it is refused with a page, not a 500', async () => {
    const { ua, page } = await loginPage();
    const register = await ua.follow(
      ua.resolve(page, /href="(interaction\/[\w-]+\/register[^"]*)"/.exec(page.html)![1]!),
    );
    const fields = (n: number) => ({
      kind: 'citizen',
      displayName: `Repeat ${n}`,
      username: `repeat.${n}`,
      password: 'repeat registration password',
    });
    const protect = await ua.submit(register, '/register', fields(1));
    expect(protect.html).toContain('/protect');
    const again = await ua.submit(register, '/register', fields(2));
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toContain('text/html');
    const accounts = new AccountStore(
      createDynamoClient({ endpoint: stack.dynamodbEndpoint }),
      stack.tables.identity,
    );
    expect(await accounts.findByLoginName('repeat.1')).toBeDefined();
    expect(await accounts.findByLoginName('repeat.2')).toBeUndefined();
  });

  it('explains what to fix when registration details are not acceptable', async () => {
    const ua = new UserAgent();
    const form = await ua.follow(`${stack.urls.public}/register?lang=en`);
    const page = await ua.submit(form, '/register', {
      kind: 'citizen',
      displayName: '',
      username: 'x',
      email: 'nope',
      password: 'short',
    });
    expect(page.status).toBe(400);
    expect(page.html).toContain('Login name must be at least 3 characters');
    expect(page.html).toContain('Password must be at least 10 characters');
    expect(page.html).toContain('Enter an email address in the correct format');
    const taken = await ua.submit(await ua.follow(`${stack.urls.public}/register?lang=en`), '/register', {
      kind: 'citizen',
      displayName: 'Z',
      username: 'ZHANG.SAN',
      password: 'long enough password',
    });
    expect(taken.status).toBe(409);
    expect(taken.html).toContain('That login name is taken');
  });

  it('resets a forgotten password with a code from the outbox', async () => {
    const ua = new UserAgent();
    const registered = await ua.submit(
      await ua.follow(`${stack.urls.public}/register?lang=en`),
      '/register',
      {
        displayName: 'Acme Ltd',
        username: 'acme.ltd',
        email: 'it@acme.example',
        password: 'acme original password',
      },
    );
    expect(registered.status).toBe(201);
    const request = await ua.follow(`${stack.urls.public}/password/reset?lang=en`);
    const confirm = await ua.submit(request, '/password/reset', { username: 'acme.ltd' });
    expect(confirm.html).toContain('a code is on its way');
    const outbox = await ua.follow(`${stack.urls.public}/outbox`);
    const code = [
      ...outbox.html.matchAll(
        /<span class="to">acme\.ltd<\/span>[^<]*<span class="kind">password-reset<\/span>[^<]*<code class="code">(\d{8})<\/code>/g,
      ),
    ].at(-1)![1]!;
    const wrong = await ua.submit(confirm, '/password/reset/confirm', {
      username: 'acme.ltd',
      code: '12345678',
      password: 'acme brand new password',
    });
    expect(wrong.status).toBe(400);
    const done = await ua.submit(confirm, '/password/reset/confirm', {
      username: 'acme.ltd',
      code,
      password: 'acme brand new password',
    });
    expect(done.html).toContain('Your password has been changed');
    expect(await signsIn('acme.ltd', 'acme brand new password')).toBe(true);
    const { ua: other, page } = await loginPage();
    const old = await other.submit(page, '/login', {
      username: 'acme.ltd',
      password: 'acme original password',
    });
    expect(old.status).toBe(401);
  });

  it('changes a password given the current one', async () => {
    const ua = new UserAgent();
    await ua.submit(await ua.follow(`${stack.urls.public}/register?lang=en`), '/register', {
      kind: 'citizen',
      displayName: 'Liu Yang',
      username: 'liu.yang',
      password: 'liu yang first password',
    });
    const form = await ua.follow(`${stack.urls.public}/password/change?lang=en`);
    const refused = await ua.submit(form, '/password/change', {
      username: 'liu.yang',
      current: 'not it at all',
      password: 'liu yang second password',
    });
    expect(refused.status).toBe(401);
    const changed = await ua.submit(form, '/password/change', {
      username: 'liu.yang',
      current: 'liu yang first password',
      password: 'liu yang second password',
    });
    expect(changed.html).toContain('Your password has been changed');
    expect(await signsIn('liu.yang', 'liu yang second password')).toBe(true);
  });
});

describe('registration and reset from a service are bound to its browser', () => {
  const outboxCode = async (loginName: string) => {
    const outbox = await (await fetch(`${stack.urls.public}/outbox`)).text();
    const escaped = loginName.replace(/[.]/g, '\\.');
    return [
      ...outbox.matchAll(
        new RegExp(
          `<span class="to">${escaped}</span>[^<]*<span class="kind">password-reset</span>[^<]*<code class="code">(\\d{8})</code>`,
          'g',
        ),
      ),
    ].at(-1)![1]!;
  };

  it('does not sign a victim’s browser in as the account someone reset with the victim’s interaction id', async () => {
    const victim = await loginPage();
    const attacker = new UserAgent();
    await attacker.submit(await attacker.follow(`${stack.urls.public}/register?lang=en`), '/register', {
      kind: 'citizen',
      displayName: 'Mallory',
      username: 'mallory.reset',
      email: 'mallory@example.org',
      password: 'mallory first password',
    });
    const confirm = await attacker.submit(
      await attacker.follow(`${stack.urls.public}/password/reset?lang=en&interaction=${victim.uid}`),
      '/password/reset',
      { username: 'mallory.reset' },
    );
    const handedOver = await attacker.submit(confirm, '/password/reset/confirm', {
      username: 'mallory.reset',
      code: await outboxCode('mallory.reset'),
      password: 'mallory second password',
    });
    // The attacker's browser holds no cookie of the victim's interaction: nothing continues there.
    expect(handedOver.status).toBe(400);
    // Nor in the victim's browser, whose CSRF cookie is not the one the reset was made with.
    const page = await victim.ua.follow(`${victim.base}/interaction/${victim.uid}`, isTaxCallback);
    expect(page.html).toContain('/login" novalidate');
    expect(page.html).not.toContain('Mallory');
    const trail = await auditEvents(stack);
    expect(trail.filter((e) => e.type === 'login.success' && e.correlationId === victim.uid)).toHaveLength(0);
  });

  it('does not let the browser whose sign-in id a victim’s reset carried take the victim’s account', async () => {
    // The attack: send a victim the real reset link with your own sign-in's id, wait for the
    // reset, then carry on your sign-in's later steps (skip or set up a second factor).
    const attacker = await loginPage();
    const victim = new UserAgent();
    await victim.submit(await victim.follow(`${stack.urls.public}/register?lang=en`), '/register', {
      kind: 'citizen',
      displayName: 'Victim',
      username: 'victim.handover',
      email: 'victim@example.org',
      password: 'victim first password',
    });
    const confirm = await victim.submit(
      await victim.follow(`${stack.urls.public}/password/reset?lang=en&interaction=${attacker.uid}`),
      '/password/reset',
      { username: 'victim.handover' },
    );
    await victim.submit(confirm, '/password/reset/confirm', {
      username: 'victim.handover',
      code: await outboxCode('victim.handover'),
      password: 'victim second password',
    });
    const victimId = (
      await new AccountStore(
        createDynamoClient({ endpoint: stack.dynamodbEndpoint }),
        stack.tables.identity,
      ).findByLoginName('victim.handover')
    )?.id;
    expect(victimId).toBeDefined();
    for (const [step, choice] of [
      ['protect', 'skip'],
      ['protect', 'totp'],
    ] as const) {
      const page = await attacker.ua.request(`${attacker.base}/interaction/${attacker.uid}/${step}`, {
        form: { csrf: attacker.csrf, choice },
      });
      expect(page.status).toBeGreaterThanOrEqual(400);
      expect(page.html).not.toContain('Victim');
    }
    // And the attacker's own sign-in page is the sign-in form, not a hand-over.
    const page = await attacker.ua.follow(`${attacker.base}/interaction/${attacker.uid}`, isTaxCallback);
    expect(page.html).toContain('/login" novalidate');
    const trail = await auditEvents(stack);
    expect(
      trail.filter((e) => e.type === 'login.success' && e.subject === victimId && victimId),
    ).toHaveLength(0);
  });

  it('leaves a victim’s sign-in in progress alone when someone resets their own account with its id', async () => {
    const victim = await loginPage();
    const second = await victim.ua.submit(victim.page, '/login', {
      username: 'li.si',
      password: 'demo-staff-2026',
    });
    expect(second.html).toContain('/otp');
    const attacker = new UserAgent();
    await attacker.submit(await attacker.follow(`${stack.urls.public}/register?lang=en`), '/register', {
      kind: 'citizen',
      displayName: 'Mallory',
      username: 'mallory.swap',
      email: 'mallory@example.org',
      password: 'mallory first password',
    });
    const confirm = await attacker.submit(
      await attacker.follow(`${stack.urls.public}/password/reset?lang=en&interaction=${victim.uid}`),
      '/password/reset',
      { username: 'mallory.swap' },
    );
    await attacker.submit(confirm, '/password/reset/confirm', {
      username: 'mallory.swap',
      code: await outboxCode('mallory.swap'),
      password: 'mallory second password',
    });
    // The victim's sign-in still belongs to the victim: a wrong code counts against li.si's
    // budget as before, and nothing of Mallory's account appears.
    const wrong = await victim.ua.submit(second, '/otp', { code: '000000' });
    expect(wrong.html).not.toContain('Mallory');
    expect(wrong.html).toContain('/otp');
  });

  it('refuses a registration posted to an interaction without that interaction’s token, and creates no account', async () => {
    const victim = await loginPage();
    const other = await loginPage();
    // Another browser's interaction token, and no token at all.
    for (const csrf of [other.csrf, '']) {
      const refused = await victim.ua.request(`${victim.base}/interaction/${victim.uid}/register`, {
        form: {
          csrf,
          kind: 'citizen',
          displayName: 'Forged',
          username: `forged.${csrf ? 'other' : 'none'}`,
          password: 'forged registration password',
        },
      });
      expect(refused.status).toBe(403);
    }
    const trail = await auditEvents(stack);
    expect(
      trail.filter((e) => e.type === 'account.registered' && JSON.stringify(e).includes('forged.')),
    ).toHaveLength(0);
  });

  it('audits a registration from a service once, and its sign-in once', async () => {
    const { ua, page, uid } = await loginPage();
    const register = await ua.follow(`${stack.urls.public}/interaction/${uid}/register?lang=en`);
    const protect = await ua.submit(register, '/register', {
      displayName: 'Audited Ltd',
      username: 'audited.ltd',
      password: 'audited registration password',
    });
    const consent = await ua.submit(protect, '/protect', { choice: 'skip' });
    await ua.submit(consent, '/consent', { decision: 'allow' }, isTaxCallback);
    expect(page.status).toBe(200);
    const trail = await auditEvents(stack);
    const signedIn = trail.filter((e) => e.type === 'login.success' && e.correlationId === uid);
    expect(signedIn).toHaveLength(1);
    expect(
      trail.filter((e) => e.type === 'account.registered' && e.actor === signedIn[0]!.actor),
    ).toHaveLength(1);
  });
});

describe('second factors', () => {
  it('cannot be replaced by someone who knows only the password', async () => {
    const { ua, page, uid, base } = await loginPage();
    const otpPage = await ua.submit(page, '/login', { username: 'li.si', password: 'demo-staff-2026' });
    expect(otpPage.html).toContain('/otp" novalidate');
    const csrf = /name="csrf" value="([^"]+)"/.exec(otpPage.html)![1]!;
    const enrol = await ua.request(`${base}/interaction/${uid}/enrol`, { form: { csrf, otp: '123456' } });
    expect(enrol.status).toBe(403);
    expect(enrol.html).toContain('second factor this account already has');
    const passkey = await ua.request(`${base}/interaction/${uid}/passkey/register-options`, {
      body: '{}',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
    });
    expect(passkey.status).toBe(403);
    for (const choice of ['totp', 'skip']) {
      const protect = await ua.request(`${base}/interaction/${uid}/protect`, { form: { csrf, choice } });
      expect(protect.status).toBe(403);
    }
    // Nothing above signed them in: the security code is still what is asked for.
    const again = await ua.request(`${base}/interaction/${uid}/otp`, { form: { csrf, otp: '000000' } });
    expect(again.html).toContain('/otp" novalidate');
  });
});

describe('bad input gets a clear 4xx, never a 500', () => {
  const expectClear = (page: Page, status: number, text: RegExp) => {
    expect(page.status).toBe(status);
    expect(page.html).toMatch(text);
  };

  it('refuses a form sent as JSON, an oversized form and a field sent twice', async () => {
    const { ua, uid, csrf, base } = await loginPage();
    expectClear(
      await ua.request(`${base}/interaction/${uid}/login`, {
        body: JSON.stringify({ csrf, username: 'a', password: 'b' }),
        headers: { 'content-type': 'application/json' },
      }),
      415,
      /x-www-form-urlencoded/,
    );
    expectClear(
      await ua.request(`${base}/interaction/${uid}/login`, {
        form: { csrf, username: 'a'.repeat(9000), password: 'b' },
      }),
      413,
      /too large/,
    );
    expectClear(
      await ua.request(`${base}/interaction/${uid}/login`, {
        body: `csrf=${csrf}&username=a&username=b&password=c`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
      400,
      /sent twice/,
    );
  });

  it('names an overlong or missing field', async () => {
    const { ua, uid, csrf, base } = await loginPage();
    const page = await ua.request(`${base}/interaction/${uid}/login`, {
      form: { csrf, username: 'u'.repeat(65), password: '' },
    });
    expectClear(page, 400, /Your login name is too long/);
    expect(page.html).toContain('Enter your password.');
  });

  it('refuses a post without the CSRF token, and one from another browser', async () => {
    const { ua, uid, base } = await loginPage();
    expectClear(
      await ua.request(`${base}/interaction/${uid}/login`, {
        form: { username: 'zhang.san', password: 'demo-citizen-2026' },
      }),
      403,
      /form expired/,
    );
    const { csrf } = await loginPage();
    const stranger = new UserAgent();
    expectClear(
      await stranger.request(`${base}/interaction/${uid}/login`, {
        form: { csrf, username: 'zhang.san', password: 'demo-citizen-2026' },
      }),
      400,
      /expired or was started in another browser/,
    );
  });

  it('answers unknown interactions, unknown steps and wrong methods', async () => {
    const { ua, uid, base } = await loginPage();
    expectClear(
      await ua.request(`${base}/interaction/not-a-real-one`),
      400,
      /expired or was started in another browser/,
    );
    expectClear(
      await ua.request(`${base}/interaction/${uid}/teleport`, { form: {}, headers: { accept: 'text/html' } }),
      404,
      /Page not found/,
    );
    expectClear(await ua.request(`${base}/interaction/${uid}/login`), 405, /use POST/);
    expectClear(await ua.request(`${base}/interaction/${'x'.repeat(200)}`), 404, /Page not found/);
  });

  it('says what went wrong in Chinese on a Chinese page: unknown, expired and forged requests', async () => {
    const { ua, uid, csrf, base } = await loginPage();
    const zh = { headers: { 'accept-language': 'zh-CN', accept: 'text/html' } };
    const chinese = (page: Page, status: number, words: string) => {
      expect(page.status).toBe(status);
      expect(page.html).toContain('lang="zh-CN"');
      expect(page.html).toContain(words);
    };
    chinese(
      await ua.request(`${base}/interaction/${'x'.repeat(200)}`, zh),
      404,
      t('zh-CN', 'edge_notFoundTitle'),
    );
    chinese(
      await ua.request(`${base}/interaction/${uid}/teleport`, { ...zh, form: {} }),
      404,
      t('zh-CN', 'edge_notFoundTitle'),
    );
    chinese(
      await ua.request(`${base}/interaction/not-a-real-one`, zh),
      400,
      t('zh-CN', 'step_interactionGone'),
    );
    chinese(
      await ua.request(`${base}/interaction/${uid}/login`, {
        ...zh,
        form: { csrf: 'forged', username: 'zhang.san', password: 'demo-citizen-2026' },
      }),
      403,
      t('zh-CN', 'step_formExpired'),
    );
    chinese(
      await ua.request(`${base}/interaction/${uid}/login`, zh),
      405,
      t('zh-CN', 'step_methodNotAllowed', { methods: 'POST' }),
    );
    // A passkey call keeps English for programs, and gives the page the person's words.
    const passkey = await ua.request(`${base}/interaction/${uid}/passkey/login`, {
      body: '{not json',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf, 'accept-language': 'zh-CN' },
    });
    expect(JSON.parse(passkey.html)).toEqual({
      error: 'invalid_request',
      code: 'step_jsonInvalid',
      detail: t('en', 'step_jsonInvalid'),
      message: t('zh-CN', 'step_jsonInvalid'),
    });
  });

  it('switches language on the first-password step’s error page to the sign-in page, not a POST-only step', async () => {
    const { ua, uid, csrf, base } = await loginPage();
    const refused = await ua.request(`${base}/interaction/${uid}/new-password`, {
      form: { csrf, password: 'a brand new password' },
    });
    expect(refused.status).toBe(400);
    expect(refused.html).toContain(t('en', 'step_signInExpired'));
    const target = (/<a href="([^"]+)"[^>]*hreflang="zh-CN"/.exec(refused.html)?.[1] ?? '').replace(
      /&amp;/g,
      '&',
    );
    expect(target).toBe(`interaction/${uid}?lang=zh-CN`);
    const switched = await ua.request(`${base}/${target}`);
    expect(switched.status).toBe(200);
    expect(switched.html).toContain('lang="zh-CN"');
    expect(switched.html).toContain(t('zh-CN', 'signInTitle'));
  });

  it('treats an expired interaction as expired', async () => {
    const { ua, uid, csrf, base } = await loginPage();
    const doc = createDynamoClient({ endpoint: stack.dynamodbEndpoint });
    await doc.send(
      new UpdateCommand({
        TableName: stack.tables.identity,
        Key: { pk: `oidc#Interaction#${uid}`, sk: 'oidc' },
        UpdateExpression: 'SET expiresAt = :past',
        ExpressionAttributeValues: { ':past': 1 },
      }),
    );
    expectClear(await ua.request(`${base}/interaction/${uid}`), 400, /expired/);
    const zh = await ua.request(`${base}/interaction/${uid}`, { headers: { 'accept-language': 'zh-CN' } });
    expect(zh.status).toBe(400);
    expect(zh.html).toContain(t('zh-CN', 'step_interactionGone'));
    expectClear(
      await ua.request(`${base}/interaction/${uid}/login`, {
        form: { csrf, username: 'zhang.san', password: 'demo-citizen-2026' },
      }),
      400,
      /expired/,
    );
  });

  it('answers malformed passkey requests with a JSON error', async () => {
    const { ua, uid, csrf, base } = await loginPage();
    const res = await ua.request(`${base}/interaction/${uid}/passkey/login`, {
      body: '{not json',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
    });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.html)).toMatchObject({ error: 'invalid_request' });
  });

  it('answers malformed token requests with an OAuth error', async () => {
    const res = await fetch(`${stack.urls.public}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=%E0%A4%A&code=',
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(await res.json()).toHaveProperty('error');
  });

  it('leaves no account behind when registration is refused', async () => {
    const ua = new UserAgent();
    await ua.submit(await ua.follow(`${stack.urls.public}/register?lang=en`), '/register', {
      kind: 'citizen',
      displayName: 'Q',
      username: 'q'.repeat(80),
      password: 'long enough password',
    });
    const doc = createDynamoClient({ endpoint: stack.dynamodbEndpoint });
    const { Items } = await doc.send(
      new ScanCommand({
        TableName: stack.tables.identity,
        FilterExpression: 'begins_with(pk, :p) AND displayName = :n',
        ExpressionAttributeValues: { ':p': 'account#', ':n': 'Q' },
      }),
    );
    expect(Items ?? []).toHaveLength(0);
  });
});

describe('audit of sign-in', () => {
  it('records a completed sign-in once, with acr and client', async () => {
    const { ua, page } = await loginPage();
    const callback = await signIn(ua, page.url, isTaxCallback, {
      username: 'zhang.san',
      password: 'demo-citizen-2026',
    });
    await ua.follow(callback.href);
    const events = await auditEvents(stack);
    const uid = new URL(page.url).pathname.split('/').pop();
    const mine = events.filter((e) => e.correlationId === uid && e.type === 'login.success');
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      client: 'tax-bureau',
      zone: 'public',
      details: { acr: 'urn:yitong:loa:1' },
    });
    expect(events.some((e) => e.type === 'token.issued' && e.client === 'tax-bureau')).toBe(true);
  });
});
