import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_DRIVING_PERMIT_CLAIMS } from '../../infra/local/seed.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import { AuditTrail, verifyTrail } from '../../libs/audit/index.ts';
import { LocalKeyring } from '../../libs/keys/index.ts';
import { createDynamoClient } from '../../libs/store/index.ts';
import { createPerson, machineToken, registerClient, tokensFor } from '../../testkit/oidc-flow.ts';
import { startTestStack } from '../../testkit/stack.ts';
import { auditEvents } from '../support/audit.ts';

/** Bounded loopback load: small in `npm test`, the size with LOAD_LOGINS=200 LOAD_VERIFICATIONS=2000. */
const LOGINS = Number(process.env.LOAD_LOGINS ?? 40);
const VERIFICATIONS = Number(process.env.LOAD_VERIFICATIONS ?? 400);

let stack: LocalStack;

beforeAll(async () => {
  stack = await startTestStack();
  await registerClient(stack, 'public', 'load-site');
});
afterAll(() => stack?.stop());

const inParallel = async <T>(count: number, concurrency: number, act: (i: number) => Promise<T>) => {
  const results: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await act(i);
      }
    }),
  );
  return results;
};

describe(`bounded load: ${LOGINS} concurrent sign-ins and ${VERIFICATIONS} verifications`, () => {
  it('completes every one without an error, and the trail then holds exactly those events and verifies', async () => {
    const people = await Promise.all(
      Array.from({ length: 10 }, () =>
        createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: false }),
      ),
    );
    const started = performance.now();
    const tokens = await inParallel(LOGINS, LOGINS, (i) =>
      tokensFor(stack, 'public', 'load-site', people[i % 10]!),
    );
    const loginSeconds = (performance.now() - started) / 1000;
    expect(tokens.filter((t) => typeof t.id_token === 'string')).toHaveLength(LOGINS);

    const issued = await fetch(`${stack.urls.extranet}/licences`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await machineToken(stack)}`,
        'content-type': 'application/json',
        'idempotency-key': 'load-licence',
      },
      body: JSON.stringify({
        type: 'driving-permit',
        holder: { residentId: DEMO_DRIVING_PERMIT_CLAIMS.id_number },
        claims: DEMO_DRIVING_PERMIT_CLAIMS,
      }),
    });
    const licence = (await issued.json()) as { licence_id: string; credential: string };
    const verifyStarted = performance.now();
    const verdicts = await inParallel(VERIFICATIONS, 32, async () => {
      const res = await fetch(`${stack.urls.public}/licences/verify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ licence: licence.credential, verifier: 'Load Bank', purpose: 'load test' }),
      });
      return { status: res.status, verdict: ((await res.json()) as { verdict?: string }).verdict };
    });
    const verifySeconds = (performance.now() - verifyStarted) / 1000;
    expect(verdicts.filter((v) => v.status !== 200 || v.verdict !== 'valid')).toEqual([]);

    const events = await auditEvents(stack);
    const ours = new Set(people.map((p) => p.accountId));
    expect(events.filter((e) => e.type === 'login.success' && e.client === 'load-site')).toHaveLength(LOGINS);
    expect(
      events.filter(
        (e) => e.type === 'token.issued' && e.client === 'load-site' && ours.has(String(e.subject)),
      ),
    ).toHaveLength(LOGINS);
    expect(
      events.filter((e) => e.type === 'licence.verified' && e.resource === licence.licence_id),
    ).toHaveLength(VERIFICATIONS);
    expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);
    const doc = createDynamoClient({ endpoint: stack.dynamodbEndpoint });
    await stack.seal();
    const trail = await verifyTrail({
      doc,
      table: stack.tables.audit,
      trail: new AuditTrail(doc, stack.tables.audit),
      keyring: new LocalKeyring(stack.keysDir),
    });
    expect(trail.chains.filter((c) => !c.ok)).toEqual([]);
    process.stdout.write(
      `load: ${LOGINS} sign-ins in ${loginSeconds.toFixed(1)} s (${(LOGINS / loginSeconds).toFixed(1)}/s), ` +
        `${VERIFICATIONS} verifications in ${verifySeconds.toFixed(1)} s (${(VERIFICATIONS / verifySeconds).toFixed(0)}/s)\n`,
    );
  });
});
