import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStoreProcess } from '../../bench/lib/store-process.ts';
import { DEMO_DRIVING_PERMIT_CLAIMS } from '../../infra/local/seed.ts';
import { type LocalStack, startLocalStack } from '../../infra/local/stack.ts';
import { AuditTrail } from '../../libs/audit/index.ts';
import { createDynamoClient } from '../../libs/store/index.ts';
import { createPerson, machineToken, registerClient, tokensFor } from '../../testkit/oidc-flow.ts';
import { auditEvents } from '../support/audit.ts';

let dir: string;
let store: Awaited<ReturnType<typeof startStoreProcess>>;
let stack: LocalStack;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'yitong-restart-'));
  store = await startStoreProcess({ path: join(dir, 'store') });
  stack = await startLocalStack({
    dataDir: join(dir, 'data'),
    dynamodbEndpoint: store.endpoint,
    tablePrefix: 'restart',
    ports: { public: 0, extranet: 0, intranet: 0 },
    demoSites: false,
    checkpointSeconds: 0,
  });
  await registerClient(stack, 'public', 'restart-site');
});
afterAll(async () => {
  await stack?.stop();
  await store?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('the embedded store killed and restarted under the local stack', () => {
  it('loses nothing committed, answers 503 while it is down, and carries on once it is back', async () => {
    const person = await createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: false });
    await tokensFor(stack, 'public', 'restart-site', person);
    const token = await machineToken(stack);
    const issue = (key: string) =>
      fetch(`${stack.urls.extranet}/licences`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'idempotency-key': key,
        },
        body: JSON.stringify({
          type: 'driving-permit',
          holder: { residentId: DEMO_DRIVING_PERMIT_CLAIMS.id_number },
          claims: DEMO_DRIVING_PERMIT_CLAIMS,
        }),
      });
    const committed: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await issue(`restart-${i}`);
      expect(res.status).toBe(201);
      committed.push(((await res.json()) as { licence_id: string }).licence_id);
    }
    const before = await auditEvents(stack);

    await store.kill(); // SIGKILL: no shutdown, no flush beyond what each write already did
    const down = await issue('restart-down');
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('1');

    store = await startStoreProcess({ path: join(dir, 'store'), port: store.port });
    const after = await auditEvents(stack);
    expect(after.length).toBeGreaterThanOrEqual(before.length);
    for (const event of before) {
      expect(after.some((e) => e.eventId === event.eventId && e.hash === event.hash)).toBe(true);
    }
    for (const [i, id] of committed.entries()) {
      const replay = await issue(`restart-${i}`);
      expect(replay.status).toBe(200);
      expect(((await replay.json()) as { licence_id: string }).licence_id).toBe(id);
    }
    // The request that met the outage completes on its retry, exactly once.
    const retried = await issue('restart-down');
    expect(retried.status).toBe(201);
    const doc = createDynamoClient({ endpoint: stack.dynamodbEndpoint });
    await stack.seal();
    expect((await new AuditTrail(doc, stack.tables.audit).verifyAll()).filter((c) => !c.ok)).toEqual([]);
    const issued = (await auditEvents(stack)).filter((e) => e.type === 'licence.issued');
    expect(issued).toHaveLength(6);
    await tokensFor(stack, 'public', 'restart-site', person);
  });
});
