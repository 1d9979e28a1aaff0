import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_DRIVING_PERMIT_CLAIMS } from '../../infra/local/seed.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import { DynamoCalls } from '../../testkit/dynamo-calls.ts';
import { machineToken } from '../../testkit/oidc-flow.ts';
import { startTestStack } from '../../testkit/stack.ts';

/**
 * DynamoDB calls per licence operation on the local stack, counted in the SDK (what AWS bills
 * per request), warm: the goals of issue #19 — issuance at most 10, online verification at
 * most 3. Audit appends are counted with the rest.
 */
const calls = new DynamoCalls();
let stack: LocalStack;
let token: string;

const issue = (key: string) =>
  fetch(`${stack.urls.extranet}/licences`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify({
      type: 'driving-permit',
      holder: { loginName: 'zhang.san' },
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
  stack = await startTestStack({ configureDynamo: calls.configure });
  token = await machineToken(stack);
  // Warm: the first issuance and verification pay for each container's lazy reads.
  const warm = (await (await issue('calls-warm-0001')).json()) as { credential: string };
  expect((await verify(warm.credential)).status).toBe(200);
});
afterAll(() => stack?.stop());

describe('DynamoDB calls per licence operation', () => {
  it('issues a licence in at most 10 calls and verifies one online in at most 3', async () => {
    calls.reset();
    const response = await issue('calls-counted-0001');
    expect(response.status).toBe(201);
    const issued = (await response.json()) as { credential: string };
    const issuance = { total: calls.total(), calls: calls.describe() };
    calls.reset();
    const verified = await verify(issued.credential);
    expect(((await verified.json()) as { verdict: string }).verdict).toBe('valid');
    const verification = { total: calls.total(), calls: calls.describe() };
    console.log(
      `issuance ${issuance.total}:\n${issuance.calls}\nverification ${verification.total}:\n${verification.calls}`,
    );
    expect(issuance.total, `issuance:\n${issuance.calls}`).toBeLessThanOrEqual(10);
    expect(verification.total, `verification:\n${verification.calls}`).toBeLessThanOrEqual(3);
  });
});
