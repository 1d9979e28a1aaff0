import { getListFromStatusListJWT } from '@sd-jwt/jwt-status-list';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../infra/local/stack.ts';
import type { Zone } from '../../libs/config/index.ts';
import { machineToken as demoMachineToken, registerClient, tokensFor } from '../../testkit/oidc-flow.ts';
import { auditEvents } from '../support/audit.ts';

let stack: LocalStack;
const TTL = 1;

const driver = {
  family_name: '李',
  given_name: '四',
  birth_date: '1985-11-02',
  id_number: '110105198511020011',
  address: '北京市东城区',
  vehicle_classes: 'C1',
};

const machineToken = (clientId: string, zone: Zone = 'extranet') => demoMachineToken(stack, clientId, zone);

const api = (
  zone: Zone,
  path: string,
  init: { token?: string; body?: unknown; key?: string; method?: string } = {},
) =>
  fetch(`${stack.urls[zone]}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: {
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(init.key ? { 'idempotency-key': init.key } : {}),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });

let transport: string;

beforeAll(async () => {
  stack = await startLocalStack({
    memory: true,
    ports: { public: 0, extranet: 0, intranet: 0 },
    demoSites: false,
    // Verifiers may keep a status list for its ttl: a short one, so a change must show within it.
    statusListTtlSeconds: TTL,
  });
  await registerClient(stack, 'intranet', 'tax-console', { yitong_resources: ['licences'] });
  transport = await machineToken('transport-registry');
});
afterAll(() => stack?.stop());

describe('issuer discovery and type metadata', () => {
  it('publishes the issuer metadata, the JWKS and each type at its vct URL', async () => {
    const issuer = await (await api('public', '/.well-known/jwt-vc-issuer')).json();
    expect(issuer).toEqual({ issuer: stack.urls.public, jwks_uri: `${stack.urls.public}/licences/jwks` });
    const jwks = (await (await api('public', '/licences/jwks')).json()) as { keys: unknown[] };
    expect(jwks.keys.length).toBeGreaterThanOrEqual(2);
    const { types } = (await (await api('public', '/licences/types')).json()) as { types: { vct: string }[] };
    expect(types.map((t) => t.vct.split('/').slice(-2).join('/')).sort()).toEqual([
      'business-licence/v1',
      'driving-permit/v1',
      'professional-qualification/v1',
    ]);
    const permit = types.find((t) => t.vct.includes('driving-permit'))!;
    const metadata = await (await fetch(permit.vct)).json();
    expect(metadata).toMatchObject({
      vct: permit.vct,
      schema: { required: expect.arrayContaining(['birth_date']) },
    });
  });
});

describe('issuance', () => {
  it('issues once per Idempotency-Key, audits it once, and refuses the key for another request', async () => {
    const request = { type: 'driving-permit', holder: { residentId: driver.id_number }, claims: driver };
    const first = await api('extranet', '/licences', {
      token: transport,
      body: request,
      key: 'e2e-permit-0001',
    });
    expect(first.status).toBe(201);
    const issued = (await first.json()) as {
      licence_id: string;
      credential: string;
      replayed: boolean;
      holder: unknown;
    };
    // The holder comes back as named, its number masked.
    expect(issued.holder).toEqual({
      residentId: `${driver.id_number.slice(0, 4)}**********${driver.id_number.slice(14)}`,
    });
    const retry = await api('extranet', '/licences', {
      token: transport,
      body: request,
      key: 'e2e-permit-0001',
    });
    expect(retry.status).toBe(200);
    expect(await retry.json()).toMatchObject({ licence_id: issued.licence_id, replayed: true });
    const other = await api('extranet', '/licences', {
      token: transport,
      body: { ...request, claims: { ...driver, vehicle_classes: 'A1' } },
      key: 'e2e-permit-0001',
    });
    expect(other.status).toBe(409);
    const audited = (await auditEvents(stack)).filter(
      (e) => e.type === 'licence.issued' && e.resource === issued.licence_id,
    );
    expect(audited).toHaveLength(1);
    expect(audited[0]).toMatchObject({
      client: 'transport-registry',
      department: 'transport',
      zone: 'extranet',
      subject: expect.stringMatching(/^person#/),
    });
    // The trail names the holder by the keyed hash of the ID number, never the number.
    expect(JSON.stringify(audited[0])).not.toContain(driver.id_number);
  });

  it('says what is wrong with a request it refuses', async () => {
    const noKey = await api('extranet', '/licences', {
      token: transport,
      body: { type: 'driving-permit', holder: { residentId: driver.id_number }, claims: driver },
    });
    expect(noKey.status).toBe(400);
    expect(JSON.stringify(await noKey.json())).toContain('Idempotency-Key');
    const badClaims = await api('extranet', '/licences', {
      token: transport,
      key: 'e2e-bad-claims',
      body: {
        type: 'driving-permit',
        holder: { residentId: driver.id_number },
        claims: { ...driver, id_number: 'x' },
      },
    });
    expect(badClaims.status).toBe(400);
    expect(((await badClaims.json()) as Record<string, unknown>)['invalid-params']).toEqual([
      expect.objectContaining({ name: 'claims.id_number' }),
    ]);
    const noHolder = await api('extranet', '/licences', {
      token: transport,
      key: 'e2e-no-holder',
      body: { type: 'driving-permit', holder: { loginName: 'li.si' }, claims: driver },
    });
    // Licences are issued to identities: a login name is refused, saying what to send instead.
    expect(noHolder.status).toBe(400);
    const noHolderBody = (await noHolder.json()) as { 'invalid-params': { name: string; reason: string }[] };
    expect(noHolderBody['invalid-params']).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          name: 'holder.loginName',
          reason: expect.stringMatching(/residentId.*uscc/),
        }),
      ]),
    );
    const badId = await api('extranet', '/licences', {
      token: transport,
      key: 'e2e-bad-holder-id',
      body: { type: 'driving-permit', holder: { residentId: '110105198511020012' }, claims: driver },
    });
    expect(badId.status).toBe(400);
    expect(((await badId.json()) as Record<string, unknown>)['invalid-params']).toEqual([
      expect.objectContaining({ name: 'holder.residentId', reason: expect.stringMatching(/check digit/) }),
    ]);
    const noType = await api('extranet', '/licences', {
      token: transport,
      key: 'e2e-no-type',
      body: { type: 'fishing-permit', holder: { residentId: driver.id_number }, claims: {} },
    });
    expect(noType.status).toBe(404);
  });

  it("refuses a department another department's licence type, audited with the explanation", async () => {
    const res = await api('extranet', '/licences', {
      token: transport,
      key: 'e2e-cross-dept',
      body: {
        type: 'business-licence',
        holder: { uscc: '91110108MA01ABCD1E' },
        claims: {
          company_name: 'x',
          company_uscc: '91350100M000100Y43',
          legal_representative: 'y',
          registered_address: 'z',
          business_scope: 'w',
          established: '2020-01-01',
        },
      },
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { detail: string }).detail).toContain("market's licences");
    const denial = (await auditEvents(stack)).find(
      (e) => e.type === 'policy.denied' && (e.details as { action?: string })?.action === 'issueLicence',
    );
    expect(denial).toMatchObject({ client: 'transport-registry', department: 'market', policyIds: [] });
  });

  it('refuses issuance at the public entry whoever asks, and a department officer of another department', async () => {
    const atPublic = await api('public', '/licences', {
      token: transport,
      key: 'e2e-public',
      body: { type: 'driving-permit', holder: { residentId: driver.id_number }, claims: driver },
    });
    expect(atPublic.status).toBe(403);

    const li = stack.demo.accounts.find((a) => a.loginName === 'li.si')!;
    const { access_token } = await tokensFor(
      stack,
      'intranet',
      'tax-console',
      { username: li.loginName, password: li.password, totpSecret: li.totpSecret },
      { resource: `${stack.urls.intranet}/licences`, scope: 'openid licences:issue' },
    );
    const officer = await api('intranet', '/licences', {
      token: access_token,
      key: 'e2e-officer',
      body: { type: 'driving-permit', holder: { residentId: driver.id_number }, claims: driver },
    });
    expect(officer.status).toBe(403);
    expect(((await officer.json()) as { detail: string }).detail).toContain("transport's licences");
  });
});

describe('status and verification', () => {
  let licence: { licence_id: string; credential: string; status_list: { uri: string; idx: number } };

  beforeAll(async () => {
    const res = await api('extranet', '/licences', {
      token: transport,
      key: 'e2e-status-0001',
      body: { type: 'driving-permit', holder: { residentId: driver.id_number }, claims: driver },
    });
    licence = (await res.json()) as typeof licence;
  });

  const verify = async (body: Record<string, unknown>) => {
    const res = await api('public', '/licences/verify', { body });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('verifies online for a stated purpose and records a receipt the holder will see', async () => {
    const result = await verify({
      licence: licence.credential,
      verifier: 'Acme Car Hire',
      purpose: 'hiring a car',
    });
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({
      verdict: 'valid',
      licence_id: licence.licence_id,
      issuer: stack.urls.public,
    });
    expect((result.body.claims as Record<string, unknown>).vehicle_classes).toBe('C1');
    const garbage = await verify({ licence: 'x'.repeat(40), verifier: 'Acme', purpose: 'testing' });
    expect(garbage.body).toMatchObject({ verdict: 'invalid', reason: 'malformed' });
    const noPurpose = await verify({ licence: licence.credential, verifier: 'Acme' });
    expect(noPurpose.status).toBe(400);
  });

  /** The verdict a verifier in another function gets, asked until the list's ttl (and a second) passed. */
  const verdictWithinTtl = async (expected: string) => {
    const deadline = Date.now() + (TTL + 1) * 1000;
    for (;;) {
      const { body } = await verify({ licence: licence.credential, verifier: 'Acme', purpose: 'hiring' });
      if (body.verdict === expected || Date.now() > deadline) return body.verdict;
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  it("lets only the issuing department change a licence's status, and verifiers see it within the list's ttl", async () => {
    const market = await machineToken('market-registry');
    const foreign = await api('extranet', `/licences/${licence.licence_id}/status`, {
      token: market,
      body: { action: 'revoke', reason: 'not ours to revoke' },
    });
    expect(foreign.status).toBe(403);

    const suspend = await api('extranet', `/licences/${licence.licence_id}/status`, {
      token: transport,
      body: { action: 'suspend', reason: 'medical review' },
    });
    expect(await suspend.json()).toMatchObject({ status: 'suspended', changed: true });
    expect(await verdictWithinTtl('suspended')).toBe('suspended');

    const revoke = await api('intranet', `/licences/${licence.licence_id}/status`, {
      token: await machineToken('transport-registry', 'extranet'),
      body: { action: 'revoke', reason: 'court order' },
    });
    // A token of the extranet issuer is refused at the intranet entry.
    expect(revoke.status).toBe(401);
    const revoked = await api('extranet', `/licences/${licence.licence_id}/status`, {
      token: transport,
      body: { action: 'revoke', reason: 'court order 2026-41' },
    });
    expect(await revoked.json()).toMatchObject({ status: 'revoked', changed: true });
    expect(await verdictWithinTtl('revoked')).toBe('revoked');

    const list = await (await fetch(licence.status_list.uri)).text();
    expect(getListFromStatusListJWT(list).getStatus(licence.status_list.idx)).toBe(1);
    const events = (await auditEvents(stack)).filter((e) => e.resource === licence.licence_id);
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['licence.issued', 'licence.suspended', 'licence.revoked', 'licence.verified']),
    );
    const revokedEvent = events.find((e) => e.type === 'licence.revoked')!;
    expect(revokedEvent).toMatchObject({
      reason: 'court order 2026-41',
      policyIds: ['licence-department-client'],
    });
    expect(
      (await auditEvents(stack)).filter(
        (e) =>
          e.type === 'policy.allowed' && (e.details as { action?: string }).action === 'changeLicenceStatus',
      ),
    ).toHaveLength(2);
  });
});
