import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_DRIVING_PERMIT_CLAIMS } from '../../infra/local/seed.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import { DynamoCalls } from '../../testkit/dynamo-calls.ts';
import { machineToken } from '../../testkit/oidc-flow.ts';
import { startTestStack } from '../../testkit/stack.ts';

/**
 * DynamoDB calls per licence operation on the local stack, counted in the SDK (what AWS bills
 * per request), warm: the goals of issue #19 — issuance at most 10, online verification at
 * most 3. Audit appends are counted with the rest; the audit redesign (one put per event)
 * brings them from 3 calls to 1 at issuance and from 3 (detection counter included) to 2 at
 * verification, so issuance makes 8 and a repeat verification 3. A verification of a licence
 * the function has not seen before reads the licence once more (its holder, for the receipt).
 */
const calls = new DynamoCalls({ capacity: true });
const TTL = 2;
let stack: LocalStack;
let token: string;

const issue = (key: string) =>
  fetch(`${stack.urls.extranet}/licences`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify({
      type: 'driving-permit',
      holder: { residentId: DEMO_DRIVING_PERMIT_CLAIMS.id_number },
      claims: DEMO_DRIVING_PERMIT_CLAIMS,
    }),
  });
const verify = (licence: string) =>
  fetch(`${stack.urls.public}/licences/verify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ licence, verifier: 'call counter', purpose: 'counting calls' }),
  });

beforeAll(async () => {
  stack = await startTestStack({ configureDynamo: calls.configure, statusListTtlSeconds: TTL });
  token = await machineToken(stack);
  // Warm: the first issuance and verification pay for each container's lazy reads.
  const warm = (await (await issue('calls-warm-0001')).json()) as { credential: string };
  expect((await verify(warm.credential)).status).toBe(200);
});
afterAll(() => stack?.stop());

describe('DynamoDB calls per licence operation', () => {
  it('issues a licence in at most 10 calls, audit append included', async () => {
    calls.reset();
    const response = await issue('calls-counted-0001');
    expect(response.status).toBe(201);
    expect(calls.total(), `issuance:\n${calls.describe()}`).toBeLessThanOrEqual(10);
    // The status entry: one index claim and one counter update, both small items.
    const status = calls.calls.filter((c) => c.pk?.startsWith('status-'));
    expect(status.map((c) => c.op)).toEqual(['PutItem', 'UpdateItem']);
    // At most 2 write units for the status entry (the store's ReturnConsumedCapacity, by item size).
    expect(status.reduce((n, c) => n + (c.units ?? Number.NaN), 0)).toBeLessThanOrEqual(2);
  });

  it('verifies online reading no status list within its ttl: the licence facts once, the receipt, the audit', async () => {
    const issued = (await (await issue('calls-counted-0002')).json()) as { credential: string };
    const outsideAudit = () => calls.calls.filter((c) => c.table !== stack.tables.audit);
    calls.reset();
    expect(((await (await verify(issued.credential)).json()) as { verdict: string }).verdict).toBe('valid');
    // A licence this function has not seen: its holder (for the receipt and the audit), the receipt.
    expect(outsideAudit().length, `first verification:\n${calls.describe()}`).toBeLessThanOrEqual(2);
    calls.reset();
    expect(((await (await verify(issued.credential)).json()) as { verdict: string }).verdict).toBe('valid');
    // Seen before: the receipt, besides the audit append (its calls are the audit redesign's).
    expect(
      outsideAudit().map((c) => c.op),
      `again:\n${calls.describe()}`,
    ).toEqual(['PutItem']);
    // With the audit's one put and the verification-burst counter: three calls in all (#19).
    expect(calls.total(), `again, all:\n${calls.describe()}`).toBeLessThanOrEqual(3);
  });

  it("reads a list's token again only once its ttl passed, one item", async () => {
    const issued = (await (await issue('calls-counted-0003')).json()) as { credential: string };
    await new Promise((r) => setTimeout(r, (TTL + 0.2) * 1000));
    calls.reset();
    expect(((await (await verify(issued.credential)).json()) as { verdict: string }).verdict).toBe('valid');
    const lists = calls.calls.filter((c) => c.pk?.startsWith('status-list#'));
    expect(
      lists.map((c) => c.op),
      calls.describe(),
    ).toEqual(['GetItem']);
    expect(lists[0]!.units, calls.describe()).toBeLessThanOrEqual(1);
  });

  it('changes a status by rewriting one chunk under 1 KB (one write unit)', async () => {
    const issued = (await (await issue('calls-counted-0004')).json()) as { licence_id: string };
    calls.reset();
    const changed = await fetch(`${stack.urls.extranet}/licences/${issued.licence_id}/status`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'suspend', reason: 'counting units' }),
    });
    expect(changed.status).toBe(200);
    const lists = calls.calls.filter((c) => c.op === 'UpdateItem' && c.pk?.startsWith('status-list#'));
    // The chunk, the token's change count, the new token: the chunk is the one write per change.
    expect(lists.length, calls.describe()).toBe(3);
    expect(lists[0]!.units, calls.describe()).toBe(1);
  });
});
