import { randomUUID } from 'node:crypto';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { defaultRules, outsideOfficeHours } from '../../libs/audit/detection.ts';
import {
  type AuditEventInput,
  AuditQuery,
  AuditSealer,
  AuditTrail,
  CHECKPOINT_PARTITION,
  type ChainedEvent,
  createCheckpoint,
  DetectingAuditLog,
  DynamoAuditLog,
  eventHash,
  eventItem,
  eventPartition,
  eventSortKey,
  proveEvent,
  sealPartition,
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
const keyOf = (e: ChainedEvent) => ({ pk: eventPartition(e), sk: eventSortKey(e.time, e.eventId) });

beforeEach(async () => {
  const fresh = await freshTables();
  doc = fresh.doc;
  table = fresh.tables.audit;
  clock = new Date('2026-01-05T10:00:00Z');
});

describe('audit retention', () => {
  it('keeps each class for its own period, in its own chains', async () => {
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
    await new AuditSealer(doc, table, { shards: 1, now: at }).seal(
      [access, security].map((e) => eventItem(e)),
    );
    const trail = new AuditTrail(doc, table, { shards: 1, now: at });
    const [accessSeal] = await trail.readSeals({ retention: 'access', shard: 0 });
    const [securitySeal] = await trail.readSeals({ retention: 'security', shard: 0 });
    expect(accessSeal).toMatchObject({ seq: 1, expiresAt: access.expiresAt });
    expect(securitySeal).toMatchObject({ seq: 1, expiresAt: security.expiresAt });
  });

  it('verifies clean once expired events and seals are deleted, but names an unexpired event removed', async () => {
    const log = new DynamoAuditLog(doc, table, {
      shards: 1,
      now: at,
      retention: { access: 180, security: 1095 },
    });
    const sealer = new AuditSealer(doc, table, { shards: 1, now: at });
    const trail = new AuditTrail(doc, table, { shards: 1, now: at });
    const old: ChainedEvent[] = [];
    for (let i = 0; i < 3; i++) old.push(await log.append(login(`old-${i}`)));
    await sealer.seal(old.map((e) => eventItem(e)));
    clock = new Date(clock.getTime() + 100 * DAY);
    const recent: ChainedEvent[] = [];
    for (let i = 0; i < 3; i++) recent.push(await log.append(login(`new-${i}`)));
    await sealer.seal(recent.map((e) => eventItem(e)));
    clock = new Date(clock.getTime() + 90 * DAY); // the first three have expired, the rest not
    const chain = { retention: 'access' as const, shard: 0 };
    // DynamoDB's TTL deletes expired items late and in any order: the middle event first.
    await doc.send(new DeleteCommand({ TableName: table, Key: keyOf(old[1]!) }));
    expect(await trail.verifyChain(chain)).toMatchObject({ ok: true, events: 5 });
    for (const e of old) await doc.send(new DeleteCommand({ TableName: table, Key: keyOf(e) }));
    await doc.send(new DeleteCommand({ TableName: table, Key: { pk: sealPartition(chain), sk: seqKey(1) } }));
    expect(await trail.verifyChain(chain)).toMatchObject({ ok: true, from: 2, verified: 1, events: 3 });

    await doc.send(new DeleteCommand({ TableName: table, Key: keyOf(recent[0]!) }));
    const result = await trail.verifyChain(chain);
    expect(result.ok).toBe(false);
    expect(result.problem).toMatchObject({ kind: 'removed', seq: 2, eventId: recent[0]!.eventId });
  });
});

describe('signed checkpoints', () => {
  const setup = async () => {
    const log = new DynamoAuditLog(doc, table, { shards: 1 });
    const sealer = new AuditSealer(doc, table, { shards: 1 });
    const trail = new AuditTrail(doc, table, { shards: 1 });
    const events: ChainedEvent[] = [];
    for (let i = 0; i < 5; i++) {
      events.push(await log.append(login(`user-${i}`)));
      await sealer.sealPending(); // one seal per event: seals 1–5
    }
    const signer = await keyring.signer('audit-checkpoint');
    const { checkpoint } = await createCheckpoint({ doc, table, trail, signer, keyring });
    return { log, sealer, trail, events, checkpoint, signer };
  };
  const verify = (trail: AuditTrail, now?: Date) =>
    verifyTrail({ doc, table, trail, keyring, checkpointEverySeconds: 900, now });
  const sealOf = (seq: number) => ({ pk: sealPartition({ retention: 'access', shard: 0 }), sk: seqKey(seq) });
  /** Rewrites the access chain's seal `from` (its time) and every later one, each hash and link recomputed. */
  const rewriteFrom = async (trail: AuditTrail, from: number) => {
    const seals = await trail.readSeals({ retention: 'access', shard: 0 });
    let prev = seals[from - 2]!;
    for (const original of seals.slice(from - 1)) {
      const {
        hash: _h,
        sk: _sk,
        ...content
      } = {
        ...original,
        sealedAt: original.seq === from ? '2020-01-01T00:00:00.000Z' : original.sealedAt,
        prevHash: prev.hash,
      };
      const forged = { ...content, hash: eventHash(content) };
      await doc.send(new PutCommand({ TableName: table, Item: { ...sealOf(forged.seq), ...forged } }));
      prev = { ...forged, sk: seqKey(forged.seq) };
    }
  };

  it('proves an untouched trail up to the signed heads, and leaves later seals unsigned', async () => {
    const { log, sealer, trail, checkpoint } = await setup();
    await log.append(login('after'));
    await sealer.sealPending();
    const result = await verify(trail);
    expect(result.ok).toBe(true);
    expect(result.checkpoint).toMatchObject({ checkpointId: checkpoint.checkpointId, seq: 1, ok: true });
    const access = result.chains.find((c) => c.retention === 'access')!;
    expect(access).toMatchObject({
      from: 1,
      signedHead: { seq: 5 },
      unsigned: 1,
      head: { seq: 6 },
      events: 6,
    });
  });

  it('chains each checkpoint to the one before, signing on every run', async () => {
    const { trail, signer, checkpoint } = await setup();
    const again = await createCheckpoint({ doc, table, trail, signer, keyring });
    expect(again.checkpoint.seq).toBe(checkpoint.seq + 1);
    const result = await verify(trail);
    expect(result.checkpoints).toMatchObject({ ok: true, verified: 2, problems: [] });
  });

  it('names both a rewritten event and an old checkpoint replayed to hide it (the attack from #18)', async () => {
    const { log, sealer, trail, signer, events } = await setup();
    const c1 = (
      await doc.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': CHECKPOINT_PARTITION },
        }),
      )
    ).Items![0]!;
    const grant = await log.append({
      type: 'admin.account.updated',
      outcome: 'success',
      zone: 'intranet',
      actor: 'admin-1',
      subject: 'mallory',
      details: { rolesAdded: ['auditor'] },
    });
    await sealer.sealPending();
    await createCheckpoint({ doc, table, trail, signer, keyring }); // C2 covers the grant
    // A table writer rewrites the grant, then puts C1 back at a position above every checkpoint.
    await doc.send(
      new UpdateCommand({
        TableName: table,
        Key: keyOf(grant),
        UpdateExpression: 'SET subject = :s',
        ExpressionAttributeValues: { ':s': 'someone-else' },
      }),
    );
    await doc.send(new PutCommand({ TableName: table, Item: { ...c1, sk: '999999999999' } }));
    const result = await verify(trail);
    expect(result.ok).toBe(false);
    expect(result.checkpoints.problems).toEqual([
      expect.objectContaining({ kind: 'replayed', seq: 999_999_999_999, checkpointId: c1.checkpointId }),
    ]);
    // The chains are compared with the newest genuine checkpoint (C2), not the replayed one.
    expect(result.checkpoint).toMatchObject({ seq: 2 });
    expect(result.chains.find((c) => c.retention === 'security')!.problem).toMatchObject({
      kind: 'altered',
      eventId: grant.eventId,
    });
    expect(events).toHaveLength(5);
  });

  it('reports the newest checkpoint as stale when later ones were withheld or the job stopped', async () => {
    const { trail } = await setup();
    const result = await verify(trail, new Date(Date.now() + 40 * 60_000));
    expect(result.ok).toBe(false);
    expect(result.checkpoints.problems).toEqual([expect.objectContaining({ kind: 'stale', seq: 1 })]);
  });

  it('names a checkpoint removed from the middle of the chain', async () => {
    const { trail, signer } = await setup();
    await createCheckpoint({ doc, table, trail, signer, keyring });
    await createCheckpoint({ doc, table, trail, signer, keyring });
    await doc.send(new DeleteCommand({ TableName: table, Key: { pk: CHECKPOINT_PARTITION, sk: seqKey(2) } }));
    expect((await verify(trail)).checkpoints.problems).toEqual([
      expect.objectContaining({ kind: 'removed', seq: 2 }),
    ]);
  });

  it('names a chain rewritten wholesale after the checkpoint, though every link still matches', async () => {
    const { trail } = await setup();
    const chain = { retention: 'access' as const, shard: 0 };
    // Rewrite seal 3 (drop nothing, change its time) and recompute every later hash and link.
    await rewriteFrom(trail, 3);
    expect((await trail.verifyChain(chain)).ok).toBe(true);
    const result = await verify(trail);
    expect(result.ok).toBe(false);
    expect(result.chains.find((c) => c.retention === 'access')!.problem).toMatchObject({
      kind: 'altered',
      seq: 5,
    });
  });

  it('holds history to every earlier checkpoint, so removing the newest and signing again over a rewritten chain is named', async () => {
    const { trail, signer } = await setup(); // checkpoint 1 signs seals 1–5
    await createCheckpoint({ doc, table, trail, signer, keyring }); // checkpoint 2, the same heads
    // A full-rights writer rewrites seals 3–5 (hashes recomputed forward)...
    await rewriteFrom(trail, 3);
    // ...removes the newest checkpoint, and the job signs position 2 again over the rewrite.
    await doc.send(new DeleteCommand({ TableName: table, Key: { pk: CHECKPOINT_PARTITION, sk: seqKey(2) } }));
    await createCheckpoint({ doc, table, trail, signer, keyring });
    const result = await verify(trail);
    expect(result.ok).toBe(false);
    expect(result.chains.find((c) => c.retention === 'access')!.problem).toMatchObject({
      kind: 'altered',
      seq: 5,
      message: expect.stringContaining('checkpoint 1 signed'),
    });
  });

  it('will not start a new chain of checkpoints over seals older than the schedule, unless told to', async () => {
    const { trail, signer } = await setup();
    await doc.send(new DeleteCommand({ TableName: table, Key: { pk: CHECKPOINT_PARTITION, sk: seqKey(1) } }));
    const later = new Date(Date.now() + 40 * 60_000);
    await expect(createCheckpoint({ doc, table, trail, signer, keyring, now: later })).rejects.toThrow(
      /chain of checkpoints was removed/,
    );
    expect((await verify(trail, later)).checkpoints.problems).toEqual([
      expect.objectContaining({ kind: 'missing' }),
    ]);
    const restarted = await createCheckpoint({
      doc,
      table,
      trail,
      signer,
      keyring,
      now: later,
      newChain: true,
    });
    expect(restarted.checkpoint.seq).toBe(1);
  });

  it('names a chain cut short after the checkpoint', async () => {
    const { trail } = await setup();
    await doc.send(new DeleteCommand({ TableName: table, Key: sealOf(5) }));
    const result = await verify(trail);
    expect(result.chains.find((c) => c.retention === 'access')!.problem).toMatchObject({
      kind: 'removed',
      seq: 5,
    });
  });

  it('refuses a checkpoint whose signature is not from the audit-checkpoint key, and will not extend it', async () => {
    const { log, sealer, trail } = await setup();
    const other = await new LocalKeyring(undefined).signer('audit-checkpoint');
    await log.append(login('later'));
    await sealer.sealPending();
    await createCheckpoint({ doc, table, trail, signer: other, keyring });
    const result = await verify(trail);
    expect(result.ok).toBe(false);
    expect(result.checkpoints.problems).toEqual([expect.objectContaining({ kind: 'forged', seq: 2 })]);
    expect(result.checkpoint).toMatchObject({ seq: 1 });
    const signer = await keyring.signer('audit-checkpoint');
    await expect(createCheckpoint({ doc, table, trail, signer, keyring })).rejects.toThrow(/does not verify/);
  });

  it('proves one event by its seal and the links up to a signed head', async () => {
    const { trail, events } = await setup();
    const proof = await proveEvent({ doc, table, trail, keyring, event: events[1]! });
    expect(proof).toMatchObject({
      ok: true,
      signedHead: { seq: 5 },
      result: { code: 'covered', headSeq: 5, signedAt: expect.any(String) },
    });
    expect(proof.links.map((l) => l.seq)).toEqual([2, 3, 4, 5]);
    await doc.send(
      new PutCommand({ TableName: table, Item: { ...eventItem(events[1]!), outcome: 'failure' } }),
    );
    // What it found is a code and a position, for pages to put into their own words.
    expect(await proveEvent({ doc, table, trail, keyring, event: events[1]! })).toMatchObject({
      ok: false,
      result: { code: 'broken', kind: 'altered' },
    });
    const fresh = await new DynamoAuditLog(doc, table, { shards: 1 }).append(login('just-now'));
    expect(await proveEvent({ doc, table, trail, keyring, event: fresh })).toMatchObject({
      ok: true,
      result: { code: 'pending' },
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
      expect(page.index).toBe('byMonthShard');
      seen.push(...page.events.map((e) => e.eventId));
      for (const e of page.events) expect(e).toMatchObject({ zone: 'intranet', outcome: 'failure' });
      cursor = page.next;
    } while (cursor);
    expect(seen).toHaveLength(5); // i = 3, 9, 15, 21, 27
    expect(new Set(seen).size).toBe(5);
  });

  it('merges the shards of the type and client indexes newest first, paging without gaps or repeats', async () => {
    const log = new DynamoAuditLog(doc, table); // 16 write shards: every index shard gets events
    const written: ChainedEvent[] = [];
    for (let i = 0; i < 120; i++) {
      written.push(
        await log.append(
          login(`u${i}`, i % 3 ? {} : { type: 'login.failure', outcome: 'failure', client: 'housing' }),
        ),
      );
    }
    const failures = written.filter((e) => e.type === 'login.failure');
    const shardsUsed = new Set(failures.map((e) => e.shard % 8));
    expect(shardsUsed.size).toBeGreaterThan(4);
    const query = new AuditQuery(doc, table);
    for (const filter of [{ type: 'login.failure' }, { client: 'housing' }]) {
      const seen: ChainedEvent[] = [];
      let cursor: string | undefined;
      do {
        const page = await query.search(filter, { limit: 15, cursor });
        // Each shard is read a few items at a time: little more than what the page returns, and
        // at most one read-ahead per index shard (8) beyond it — never the 40 events in all
        // (2 x 15 alone was exceeded by one when the random shards fell unevenly: 31).
        expect(page.scanned).toBeLessThanOrEqual(2 * Math.max(page.events.length, 8) + 8);
        seen.push(...page.events);
        cursor = page.next;
      } while (cursor);
      expect(seen.map((e) => e.eventId).sort()).toEqual(failures.map((e) => e.eventId).sort());
      const order = seen.map((e) => `${e.time}#${e.eventId}`);
      expect([...order].sort().reverse()).toEqual(order);
    }
    const days = await query.countByDay('login.failure', 1);
    expect([...days.counts.values()].reduce((a, b) => a + b, 0)).toBe(failures.length);
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
    const detecting = () => new DetectingAuditLog(new DynamoAuditLog(doc, table, { shards: 2 }), doc, table);
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
