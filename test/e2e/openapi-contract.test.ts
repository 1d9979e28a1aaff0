import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_DRIVING_PERMIT_CLAIMS } from '../../infra/local/seed.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import type { Zone } from '../../libs/config/index.ts';
import {
  adminApiToken,
  createPerson,
  machineToken,
  registerClient,
  tokensFor,
} from '../../testkit/oidc-flow.ts';
import { startTestStack } from '../../testkit/stack.ts';
import { freshResidentId } from '../support/licence-holders.ts';
import { Contract, type OpenApiDocument } from '../support/openapi.ts';

type Api = 'admin' | 'licences' | 'audit';

let stack: LocalStack;
let adminToken: string;
let auditorToken: string;
let issuerToken: string;
/** The licence holder's resident ID number. */
let holder: string;
const contracts = new Map<string, Contract>();

/** The document a zone serves for an API, fetched as a client generator would. */
const contractOf = async (zone: Zone, api: Api): Promise<Contract> => {
  const key = `${zone} ${api}`;
  if (!contracts.has(key)) {
    const answer = await fetch(`${stack.urls[zone]}/openapi/${api}.json`);
    expect(answer.status, key).toBe(200);
    const document = (await answer.json()) as OpenApiDocument;
    expect(document.servers[0]!.url).toBe(stack.urls[zone]);
    contracts.set(key, new Contract(document));
  }
  return contracts.get(key)!;
};

/**
 * One real call of an API, checked both ways against the document the zone serves: the
 * request before it is sent, the answer (status, media type, body) when it comes back.
 */
const call = async (
  zone: Zone,
  api: Api,
  method: string,
  path: string,
  init: { token?: string; body?: unknown; headers?: Record<string, string>; refused?: boolean } = {},
) => {
  const contract = await contractOf(zone, api);
  const headers = {
    ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
    ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    ...init.headers,
  };
  // A request the document refuses is one the API must refuse too (with a problem it describes).
  if (init.refused) expect(() => contract.request(method, path, { headers, body: init.body })).toThrow();
  else contract.request(method, path, { headers, body: init.body });
  const answer = await fetch(`${stack.urls[zone]}${path}`, {
    method,
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const type = answer.headers.get('content-type') ?? '';
  const text = await answer.text();
  const body: unknown = /json/.test(type) && !/jsonl|ndjson/.test(type) ? JSON.parse(text) : text;
  contract.response(method, path, answer.status, type, body);
  return { status: answer.status, body: body as Record<string, unknown> & string };
};

beforeAll(async () => {
  stack = await startTestStack();
  adminToken = await adminApiToken(stack, 'contract-admin');
  await registerClient(stack, 'intranet', 'contract-audit', { yitong_resources: ['audit'] });
  const auditor = await createPerson(stack, { roles: ['staff', 'auditor'], totp: true });
  auditorToken = (
    await tokensFor(stack, 'intranet', 'contract-audit', auditor, {
      resource: `${stack.urls.intranet}/audit`,
      scope: 'openid audit:read',
    })
  ).access_token;
  issuerToken = await machineToken(stack);
  // Licences are issued to a resident ID number (the person need not have an account).
  holder = freshResidentId();
}, 120_000);
afterAll(() => stack?.stop());

describe('the served OpenAPI documents against the running stack', () => {
  let licenceId: string;
  let credential: string;

  it('licences: issue (and its replay), status change, discovery and status list match the extranet document', async () => {
    const request = {
      type: 'driving-permit',
      holder: { residentId: holder },
      claims: { ...DEMO_DRIVING_PERMIT_CLAIMS, id_number: holder },
    };
    const headers = { 'idempotency-key': 'contract-e2e-0001' };
    const issued = await call('extranet', 'licences', 'POST', '/licences', {
      token: issuerToken,
      body: request,
      headers,
    });
    expect(issued.status).toBe(201);
    licenceId = String(issued.body.licence_id);
    credential = String(issued.body.credential);
    const replay = await call('extranet', 'licences', 'POST', '/licences', {
      token: issuerToken,
      body: request,
      headers,
    });
    expect(replay.status).toBe(200);
    expect(replay.body.replayed).toBe(true);

    const suspended = await call('extranet', 'licences', 'POST', `/licences/${licenceId}/status`, {
      token: issuerToken,
      body: { action: 'suspend', reason: 'contract test' },
    });
    expect(suspended.body).toMatchObject({ status: 'suspended', changed: true });
    const refused = await call('extranet', 'licences', 'POST', `/licences/${licenceId}/status`, {
      token: issuerToken,
      body: { action: 'suspend', reason: 'x' },
      refused: true,
    });
    expect(refused.status).toBe(400);

    const discovery = await call('extranet', 'licences', 'GET', '/.well-known/jwt-vc-issuer');
    expect(discovery.status).toBe(200);
    expect((await call('extranet', 'licences', 'GET', '/licences/jwks')).status).toBe(200);
    const types = await call('extranet', 'licences', 'GET', '/licences/types');
    const vct = (types.body.types as Array<{ vct: string }>)[0]!.vct;
    expect((await call('extranet', 'licences', 'GET', new URL(vct).pathname)).status).toBe(200);
    const statusList = String((issued.body.status_list as { uri: string }).uri);
    expect((await call('extranet', 'licences', 'GET', new URL(statusList).pathname)).status).toBe(200);
  });

  it('licences: the public document offers verification, and not issuance', async () => {
    const verified = await call('public', 'licences', 'POST', '/licences/verify', {
      body: { licence: credential, verifier: 'Contract Bank', purpose: 'checking the contract' },
    });
    expect(verified.status).toBe(200);
    expect(['valid', 'suspended']).toContain(verified.body.verdict);
    const publicLicences = await contractOf('public', 'licences');
    expect(() => publicLicences.operation('POST', '/licences')).toThrow(/not in the document/);
    expect((await fetch(`${stack.urls.public}/openapi/admin.json`)).status).toBe(404);
  });

  it('audit: search, one event with its proof, export and trail verification match the intranet document', async () => {
    const page = await call('intranet', 'audit', 'GET', '/audit/events?type=licence.issued&limit=10', {
      token: auditorToken,
    });
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    const events = page.body.events as Array<{ eventId: string; resource?: string }>;
    const issuedEvent = events.find((e) => e.resource === licenceId)!;
    expect(issuedEvent).toBeDefined();
    const one = await call('intranet', 'audit', 'GET', `/audit/events/${issuedEvent.eventId}`, {
      token: auditorToken,
    });
    expect(one.status, JSON.stringify(one.body)).toBe(200);
    const exported = await call('intranet', 'audit', 'GET', '/audit/export?type=licence.issued', {
      token: auditorToken,
    });
    expect(exported.body).toContain(licenceId);
    expect((await call('intranet', 'audit', 'GET', '/audit/verify', { token: auditorToken })).status).toBe(
      200,
    );
    const bad = await call('intranet', 'audit', 'GET', '/audit/events?limit=100000', { token: auditorToken });
    expect(bad.status).toBe(400);
  });

  it('admin: reads and writes of departments and clients match the intranet document', async () => {
    const departments = await call('intranet', 'admin', 'GET', '/admin/departments', { token: adminToken });
    expect(departments.status).toBe(200);
    const created = await call('intranet', 'admin', 'POST', '/admin/departments', {
      token: adminToken,
      body: { departmentId: 'forest', name: '林业局', uscc: '111000000000200015', zones: ['public'] },
    });
    expect(created.status).toBe(201);
    expect(
      (await call('intranet', 'admin', 'GET', '/admin/departments/forest', { token: adminToken })).status,
    ).toBe(200);
    const client = await call('intranet', 'admin', 'POST', '/admin/clients', {
      token: adminToken,
      body: {
        client_name: 'Forest permits',
        department: 'forest',
        zone: 'public',
        redirect_uris: ['https://forest.gov.example/cb'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    });
    expect(client.status).toBe(201);
    const clientId = String(client.body.client_id);
    const listed = await call('intranet', 'admin', 'GET', '/admin/clients?department=forest', {
      token: adminToken,
    });
    expect((listed.body.clients as unknown[]).length).toBe(1);
    expect(
      (await call('intranet', 'admin', 'GET', `/admin/clients/${clientId}`, { token: adminToken })).status,
    ).toBe(200);
    const suspended = await call('intranet', 'admin', 'PATCH', `/admin/clients/${clientId}`, {
      token: adminToken,
      body: { disabled: true, reason: 'contract test' },
    });
    expect(suspended.body.yitong_disabled).toBe(true);
    const rotated = await call('intranet', 'admin', 'POST', `/admin/clients/${clientId}/secret`, {
      token: adminToken,
      body: { reason: 'contract test' },
    });
    expect(rotated.status).toBe(200);
  });

  it('fails a call whose answer drifted from the document, or whose request it does not describe', async () => {
    const licences = await contractOf('extranet', 'licences');
    const answer = { licence_id: 'x', status: 'suspended', changed: true };
    expect(() =>
      licences.response('POST', '/licences/x/status', 200, 'application/json', answer),
    ).not.toThrow();
    expect(() =>
      licences.response('POST', '/licences/x/status', 200, 'application/json', { ...answer, extra: 1 }),
    ).toThrow(/does not match/);
    expect(() =>
      licences.response('POST', '/licences/x/status', 200, 'application/json', { ...answer, status: 'lost' }),
    ).toThrow(/does not match/);
    expect(() =>
      licences.request('POST', '/licences/x/status', { body: { action: 'destroy', reason: 'because' } }),
    ).toThrow(/does not match/);
    expect(() => licences.request('POST', '/licences', { body: {} })).toThrow(/Idempotency-Key is required/);
    const admin = await contractOf('intranet', 'admin');
    const shown = { client_id: 'c', client_name: 'n', yitong_department: 'd', yitong_zone: 'public' };
    const view = {
      ...shown,
      yitong_disabled: false,
      redirect_uris: [],
      grant_types: [],
      token_endpoint_auth_method: 'none',
    };
    expect(() => admin.response('GET', '/admin/clients/c', 200, 'application/json', view)).not.toThrow();
    // A client's secret is never part of what administrators read back.
    expect(() =>
      admin.response('GET', '/admin/clients/c', 200, 'application/json', { ...view, client_secret: 's' }),
    ).toThrow(/does not match/);
  });
});
