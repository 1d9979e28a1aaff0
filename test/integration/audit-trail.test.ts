import { randomUUID } from 'node:crypto';
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { defaultRules, outsideOfficeHours } from '../../libs/audit/detection.ts';
import {
  type AuditEventInput,
  AuditQuery,
  type ChainedEvent,
  chainKey,
  createCheckpoint,
  DetectingAuditLog,
  DynamoAuditLog,
  eventHash,
  proveEvent,
  seqKey,
  verifyTrail,
} from '../../libs/audit/index.ts';
import { LocalKeyring } from '../../libs/keys/index.ts';
import { freshTables } from '../support/tables.ts';

let doc: DynamoDBDocumentClient;
let table: string;
let clock: Date;
const at = () => clock;
const keyring = new LocalKeyring(undefined);
const DAY = 86_400_000;

const login = (actor: string, extra: Partial<AuditEventInput> = {}): AuditEventInput => ({
  type: 'login.success',
  outcome: 'success',
  zone: 'public',
  actor,
  subject: actor,
  client: 'tax-bureau',
  sourceIp: '192.0.2.1',
  ...extra,
});
const keyOf = (e: ChainedEvent) => ({ pk: chainKey(e), sk: seqKey(e.seq) });

beforeEach(async () => {
  const fresh = await freshTables();
  doc = fresh.doc;
  table = fresh.tables.audit;
  clock = new Date('2026-01-05T10:00:00Z');
});

describe('audit retention', () => {
  it('keeps each class for its own period, with one chain set per class', async () => {
    const log = new DynamoAuditLog(doc, table, {
      shards: 1,
      now: at,
      retention: { access: 200, security: 400 },
    });
    const access = await log.append(login('a'));
    const security = await log.append({ type: 'admin.client.updated', outcome: 'success', zone: 'intranet' });
    expect(access.retention).toBe('access');
    expect(security.retention).toBe('security');
    expect(access.expiresAt - Math.floor(clock.getTime() / 1000)).toBe(200 * 86_400);
    expect(security.expiresAt - Math.floor(clock.getTime() / 1000)).toBe(400 * 86_400);
    expect(access.seq).toBe(1);
    expect(security.seq).toBe(1);
  });

  it('verifies clean once expired events are deleted, but names an unexpired event removed before them', async () => {
    const log = new DynamoAuditLog(doc, table, {
      shards: 1,
      now: at,
      retention: { access: 180, security: 1095 },
    });
    const old: ChainedEvent[] = [];
    for (let i = 0; i < 3; i++) old.push(await log.append(login(`old-${i}`)));
    clock = new Date(clock.getTime() + 100 * DAY);
    const recent: ChainedEvent[] = [];
    for (let i = 0; i < 3; i++) recent.push(await log.append(login(`new-${i}`)));
    clock = new Date(clock.getTime() + 90 * DAY); // the first three have expired, the rest not
    // DynamoDB's TTL deletes expired items late and in any order: the middle one first.
    await doc.send(new DeleteCommand({ TableName: table, Key: keyOf(old[1]!) }));
    const chain = { retention: 'access' as const, shard: 0 };
    expect(await log.verifyChain(chain)).toMatchObject({ ok: true });
    for (const e of old) await doc.send(new DeleteCommand({ TableName: table, Key: keyOf(e) }));
    expect(await log.verifyChain(chain)).toMatchObject({ ok: true, from: 4, verified: 3 });

    await doc.send(new DeleteCommand({ TableName: table, Key: keyOf(recent[0]!) }));
    const result = await log.verifyChain(chain);
    expect(result.ok).toBe(false);
    expect(result.problem).toMatchObject({ kind: 'removed', seq: 4 });
  });
});

describe('signed checkpoints', () => {
  const setup = async () => {
    const log = new DynamoAuditLog(doc, table, { shards: 1 });
    const events: ChainedEvent[] = [];
    for (let i = 0; i < 5; i++) events.push(await log.append(login(`user-${i}`)));
    const signer = await keyring.signer('audit-checkpoint');
    const { checkpoint } = await createCheckpoint({ doc, table, log, signer });
    return { log, events, checkpoint, signer };
  };

  it('proves an untouched trail up to the signed heads, and leaves later events unsigned', async () => {
    const { log, checkpoint } = await setup();
    await log.append(login('after'));
    const trail = await verifyTrail({ doc, table, log, keyring });
    expect(trail.ok).toBe(true);
    expect(trail.checkpoint).toMatchObject({ checkpointId: checkpoint.checkpointId, ok: true });
    const access = trail.chains.find((c) => c.retention === 'access')!;
    expect(access).toMatchObject({ from: 1, signedHead: { seq: 5 }, unsigned: 1, head: { seq: 6 } });
  });

  it('does not sign again when nothing changed', async () => {
    const { log, checkpoint, signer } = await setup();
    const again = await createCheckpoint({ doc, table, log, signer });
    expect(again).toMatchObject({ created: false, checkpoint: { checkpointId: checkpoint.checkpointId } });
  });

  it('names a chain rewritten wholesale after the checkpoint, though every link still matches', async () => {
    const { log, events } = await setup();
    // Rewrite event 3 and recompute every later hash and link: the chain alone verifies.
    let prev = events[1]!;
    for (const original of events.slice(2)) {
      const content = {
        ...original,
        actor: original.seq === 3 ? 'someone-else' : original.actor,
        prevHash: prev.hash,
      };
      const { hash: _h, ...rest } = content;
      const forged = { ...rest, hash: eventHash(rest) } as ChainedEvent;
      await doc.send(new PutCommand({ TableName: table, Item: { ...keyOf(forged), ...forged } }));
      prev = forged;
    }
    expect((await log.verifyChain({ retention: 'access', shard: 0 })).ok).toBe(true);
    const trail = await verifyTrail({ doc, table, log, keyring });
    expect(trail.ok).toBe(false);
    expect(trail.chains.find((c) => c.retention === 'access')!.problem).toMatchObject({
      kind: 'altered',
      seq: 5,
    });
  });

  it('names a chain cut short after the checkpoint', async () => {
    const { log, events } = await setup();
    await doc.send(new DeleteCommand({ TableName: table, Key: keyOf(events[4]!) }));
    const trail = await verifyTrail({ doc, table, log, keyring });
    expect(trail.chains.find((c) => c.retention === 'access')!.problem).toMatchObject({
      kind: 'removed',
      seq: 5,
    });
  });

  it('refuses a checkpoint whose signature is not from the audit-checkpoint key', async () => {
    const { log } = await setup();
    const other = await new LocalKeyring(undefined).signer('audit-checkpoint');
    await log.append(login('later'));
    await createCheckpoint({ doc, table, log, signer: other });
    const trail = await verifyTrail({ doc, table, log, keyring });
    expect(trail.ok).toBe(false);
    expect(trail.checkpoint).toMatchObject({ ok: false });
    expect(trail.checkpoint?.reason).toMatch(/does not verify/);
  });

  it('proves one event by its links up to a signed head', async () => {
    const { log, events } = await setup();
    const proof = await proveEvent({ doc, table, log, keyring, event: events[1]! });
    expect(proof).toMatchObject({
      ok: true,
      signedHead: { seq: 5 },
      result: { code: 'covered', headSeq: 5, signedAt: expect.any(String) },
    });
    expect(proof.links.map((l) => l.seq)).toEqual([2, 3, 4, 5]);
    await doc.send(
      new PutCommand({ TableName: table, Item: { ...keyOf(events[3]!), ...events[3]!, outcome: 'failure' } }),
    );
    // What it found is a code and a position, for pages to put into their own words.
    expect(await proveEvent({ doc, table, log, keyring, event: events[1]! })).toMatchObject({
      ok: false,
      result: { code: 'broken', kind: 'altered', seq: 4 },
    });
  });
});

describe('audit queries', () => {
  it('serves a query for one actor from its index, reading about what it returns, newest first', async () => {
    const log = new DynamoAuditLog(doc, table, { shards: 2 });
    for (let i = 0; i < 60; i++) await log.append(login(i % 10 === 0 ? 'needle' : `hay-${i}`));
    const query = new AuditQuery(doc, table);
    const page = await query.search({ actor: 'needle' }, { limit: 4 });
    expect(page.index).toBe('byActor');
    expect(page.events).toHaveLength(4);
    expect(page.events.every((e) => e.actor === 'needle')).toBe(true);
    expect(page.scanned).toBeLessThanOrEqual(2 * page.events.length);
    const times = page.events.map((e) => e.time);
    expect([...times].sort().reverse()).toEqual(times);
    const rest = await query.search({ actor: 'needle' }, { limit: 4, cursor: page.next });
    expect(rest.events).toHaveLength(2);
    expect(rest.next).toBeUndefined();
    const ids = [...page.events, ...rest.events].map((e) => e.eventId);
    expect(new Set(ids).size).toBe(6);
  });

  it('filters by zone and outcome over the month index and pages without gaps or repeats', async () => {
    const log = new DynamoAuditLog(doc, table, { shards: 2 });
    for (let i = 0; i < 30; i++) {
      await log.append(
        login(`u${i}`, {
          zone: i % 3 === 0 ? 'intranet' : 'public',
          outcome: i % 2 ? 'failure' : 'success',
          type: i % 2 ? 'login.failure' : 'login.success',
        }),
      );
    }
    const query = new AuditQuery(doc, table);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await query.search({ zone: 'intranet', outcome: 'failure' }, { limit: 2, cursor });
      expect(page.index).toBe('byMonth');
      seen.push(...page.events.map((e) => e.eventId));
      for (const e of page.events) expect(e).toMatchObject({ zone: 'intranet', outcome: 'failure' });
      cursor = page.next;
    } while (cursor);
    expect(seen).toHaveLength(5); // i = 3, 9, 15, 21, 27
    expect(new Set(seen).size).toBe(5);
  });

  it('refuses a cursor from another search, and a range that ends before it starts', async () => {
    const log = new DynamoAuditLog(doc, table, { shards: 1 });
    for (let i = 0; i < 3; i++) await log.append(login('x'));
    const query = new AuditQuery(doc, table);
    const page = await query.search({ actor: 'x' }, { limit: 1 });
    await expect(query.search({ actor: 'y' }, { limit: 1, cursor: page.next })).rejects.toThrow(
      /different search/,
    );
    await expect(query.search({}, { limit: 1, cursor: 'not-a-cursor' })).rejects.toThrow(/cursor/);
    await expect(
      query.search({ from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }, { limit: 1 }),
    ).rejects.toThrow(/from must not be later/);
  });

  it('finds one event by its id', async () => {
    const log = new DynamoAuditLog(doc, table, { shards: 2 });
    const written = await log.append(login('someone'));
    expect(await new AuditQuery(doc, table).byId(written.eventId)).toMatchObject({ hash: written.hash });
    expect(await new AuditQuery(doc, table).byId(randomUUID())).toBeUndefined();
  });
});

describe('detection rules', () => {
  const failure = (target: string, ip: string): AuditEventInput => ({
    type: 'login.failure',
    outcome: 'failure',
    zone: 'public',
    subject: target,
    sourceIp: ip,
    reason: 'wrong password',
  });
  const alerts = async () =>
    (await new AuditQuery(doc, table).search({ type: 'alert.raised' }, { limit: 50 })).events;

  it('raises one brute-force alert when failures against one account reach the threshold, however many writers race', async () => {
    const detecting = () =>
      new DetectingAuditLog(new DynamoAuditLog(doc, table, { shards: 2, maxAttempts: 40 }), doc, table);
    const writers = [detecting(), detecting(), detecting()];
    await Promise.all(
      Array.from({ length: 14 }, (_, i) => writers[i % 3]!.append(failure('victim', `198.51.100.${i}`))),
    );
    const raised = await alerts();
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({
      subject: 'victim',
      resource: 'rule:brute-force',
      details: { rule: 'brute-force', threshold: 10 },
    });
    // Racing writers may both see the threshold passed; the one that wins the flag reports its count.
    expect(Number(raised[0]!.details?.count)).toBeGreaterThanOrEqual(10);
  });

  it('counts wrong second-factor codes as brute force against the account, like wrong passwords', async () => {
    const log = new DetectingAuditLog(new DynamoAuditLog(doc, table, { shards: 2 }), doc, table);
    for (let i = 0; i < 5; i++) await log.append(failure('code-victim', '198.51.100.9'));
    for (let i = 0; i < 4; i++) {
      await log.append({ ...failure('code-victim', '198.51.100.9'), type: 'mfa.failure', reason: undefined });
    }
    expect(await alerts()).toHaveLength(0);
    await log.append({ ...failure('code-victim', '198.51.100.9'), type: 'mfa.failure', reason: undefined });
    expect(await alerts()).toMatchObject([
      { subject: 'code-victim', details: { rule: 'brute-force', count: 10 } },
    ]);
  });

  it('raises a spraying alert for one source across many accounts, counting each account once', async () => {
    const log = new DetectingAuditLog(new DynamoAuditLog(doc, table, { shards: 2 }), doc, table);
    for (let i = 0; i < 9; i++) {
      await log.append(failure(`account-${i}`, '203.0.113.7'));
      await log.append(failure(`account-${i}`, '203.0.113.7'));
    }
    expect(await alerts()).toHaveLength(0);
    await log.append(failure('account-9', '203.0.113.7'));
    const raised = await alerts();
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({
      sourceIp: '203.0.113.7',
      details: { rule: 'password-spraying', count: 10 },
    });
  });

  it('raises a burst alert when one holder’s licences are verified many times', async () => {
    const log = new DetectingAuditLog(new DynamoAuditLog(doc, table, { shards: 2 }), doc, table);
    for (let i = 0; i < 25; i++) {
      await log.append({ type: 'licence.verified', outcome: 'success', zone: 'public', subject: 'holder-1' });
    }
    expect((await alerts()).map((a) => a.details?.rule)).toEqual(['verification-burst']);
  });

  it('raises an alert for each administrative change outside office hours, none inside them', async () => {
    clock = new Date('2026-11-28T15:30:00Z'); // Saturday 23:30 in Beijing
    const log = new DetectingAuditLog(
      new DynamoAuditLog(doc, table, { shards: 1, now: at }),
      doc,
      table,
      defaultRules(),
    );
    const change = {
      type: 'admin.client.updated',
      outcome: 'success',
      zone: 'intranet',
      actor: 'admin-1',
    } as const;
    await log.append(change);
    clock = new Date('2026-11-30T02:00:00Z'); // Monday 10:00 in Beijing
    await log.append(change);
    const raised = await alerts();
    expect(raised).toHaveLength(1);
    expect(raised[0]!.details).toMatchObject({
      rule: 'admin-after-hours',
      triggeredByType: 'admin.client.updated',
    });
    expect(outsideOfficeHours('2026-11-30T13:00:00Z')).toBe(true); // 21:00 Beijing
  });
});
