import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { AccountStore } from '../../libs/accounts/index.ts';
import { CompanyStore, IdentityClaims } from '../../libs/identity/index.ts';
import { LicenceService } from '../../libs/licences/index.ts';
import { AccountSessions } from '../../libs/oidc/index.ts';
import { createDynamoClient } from '../../libs/store/index.ts';
import { companyWithAgent } from '../../testkit/companies.ts';
import { CALLBACK, clientConfig, createPerson, isCallback, registerClient } from '../../testkit/oidc-flow.ts';
import { startTestStack } from '../../testkit/stack.ts';
import { type SignInOptions, signIn, UserAgent } from '../../testkit/user-agent.ts';
import { auditEvents } from '../support/audit.ts';

/** The cooling-off of this stack: short, so the test sees its end. */
const COOLING_OFF = 4;
let stack: LocalStack;
let rp: Server;
const logoutTokens: string[] = [];
let accounts: AccountStore;
let people: Awaited<ReturnType<typeof companyWithAgent>>;

type Person = SignInOptions & { readonly accountId: string };

/** A site sign-in with a refresh token, through the real pages. */
const siteTokens = async (ua: UserAgent, who: Person) => {
  const config = await clientConfig(stack, 'public', 'data-site');
  const verifier = oidc.randomPKCECodeVerifier();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: CALLBACK,
    scope: 'openid offline_access',
    prompt: 'consent',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  const callback = await signIn(ua, url.href, isCallback, who);
  return {
    config,
    tokens: await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier }),
  };
};

/** The person's browser on the Your data page, with the page's CSRF token. */
const onDataPage = async (who: Person, ua = new UserAgent()) => {
  await signIn(
    ua,
    `${stack.urls.public}/account/login?returnTo=/account/data`,
    (u) => u.pathname === '/account/data',
    who,
  );
  const page = await ua.request(`${stack.urls.public}/account/data`);
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.html)?.[1] ?? '';
  return { ua, page, csrf };
};

const download = async (who: Person) => {
  const { ua, page, csrf } = await onDataPage(who);
  const res = await ua.request(`${stack.urls.public}/account/data/download`, { form: { csrf } });
  return { page, res, file: JSON.parse(res.html) as Record<string, unknown> };
};

const withEmail = async (who: Person, email: string) => {
  const account = (await accounts.findById(who.accountId))!;
  await accounts.update(account, { email });
};

const noticesTo = (accountId: string, notice: string) =>
  stack.outbox.messages.filter(
    (m) => m.kind === 'notice' && m.notice === notice && m.to.accountId === accountId,
  ).length;

beforeAll(async () => {
  stack = await startTestStack({ accountClosingSeconds: COOLING_OFF, closingSweepMilliseconds: 3_600_000 });
  accounts = new AccountStore(
    createDynamoClient({ endpoint: stack.dynamodbEndpoint }),
    stack.tables.identity,
  );
  rp = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const token = new URLSearchParams(Buffer.concat(chunks).toString()).get('logout_token');
      if (token) logoutTokens.push(token);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => rp.listen(0, '127.0.0.1', resolve));
  await registerClient(stack, 'public', 'data-site', {
    yitong_accepts_companies: true,
    grant_types: ['authorization_code', 'refresh_token'],
    backchannel_logout_uri: `http://localhost:${(rp.address() as AddressInfo).port}/logout`,
    backchannel_logout_session_required: true,
  });
  people = await companyWithAgent(stack, ['data-site']);
}, 60_000);
afterAll(async () => {
  await new Promise((resolve) => rp?.close(resolve));
  await stack?.stop();
});

describe('your data: the download', () => {
  it('holds exactly the parts the page lists, the person’s own, and no secret', async () => {
    const { rep } = people;
    await withEmail(rep, 'rep@example.gov.cn');
    await siteTokens(new UserAgent(), { ...rep, actFor: 'self' });
    const { page, res, file } = await download(rep);

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('content-disposition')).toMatch(
      /^attachment; filename="yitong-data-[\d-]+\.json"$/,
    );
    const listed = [...page.html.matchAll(/data-part="(\w+)"/g)].map((m) => m[1]);
    expect(Object.keys(file)).toEqual(['format', 'exportedAt', ...listed]);

    const account = file.account as Record<string, unknown>;
    expect(account).toMatchObject({
      id: rep.accountId,
      loginName: rep.username,
      email: 'rep@example.gov.cn',
    });
    expect(file.identity).toMatchObject({
      level: 2,
      residentIdMasked: expect.stringMatching(/^\d{4}\*+\w{4}$/),
    });
    expect(file.consents).toEqual(
      expect.arrayContaining([expect.objectContaining({ service: 'data-site' })]),
    );
    expect(file.grants).toEqual(expect.arrayContaining([expect.objectContaining({ service: 'data-site' })]));
    const sessions = file.sessions as Array<Record<string, unknown>>;
    expect(sessions.length).toBeGreaterThan(0);
    for (const s of sessions) expect(Object.keys(s)).not.toEqual(expect.arrayContaining(['id']));
    expect(file.companies).toEqual([
      expect.objectContaining({ uscc: people.company.uscc, role: 'legal-representative' }),
    ]);
    const activity = file.activity as Array<Record<string, unknown>>;
    expect(activity.map((e) => e.type)).toEqual(
      expect.arrayContaining(['identity.proofing', 'company.registered', 'company.agent_granted']),
    );

    // Never a secret, a session id or the ID number's hash.
    const text = res.html;
    const held = (await accounts.findById(rep.accountId))!;
    const liveSessions = await new AccountSessions({
      doc: createDynamoClient({ endpoint: stack.dynamodbEndpoint }),
      table: stack.tables.identity,
      queues: {},
    }).sessions(rep.accountId);
    for (const secret of [
      held.password.hash,
      held.identity!.personRef,
      ...liveSessions.flatMap((s) => [s.id, s.uid, ...s.clients.map((c) => c.sid ?? s.id)]),
    ])
      expect(text).not.toContain(secret);
    expect(text).not.toMatch(/argon2|sealedSecret|personRef/);
  });

  it('names nobody else: the agent the representative authorised is “another person”, and back', async () => {
    const { rep, agent } = people;
    const repFile = (await download(rep)).res.html;
    const agentFile = (await download(agent)).res.html;
    expect(repFile).not.toContain(agent.accountId);
    expect(repFile).not.toContain(agent.username);
    expect(agentFile).not.toContain(rep.accountId);
    expect(agentFile).not.toContain(rep.username);
    const granted = (JSON.parse(repFile).activity as Array<Record<string, unknown>>).find(
      (e) => e.type === 'company.agent_granted',
    );
    expect(granted).toMatchObject({ actor: 'you', subject: 'another person' });
    expect(granted?.sourceIp).toBeDefined();
    const received = (JSON.parse(agentFile).activity as Array<Record<string, unknown>>).find(
      (e) => e.type === 'company.agent_granted',
    );
    // What someone else did: neither who nor from where.
    expect(received).toMatchObject({ actor: 'another person', subject: 'you' });
    expect(received).not.toHaveProperty('sourceIp');
  });

  it('is refused without the page’s CSRF token, and each download is audited once', async () => {
    const person = await createPerson(stack, { roles: ['citizen'], kind: 'citizen', totp: false });
    const { ua, csrf } = await onDataPage(person);
    const forged = await ua.request(`${stack.urls.public}/account/data/download`, {
      form: { csrf: 'forged' },
    });
    expect(forged.status).toBe(403);
    const ok = await ua.request(`${stack.urls.public}/account/data/download`, { form: { csrf } });
    expect(ok.status).toBe(200);
    const exported = (await auditEvents(stack)).filter(
      (e) => e.type === 'account.data_exported' && e.subject === person.accountId,
    );
    expect(exported).toHaveLength(1);
  });
});

describe('closing an account', () => {
  it('asks to confirm, then ends every session and site grant at once, with back-channel logout', async () => {
    const person = await createPerson(stack, { roles: ['citizen'], kind: 'citizen', totp: false });
    await withEmail(person, 'closing@example.gov.cn');
    const site = await siteTokens(new UserAgent(), person);
    const { ua, page, csrf } = await onDataPage(person);
    expect(page.html).toContain('id="close-account"');

    const unconfirmed = await ua.request(`${stack.urls.public}/account/data/close`, { form: { csrf } });
    expect(unconfirmed.status).toBe(400);
    expect(unconfirmed.html).toContain('error-summary');
    expect((await accounts.findById(person.accountId))!.closing).toBeUndefined();

    const before = logoutTokens.length;
    const closed = await ua.request(`${stack.urls.public}/account/data/close`, {
      form: { csrf, confirm: 'yes' },
    });
    expect(closed.status).toBe(200);
    expect(closed.html).toContain('id="closing-started"');
    // The site was told, and its refresh token is dead.
    expect(logoutTokens.length).toBe(before + 1);
    await expect(oidc.refreshTokenGrant(site.config, site.tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    // The account centre's own session ended too.
    const after = await ua.request(`${stack.urls.public}/account/data`);
    expect(after.status).toBe(303);
    expect(noticesTo(person.accountId, 'account-closing')).toBe(1);
    const requested = (await auditEvents(stack)).filter(
      (e) => e.type === 'account.closing_requested' && e.subject === person.accountId,
    );
    expect(requested).toHaveLength(1);

    // During the cooling-off the person may sign in and keep the account.
    await new Promise((r) => setTimeout(r, 1000));
    const again = await onDataPage(person);
    expect(again.page.html).toContain('id="closing"');
    const cancel = await again.ua.request(`${stack.urls.public}/account/data/cancel`, {
      form: { csrf: again.csrf },
    });
    expect(cancel.status).toBe(303);
    expect((await accounts.findById(person.accountId))!.closing).toBeUndefined();
    expect(noticesTo(person.accountId, 'account-closing-cancelled')).toBe(1);
    // Past the cooling-off it stays: nothing is due.
    await new Promise((r) => setTimeout(r, COOLING_OFF * 1000));
    expect(await stack.sweepClosedAccounts()).toBe(0);
    expect(await accounts.findById(person.accountId)).toBeDefined();
    const cancelled = (await auditEvents(stack)).filter(
      (e) => e.type === 'account.closing_cancelled' && e.subject === person.accountId,
    );
    expect(cancelled).toHaveLength(1);
  });

  it('asks for a fresh sign-in at the account’s highest level first, and closes nothing until then', async () => {
    const person = await createPerson(stack, { roles: ['citizen'], kind: 'citizen', totp: false });
    const { ua, csrf } = await onDataPage(person);
    // An authenticator app added since: a password sign-in is no longer the account's highest level.
    const account = (await accounts.findById(person.accountId))!;
    await accounts.update(account, {
      totp: {
        secret: 'JBSWY3DPEHPK3PXP',
        enabledAt: new Date().toISOString(),
        lastStep: 0,
        recoveryCodes: [],
      },
    });
    const page = await ua.request(`${stack.urls.public}/account/data`);
    expect(page.html).toContain('id="confirm-fresh"');
    expect(page.html).not.toContain('id="close-account"');
    const asked = await ua.request(`${stack.urls.public}/account/data/close`, {
      form: { csrf, confirm: 'yes' },
    });
    expect(asked.status).toBe(303);
    const to = new URL(asked.headers.get('location')!, stack.urls.public);
    expect(to.pathname).toBe('/account/login');
    expect(Object.fromEntries(to.searchParams)).toMatchObject({
      fresh: '1',
      acr: 'urn:yitong:loa:2',
      returnTo: '/account/data',
    });
    expect((await accounts.findById(person.accountId))!.closing).toBeUndefined();
  });

  it('after the cooling-off refuses sign-in plainly, and the sweep deletes the account but not the licences', async () => {
    const { rep, agent, company } = people;
    const doc = createDynamoClient({ endpoint: stack.dynamodbEndpoint });
    const held = (await accounts.findById(rep.accountId))!;
    const personRef = held.identity!.personRef;
    const licences = new LicenceService({
      doc,
      table: stack.tables.licences,
      issuer: stack.urls.public,
      keyring: undefined as never,
    });
    const licencesBefore = (await licences.licencesOf(personRef)).length;

    const { ua, csrf } = await onDataPage(rep);
    expect((await ua.request(`${stack.urls.public}/account/data`)).html).toContain('id="represents"');
    const closed = await ua.request(`${stack.urls.public}/account/data/close`, {
      form: { csrf, confirm: 'yes' },
    });
    expect(closed.status).toBe(200);
    await new Promise((r) => setTimeout(r, (COOLING_OFF + 1) * 1000));

    // Signing in is refused with a clear message, before the sweep has run.
    const browser = new UserAgent();
    const login = await browser.follow(`${stack.urls.public}/account/login`);
    const refused = await browser.submit(login, '/login', { username: rep.username, password: rep.password });
    expect(refused.status).toBe(403);
    expect(refused.html).toContain('closed at its holder’s request');

    expect(await stack.sweepClosedAccounts()).toBe(1);
    expect(await accounts.findById(rep.accountId)).toBeUndefined();
    expect(await accounts.findByLoginName(rep.username)).toBeUndefined();
    expect(await accounts.findByEmail('rep@example.gov.cn')).toEqual([]);
    // The ID number is free for a new account; the company's registration ended with its agents'.
    expect(await new IdentityClaims(doc, stack.tables.identity).accountOf(personRef)).toBeUndefined();
    const companies = new CompanyStore(doc, stack.tables.identity);
    expect(await companies.get(company.uscc)).toBeUndefined();
    expect(await companies.representations(agent.accountId)).toEqual([]);
    // Licences are the issuing department's records: they stay.
    expect((await licences.licencesOf(personRef)).length).toBe(licencesBefore);
    expect(noticesTo(rep.accountId, 'account-closed')).toBe(1);

    // Audited once, naming the account id only; a second sweep finds nothing to do.
    expect(await stack.sweepClosedAccounts()).toBe(0);
    const deleted = (await auditEvents(stack)).filter(
      (e) => e.type === 'account.deleted' && e.subject === rep.accountId,
    );
    expect(deleted).toHaveLength(1);
    const recorded = JSON.stringify(deleted[0]);
    for (const personal of [rep.username, 'rep@example.gov.cn', held.displayName, held.identity!.name])
      expect(recorded).not.toContain(personal);
  });
});
