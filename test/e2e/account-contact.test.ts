import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { type AccountMessage, AccountStore, newTotpSecret } from '../../libs/accounts/index.ts';
import { createDynamoClient } from '../../libs/store/index.ts';
import { createPerson } from '../../testkit/oidc-flow.ts';
import { startTestStack } from '../../testkit/stack.ts';
import { type Page, signIn, UserAgent } from '../../testkit/user-agent.ts';
import { auditEvents } from '../support/audit.ts';

let stack: LocalStack;
let accounts: AccountStore;

beforeAll(async () => {
  stack = await startTestStack({ memory: true, ports: { public: 0, extranet: 0, intranet: 0 } });
  accounts = new AccountStore(
    createDynamoClient({ endpoint: stack.dynamodbEndpoint }),
    stack.tables.identity,
  );
});
afterAll(async () => {
  await stack?.stop();
});

type Sent = AccountMessage & { readonly sentAt: string };

/** The messages the stack's outbox got for an account since `from` (delivery runs in the background). */
const messagesOf = async (accountId: string, from: number, expected: number): Promise<Sent[]> => {
  for (let i = 0; i < 100; i++) {
    const found = stack.outbox.messages.slice(from).filter((m) => m.to.accountId === accountId);
    if (found.length >= expected) return found;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return stack.outbox.messages.slice(from).filter((m) => m.to.accountId === accountId);
};
const codeOf = (m: Sent | undefined) => (m && 'code' in m ? m.code : '');

/** A citizen with an email address from registration (unverified), signed in to the account centre. */
const citizen = async (email: string) => {
  const person = await createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: false });
  await accounts.update((await accounts.findById(person.accountId))!, { email });
  const ua = new UserAgent();
  await signIn(ua, `${stack.urls.public}/account/login`, (u) => u.pathname === '/account/licences', person);
  const page = await ua.follow(`${stack.urls.public}/account/contact?lang=en`);
  return { person, ua, page };
};

const errorOf = (page: Page) => /class="message" id="[\w-]+-error">([^<]+)</.exec(page.html)?.[1];

describe('contact details at the account centre', () => {
  it('change the email address only with the code sent to the new one, and tell the old one', async () => {
    const { person, ua, page } = await citizen('wang.old@example.gov');
    expect(page.status).toBe(200);
    expect(page.html).toContain('id="current-email" class="wrap">wang.old@example.gov<');
    expect(page.html).toContain('Not verified');

    const bad = await ua.submit(page, '/account/contact/email', { email: 'not an address' });
    expect(bad.status).toBe(400);
    expect(errorOf(bad)).toContain('Enter an email address');

    const from = stack.outbox.messages.length;
    const sent = await ua.submit(page, '/account/contact/email', { email: 'Wang.New@Example.gov' });
    expect(sent.status).toBe(200);
    expect(sent.html).toContain('We sent a code to wang.new@example.gov');
    const [code] = await messagesOf(person.accountId, from, 1);
    expect(code).toMatchObject({
      kind: 'contact-code',
      channel: 'email',
      purpose: 'email',
      to: { email: 'wang.new@example.gov' },
    });
    // Pending: the old address is still the account's.
    expect((await accounts.findById(person.accountId))!.email).toBe('wang.old@example.gov');

    const wrong = await ua.submit(sent, '/account/contact/email/confirm', {
      'email-otp': codeOf(code) === '000000' ? '111111' : '000000',
    });
    expect(wrong.status).toBe(400);
    expect(errorOf(wrong)).toContain('The code is wrong, expired or used');
    expect((await accounts.findById(person.accountId))!.email).toBe('wang.old@example.gov');

    const done = await ua.submit(wrong, '/account/contact/email/confirm', { 'email-otp': codeOf(code) });
    expect(new URL(done.url).search).toBe('?done=email');
    expect(done.html).toContain('Your email address is changed');
    const changed = (await accounts.findById(person.accountId))!;
    expect(changed.email).toBe('wang.new@example.gov');
    expect(changed.emailVerifiedAt).toBeDefined();
    // The lookup follows: the help desk finds the person by the new address only.
    expect((await accounts.findByEmail('wang.new@example.gov')).map((a) => a.id)).toEqual([person.accountId]);
    expect(await accounts.findByEmail('wang.old@example.gov')).toEqual([]);
    const notices = (await messagesOf(person.accountId, from, 2)).filter((m) => m.kind === 'notice');
    expect(notices).toMatchObject([
      { notice: 'email-changed', channel: 'email', to: { email: 'wang.old@example.gov' } },
    ]);

    // Used once: the same code again changes nothing.
    const again = await ua.submit(
      await ua.follow(`${stack.urls.public}/account/contact?lang=en`),
      '/account/contact/email',
      { email: 'wang.third@example.gov' },
    );
    const replay = await ua.submit(again, '/account/contact/email/confirm', { 'email-otp': codeOf(code) });
    expect(replay.status).toBe(400);
    expect((await accounts.findById(person.accountId))!.email).toBe('wang.new@example.gov');

    const trail = (await auditEvents(stack)).filter((e) => e.subject === person.accountId);
    const count = (type: string, outcome: string) =>
      trail.filter((e) => e.type === type && e.outcome === outcome).length;
    expect(count('contact.code_sent', 'success')).toBe(2);
    expect(count('contact.email_verified', 'failure')).toBe(2);
    expect(count('contact.email_verified', 'success')).toBe(1);
    // Never the code, nor the address, in the trail.
    expect(JSON.stringify(trail)).not.toContain(codeOf(code));
    expect(JSON.stringify(trail)).not.toContain('wang.new@example.gov');
  });

  it('give a first address: confirmed, with no old address to tell', async () => {
    const { person, ua } = await citizen('first@example.gov');
    await accounts.update((await accounts.findById(person.accountId))!, { email: undefined });
    const page = await ua.follow(`${stack.urls.public}/account/contact?lang=en`);
    const from = stack.outbox.messages.length;
    const sent = await ua.submit(page, '/account/contact/email', { email: 'first.time@example.gov' });
    const [code] = await messagesOf(person.accountId, from, 1);
    const done = await ua.submit(sent, '/account/contact/email/confirm', { 'email-otp': codeOf(code) });
    expect(done.html).toContain('Your email address is confirmed');
    expect(done.html).not.toContain('We told your old address');
  });

  it('confirm the address given at registration without changing it', async () => {
    const { person, ua, page } = await citizen('li.reg@example.gov');
    const from = stack.outbox.messages.length;
    const sent = await ua.submit(page, '/account/contact/email', { email: 'li.reg@example.gov' });
    const [code] = await messagesOf(person.accountId, from, 1);
    const done = await ua.submit(sent, '/account/contact/email/confirm', { 'email-otp': codeOf(code) });
    expect(done.html).toContain('Your email address is confirmed');
    expect((await accounts.findById(person.accountId))!.emailVerifiedAt).toBeDefined();
    // Nothing changed, so no notice.
    expect((await messagesOf(person.accountId, from, 1)).filter((m) => m.kind === 'notice')).toEqual([]);
  });

  it('verify a mobile phone by SMS code, which then receives notices and reset codes', async () => {
    const { person, ua, page } = await citizen('zhao.phone@example.gov');
    const landline = await ua.submit(page, '/account/contact/phone', { phone: '+86 10 6512 3456' });
    expect(landline.status).toBe(400);
    expect(errorOf(landline)).toContain('mainland mobile number');

    const from = stack.outbox.messages.length;
    const sent = await ua.submit(page, '/account/contact/phone', { phone: '139 1234 5678' });
    expect(sent.html).toContain('We sent a code to +86 139****5678');
    const [code] = await messagesOf(person.accountId, from, 1);
    expect(code).toMatchObject({
      kind: 'contact-code',
      channel: 'sms',
      purpose: 'phone',
      to: { phone: '+8613912345678' },
    });
    expect((await accounts.findById(person.accountId))!.phone).toBeUndefined();

    const wrong = await ua.submit(sent, '/account/contact/phone/confirm', { 'phone-otp': '12345' });
    expect(wrong.status).toBe(400);
    const done = await ua.submit(wrong, '/account/contact/phone/confirm', { 'phone-otp': codeOf(code) });
    expect(done.html).toContain('Your phone number is verified');
    expect(done.html).toContain('id="current-phone">+86 139****5678<');
    const verified = (await accounts.findById(person.accountId))!;
    expect(verified).toMatchObject({ phone: '+8613912345678', phoneVerifiedAt: expect.any(String) });
    expect((await accounts.findByPhone('+8613912345678')).map((a) => a.id)).toEqual([person.accountId]);
    // The change is told to the address the person had (there was no phone before).
    expect((await messagesOf(person.accountId, from, 2)).filter((m) => m.kind === 'notice')).toMatchObject([
      { notice: 'phone-changed', channel: 'email', to: { email: 'zhao.phone@example.gov' } },
    ]);

    // A password reset now sends the code by SMS as well as by email; the SMS code resets.
    const resetFrom = stack.outbox.messages.length;
    const reset = new UserAgent();
    const confirm = await reset.submit(
      await reset.follow(`${stack.urls.public}/password/reset?lang=en`),
      '/password/reset',
      { username: person.username },
    );
    const codes = await messagesOf(person.accountId, resetFrom, 2);
    expect(codes.map((m) => [m.kind, m.channel]).sort()).toEqual([
      ['password-reset', 'email'],
      ['password-reset', 'sms'],
    ]);
    const sms = codes.find((m) => m.channel === 'sms')!;
    expect(sms.to.phone).toBe('+8613912345678');
    const after = await reset.submit(confirm, '/password/reset/confirm', {
      username: person.username,
      code: codeOf(sms),
      password: 'a new password for zhao',
    });
    expect(after.status).toBe(200);
    expect(after.html).toContain('Sign in with your new password');

    // Removing the phone tells it by SMS; reset codes go by email only afterwards.
    const ua2 = new UserAgent();
    await signIn(ua2, `${stack.urls.public}/account/login`, (u) => u.pathname === '/account/licences', {
      ...person,
      password: 'a new password for zhao',
    });
    const removeFrom = stack.outbox.messages.length;
    const removed = await ua2.submit(
      await ua2.follow(`${stack.urls.public}/account/contact?lang=en`),
      '/account/contact/phone/remove',
      {},
    );
    expect(removed.html).toContain('Your phone number is removed');
    expect((await accounts.findById(person.accountId))!.phone).toBeUndefined();
    expect(await accounts.findByPhone('+8613912345678')).toEqual([]);
    expect(
      (await messagesOf(person.accountId, removeFrom, 2)).map((m) => [
        m.kind === 'notice' && m.notice,
        m.channel,
      ]),
    ).toEqual(
      expect.arrayContaining([
        ['phone-changed', 'email'],
        ['phone-changed', 'sms'],
      ]),
    );
    const trail = (await auditEvents(stack)).filter((e) => e.subject === person.accountId);
    expect(trail.filter((e) => e.type === 'contact.phone_verified').map((e) => e.outcome)).toEqual([
      'failure',
      'success',
    ]);
    expect(trail.filter((e) => e.type === 'contact.phone_removed')).toHaveLength(1);
  });

  it('limit the codes sent per number and per account, with a clear 429 page', async () => {
    const { person, ua, page } = await citizen('sun.limit@example.gov');
    for (let i = 0; i < 3; i++) {
      const ok = await ua.submit(page, '/account/contact/phone', { phone: '13700000001' });
      expect(ok.status).toBe(200);
    }
    const number = await ua.submit(page, '/account/contact/phone', { phone: '13700000001' });
    expect(number.status).toBe(429);
    expect(number.html).toContain('You have asked for too many codes in the last hour');
    // Another number has its own budget, until the account's (5 an hour) is spent too.
    expect((await ua.submit(page, '/account/contact/phone', { phone: '13700000002' })).status).toBe(200);
    const account = await ua.submit(page, '/account/contact/email', { email: 'sun.other@example.gov' });
    expect(account.status).toBe(429);
    const trail = (await auditEvents(stack)).filter(
      (e) => e.subject === person.accountId && e.type === 'contact.code_sent',
    );
    expect(trail.filter((e) => e.outcome === 'success')).toHaveLength(4);
    expect(
      trail.filter((e) => e.outcome === 'denied').map((e) => (e.details as { limit: string }).limit),
    ).toEqual(['destination-hour', 'account-hour']);
  });

  it('need a fresh sign-in at the account’s highest level before any change', async () => {
    const { person, ua } = await citizen('qian.fresh@example.gov');
    const page = await ua.follow(`${stack.urls.public}/account/contact?lang=en`);
    // An authenticator app added since: a password-only sign-in is no longer enough.
    await accounts.update((await accounts.findById(person.accountId))!, {
      totp: { secret: newTotpSecret(), enabledAt: new Date().toISOString(), lastStep: 0, recoveryCodes: [] },
    });
    const stale = await ua.follow(`${stack.urls.public}/account/contact?lang=en`);
    expect(stale.html).toContain('id="fresh-needed"');
    expect(stale.html).not.toContain('id="email-form"');
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.html)![1]!;
    const refused = await ua.request(`${stack.urls.public}/account/contact/email`, {
      form: { csrf, email: 'qian.new@example.gov' },
    });
    expect(refused.status).toBe(303);
    const location = new URL(refused.headers.get('location')!, refused.url);
    expect(location.pathname).toBe('/account/login');
    expect(location.searchParams.get('fresh')).toBe('1');
    expect(location.searchParams.get('acr')).toBe('urn:yitong:loa:2');
    expect(
      (await auditEvents(stack)).filter(
        (e) => e.subject === person.accountId && String(e.type).startsWith('contact.'),
      ),
    ).toEqual([]);
  });
});
