/**
 * Licences follow identities, not login names (#20): a department issues to a resident ID number
 * (or a company's USCC); the licence waits for its holder, and appears in the wallet of the one
 * account that has proved that identity — nobody else's — with verification and sharing working
 * as before. A company's licences are seen by its legal representative and by agents whose scope
 * names the licence type.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_COMPANIES, DEMO_RESIDENTS } from '../../infra/local/registry-twin.ts';
import { type LocalStack, startLocalStack } from '../../infra/local/stack.ts';
import { AccountStore } from '../../libs/accounts/index.ts';
import { IdentityLinkedElsewhereError } from '../../libs/identity/index.ts';
import { createDynamoClient } from '../../libs/store/index.ts';
import { machineToken } from '../../testkit/oidc-flow.ts';
import { type Page, signIn, UserAgent } from '../../testkit/user-agent.ts';
import { auditEvents } from '../support/audit.ts';
import {
  grantTestAgent,
  proveIdentity,
  registerTestCompany,
  stackHasher,
} from '../support/licence-holders.ts';

let stack: LocalStack;
const resident = (nameEn: string) => DEMO_RESIDENTS.find((r) => r.nameEn === nameEn)!;
const zhou = resident('Zhou Jie');
const zhang = resident('Zhang San');
const chen = resident('Chen Ming');
const liu = resident('Liu Fang');
const company = DEMO_COMPANIES[0]!;

beforeAll(async () => {
  stack = await startLocalStack({
    memory: true,
    ports: { public: 0, extranet: 0, intranet: 0 },
    demoSites: false,
  });
});
afterAll(() => stack?.stop());

const accountIdOf = async (loginName: string) =>
  (await new AccountStore(
    createDynamoClient({ endpoint: stack.dynamodbEndpoint }),
    stack.tables.identity,
  ).findByLoginName(loginName))!.id;
const demoPassword = (loginName: string) =>
  stack.demo.accounts.find((a) => a.loginName === loginName)!.password;
const isPortalCallback = (url: URL) => url.pathname === '/account/callback';

/** A person signed in to the account portal: their pages, and forms posted with their CSRF token. */
const portal = async (ua: UserAgent) => {
  const get = (path: string) => ua.follow(`${stack.urls.public}${path}`);
  const csrf = async () => /name="csrf" value="([^"]+)"/.exec((await get('/account/licences')).html)![1]!;
  return {
    get,
    wallet: async () => (await get('/account/licences')).html,
    post: async (path: string, form: Record<string, string>) =>
      ua.request(`${stack.urls.public}${path}`, { form: { csrf: await csrf(), ...form } }),
  };
};
const signedIn = async (loginName: string, password = demoPassword(loginName)) => {
  const ua = new UserAgent();
  const callback = await signIn(ua, `${stack.urls.public}/account/login`, isPortalCallback, {
    username: loginName,
    password,
  });
  await ua.follow(callback.href);
  return portal(ua);
};

/** Registers at the issuer's own page, from the account portal's sign-in, as a person would. */
const register = async (loginName: string, displayName: string, password: string) => {
  const ua = new UserAgent();
  const login = await ua.follow(`${stack.urls.public}/account/login`, isPortalCallback);
  const form = await ua.follow(
    ua.resolve(login, /href="(interaction\/[\w-]+\/register[^"]*)"/.exec(login.html)![1]!),
  );
  let page: Page = await ua.submit(
    form,
    '/register',
    { kind: 'citizen', displayName, username: loginName, email: `${loginName}@example.gov`, password },
    isPortalCallback,
  );
  for (let step = 0; step < 4 && !isPortalCallback(new URL(page.url)); step++) {
    if (page.html.includes('/protect"'))
      page = await ua.submit(page, '/protect', { choice: 'skip' }, isPortalCallback);
    else if (page.html.includes('/consent"'))
      page = await ua.submit(page, '/consent', { decision: 'allow' }, isPortalCallback);
    else throw new Error(`unexpected page after registering: ${page.url} (${page.status})`);
  }
  await ua.follow(page.url);
  return portal(ua);
};

const issue = async (
  clientId: string,
  key: string,
  body: { type: string; holder: Record<string, string>; claims: Record<string, unknown> },
) => {
  const res = await fetch(`${stack.urls.extranet}/licences`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${await machineToken(stack, clientId)}`,
      'content-type': 'application/json',
      'idempotency-key': key,
    },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { licence_id: string; credential: string };
};

const permitFor = (person: typeof zhou) => ({
  type: 'driving-permit',
  holder: { residentId: person.residentId },
  claims: {
    family_name: person.name.slice(0, 1),
    given_name: person.name.slice(1),
    birth_date: `${person.residentId.slice(6, 10)}-${person.residentId.slice(10, 12)}-${person.residentId.slice(12, 14)}`,
    id_number: person.residentId,
    address: '南京市玄武区中山路 1 号',
    vehicle_classes: 'C1',
  },
});

describe('a licence issued to an ID number before its holder had an account', () => {
  let permit: { licence_id: string; credential: string };
  let holder: Awaited<ReturnType<typeof portal>>;
  const cardOf = (id: string) => `data-licence="${id}"`;

  beforeAll(async () => {
    // 周杰 has no account: the department issues to his ID number all the same.
    permit = await issue('transport-registry', 'holders-zhou-permit', permitFor(zhou));
  });

  it('appears in their wallet once they register and prove that identity, and in nobody else’s', async () => {
    holder = await register('zhou.jie', '周杰 Zhou Jie', 'zhou jie password 2026');
    // Registered, not proved: the wallet explains, and shows nothing.
    const before = await holder.wallet();
    expect(before).toContain('id="prove-identity"');
    expect(before).not.toContain(cardOf(permit.licence_id));
    expect((await holder.get(`/account/licences/${permit.licence_id}`)).status).toBe(404);

    await proveIdentity(stack, await accountIdOf('zhou.jie'), zhou);
    const after = await holder.wallet();
    expect(after).not.toContain('id="prove-identity"');
    expect(after).toContain(cardOf(permit.licence_id));
    // The demo qualification issued to him before he came, too.
    expect(after).toMatch(/2 licences/);
    expect((await holder.get(`/account/licences/${permit.licence_id}`)).status).toBe(200);
    expect((await holder.get(`/account/licences/${permit.licence_id}/download`)).html).toBe(
      permit.credential,
    );

    // Another proved person, and an account that is not proved: nothing of his.
    const other = await signedIn('zhang.san');
    await proveIdentity(stack, await accountIdOf('zhang.san'), zhang);
    const unproved = await signedIn('liu.fang');
    for (const person of [other, unproved]) {
      expect(await person.wallet()).not.toContain(cardOf(permit.licence_id));
      for (const path of ['', '/download'])
        expect((await person.get(`/account/licences/${permit.licence_id}${path}`)).status).toBe(404);
    }
    expect(await other.wallet()).toMatch(/2 licences/);
    expect(await unproved.wallet()).toContain('id="prove-identity"');
    // Nor can another account claim his identity: one account per person.
    await expect(proveIdentity(stack, await accountIdOf('liu.fang'), zhou)).rejects.toBeInstanceOf(
      IdentityLinkedElsewhereError,
    );
    expect(await unproved.wallet()).not.toContain(cardOf(permit.licence_id));
  });

  it('is verified and shared as before: the holder sees the check, and only the holder shares or withdraws', async () => {
    const checked = await fetch(`${stack.urls.public}/licences/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        licence: permit.credential,
        verifier: 'Nanjing Car Hire',
        purpose: 'hiring a car',
      }),
    });
    expect(((await checked.json()) as { verdict: string }).verdict).toBe('valid');
    expect((await holder.get('/account/verifications')).html).toContain('Nanjing Car Hire');
    const other = await signedIn('zhang.san');
    expect((await other.get('/account/verifications')).html).not.toContain('Nanjing Car Hire');

    // Another person cannot share it.
    const path = `/account/licences/${permit.licence_id}/shares`;
    const form = { fields: 'family_name', purpose: 'renting a flat', hours: '24' };
    expect((await other.post(path, form)).status).toBe(404);
    const shared = await holder.post(path, form);
    expect(shared.status).toBe(201);
    const link = /id="share-link"[^>]*href="([^"]+)"/.exec(shared.html)![1]!;
    const shareId = link.split('/').at(-1)!;
    const opened = await fetch(link, { headers: { accept: 'application/json' } });
    expect(await opened.json()).toMatchObject({ verdict: 'valid', disclosed: ['family_name'] });

    // Another person cannot withdraw it; the holder can.
    expect((await other.post(`/account/shares/${shareId}/withdraw`, {})).status).toBe(404);
    expect((await fetch(link)).status).toBe(200);
    expect((await holder.post(`/account/shares/${shareId}/withdraw`, {})).status).toBe(303);
    expect((await fetch(link)).status).toBe(404);

    // The trail names the holder by the keyed hash of the ID number, never the number.
    await stack.seal();
    const ref = await stackHasher(stack).personRef(zhou.residentId);
    const events = (await auditEvents(stack)).filter((e) => e.resource === permit.licence_id);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['licence.issued', 'licence.verified']));
    for (const e of events.filter((e) => e.type !== 'licence.shared')) expect(e.subject).toBe(ref);
    expect(JSON.stringify(events)).not.toContain(zhou.residentId);
  });
});

describe('a licence issued to a company', () => {
  let licence: { licence_id: string; credential: string };

  beforeAll(async () => {
    licence = await issue('market-registry', 'holders-company-licence', {
      type: 'business-licence',
      holder: { uscc: company.uscc },
      claims: {
        company_name: company.name,
        company_uscc: company.uscc,
        legal_representative: chen.name,
        registered_address: '北京市海淀区',
        business_scope: '软件开发',
        established: '2016-04-12',
      },
    });
    await proveIdentity(stack, await accountIdOf('chen.ming'), chen);
    await registerTestCompany(stack, await accountIdOf('chen.ming'), company.uscc);
  });

  it('is seen by its legal representative and by agents whose scope names its type, and shared for the company', async () => {
    const rep = await signedIn('chen.ming');
    expect(await rep.wallet()).toContain(`data-company="${company.uscc}"`);
    const page = await rep.get(`/account/companies/${company.uscc}/licences`);
    expect(page.status).toBe(200);
    expect(page.html).toContain(`data-licence="${licence.licence_id}"`);
    expect((await rep.get(`/account/licences/${licence.licence_id}`)).html).toContain('id="licence-holder"');
    // His own wallet holds no company licence.
    expect(await rep.wallet()).not.toContain(`data-licence="${licence.licence_id}"`);

    // An agent for a site only: the company is listed, its business licence is not theirs to see.
    await proveIdentity(stack, await accountIdOf('liu.fang'), liu);
    const agent = await signedIn('liu.fang');
    const repId = await accountIdOf('chen.ming');
    await grantTestAgent(stack, repId, company.uscc, liu, { clients: ['tax-bureau'], licenceTypes: [] });
    expect((await agent.get(`/account/companies/${company.uscc}/licences`)).html).not.toContain(
      `data-licence="${licence.licence_id}"`,
    );
    expect((await agent.get(`/account/licences/${licence.licence_id}`)).status).toBe(404);
    // Authorised for business licences: now they are.
    await grantTestAgent(stack, repId, company.uscc, liu, {
      clients: [],
      licenceTypes: ['business-licence'],
    });
    expect((await agent.get(`/account/companies/${company.uscc}/licences`)).html).toContain(
      `data-licence="${licence.licence_id}"`,
    );
    const shared = await agent.post(`/account/licences/${licence.licence_id}/shares`, {
      fields: 'legal_representative',
      purpose: 'a tender',
      hours: '1',
    });
    expect(shared.status).toBe(201);

    // Nobody else: not another proved person, whatever path they try.
    const other = await signedIn('zhang.san');
    expect((await other.get(`/account/companies/${company.uscc}/licences`)).status).toBe(404);
    expect((await other.get(`/account/companies/${company.uscc}/verifications`)).status).toBe(404);
    expect((await other.get(`/account/licences/${licence.licence_id}`)).status).toBe(404);

    // The share is audited as the agent's act for the company.
    await stack.seal();
    const share = (await auditEvents(stack)).find(
      (e) => e.type === 'licence.shared' && e.resource === licence.licence_id,
    );
    expect(share).toMatchObject({
      actor: await accountIdOf('liu.fang'),
      onBehalfOf: `company#${company.uscc}`,
    });
  });
});
