import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_DRIVING_PERMIT_CLAIMS } from '../../infra/local/seed.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import { AuditTrail, DynamoAuditLog, verifyTrail } from '../../libs/audit/index.ts';
import { LocalKeyring } from '../../libs/keys/index.ts';
import { LicenceService } from '../../libs/licences/index.ts';
import { createDynamoClient } from '../../libs/store/index.ts';
import { machineToken } from '../../testkit/oidc-flow.ts';
import { startTestStack } from '../../testkit/stack.ts';
import { auditEvents } from '../support/audit.ts';
import { FaultInjector, type FaultKind, WRITES } from '../support/faults.ts';
import { freshResidentId, stackHasher } from '../support/licence-holders.ts';

const faults = new FaultInjector();
let stack: LocalStack;
let token: string;
/** The holder: a person who need not have an account. */
const residentId = freshResidentId();

beforeAll(async () => {
  stack = await startTestStack({ configureDynamo: faults.configure });
  token = await machineToken(stack);
});
afterAll(() => stack?.stop());

const issue = (key: string) =>
  fetch(`${stack.urls.extranet}/licences`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify({
      type: 'driving-permit',
      holder: { residentId },
      claims: { ...DEMO_DRIVING_PERMIT_CLAIMS, id_number: residentId },
    }),
  });

describe('licence issuance while the store fails', () => {
  it('answers 503 with Retry-After or retries correctly at every write, and never issues twice or half', async () => {
    // Warm first: a function records its signing key once a day, not at every issuance.
    expect((await issue('fault-warm')).status).toBe(201);
    const clean = await faults.count(async () => expect((await issue('fault-clean')).status).toBe(201));
    const writes = WRITES.reduce((n, c) => n + (clean.get(c) ?? 0), 0);
    expect(writes).toBeGreaterThanOrEqual(4);

    const issued = new Map<string, string>();
    const kinds: FaultKind[] = ['throttle', 'internal', 'lost-response'];
    for (let nth = 1; nth <= writes; nth++) {
      for (const kind of kinds) {
        const key = `fault-${kind}-${nth}`;
        // A lost response is retried inside the SDK; a throttle or store error outlasts its retries.
        faults.arm(WRITES, nth, kind, kind === 'lost-response' ? 1 : 4);
        const first = await issue(key);
        const fired = faults.fired;
        faults.disarm();
        expect(fired, `${key} fired`).toBeGreaterThan(0);
        if (kind === 'lost-response') {
          expect(first.status, key).toBe(201);
        } else {
          expect(first.status, key).toBe(503);
          expect(first.headers.get('retry-after')).toBe('1');
          expect(((await first.json()) as { detail: string }).detail).toMatch(/retry/);
        }
        const again = await issue(key);
        expect([200, 201], key).toContain(again.status);
        const body = (await again.json()) as { licence_id: string; replayed: boolean };
        if (kind === 'lost-response') expect(body.replayed).toBe(true);
        issued.set(key, body.licence_id);
      }
    }

    // Exactly one licence per key, each audited exactly once, each with its own status entry.
    const doc = createDynamoClient({ endpoint: stack.dynamodbEndpoint });
    const service = new LicenceService({
      doc,
      table: stack.tables.licences,
      issuer: stack.urls.public,
      keyring: new LocalKeyring(stack.keysDir),
    });
    const held = await service.licencesOf(await stackHasher(stack).personRef(residentId));
    expect(held).toHaveLength(issued.size + 2);
    const heldIds = new Set(held.map((l) => l.licenceId));
    for (const [key, licenceId] of issued) expect(heldIds.has(licenceId), key).toBe(true);
    expect(new Set(held.map((l) => `${l.statusList}:${l.statusIndex}`)).size).toBe(held.length);
    const audited = (await auditEvents(stack)).filter((e) => e.type === 'licence.issued');
    for (const licence of held) {
      expect(
        audited.filter((e) => e.resource === licence.licenceId),
        licence.licenceId,
      ).toHaveLength(1);
    }
    await stack.seal();
    const trail = await verifyTrail({
      doc,
      table: stack.tables.audit,
      trail: new AuditTrail(doc, stack.tables.audit),
      keyring: new LocalKeyring(stack.keysDir),
    });
    expect(trail.chains.filter((c) => !c.ok)).toEqual([]);
  });
});

describe('audit appends while the store fails', () => {
  it('lose nothing and duplicate nothing, and the chains still verify', async () => {
    const doc = createDynamoClient({ endpoint: stack.dynamodbEndpoint, configure: faults.configure });
    const log = new DynamoAuditLog(doc, stack.tables.audit);
    const event = (n: number) =>
      ({ type: 'login.success', outcome: 'success', zone: 'public', actor: `fault-actor-${n}` }) as const;

    faults.arm(['PutItemCommand'], 1, 'lost-response');
    const landed = await log.append(event(1));
    faults.disarm();
    faults.arm(['PutItemCommand'], 1, 'throttle', 4);
    await expect(log.append(event(2))).rejects.toMatchObject({ name: 'ThrottlingException' });
    faults.disarm();
    faults.arm(['PutItemCommand'], 1, 'internal', 4);
    await expect(log.append(event(3))).rejects.toMatchObject({ name: 'InternalServerError' });
    faults.disarm();

    // Many writers at once, every third put's response lost.
    const writers = Array.from({ length: 3 }, () => new DynamoAuditLog(doc, stack.tables.audit));
    let n = 0;
    const results = await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        if (i % 3 === 0) faults.arm(['PutItemCommand'], 1, 'lost-response');
        n += 1;
        return writers[i % 3]!.append(event(100 + i));
      }),
    );
    faults.disarm();
    expect(n).toBe(30);

    const stored = (await auditEvents(stack)).filter((e) => String(e.actor).startsWith('fault-actor-'));
    const byActor = new Map<string, number>();
    for (const e of stored) byActor.set(String(e.actor), (byActor.get(String(e.actor)) ?? 0) + 1);
    expect(byActor.get('fault-actor-1')).toBe(1);
    expect(byActor.has('fault-actor-2')).toBe(false);
    expect(byActor.has('fault-actor-3')).toBe(false);
    for (let i = 0; i < 30; i++) expect(byActor.get(`fault-actor-${100 + i}`), `event ${i}`).toBe(1);
    expect(landed.eventId).toBe(stored.find((e) => e.actor === 'fault-actor-1')!.eventId);
    expect(results).toHaveLength(30);
    await stack.seal();
    const chains = await new AuditTrail(doc, stack.tables.audit).verifyAll();
    expect(chains.filter((c) => !c.ok)).toEqual([]);
    expect(chains.reduce((n, c) => n + c.pending, 0)).toBe(0);
  });
});
