import { PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_DRIVING_PERMIT_CLAIMS } from '../../infra/local/seed.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import { eventPartition, eventSortKey } from '../../libs/audit/index.ts';
import { createDynamoClient } from '../../libs/store/index.ts';
import { createPerson, machineToken, registerClient, tokensFor } from '../../testkit/oidc-flow.ts';
import { startTestStack } from '../../testkit/stack.ts';
import { UserAgent } from '../../testkit/user-agent.ts';
import { freshResidentId, stackHasher } from '../support/licence-holders.ts';

type Event = Record<string, unknown> & { eventId: string; type: string; details?: Record<string, unknown> };

let stack: LocalStack;
let auditorToken: string;
let citizen: Awaited<ReturnType<typeof createPerson>>;
let victim: Awaited<ReturnType<typeof createPerson>>;
let admin: Awaited<ReturnType<typeof createPerson>>;
let licenceId: string;
/** The licence's holder: a person by ID number (the same person as the citizen, or not: issuance looks up no account). */
const holderId = freshResidentId();

const auditApi = async (path: string, token = auditorToken) =>
  fetch(`${stack.urls.intranet}${path}`, { headers: { authorization: `Bearer ${token}` } });
const search = async (query: Record<string, string>): Promise<Event[]> => {
  const res = await auditApi(`/audit/events?${new URLSearchParams({ limit: '500', ...query })}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { events: Event[] }).events;
};

/** The scripted session: sign-ins, a failed sign-in burst, a licence issued and verified, an admin change. */
beforeAll(async () => {
  stack = await startTestStack();
  await registerClient(stack, 'public', 'tax-e2e');
  await registerClient(stack, 'intranet', 'audit-e2e', { yitong_resources: ['admin', 'audit'] });
  citizen = await createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: false });
  victim = await createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: false });
  admin = await createPerson(stack, { roles: ['staff', 'admin'], totp: true });
  const auditor = await createPerson(stack, { roles: ['staff', 'auditor'], totp: true });

  // 1. A citizen signs in to a public site.
  await tokensFor(stack, 'public', 'tax-e2e', citizen);

  // 2. Someone guesses the victim's password twelve times from one address.
  const ua = new UserAgent();
  const config = await oidc.discovery(new URL(stack.urls.public), 'tax-e2e', undefined, undefined, {
    execute: [oidc.allowInsecureRequests],
  });
  for (let i = 0; i < 12; i++) {
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: 'http://localhost:9/cb',
      scope: 'openid',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    });
    const form = await ua.follow(url.href);
    await ua.submit(form, '/login', { username: victim.username, password: `guess-${i}` });
  }

  // 3. The transport department issues a licence to the citizen; a bank verifies it.
  const access_token = await machineToken(stack);
  const issued = await fetch(`${stack.urls.extranet}/licences`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${access_token}`,
      'content-type': 'application/json',
      'idempotency-key': 'audit-e2e-0001',
    },
    body: JSON.stringify({
      type: 'driving-permit',
      holder: { residentId: holderId },
      claims: { ...DEMO_DRIVING_PERMIT_CLAIMS, id_number: holderId },
    }),
  });
  expect(issued.status).toBe(201);
  const licence = (await issued.json()) as { licence_id: string; credential: string };
  licenceId = licence.licence_id;
  const verified = await fetch(`${stack.urls.public}/licences/verify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      licence: licence.credential,
      verifier: 'Example Bank',
      purpose: 'opening an account',
    }),
  });
  expect(verified.status).toBe(200);

  // 4. An administrator suspends and restores a client.
  const adminToken = (
    await tokensFor(stack, 'intranet', 'audit-e2e', admin, {
      resource: `${stack.urls.intranet}/admin`,
      scope: 'openid admin',
    })
  ).access_token;
  const patch = await fetch(`${stack.urls.intranet}/admin/clients/tax-e2e`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ disabled: true, reason: 'audit e2e' }),
  });
  expect(patch.status).toBe(200);

  auditorToken = (
    await tokensFor(stack, 'intranet', 'audit-e2e', auditor, {
      resource: `${stack.urls.intranet}/audit`,
      scope: 'openid audit:read',
    })
  ).access_token;
}, 120_000);
afterAll(() => stack?.stop());

describe('the audit API after a scripted session', () => {
  it('shows the citizen’s sign-in exactly once, with who, where, which site and from where', async () => {
    const events = await search({ actor: citizen.accountId, type: 'login.success' });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      outcome: 'success',
      zone: 'public',
      subject: citizen.accountId,
      client: 'tax-e2e',
      sourceIp: expect.any(String),
      retention: 'access',
    });
    const issued = await search({ subject: citizen.accountId, type: 'token.issued' });
    expect(issued).toHaveLength(1);
  });

  it('shows each failed guess once, the lockout once, and one brute-force alert naming the account', async () => {
    const failures = await search({ subject: victim.accountId, type: 'login.failure' });
    expect(failures).toHaveLength(12);
    expect(failures.filter((e) => e.outcome === 'failure')).toHaveLength(6);
    expect(failures.filter((e) => e.outcome === 'denied')).toHaveLength(6);
    expect(await search({ subject: victim.accountId, type: 'account.locked' })).toHaveLength(1);
    const alerts = (await search({ type: 'alert.raised' })).filter((a) => a.details?.rule === 'brute-force');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      subject: victim.accountId,
      resource: 'rule:brute-force',
      zone: 'public',
    });
    const trigger = alerts[0]!.details!.triggeredBy as string;
    const res = await auditApi(`/audit/events/${trigger}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ event: { type: 'login.failure', subject: victim.accountId } });
  });

  it('shows the licence issued once by its department and its verification once for its holder', async () => {
    const issued = (await search({ type: 'licence.issued' })).filter((e) => e.resource === licenceId);
    expect(issued).toHaveLength(1);
    expect(issued[0]).toMatchObject({
      client: 'transport-registry',
      department: 'transport',
      zone: 'extranet',
    });
    // The licence's subject is its holder's identity (the keyed hash), never the number itself.
    const holder = await stackHasher(stack).personRef(holderId);
    const verified = await search({ subject: holder, type: 'licence.verified' });
    expect(verified).toHaveLength(1);
    expect(verified[0]).toMatchObject({ resource: licenceId, zone: 'public', outcome: 'success' });
  });

  it('shows the admin change once with its before and after', async () => {
    const changes = await search({ actor: admin.accountId, type: 'admin.client.updated' });
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({
      client: 'tax-e2e',
      zone: 'intranet',
      details: { before: { yitong_disabled: false }, after: { yitong_disabled: true } },
    });
  });

  it('pages newest first with a cursor, and filters by zone and outcome', async () => {
    const first = await auditApi(`/audit/events?subject=${victim.accountId}&limit=5`);
    const page = (await first.json()) as { events: Event[]; next: string; links: { next: string } };
    expect(page.events).toHaveLength(5);
    const second = (await (
      await auditApi(new URL(page.links.next).pathname + new URL(page.links.next).search)
    ).json()) as {
      events: Event[];
    };
    const all = [...page.events, ...second.events].map((e) => String(e.time));
    expect(all).toEqual([...all].sort().reverse());
    expect(new Set([...page.events, ...second.events].map((e) => e.eventId)).size).toBe(10);
    const denied = await search({ zone: 'public', outcome: 'denied' });
    expect(denied.length).toBeGreaterThanOrEqual(6);
    expect(denied.every((e) => e.zone === 'public' && e.outcome === 'denied')).toBe(true);
  });

  it('refuses a bad filter with a 400 that names it', async () => {
    const bad = await auditApi('/audit/events?outcome=maybe&colour=red');
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { detail: string };
    expect(body.detail).toMatch(/outcome/);
    expect(body.detail).toMatch(/colour/);
    const injected = await auditApi(`/audit/events?actor=${encodeURIComponent("x' OR 1=1 --")}`);
    expect(injected.status).toBe(200);
    expect(((await injected.json()) as { events: Event[] }).events).toEqual([]);
  });

  it('exports the same events as CSV and JSONL', async () => {
    const csv = await auditApi(`/audit/export?format=csv&subject=${victim.accountId}`);
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines[0]!.startsWith('time,eventId,type,outcome,zone')).toBe(true);
    expect(lines.filter((l) => l.includes(',login.failure,'))).toHaveLength(12);
    const jsonl = await auditApi(
      `/audit/export?format=jsonl&subject=${victim.accountId}&type=account.locked`,
    );
    const rows = (await jsonl.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Event);
    expect(rows.map((r) => r.type)).toEqual(['account.locked']);
  });

  it('verifies the trail against a signed checkpoint, and names an event altered afterwards and the old checkpoint replayed to hide it', async () => {
    await stack.checkpoint();
    const clean = (await (await auditApi('/audit/verify')).json()) as {
      ok: boolean;
      checkpoint: { ok: boolean; seq: number };
      chains: Array<{ ok: boolean; signedHead?: unknown }>;
    };
    expect(clean.ok).toBe(true);
    expect(clean.checkpoint.ok).toBe(true);
    expect(clean.chains.some((c) => c.signedHead)).toBe(true);
    const doc = createDynamoClient({ endpoint: stack.dynamodbEndpoint });
    const { Items: checkpoints } = await doc.send(
      new QueryCommand({
        TableName: stack.tables.audit,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'checkpoint' },
      }),
    );
    const oldest = checkpoints![0]!;
    await stack.checkpoint(); // a newer one, covering the same events

    const [target] = await search({ actor: admin.accountId, type: 'admin.client.updated' });
    await doc.send(
      new UpdateCommand({
        TableName: stack.tables.audit,
        Key: {
          pk: eventPartition(target as never),
          sk: eventSortKey(String(target!.time), String(target!.eventId)),
        },
        UpdateExpression: 'SET reason = :r',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':r': 'nothing happened here' },
      }),
    );
    // The attack from issue #18: an old checkpoint put back above every other.
    await doc.send(
      new PutCommand({ TableName: stack.tables.audit, Item: { ...oldest, sk: '999999999999' } }),
    );
    const tampered = (await (await auditApi('/audit/verify')).json()) as {
      ok: boolean;
      checkpoints: { problems: Array<{ kind: string; checkpointId?: string }> };
      chains: Array<{ ok: boolean; problem?: { kind: string; eventId: string } }>;
    };
    expect(tampered.ok).toBe(false);
    expect(tampered.chains.find((c) => !c.ok)!.problem).toMatchObject({
      kind: 'altered',
      eventId: target!.eventId,
    });
    expect(tampered.checkpoints.problems).toEqual([
      expect.objectContaining({ kind: 'replayed', checkpointId: oldest.checkpointId }),
    ]);
  });
});
