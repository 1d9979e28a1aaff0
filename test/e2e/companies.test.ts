import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildCli } from '../../cli/main.ts';
import { DEMO_COMPANIES, DEMO_RESIDENTS } from '../../infra/local/registry-twin.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import { usccCheckCharacter } from '../../libs/departments/index.ts';
import { claimClientName } from '../../libs/oidc/index.ts';
import { createDynamoClient } from '../../libs/store/index.ts';
import { createPerson, registerClient, tokensFor } from '../../testkit/oidc-flow.ts';
import { startTestStack } from '../../testkit/stack.ts';
import { type Page, type SignInOptions, signIn, UserAgent } from '../../testkit/user-agent.ts';
import { auditEvents } from '../support/audit.ts';
import { proveAs, stackProofing } from '../support/proving.ts';

let stack: LocalStack;
let prove: ReturnType<typeof stackProofing>;

const CHEN = DEMO_RESIDENTS.find((r) => r.loginName === 'chen.ming')!;
const LIU = DEMO_RESIDENTS.find((r) => r.loginName === 'liu.fang')!;
const COMPANY = DEMO_COMPANIES[0]!;
const CLOSED = DEMO_COMPANIES.find((c) => c.status === 'closed')!;
/** A well-formed code the registry has no company for. */
const UNKNOWN = `91110000MA0000000${usccCheckCharacter('91110000MA0000000')}`;
/** A public site that accepts companies, and one that does not say so. */
const ACCEPTING = 'tax-company-filing';
const PERSONAL = 'tax-personal-filing';

/** A public sign-in client registered as the admin API would: listed under its department. */
const publicSite = async (clientId: string, extra: Record<string, unknown>) => {
  const doc = createDynamoClient({ endpoint: stack.dynamodbEndpoint });
  await claimClientName(doc, stack.tables.identity, 'tax', clientId, clientId);
  await registerClient(stack, 'public', clientId, extra);
};

beforeAll(async () => {
  stack = await startTestStack();
  prove = stackProofing(stack);
  await publicSite(ACCEPTING, { yitong_accepts_companies: true });
  await publicSite(PERSONAL, {});
});
afterAll(() => stack?.stop());

type Person = SignInOptions & { readonly accountId: string; readonly ua: UserAgent };

/** A new citizen, proved against the registry twin as `resident` when given, signed in to the portal. */
const citizen = async (resident?: (typeof DEMO_RESIDENTS)[number]): Promise<Person> => {
  const person = await createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: false });
  if (resident) await proveAs(prove, person.accountId, resident);
  const ua = new UserAgent();
  const home = `${stack.urls.public}/account/companies`;
  const landed = await signIn(ua, home, (u) => u.pathname.endsWith('/account/companies'), person);
  expect(landed.pathname).toBe(new URL(home).pathname);
  return { ...person, ua };
};

const get = (p: Person, path: string) => p.ua.follow(`${stack.urls.public}${path}`);
const csrfOf = (page: Page) => /name="csrf" value="([^"]+)"/.exec(page.html)?.[1] ?? '';
/** Posts a portal form with the session's CSRF token (as a page's own form would). */
const post = async (p: Person, path: string, fields: Record<string, string> | URLSearchParams) => {
  const csrf = csrfOf(await get(p, '/account/companies'));
  const body = new URLSearchParams(fields);
  body.set('csrf', csrf);
  return p.ua.request(`${stack.urls.public}${path}`, {
    body: body.toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
};
const register = (p: Person, uscc: string) => post(p, '/account/companies', { uscc });
const reasonOf = (page: Page) => /data-reason="([^"]+)"/.exec(page.html)?.[1];
/** A day in Beijing, `days` from today, as a date field sends it. */
const dayFromNow = (days: number) =>
  new Date(Date.now() + days * 86_400_000 + 8 * 3_600_000).toISOString().slice(0, 10);

describe('companies and agents in the account portal', () => {
  let rep: Person;
  let agent: Person;
  let unproved: Person;

  beforeAll(async () => {
    [rep, agent, unproved] = await Promise.all([citizen(CHEN), citizen(LIU), citizen()]);
  });

  it('asks a person at IAL 1 to prove their identity, and refuses their registration with a page that says how', async () => {
    const page = await get(unproved, '/account/companies');
    expect(page.status).toBe(200);
    expect(page.html).toContain('id="prove-first"');
    expect(page.html).toContain('href="account/identity"');
    expect(page.html).not.toContain('action="account/companies"');

    const refused = await register(unproved, COMPANY.uscc);
    expect(refused.status).toBe(403);
    expect(reasonOf(refused)).toBe('ial-too-low');
    expect(refused.html).toContain('Prove your identity first');
    expect(refused.html).toContain('href="account/identity"');
    const trail = await auditEvents(stack);
    expect(
      trail.filter(
        (e) =>
          e.type === 'company.registered' && e.actor === unproved.accountId && e.reason === 'ial-too-low',
      ),
    ).toHaveLength(1);
  });

  it('says plainly when the code is malformed, unknown to the registry, closed, or the registry is down', async () => {
    const malformed = await register(rep, '91110108MA01ABCD2');
    expect(malformed.status).toBe(400);
    expect(malformed.html).toContain('id="error-summary"');
    expect(malformed.html).toMatch(/id="uscc"[^>]*value="91110108MA01ABCD2"/);

    const unknown = await register(rep, UNKNOWN);
    expect([unknown.status, reasonOf(unknown)]).toEqual([404, 'no-such-company']);
    expect(unknown.html).toContain(UNKNOWN);

    const closed = await register(rep, CLOSED.uscc);
    expect([closed.status, reasonOf(closed)]).toEqual([422, 'company-closed']);

    stack.registry.fault('error', 1);
    const down = await register(rep, COMPANY.uscc);
    expect([down.status, reasonOf(down)]).toEqual([503, 'registry-error']);
    expect(down.html).toContain('Nothing was registered');
  });

  it('refuses someone the registry does not name as the legal representative', async () => {
    const page = await register(agent, COMPANY.uscc);
    expect([page.status, reasonOf(page)]).toEqual([403, 'not-legal-representative']);
    expect((await get(agent, '/account/companies')).html).not.toContain(COMPANY.uscc);
  });

  it('registers the company for its legal representative, once', async () => {
    const done = await register(rep, COMPANY.uscc);
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toMatch(
      new RegExp(`/account/companies/${COMPANY.uscc}\\?registered=1$`),
    );
    const page = await rep.ua.follow(rep.ua.resolve(done, done.headers.get('location')!));
    expect(page.status).toBe(200);
    expect(page.html).toContain(COMPANY.name);
    expect(page.html).toContain('The company is registered');
    const mine = await get(rep, '/account/companies');
    expect(mine.html).toMatch(new RegExp(`data-company="${COMPANY.uscc}"[\\s\\S]*Legal representative`));

    const again = await register(rep, COMPANY.uscc);
    expect([again.status, reasonOf(again)]).toEqual([409, 'already-registered']);
  });

  it('shows a company’s agents only to its legal representative', async () => {
    for (const other of [agent, unproved]) {
      const page = await get(other, `/account/companies/${COMPANY.uscc}`);
      expect(page.status).toBe(403);
      expect(page.html).toContain('id="not-yours"');
      expect(page.html).not.toContain('name="residentId"');
    }
    // Nor can they authorise anyone for it.
    const forged = await post(agent, `/account/companies/${COMPANY.uscc}/agents`, {
      agentName: LIU.name,
      residentId: LIU.residentId,
      clients: ACCEPTING,
      until: dayFromNow(30),
    });
    expect(forged.status).toBe(403);
  });

  it('offers the services that accept companies, and keeps the form with its errors', async () => {
    const page = await get(rep, `/account/companies/${COMPANY.uscc}`);
    expect(page.html).toContain(`id="client-${ACCEPTING}"`);
    expect(page.html).not.toContain(`id="client-${PERSONAL}"`);

    const empty = await post(rep, `/account/companies/${COMPANY.uscc}/agents`, {});
    expect(empty.status).toBe(400);
    expect([...empty.html.matchAll(/<li><a href="#([^"]+)">/g)].map((m) => m[1])).toEqual([
      'agentName',
      'residentId',
      `client-${ACCEPTING}`,
      'until',
    ]);

    const notOffered = await post(rep, `/account/companies/${COMPANY.uscc}/agents`, {
      agentName: LIU.name,
      residentId: LIU.residentId,
      clients: PERSONAL,
      until: dayFromNow(30),
    });
    expect(notOffered.status).toBe(400);
    expect(notOffered.html).toContain(`href="#client-${ACCEPTING}"`);

    const wrongName = await post(rep, `/account/companies/${COMPANY.uscc}/agents`, {
      agentName: '王五',
      residentId: LIU.residentId,
      clients: ACCEPTING,
      until: dayFromNow(30),
    });
    expect(wrongName.status).toBe(400);
    expect(wrongName.html).toContain('has proved their identity at yitong');
    expect(wrongName.html).toMatch(/id="agentName"[^>]*value="王五"/);

    const past = await post(rep, `/account/companies/${COMPANY.uscc}/agents`, {
      agentName: LIU.name,
      residentId: LIU.residentId,
      clients: ACCEPTING,
      until: dayFromNow(-1),
    });
    expect(past.status).toBe(400);
    expect(past.html).toContain('href="#until"');
    const trail = await auditEvents(stack);
    expect(trail.filter((e) => e.type === 'company.agent_granted')).toHaveLength(0);
  });

  it('authorises a proved person for one site until a date, then revokes them at once; the trail shows actor and company', async () => {
    const until = dayFromNow(30);
    const granted = await post(rep, `/account/companies/${COMPANY.uscc}/agents`, {
      agentName: LIU.name,
      residentId: LIU.residentId.toLowerCase(),
      clients: ACCEPTING,
      until,
    });
    expect(granted.status).toBe(303);
    expect(granted.headers.get('location')).toMatch(/\?granted=1$/);
    const page = await get(rep, `/account/companies/${COMPANY.uscc}`);
    const card = new RegExp(`data-agent="${agent.accountId}"[\\s\\S]*?</li>`).exec(page.html)?.[0] ?? '';
    expect(card).toContain(LIU.name);
    expect(card).toContain(ACCEPTING);
    expect(card).toContain('Active');
    expect(card).toContain(`agents/${agent.accountId}/revoke`);

    // The agent sees the company, with their role, scope and end.
    const theirs = await get(agent, '/account/companies');
    const entry = new RegExp(`data-company="${COMPANY.uscc}"[\\s\\S]*?</li>`).exec(theirs.html)?.[0] ?? '';
    expect(entry).toContain('Agent');
    expect(entry).toContain(ACCEPTING);
    expect(entry).not.toContain(`href="account/companies/${COMPANY.uscc}"`);

    // The agent cannot revoke themselves; a revoke without the form's token does nothing.
    const self = await post(agent, `/account/companies/${COMPANY.uscc}/agents/${agent.accountId}/revoke`, {});
    expect(self.status).toBe(403);
    const noToken = await rep.ua.request(
      `${stack.urls.public}/account/companies/${COMPANY.uscc}/agents/${agent.accountId}/revoke`,
      { form: {} },
    );
    expect(noToken.status).toBe(403);
    expect((await get(agent, '/account/companies')).html).toContain(COMPANY.uscc);

    const revoked = await rep.ua.submit(page, `/agents/${agent.accountId}/revoke`, {});
    expect(revoked.status).toBe(200);
    expect(revoked.url).toMatch(/\?revoked=1$/);
    const after = new RegExp(`data-agent="${agent.accountId}"[\\s\\S]*?</li>`).exec(revoked.html)?.[0] ?? '';
    expect(after).toContain('Revoked');
    expect(after).not.toContain('/revoke');
    expect((await get(agent, '/account/companies')).html).not.toContain(COMPANY.uscc);

    // Made-up paths are refused plainly, never with a server error.
    const longId = await post(
      rep,
      `/account/companies/${COMPANY.uscc}/agents/${'a'.repeat(2000)}/revoke`,
      {},
    );
    expect(longId.status).toBe(404);
    const longCode = await post(
      rep,
      `/account/companies/${'9'.repeat(3000)}/agents/${agent.accountId}/revoke`,
      {},
    );
    expect(longCode.status).toBe(403);
    const longGrant = await post(rep, `/account/companies/${'9'.repeat(3000)}/agents`, {});
    expect(longGrant.status).toBe(403);
    expect((await get(rep, `/account/companies/${'9'.repeat(3000)}`)).status).toBe(403);

    // Once revoked there is nothing live to revoke.
    const twice = await post(rep, `/account/companies/${COMPANY.uscc}/agents/${agent.accountId}/revoke`, {});
    expect(twice.status).toBe(404);

    const trail = await auditEvents(stack);
    const company = `company#${COMPANY.uscc}`;
    const of = (type: string) => trail.filter((e) => e.type === type && e.outcome === 'success');
    expect(of('company.registered')).toEqual([
      expect.objectContaining({ actor: rep.accountId, onBehalfOf: company, resource: company }),
    ]);
    expect(of('company.agent_granted')).toEqual([
      expect.objectContaining({
        actor: rep.accountId,
        onBehalfOf: company,
        subject: agent.accountId,
        details: expect.objectContaining({ clients: [ACCEPTING], licenceTypes: [] }),
      }),
    ]);
    expect(of('company.agent_revoked')).toEqual([
      expect.objectContaining({ actor: rep.accountId, onBehalfOf: company, subject: agent.accountId }),
    ]);
  });
});

describe('staff look up who represents a company', () => {
  /** An access token for the admin API of a new member of staff with these roles. */
  const staffToken = async (clientId: string, roles: Parameters<typeof createPerson>[1]['roles']) => {
    await registerClient(stack, 'intranet', clientId, { yitong_resources: ['admin'] });
    const person = await createPerson(stack, { roles, totp: true, department: 'tax' });
    const tokens = await tokensFor(stack, 'intranet', clientId, person, {
      resource: `${stack.urls.intranet}/admin`,
      scope: 'openid admin',
    });
    return { token: tokens.access_token, accountId: person.accountId };
  };
  const lookUp = (token: string, uscc: string) =>
    fetch(`${stack.urls.intranet}/admin/companies/${uscc}`, {
      headers: { authorization: `Bearer ${token}` },
    });
  const lookUps = async (actor: string) =>
    (await auditEvents(stack)).filter(
      (e) => e.type === 'company.representatives_viewed' && e.actor === actor,
    );

  it('shows an auditor the legal representative and agents with masked ID numbers, audited once', async () => {
    const auditor = await staffToken('general-lookup-auditor', ['staff', 'auditor']);
    const res = await lookUp(auditor.token, COMPANY.uscc);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      uscc: COMPANY.uscc,
      name: COMPANY.name,
      legalRepresentative: {
        name: CHEN.name,
        residentIdMasked: expect.stringMatching(/^\d{4}\*{10}\d{3}[\dX]$/),
      },
      agents: [
        {
          name: LIU.name,
          scope: { clients: [ACCEPTING], licenceTypes: [] },
          status: 'revoked',
          revokedAt: expect.any(String),
        },
      ],
    });
    // Masked: never the whole number, anywhere in the answer.
    expect(JSON.stringify(body)).not.toContain(CHEN.residentId);
    expect(JSON.stringify(body)).not.toContain(LIU.residentId);
    expect(await lookUps(auditor.accountId)).toEqual([
      expect.objectContaining({ outcome: 'success', resource: `company#${COMPANY.uscc}`, zone: 'intranet' }),
    ]);
  });

  it('answers `yitong companies show <uscc>` from the command line with the signed-in person’s token', async () => {
    const auditor = await staffToken('general-lookup-cli', ['staff', 'auditor']);
    const dir = await mkdtemp(join(tmpdir(), 'yitong-cli-companies-'));
    const issuer = stack.urls.intranet.replace(/\/$/, '');
    await writeFile(
      join(dir, 'credentials.json'),
      JSON.stringify({
        [issuer]: { access_token: auditor.token, expires_at: Math.floor(Date.now() / 1000) + 600 },
      }),
    );
    vi.stubEnv('YITONG_CONFIG_DIR', dir);
    let printed = '';
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      printed += String(chunk);
      return true;
    });
    try {
      await buildCli({ throwOnError: true }).parseAsync([
        'node',
        'yitong',
        'companies',
        'show',
        COMPANY.uscc.toLowerCase(),
        '--issuer',
        issuer,
      ]);
    } finally {
      write.mockRestore();
      vi.unstubAllEnvs();
      await rm(dir, { recursive: true, force: true });
    }
    expect(JSON.parse(printed)).toMatchObject({
      uscc: COMPANY.uscc,
      legalRepresentative: { name: CHEN.name },
      agents: [{ name: LIU.name, status: 'revoked' }],
    });
    expect(await lookUps(auditor.accountId)).toHaveLength(1);
  });

  it('shows an auditor the look-up in the admin console, audited once per look-up', async () => {
    const person = await createPerson(stack, { roles: ['staff', 'auditor'], totp: true });
    const ua = new UserAgent();
    const console = `${stack.urls.intranet}/admin/console/companies`;
    const at = (u: URL) => u.pathname.endsWith('/admin/console/companies');
    await signIn(ua, console, at, person);
    const form = await ua.follow(console);
    expect(form.status).toBe(200);
    expect(form.html).toContain('name="uscc"');
    expect(await lookUps(person.accountId)).toEqual([]);

    const found = await ua.follow(`${console}?uscc=${COMPANY.uscc}`);
    expect(found.status).toBe(200);
    expect(found.html).toContain(CHEN.name);
    expect(found.html).toMatch(new RegExp(`data-agent="[^"]+"><td>${LIU.name}</td><td><code>\\d{4}\\*{10}`));
    expect(found.html).not.toContain(LIU.residentId);
    const missing = await ua.follow(`${console}?uscc=${UNKNOWN}`);
    expect(missing.status).toBe(404);
    expect(missing.html).toContain('id="company-not-found"');
    const wrong = await ua.follow(`${console}?uscc=nonsense`);
    expect(wrong.status).toBe(400);
    expect(wrong.html).toContain('id="error-summary"');
    expect((await lookUps(person.accountId)).map((e) => e.outcome)).toEqual(['success', 'failure']);

    // The rest of the admin console stays closed to an auditor.
    expect((await ua.follow(`${stack.urls.intranet}/admin/console/staff`)).status).toBe(403);
  });

  it('lets a department officer look up, audits a look-up of an unregistered company, and refuses other staff', async () => {
    const officer = await staffToken('tax-lookup-officer', ['staff', 'department-officer']);
    expect((await lookUp(officer.token, COMPANY.uscc)).status).toBe(200);
    const missing = await lookUp(officer.token, UNKNOWN);
    expect(missing.status).toBe(404);
    expect((await lookUps(officer.accountId)).map((e) => e.outcome)).toEqual(['success', 'failure']);
    expect((await lookUp(officer.token, 'not-a-code')).status).toBe(400);

    const clerk = await staffToken('general-lookup-clerk', ['staff']);
    expect((await lookUp(clerk.token, COMPANY.uscc)).status).toBe(403);
    expect(await lookUps(clerk.accountId)).toEqual([]);
    // The look-up opens nothing else of the admin API to an auditor.
    const auditor = await staffToken('general-lookup-auditor2', ['staff', 'auditor']);
    const departments = await fetch(`${stack.urls.intranet}/admin/departments`, {
      headers: { authorization: `Bearer ${auditor.token}` },
    });
    expect(departments.status).toBe(403);
  });
});
