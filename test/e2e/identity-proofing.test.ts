import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_RESIDENTS } from '../../infra/local/registry-twin.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import { AccountStore } from '../../libs/accounts/index.ts';
import { maskResidentId, residentIdCheckChar } from '../../libs/identity/index.ts';
import { createDynamoClient } from '../../libs/store/index.ts';
import { CALLBACK, clientConfig, createPerson, isCallback, registerClient } from '../../testkit/oidc-flow.ts';
import { proofingCodeSentTo } from '../../testkit/proving.ts';
import { startTestStack } from '../../testkit/stack.ts';
import { type Page, signIn, UserAgent } from '../../testkit/user-agent.ts';
import { auditEvents } from '../support/audit.ts';

let stack: LocalStack;
const resident = (nameEn: string) => DEMO_RESIDENTS.find((r) => r.nameEn === nameEn)!;
const typed = (nameEn: string, phone?: string) => {
  const r = resident(nameEn);
  return { name: r.name, residentId: r.residentId, phone: phone ?? r.phone };
};
const accounts = () =>
  new AccountStore(createDynamoClient({ endpoint: stack.dynamodbEndpoint }), stack.tables.identity);
const citizen = () => createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: false });

beforeAll(async () => {
  // The registry's timeout is short here, so the timed-out resident answers in half a second.
  stack = await startTestStack({ registryTimeoutMs: 500 });
  await registerClient(stack, 'public', 'plain-site');
  await registerClient(stack, 'public', 'ial2-site', { yitong_required_ial: 'urn:yitong:ial:2' });
  await registerClient(stack, 'public', 'ial3-site', { yitong_required_ial: 'urn:yitong:ial:3' });
});
afterAll(() => stack?.stop());

/** An authorization request of a public test client, with its PKCE verifier and state. */
const authorization = async (clientId: string) => {
  const config = await clientConfig(stack, 'public', clientId);
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: CALLBACK,
    scope: 'openid',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
  });
  return { config, url: url.href, checks: { pkceCodeVerifier: verifier, expectedState: state } };
};

/** Signs in with a password (putting off a second factor) and stops at the next page. */
const passwordStep = async (ua: UserAgent, url: string, who: { username: string; password: string }) => {
  let page = await ua.follow(url, isCallback);
  page = await ua.submit(page, '/login', { username: who.username, password: who.password }, isCallback);
  if (page.html.includes('/protect"'))
    page = await ua.submit(page, '/protect', { choice: 'skip' }, isCallback);
  return page;
};

const consent = (ua: UserAgent, page: Page) => ua.submit(page, '/consent', { decision: 'allow' }, isCallback);

/** The code the stack's outbox holds for the account: what arrived by SMS on the person's phone. */
const smsCode = (accountId: string) => proofingCodeSentTo(stack.outbox, accountId);
const wrong = (code: string) => (code === '000000' ? '111111' : '000000');

/** Proves in the sign-in as the person holding the phone: the details, then the code from the SMS. */
const proveInSignIn = async (ua: UserAgent, page: Page, who: { accountId: string }, nameEn: string) => {
  const codePage = await ua.submit(page, '/identity', typed(nameEn), isCallback);
  expect(codePage.html).toContain('/identity/code" novalidate');
  return ua.submit(codePage, '/identity/code', { otp: smsCode(who.accountId) }, isCallback);
};

const proofingEvents = async (accountId: string) =>
  (await auditEvents(stack)).filter((e) => e.type === 'identity.proofing' && e.subject === accountId);

describe('a site that needs a verified identity', () => {
  it('asks an IAL 1 citizen to prove their identity in the sign-in, then signs them in', async () => {
    const person = await citizen();
    const ua = new UserAgent();
    const { config, url, checks } = await authorization('ial2-site');
    let page = await passwordStep(ua, url, person);
    expect(page.status).toBe(200);
    expect(page.html).toContain('Verify your identity to continue');
    expect(page.html).toContain('autocomplete="tel-national"');

    // A mobile number that is not theirs: refused, with what did not match and the tries left.
    page = await ua.submit(page, '/identity', typed('Liu Fang', '13900000000'), isCallback);
    expect(page.status).toBe(422);
    expect(page.html).toContain('The mobile number is not registered to this person.');
    expect(page.html).toContain('You can try 4 more times today.');
    expect((await accounts().findById(person.accountId))?.identity).toBeUndefined();

    // The registry matches: a code goes by SMS to that phone, and nothing is recorded before it.
    page = await ua.submit(page, '/identity', typed('Liu Fang'), isCallback);
    expect(page.status).toBe(200);
    expect(page.html).toContain('Enter the code sent to your phone');
    expect(page.html).toContain('138******02');
    expect(page.html).toContain('autocomplete="one-time-code"');
    expect(stack.outbox.messages.at(-1)).toMatchObject({
      kind: 'contact-code',
      channel: 'sms',
      purpose: 'proofing',
      to: { accountId: person.accountId, phone: `+86${resident('Liu Fang').phone}` },
    });
    expect((await accounts().findById(person.accountId))?.identity).toBeUndefined();
    // A wrong code: refused with an error summary, counted, nothing recorded.
    const code = smsCode(person.accountId);
    page = await ua.submit(page, '/identity/code', { otp: wrong(code) }, isCallback);
    expect(page.status).toBe(422);
    expect(page.html).toContain('data-error-summary="true"');
    expect(page.html).toContain('That is not the code we sent. Tries left with this code: 2.');
    expect((await accounts().findById(person.accountId))?.identity).toBeUndefined();
    page = await ua.submit(page, '/identity/code', { otp: code }, isCallback);
    page = await consent(ua, page);
    expect(isCallback(new URL(page.url))).toBe(true);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url), checks);
    expect(tokens.claims()?.sub).toBeTruthy();

    const proved = await accounts().findById(person.accountId);
    expect(proved?.identity).toMatchObject({
      ial: 2,
      method: 'registry',
      name: '刘芳',
      residentIdMasked: maskResidentId(resident('Liu Fang').residentId),
    });
    const events = await proofingEvents(person.accountId);
    expect(events.map((e) => [e.outcome, e.reason ?? null, e.client])).toEqual([
      ['failure', 'registry-evidence', 'ial2-site'],
      ['failure', 'code-wrong', 'ial2-site'],
      ['success', null, 'ial2-site'],
    ]);
    expect(
      (await auditEvents(stack)).filter(
        (e) => e.type === 'identity.proofing_started' && e.subject === person.accountId,
      ),
    ).toHaveLength(1);
    expect(JSON.stringify(await auditEvents(stack))).not.toContain(`"${code}"`);
    // Proved once: the next sign-in at the site asks nothing more (single sign-on, straight back).
    const again = await authorization('ial2-site');
    expect(isCallback(await signIn(ua, again.url, isCallback, person))).toBe(true);
  });

  it('asks a person signed in at level 1 elsewhere (single sign-on) before the site gets a code', async () => {
    const person = await citizen();
    const ua = new UserAgent();
    const plain = await authorization('plain-site');
    await signIn(ua, plain.url, isCallback, person);

    const { config, url, checks } = await authorization('ial2-site');
    let page = await ua.follow(url, isCallback);
    expect(page.html).not.toContain('/login" novalidate');
    expect(page.html).toContain('/identity" novalidate');
    page = await proveInSignIn(ua, page, person, 'Zhou Jie');
    page = await consent(ua, page);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url), checks);
    expect(tokens.claims()?.acr).toBe('urn:yitong:loa:1');
    expect((await accounts().findById(person.accountId))?.identity?.ial).toBe(2);
  });

  it('explains a registry that does not answer, changes nothing, audits it and lets the person try again', async () => {
    const person = await citizen();
    const ua = new UserAgent();
    const { url } = await authorization('ial2-site');
    let page = await passwordStep(ua, url, person);
    page = await ua.submit(page, '/identity', typed('Wu Chi'), isCallback);
    expect(page.status).toBe(503);
    expect(page.html).toContain('The population registry is not answering');
    expect(page.html).toContain('Nothing was changed, and this did not count as a try.');
    expect((await accounts().findById(person.accountId))?.identity).toBeUndefined();
    const events = await proofingEvents(person.accountId);
    expect(events.map((e) => [e.outcome, e.reason])).toEqual([['failure', 'registry-timeout']]);

    // A registry that fails the next answer is the same clear page (its error, not a timeout).
    const back = await ua.follow(ua.resolve(page, /class="button" href="([^"]+)"/.exec(page.html)![1]!));
    expect(back.html).toContain('/identity" novalidate');
    stack.registry.fault('error', 1);
    page = await ua.submit(back, '/identity', typed('Zhang San'), isCallback);
    expect(page.status).toBe(503);
    expect(page.html).toContain('The registry could not be reached');
    // Nothing counted against the person: the refusal after it still has all but one try.
    page = await ua.submit(
      await ua.follow(ua.resolve(page, /class="button" href="([^"]+)"/.exec(page.html)![1]!)),
      '/identity',
      typed('Zheng Bi'),
      isCallback,
    );
    expect(page.status).toBe(422);
    expect(page.html).toContain('no open record');
    expect(page.html).toContain('You can try 4 more times today.');
  });

  it('refuses someone who knows a person’s name, ID number and phone but does not hold the phone', async () => {
    const attacker = await citizen();
    const ua = new UserAgent();
    const { url } = await authorization('ial2-site');
    let page = await passwordStep(ua, url, attacker);
    page = await ua.submit(page, '/identity', typed('Chen Ming'), isCallback);
    expect(page.html).toContain('/identity/code" novalidate');
    // The code is on the victim's phone; the attacker guesses (skipping it, should a guess hit it).
    const real = smsCode(attacker.accountId);
    const guesses = ['123456', '654321', '222222', '333333'].filter((g) => g !== real).slice(0, 3);
    for (const [i, guess] of guesses.entries()) {
      page = await ua.submit(page, '/identity/code', { otp: guess }, isCallback);
      expect(page.status).toBe(422);
      if (i < 2) expect(page.html).toContain('That is not the code we sent.');
    }
    expect(page.html).toContain('Too many wrong codes');
    expect((await accounts().findById(attacker.accountId))?.identity).toBeUndefined();
    // Over: even the real code (had it leaked) no longer works, and the site got nothing.
    const again = await ua.follow(
      `${stack.urls.public}/interaction/${new URL(page.url).pathname.split('/')[2]}`,
    );
    expect(again.html).not.toContain('/identity/code" novalidate');
    expect(isCallback(new URL(page.url))).toBe(false);
    const events = await proofingEvents(attacker.accountId);
    expect(events.map((e) => [e.outcome, e.reason])).toEqual([
      ['failure', 'code-wrong'],
      ['failure', 'code-wrong'],
      ['failure', 'code-wrong'],
    ]);
  });

  it('sends a person to a service counter for level 3, and hands the site access_denied if they leave', async () => {
    const person = await citizen();
    const ua = new UserAgent();
    const { url } = await authorization('ial3-site');
    let page = await passwordStep(ua, url, person);
    expect(page.status).toBe(200);
    expect(page.html).toContain('Your identity must be verified in person');
    expect(page.html).not.toContain('/identity" novalidate');
    page = await ua.submit(page, '/abort', {}, isCallback);
    const back = new URL(page.url);
    expect(isCallback(back)).toBe(true);
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('error_description')).toContain('service counter');
  });
});

describe('counter verification in the intranet', () => {
  const counter = () => `${stack.urls.intranet}/admin/console/identity`;
  const atCounter = (location: URL) =>
    location.href.startsWith(counter()) && !location.pathname.endsWith('/login');

  /** An officer's browser, signed in to the counter page. */
  const officerAgent = async (who: Awaited<ReturnType<typeof createPerson>>) => {
    const ua = new UserAgent();
    await signIn(ua, counter(), atCounter, who);
    return ua;
  };

  it('raises a citizen to IAL 3 against the registry, taking the person back from a remote proof, audited; the level 3 site lets them in', async () => {
    const officer = await createPerson(stack, { roles: ['staff', 'identity-officer'], totp: true });
    const person = await citizen();
    const ua = await officerAgent(officer);
    // Someone who knows the person's name, number and phone proves them online first.
    const squatter = await citizen();
    const squatterUa = new UserAgent();
    const squatted = await passwordStep(squatterUa, (await authorization('ial2-site')).url, squatter);
    await proveInSignIn(squatterUa, squatted, squatter, 'Chen Ming');
    expect((await accounts().findById(squatter.accountId))?.identity?.ial).toBe(2);

    const found = await ua.request(`${counter()}?loginName=${encodeURIComponent(person.username)}`);
    expect(found.status).toBe(200);
    expect(found.html).toContain(`data-account="${person.accountId}"`);
    expect(found.html).toContain('data-ial="1"');

    // The card must be confirmed as checked in person.
    const chen = resident('Chen Ming');
    const unconfirmed = await ua.submit(found, `/identity/${person.accountId}`, {
      cardName: chen.name,
      cardNumber: chen.residentId,
    });
    expect(unconfirmed.status).toBe(400);
    expect(unconfirmed.html).toContain('Confirm that you checked the card in person');

    // A card the registry does not hold (a forged or mistyped one) is refused, and nothing recorded.
    const number = `11010519851010123${residentIdCheckChar('11010519851010123')}`;
    const forged = await ua.submit(found, `/identity/${person.accountId}`, {
      cardName: '王小明',
      cardNumber: number,
      confirm: 'yes',
    });
    expect(forged.status).toBe(422);
    expect(forged.html).toContain('The population registry holds no person with this name and ID number');
    // A registry that does not answer: a clear page, nothing recorded.
    stack.registry.fault('error', 1);
    const unavailable = await ua.submit(found, `/identity/${person.accountId}`, {
      cardName: chen.name,
      cardNumber: chen.residentId,
      confirm: 'yes',
    });
    expect(unavailable.status).toBe(503);
    expect(unavailable.html).toContain('could not be checked against it. Nothing was recorded.');
    expect((await accounts().findById(person.accountId))?.identity).toBeUndefined();

    const done = await ua.submit(found, `/identity/${person.accountId}`, {
      cardName: chen.name,
      cardNumber: chen.residentId,
      confirm: 'yes',
    });
    expect(done.status).toBe(200);
    expect(done.html).toContain('data-ial="3"');
    const proved = await accounts().findById(person.accountId);
    expect(proved?.identity).toMatchObject({
      ial: 3,
      method: 'counter',
      name: '陈明',
      birthDate: '1978-05-05',
      verifiedBy: { accountId: officer.accountId },
    });

    const trail = await auditEvents(stack);
    expect(
      trail.filter((e) => e.type === 'identity.counter_lookup' && e.actor === officer.accountId),
    ).toMatchObject([{ subject: person.accountId, outcome: 'success', zone: 'intranet' }]);
    expect(
      trail
        .filter((e) => e.type === 'identity.counter_verified' && e.subject === person.accountId)
        .map((e) => [e.actor, e.outcome, e.reason ?? null]),
    ).toEqual([
      [officer.accountId, 'failure', 'registry-identity'],
      [officer.accountId, 'failure', 'registry-error'],
      [officer.accountId, 'success', null],
    ]);

    // The person is taken back from the account that proved them remotely, audited once.
    expect((await accounts().findById(squatter.accountId))?.identity).toBeUndefined();
    expect(trail.filter((e) => e.type === 'identity.claim_transferred')).toMatchObject([
      { actor: officer.accountId, subject: person.accountId, details: { fromAccount: squatter.accountId } },
    ]);
    // Held in person now: a counter verification of the same card on another account is refused.
    const third = await citizen();
    const other = await ua.request(`${counter()}?loginName=${encodeURIComponent(third.username)}`);
    const linked = await ua.submit(other, `/identity/${third.accountId}`, {
      cardName: chen.name,
      cardNumber: chen.residentId,
      confirm: 'yes',
    });
    expect(linked.status).toBe(409);
    expect(linked.html).toContain('An account verified at a counter keeps its person');
    expect((await accounts().findById(third.accountId))?.identity).toBeUndefined();

    const { config, url, checks } = await authorization('ial3-site');
    const callback = await signIn(new UserAgent(), url, isCallback, person);
    expect((await oidc.authorizationCodeGrant(config, callback, checks)).claims()?.sub).toBeTruthy();
  });

  it('audits a look-up of a login name nobody has, and says so', async () => {
    const officer = await createPerson(stack, { roles: ['staff', 'identity-officer'], totp: true });
    const ua = await officerAgent(officer);
    const page = await ua.request(`${counter()}?loginName=nobody-by-this-name`);
    expect(page.status).toBe(404);
    expect(page.html).toContain('There is no account with this login name');
    const trail = await auditEvents(stack);
    expect(
      trail.filter((e) => e.type === 'identity.counter_lookup' && e.actor === officer.accountId),
    ).toMatchObject([{ outcome: 'failure', reason: 'no-such-account' }]);
  });

  it('refuses an administrator who is not an identity officer, and an officer verifying themselves', async () => {
    const admin = await createPerson(stack, { roles: ['staff', 'admin'], totp: true });
    const refused = await (await officerAgent(admin)).request(counter());
    expect(refused.status).toBe(403);
    expect(refused.html).toContain('identity officer');

    const officer = await createPerson(stack, { roles: ['staff', 'identity-officer'], totp: true });
    const ua = await officerAgent(officer);
    const self = await ua.request(`${counter()}?loginName=${encodeURIComponent(officer.username)}`);
    const number = `32010219920815004${residentIdCheckChar('32010219920815004')}`;
    const page = await ua.submit(self, `/identity/${officer.accountId}`, {
      cardName: '周杰',
      cardNumber: number,
      confirm: 'yes',
    });
    expect(page.status).toBe(403);
    expect((await accounts().findById(officer.accountId))?.identity).toBeUndefined();
  });
});

describe('the account portal’s identity page', () => {
  /** A citizen's browser signed in to the account portal. */
  const portalAgent = async (who: Awaited<ReturnType<typeof citizen>>) => {
    const ua = new UserAgent();
    const callback = await signIn(
      ua,
      `${stack.urls.public}/account/login`,
      (u) => u.pathname === '/account/callback',
      who,
    );
    await ua.follow(callback.href);
    return ua;
  };

  it('refuses a code sent for another account, and limits the codes one proofing may send', async () => {
    const mine = await citizen();
    const theirs = await citizen();
    const ua = await portalAgent(mine);
    const theirUa = await portalAgent(theirs);
    const myPage = await ua.submit(
      await ua.follow(`${stack.urls.public}/account/identity`),
      '/account/identity',
      typed('Zhang San'),
    );
    await theirUa.submit(
      await theirUa.follow(`${stack.urls.public}/account/identity`),
      '/account/identity',
      typed('Zhang San'),
    );
    expect(myPage.html).toContain('Enter the code sent to your phone');
    // Back on the identity page, the code still waiting is pointed to.
    const back = await ua.follow(`${stack.urls.public}/account/identity`);
    expect(back.html).toContain('id="code-waiting"');
    expect(back.html).toContain('138******01');

    // Two resends, each replacing the code; then no button, and a forged resend is refused.
    let page = await ua.submit(myPage, '/account/identity/code/resend', {});
    expect(page.url).toContain('resent=1');
    expect(page.html).toContain('A new code is on its way.');
    page = await ua.submit(page, '/account/identity/code/resend', {});
    expect(page.html).toContain('id="proofing-no-resend"');
    const refused = await ua.request(`${stack.urls.public}/account/identity/code/resend`, {
      form: {
        csrf: /name="csrf" value="([^"]+)"/.exec(page.html)![1]!,
        proofingId: /name="proofingId" value="([^"]+)"/.exec(page.html)![1]!,
      },
    });
    expect(refused.status).toBe(429);
    expect(refused.html).toContain('Too many codes sent');
    expect(
      stack.outbox.messages.filter((m) => m.to.accountId === mine.accountId && m.kind === 'contact-code'),
    ).toHaveLength(3);
    expect(
      (await auditEvents(stack)).filter(
        (e) => e.type === 'identity.proofing_code_resent' && e.subject === mine.accountId,
      ),
    ).toHaveLength(2);

    // Two accounts wait for codes for the same person (neither holds it yet): their code, typed into my proofing: refused and counted (unless the digits coincide).
    const theirCode = smsCode(theirs.accountId);
    if (theirCode !== smsCode(mine.accountId)) {
      const cross = await ua.submit(page, '/account/identity/code', { otp: theirCode });
      expect(cross.status).toBe(422);
      expect(cross.html).toContain('That is not the code we sent.');
    }
    expect((await accounts().findById(mine.accountId))?.identity).toBeUndefined();
    expect((await accounts().findById(theirs.accountId))?.identity).toBeUndefined();
  });
  it('refuses a form without the session’s CSRF token, verifies with it, then offers no second verification', async () => {
    const person = await citizen();
    const ua = await portalAgent(person);
    const page = await ua.follow(`${stack.urls.public}/account/identity`);
    expect(page.status).toBe(200);
    expect(page.html).toContain('data-ial="1"');

    const forged = await ua.request(`${stack.urls.public}/account/identity`, {
      form: { csrf: 'not-the-token', ...typed('Zhang San') },
    });
    expect(forged.status).toBe(403);
    expect((await accounts().findById(person.accountId))?.identity).toBeUndefined();

    const codePage = await ua.submit(page, '/account/identity', typed('Zhang San'));
    expect(codePage.url).toContain('/account/identity/code');
    expect(codePage.html).toContain('Enter the code sent to your phone');
    expect((await accounts().findById(person.accountId))?.identity).toBeUndefined();
    // Typing nothing is a typing error: said so, and it costs no try.
    const missing = await ua.submit(codePage, '/account/identity/code', { otp: '' });
    expect(missing.status).toBe(400);
    expect(missing.html).toContain('Enter the 6-digit code from the SMS');
    const done = await ua.submit(codePage, '/account/identity/code', { otp: smsCode(person.accountId) });
    expect(done.url).toContain('/account/identity?verified=1');
    expect(done.html).toContain('Your identity is verified');
    expect(done.html).toContain(maskResidentId(resident('Zhang San').residentId));
    expect(done.html).not.toContain(resident('Zhang San').residentId);
    expect(done.html).not.toContain('id="proofing-form"');
    const events = await proofingEvents(person.accountId);
    expect(events.map((e) => [e.outcome, e.client, e.zone])).toEqual([
      ['success', 'yitong-account', 'public'],
    ]);

    // The same person from another account: one account per person.
    const other = await citizen();
    const otherUa = await portalAgent(other);
    const form = await otherUa.follow(`${stack.urls.public}/account/identity`);
    const linked = await otherUa.submit(form, '/account/identity', typed('Zhang San'));
    expect(linked.status).toBe(409);
    expect(linked.html).toContain('This identity is linked to another account');
    expect((await accounts().findById(other.accountId))?.identity).toBeUndefined();
  });
});
