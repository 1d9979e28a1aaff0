import * as jose from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { AccountStore } from '../../libs/accounts/index.ts';
import { AccountSessions } from '../../libs/oidc/index.ts';
import { createDynamoClient, epochSeconds } from '../../libs/store/index.ts';
import { CALLBACK, clientConfig, createPerson, isCallback, registerClient } from '../../testkit/oidc-flow.ts';
import { startTestStack } from '../../testkit/stack.ts';
import { type SignInOptions, signIn, UserAgent } from '../../testkit/user-agent.ts';
import { auditEvents } from '../support/audit.ts';
import { startLogoutRecorder } from '../support/logout-recorder.ts';

let stack: LocalStack;
let rp: Awaited<ReturnType<typeof startLogoutRecorder>>;
let sessions: AccountSessions;
/** The logout tokens the department sites were sent. */
const logoutTokens = () => rp.tokens;
type Person = SignInOptions & { readonly accountId: string; readonly email: string };

const SITE_A = 'tax-connections-a';
const SITE_B = 'housing-connections-b';

/** A person with an email address, so notices have somewhere to go. */
const person = async (): Promise<Person> => {
  const p = await createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: false });
  const store = new AccountStore(
    createDynamoClient({ endpoint: stack.dynamodbEndpoint }),
    stack.tables.identity,
  );
  const email = `${p.username}@example.cn`;
  await store.update((await store.findById(p.accountId))!, { email });
  return { ...p, email };
};

/** A code + PKCE sign-in at a site asking for a refresh token, in the browser `ua`. */
const signInAt = async (clientId: string, ua: UserAgent, who: SignInOptions) => {
  const config = await clientConfig(stack, 'public', clientId);
  const verifier = oidc.randomPKCECodeVerifier();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: CALLBACK,
    scope: 'openid profile offline_access',
    prompt: 'consent',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  const callback = await signIn(ua, url.href, isCallback, who);
  const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier });
  return { config, tokens, claims: tokens.claims()! };
};

/** The first page a new authorization at a site shows in `ua` (no prompt asked for). */
const authorizeAgain = async (clientId: string, ua: UserAgent) => {
  const config = await clientConfig(stack, 'public', clientId);
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: CALLBACK,
    scope: 'openid profile',
    code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
    code_challenge_method: 'S256',
  });
  return ua.follow(url.href, isCallback);
};

/** The person's browser signed in to the account centre at `path`, with the page's CSRF token. */
const accountCentre = async (ua: UserAgent, who: SignInOptions, path: string) => {
  const landed = await signIn(
    ua,
    `${stack.urls.public}/account/login?returnTo=${path}`,
    (u) => u.pathname === path,
    who,
  );
  const page = await ua.request(landed.href);
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.html)?.[1];
  expect(csrf).toBeDefined();
  return { page, csrf: csrf! };
};

const logoutsFor = async (clientId: string) => {
  const jwks = jose.createRemoteJWKSet(new URL(`${stack.urls.public}/jwks`));
  const payloads = await Promise.all(
    logoutTokens().map(async (t) => {
      const { payload } = await jose.jwtVerify(t, jwks, { issuer: stack.urls.public });
      return payload;
    }),
  );
  return payloads.filter((p) => p.aud === clientId);
};

const noticesTo = (accountId: string, notice: string) =>
  stack.outbox.messages.filter(
    (m) => m.kind === 'notice' && m.notice === notice && m.to.accountId === accountId,
  );

beforeAll(async () => {
  stack = await startTestStack();
  sessions = new AccountSessions({
    doc: createDynamoClient({ endpoint: stack.dynamodbEndpoint }),
    table: stack.tables.identity,
    queues: {},
  });
  // Department sites that record the back-channel logout tokens they are sent.
  rp = await startLogoutRecorder();
  const rpUrl = rp.url;
  for (const [clientId, name] of [
    [SITE_A, 'Online tax filing 网上报税'],
    [SITE_B, 'Housing fund 公积金'],
  ] as const)
    await registerClient(stack, 'public', clientId, {
      client_name: name,
      backchannel_logout_uri: `${rpUrl}/${clientId}/backchannel-logout`,
      backchannel_logout_session_required: true,
    });
}, 60_000);
afterAll(async () => {
  await rp?.close();
  await stack?.stop();
});

describe('connected services at the account centre', () => {
  it('lists the sites the person allowed with their department, what they see and when last used; never yitong’s own portal', async () => {
    const who = await person();
    const ua = new UserAgent();
    await signInAt(SITE_A, ua, who);
    const { page } = await accountCentre(ua, who, '/account/services');
    expect(page.status).toBe(200);
    const card = page.html.split('<li data-client="').find((part) => part.startsWith(`${SITE_A}"`));
    expect(card).toContain('Online tax filing 网上报税');
    expect(card).toContain('Tax Bureau');
    expect(card).toContain('See your name');
    expect(card).toContain('Keep you signed in to the service');
    expect(card).not.toContain('Not in your recent activity');
    expect(page.html).not.toContain('data-client="yitong-account"');
    expect(page.html).not.toContain(SITE_B);
  });

  it('withdrawing consent ends the site’s tokens and session (it receives the logout token), forgets the consent, is audited once and noticed', async () => {
    const who = await person();
    const ua = new UserAgent();
    const atA = await signInAt(SITE_A, ua, who);
    const atB = await signInAt(SITE_B, ua, who);
    const { csrf } = await accountCentre(ua, who, '/account/services');
    const withdraw = `${stack.urls.public}/account/services/${SITE_A}/withdraw`;

    // Without the portal's CSRF token nothing happens.
    const forged = await ua.request(withdraw, { form: { csrf: 'forged' } });
    expect(forged.status).toBe(403);
    // The site's tokens work until then (a refresh rotates its refresh token: the newest is kept).
    const live = await oidc.refreshTokenGrant(atA.config, atA.tokens.refresh_token!);
    expect(live.refresh_token).toBeDefined();
    const before = await sessions.grants(who.accountId);
    expect(before.map((g) => g.clientId)).toEqual(expect.arrayContaining([SITE_A, SITE_B]));

    const done = await ua.request(withdraw, { form: { csrf } });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe(`/account/services?withdrawn=${SITE_A}`);

    // The site got a signed logout token for the person's session there.
    const told = await logoutsFor(SITE_A);
    expect(told).toHaveLength(1);
    expect(told[0]).toMatchObject({ sub: atA.claims.sub, sid: atA.claims.sid });
    // Its tokens are dead: the refresh token, and the access token at userinfo.
    await expect(oidc.refreshTokenGrant(atA.config, live.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    await expect(oidc.fetchUserInfo(atA.config, live.access_token, atA.claims.sub)).rejects.toBeDefined();
    // The other site goes on.
    expect(await logoutsFor(SITE_B)).toHaveLength(0);
    expect(await oidc.fetchUserInfo(atB.config, atB.tokens.access_token, atB.claims.sub)).toMatchObject({
      sub: atB.claims.sub,
    });
    expect((await sessions.grants(who.accountId)).map((g) => g.clientId)).not.toContain(SITE_A);

    // The page says so, and no longer lists the site.
    const after = await ua.follow(`${stack.urls.public}/account/services?withdrawn=${SITE_A}`);
    expect(after.html).toContain('id="withdrawn-notice"');
    expect(after.html).not.toContain(`data-client="${SITE_A}"`);
    expect(after.html).toContain(`data-client="${SITE_B}"`);

    // The session goes on, signed in to the other site only.
    const stillSignedIn = await ua.request(`${stack.urls.public}/account/sessions`);
    expect(stillSignedIn.html).toContain('Housing fund 公积金');
    expect(stillSignedIn.html).not.toContain('Online tax filing 网上报税');

    // Still signed in to yitong (single sign-on), but the site must ask for consent again.
    const again = await authorizeAgain(SITE_A, ua);
    expect(again.html).toContain('/consent"');
    expect(again.html).not.toContain('/login" novalidate');

    // Withdrawing again finds nothing to withdraw; yitong's own portal is never withdrawable.
    expect((await ua.request(withdraw, { form: { csrf } })).status).toBe(404);
    const own = await ua.request(`${stack.urls.public}/account/services/yitong-account/withdraw`, {
      form: { csrf },
    });
    expect(own.status).toBe(404);

    const trail = (await auditEvents(stack)).filter(
      (e) => e.type === 'consent.withdrawn' && e.actor === who.accountId,
    );
    expect(trail).toHaveLength(1);
    expect(trail[0]).toMatchObject({ client: SITE_A, subject: who.accountId, outcome: 'success' });
    await vi.waitFor(() => expect(noticesTo(who.accountId, 'consent-withdrawn')).toHaveLength(1));
    expect(noticesTo(who.accountId, 'consent-withdrawn')[0]).toMatchObject({
      channel: 'email',
      to: { email: who.email },
    });
  });
});

describe('sessions and devices at the account centre', () => {
  it('signing out everywhere ends single sign-on at both sites, each told by logout token, audited once and noticed', async () => {
    const who = await person();
    const browser = new UserAgent();
    const atA = await signInAt(SITE_A, browser, who);
    const atB = await signInAt(SITE_B, browser, who);
    // A second browser, at the account centre.
    const laptop = new UserAgent();
    const { page, csrf } = await accountCentre(laptop, who, '/account/sessions');
    expect(page.html.match(/<li data-session="/g)).toHaveLength(2);
    // This browser's own session is marked, and no session's id (its cookie's value) is shown.
    expect(page.html.match(/class="current"/g)).toHaveLength(1);
    for (const s of await sessions.sessions(who.accountId)) {
      expect(page.html).toContain(`data-session="${s.uid}"`);
      expect(page.html).not.toContain(s.id);
    }
    expect(page.html).toContain('127.0.0.0/24');
    expect(page.html).toContain('Online tax filing 网上报税, Housing fund 公积金');
    const logoutsBefore = logoutTokens().length;
    const startedAt = epochSeconds();

    const done = await laptop.request(`${stack.urls.public}/account/sessions/end-all`, { form: { csrf } });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/account/signed-out?everywhere=1');
    const signedOut = await laptop.follow(`${stack.urls.public}/account/signed-out?everywhere=1`);
    expect(signedOut.html).toContain('id="signed-out"');

    // Both sites were told, each for its session.
    expect(logoutTokens().length - logoutsBefore).toBe(2);
    expect(await logoutsFor(SITE_A)).toContainEqual(expect.objectContaining({ sid: atA.claims.sid }));
    expect(await logoutsFor(SITE_B)).toContainEqual(expect.objectContaining({ sid: atB.claims.sid }));
    // Single sign-on is over: each site's next authorization asks for the password.
    expect((await authorizeAgain(SITE_A, browser)).html).toContain('/login" novalidate');
    expect((await authorizeAgain(SITE_B, browser)).html).toContain('/login" novalidate');
    await expect(oidc.refreshTokenGrant(atA.config, atA.tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    // The account centre asks this browser to sign in again, and everything from before now is refused.
    const back = await laptop.request(`${stack.urls.public}/account/sessions`);
    expect(back.status).toBe(303);
    expect(back.headers.get('location')).toContain('/account/login');
    const store = new AccountStore(
      createDynamoClient({ endpoint: stack.dynamodbEndpoint }),
      stack.tables.identity,
    );
    expect((await store.findById(who.accountId))!.sessionsValidAfter).toBeGreaterThanOrEqual(startedAt);
    expect(await sessions.sessions(who.accountId)).toEqual([]);

    const trail = (await auditEvents(stack)).filter(
      (e) => e.type === 'session.ended_everywhere' && e.actor === who.accountId,
    );
    expect(trail).toHaveLength(1);
    expect(trail[0]).toMatchObject({ outcome: 'success', details: expect.objectContaining({ sessions: 2 }) });
    await vi.waitFor(() => expect(noticesTo(who.accountId, 'signed-out-everywhere')).toHaveLength(1));
  });

  it('a site withdrawn is told once: signing out everywhere afterwards tells only the sites still signed in', async () => {
    const who = await person();
    const ua = new UserAgent();
    const atA = await signInAt(SITE_A, ua, who);
    await signInAt(SITE_B, ua, who);
    const { csrf } = await accountCentre(ua, who, '/account/services');
    const withdrawn = await ua.request(`${stack.urls.public}/account/services/${SITE_A}/withdraw`, {
      form: { csrf },
    });
    expect(withdrawn.status).toBe(303);
    const forA = (await logoutsFor(SITE_A)).filter((t) => t.sid === atA.claims.sid);
    expect(forA).toHaveLength(1);
    // The session no longer lists the withdrawn site.
    const [session] = await sessions
      .sessions(who.accountId)
      .then((all) => all.filter((s) => s.clients.length));
    expect(session?.clients.map((c) => c.clientId)).not.toContain(SITE_A);

    const before = logoutTokens().length;
    const ended = await ua.request(`${stack.urls.public}/account/sessions/end-all`, { form: { csrf } });
    expect(ended.status).toBe(303);
    // Only SITE_B (and the account portal itself, which has no logout URI) had a live session.
    expect(logoutTokens().length - before).toBe(1);
    expect((await logoutsFor(SITE_A)).filter((t) => t.sid === atA.claims.sid)).toHaveLength(1);
  });

  it('signs out of one session by its uid, and never of another person’s', async () => {
    const who = await person();
    const other = await person();
    const phone = new UserAgent();
    const atA = await signInAt(SITE_A, phone, who);
    const theirs = new UserAgent();
    await signInAt(SITE_B, theirs, other);
    const laptop = new UserAgent();
    const { csrf } = await accountCentre(laptop, who, '/account/sessions');
    const [otherSession] = await sessions.sessions(other.accountId);
    const phoneSession = (await sessions.sessions(who.accountId)).find((s) =>
      s.clients.some((c) => c.clientId === SITE_A),
    )!;

    // Another person's session, named by its uid: as absent as an unknown one, and untouched.
    const foreign = await laptop.request(`${stack.urls.public}/account/sessions/${otherSession!.uid}/end`, {
      form: { csrf },
    });
    expect(foreign.status).toBe(404);
    expect(await sessions.sessions(other.accountId)).toHaveLength(1);
    expect((await authorizeAgain(SITE_B, theirs)).url).toMatch(/^http:\/\/localhost:9\/cb\?code=/);
    // Named by its id (the cookie's secret value) instead of its uid: nothing either.
    const byId = await laptop.request(`${stack.urls.public}/account/sessions/${phoneSession.id}/end`, {
      form: { csrf },
    });
    expect(byId.status).toBe(404);

    const done = await laptop.request(`${stack.urls.public}/account/sessions/${phoneSession.uid}/end`, {
      form: { csrf },
    });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/account/sessions?ended=1');
    expect(await logoutsFor(SITE_A)).toContainEqual(expect.objectContaining({ sid: atA.claims.sid }));
    expect((await authorizeAgain(SITE_A, phone)).html).toContain('/login" novalidate');
    // The account centre's own session (the laptop) goes on.
    const left = await sessions.sessions(who.accountId);
    expect(left.map((s) => s.uid)).not.toContain(phoneSession.uid);
    expect(left).toHaveLength(1);
    expect((await laptop.request(`${stack.urls.public}/account/sessions?ended=1`)).html).toContain(
      'id="ended-notice"',
    );

    // Signing out of this very browser's session ends the account centre's session with it.
    const own = await laptop.request(`${stack.urls.public}/account/sessions/${left[0]!.uid}/end`, {
      form: { csrf },
    });
    expect(own.status).toBe(303);
    expect(own.headers.get('location')).toBe('/account/signed-out');
    expect(await sessions.sessions(who.accountId)).toEqual([]);
    const gone = await laptop.request(`${stack.urls.public}/account/sessions`);
    expect(gone.headers.get('location')).toContain('/account/login');

    const trail = (await auditEvents(stack)).filter(
      (e) => e.type === 'session.ended' && e.actor === who.accountId,
    );
    expect(trail.map((e) => e.resource)).toEqual([`session:${phoneSession.uid}`, `session:${left[0]!.uid}`]);
    expect(
      (await auditEvents(stack)).filter((e) => e.type === 'session.ended' && e.actor === other.accountId),
    ).toEqual([]);
  });
});
