import { createHash, createHmac } from 'node:crypto';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  AccountStore,
  authenticatePassword,
  BackgroundMail,
  deliverMailJobs,
  hashPassword,
  InteractionAttempts,
  LoginLockout,
  LoginNameTakenError,
  OutboxNotifier,
  PasswordReset,
  SourceThrottle,
  SqsMailQueue,
  totpCode,
  totpStep,
  verifyPassword,
} from '../../libs/accounts/index.ts';
import { sourceOf } from '../../libs/accounts/lockout.ts';
import type { AccountMessage } from '../../libs/accounts/notifier.ts';
import { ARGON2_PARAMETERS, needsRehash } from '../../libs/accounts/password.ts';
import { AuditSealer, AuditTrail, DynamoAuditLog } from '../../libs/audit/index.ts';
import { freshTables } from '../support/tables.ts';

let doc: DynamoDBDocumentClient;
let table: string;
let accounts: AccountStore;
let audit: DynamoAuditLog;
let auditTable: string;

beforeEach(async () => {
  const fresh = await freshTables();
  doc = fresh.doc;
  table = fresh.tables.identity;
  accounts = new AccountStore(doc, table);
  auditTable = fresh.tables.audit;
  audit = new DynamoAuditLog(doc, auditTable, { shards: 1 });
});

const newCitizen = (loginName = 'li.lei', password = 'a long enough password') =>
  accounts.create({ kind: 'citizen', loginName, displayName: 'Li Lei', password, roles: ['citizen'] });

describe('passwords', () => {
  it('are hashed with argon2id at OWASP parameters, stored with the hash, and verified', async () => {
    const hash = await hashPassword('correct horse battery staple');
    expect(hash).toMatchObject({ alg: 'argon2id', memory: 19_456, passes: 2, parallelism: 1 });
    expect(await verifyPassword('correct horse battery staple', hash)).toBe(true);
    expect(await verifyPassword('correct horse battery stapler', hash)).toBe(false);
    expect(needsRehash(hash)).toBe(false);
    expect(needsRehash({ ...hash, memory: ARGON2_PARAMETERS.memory / 2 })).toBe(true);
  });

  it('give the same hash for the same password typed in full-width or decomposed form', async () => {
    const hash = await hashPassword('Café２０２６');
    expect(await verifyPassword('Cafe\u03012026', hash)).toBe(true);
  });
});

describe('accounts', () => {
  it('keep login names unique, case-insensitively, even when registered at the same moment', async () => {
    const results = await Promise.allSettled([
      newCitizen('Wang.Fang'),
      newCitizen('wang.fang'),
      newCitizen('WANG.FANG'),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r) => r.status === 'rejected')) {
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(LoginNameTakenError);
    }
    expect((await accounts.findByLoginName('wang.FANG'))?.loginName).toMatch(/wang\.fang/i);
  });

  it('refuse an update based on a stale copy', async () => {
    const account = await newCitizen();
    await accounts.update(account, { displayName: 'First' });
    await expect(accounts.update(account, { displayName: 'Second' })).rejects.toMatchObject({
      code: 'ACCOUNT_CHANGED',
    });
  });

  it('accept each TOTP time step once', async () => {
    const account = await newCitizen();
    const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
    await accounts.update(account, {
      totp: { secret, enabledAt: new Date().toISOString(), lastStep: 0, recoveryCodes: [] },
    });
    const step = totpStep(secret, totpCode(secret))!;
    expect(await accounts.useTotpStep(account.id, step)).toBe(true);
    expect(await accounts.useTotpStep(account.id, step)).toBe(false);
    expect(totpStep(secret, '000000x')).toBeUndefined();
  });
});

describe('lockout and throttling', () => {
  const policy = {
    sourceFailures: 6,
    sourceDelaySeconds: 900,
    sourceMaxDelaySeconds: 86_400,
    accountFailures: 20,
    accountLockSeconds: 86_400,
    forgetSeconds: 30 * 86_400,
  };
  const HERE = '198.51.100.7';

  it('makes one source wait after six failures, doubling the wait for each further one, and no other source', async () => {
    let now = 1_900_000_000;
    const lockout = new LoginLockout(doc, table, policy, () => now);
    const fail = async (source = HERE) =>
      lockout.recordFailure('someone', source, await lockout.state('someone', source));
    for (let i = 1; i <= 5; i++) expect(await fail()).toMatchObject({ locked: false, triesLeft: 6 - i });
    expect(await fail()).toMatchObject({
      locked: true,
      lockedNow: true,
      scope: 'source',
      lockedUntil: now + 900,
    });
    expect((await lockout.state('SOMEONE', HERE)).locked).toBe(true);
    expect(await lockout.state('someone', '203.0.113.50')).toMatchObject({ locked: false, triesLeft: 6 });
    now += 901;
    expect((await lockout.state('someone', HERE)).locked).toBe(false);
    expect(await fail()).toMatchObject({ locked: true, lockedUntil: now + 1800 });
    now += 1801;
    expect(await fail()).toMatchObject({ locked: true, lockedUntil: now + 3600 });
  });

  it('counts an IPv6 /64 as one source', async () => {
    const lockout = new LoginLockout(doc, table, policy);
    for (let i = 1; i <= 6; i++) {
      const source = `2001:db8:1:2::${i.toString(16)}`;
      await lockout.recordFailure('v6.person', source, await lockout.state('v6.person', source));
    }
    expect((await lockout.state('v6.person', '2001:db8:1:2:ffff::1')).locked).toBe(true);
    expect((await lockout.state('v6.person', '2001:db8:1:3::1')).locked).toBe(false);
    expect(sourceOf('2001:0db8:0001:0002:0000:0000:0000:0009')).toBe('2001:db8:1:2::/64');
    expect(sourceOf('::1')).toBe('0:0:0:0::/64');
    expect(sourceOf('192.0.2.4')).toBe('192.0.2.4');
  });

  it('locks the name everywhere only after many failures from many sources, until a reset clears it', async () => {
    let now = 1_900_000_000;
    const lockout = new LoginLockout(doc, table, policy, () => now);
    let last: Awaited<ReturnType<LoginLockout['recordFailure']>> | undefined;
    for (let i = 0; i < 20; i++) {
      const source = `192.0.2.${Math.floor(i / 5)}`;
      last = await lockout.recordFailure('staff.admin', source, await lockout.state('staff.admin', source));
    }
    expect(last).toMatchObject({
      locked: true,
      lockedNow: true,
      scope: 'account',
      lockedUntil: now + 86_400,
    });
    expect(await lockout.state('staff.admin', '203.0.113.1')).toMatchObject({
      locked: true,
      scope: 'account',
    });
    now += 3600;
    await lockout.clear('staff.admin');
    expect(await lockout.state('staff.admin', '203.0.113.1')).toMatchObject({ locked: false, triesLeft: 6 });
    // The sources that failed before the reset start again from nothing.
    expect(await lockout.state('staff.admin', '192.0.2.0')).toMatchObject({
      locked: false,
      sourceFailures: 0,
    });
    const again = await lockout.recordFailure(
      'staff.admin',
      '192.0.2.0',
      await lockout.state('staff.admin', '192.0.2.0'),
    );
    expect(again).toMatchObject({ locked: false, sourceFailures: 1, accountFailures: 1 });
  });

  it('starts the count again only after a complete sign-in, and only for that source', async () => {
    const lockout = new LoginLockout(doc, table, policy);
    const fail = async (source: string) =>
      lockout.recordFailure('owner', source, await lockout.state('owner', source));
    for (let i = 0; i < 4; i++) await fail(HERE);
    for (let i = 0; i < 5; i++) await fail('203.0.113.66');
    await lockout.signedIn('owner', HERE);
    expect(await lockout.state('owner', HERE)).toMatchObject({ sourceFailures: 0, accountFailures: 0 });
    // The warning before the last try knows how long the wait it would start lasts.
    expect(await lockout.state('owner', '203.0.113.66')).toMatchObject({
      sourceFailures: 5,
      triesLeft: 1,
      nextWaitSeconds: 900,
    });
    // And the warnings before it say the same wait, not the none the next failure starts.
    expect(await lockout.state('owner', '203.0.113.67')).toMatchObject({
      sourceFailures: 0,
      triesLeft: 6,
      nextWaitSeconds: 900,
    });
  });

  it('forgets a quiet count', async () => {
    let now = 1_900_000_000;
    const lockout = new LoginLockout(doc, table, policy, () => now);
    for (let i = 0; i < 3; i++) await lockout.recordFailure('n', HERE, await lockout.state('n', HERE));
    now += 3 * 86_400;
    expect(await lockout.recordFailure('n', HERE, await lockout.state('n', HERE))).toMatchObject({
      sourceFailures: 1,
      accountFailures: 4,
    });
    now += 31 * 86_400;
    expect(await lockout.state('n', HERE)).toMatchObject({ sourceFailures: 0, accountFailures: 0 });
  });

  it('starts a lock once however many failures race past the threshold', async () => {
    const lockout = new LoginLockout(doc, table, policy);
    const before = await lockout.state('raced', HERE);
    const outcomes = await Promise.all(
      Array.from({ length: 40 }, () => lockout.recordFailure('raced', HERE, before)),
    );
    expect(outcomes.filter((o) => o.lockedNow)).toHaveLength(2);
    expect(outcomes.filter((o) => o.lockedNow && o.scope === 'source')).toHaveLength(1);
    expect(outcomes.filter((o) => o.lockedNow && o.scope === 'account')).toHaveLength(1);
    expect(outcomes.every((o) => o.locked || o.sourceFailures < 6)).toBe(true);
  });

  it('ends an interaction after five wrong codes; a right code gives its attempt back', async () => {
    const attempts = new InteractionAttempts(doc, table);
    const left = [];
    for (let i = 0; i < 4; i++) left.push(await attempts.take('uid-1'));
    expect(await attempts.take('uid-1')).toBe(0);
    await attempts.giveBack('uid-1');
    expect(await attempts.ended('uid-1')).toBe(false);
    left.push(await attempts.take('uid-1'), await attempts.take('uid-1'));
    expect(left).toEqual([4, 3, 2, 1, 0, undefined]);
    expect(await attempts.ended('uid-1')).toBe(true);
    expect(await attempts.ended('uid-2')).toBe(false);
  });

  it('lets at most five of forty codes sent at once be evaluated on one interaction', async () => {
    const attempts = new InteractionAttempts(doc, table);
    const taken = await Promise.all(Array.from({ length: 40 }, () => attempts.take('uid-race')));
    expect(taken.filter((left) => left !== undefined).sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('throttles a source over its limit within a window', async () => {
    let now = 1_900_000_000;
    const throttle = new SourceThrottle(doc, table, 3, 60, () => now);
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await throttle.allow('203.0.113.9'));
    expect(results).toEqual([true, true, true, false]);
    expect(await throttle.allow('203.0.113.10')).toBe(true);
    now += 120;
    expect(await throttle.allow('203.0.113.9')).toBe(true);
  });

  it('audits each failed attempt once and the lock once, and a right password clears nothing', async () => {
    await newCitizen('target.person', 'the right password!');
    const deps = {
      accounts,
      audit,
      lockout: new LoginLockout(doc, table, { ...policy, sourceFailures: 2 }),
      throttle: new SourceThrottle(doc, table),
    };
    const ctx = { zone: 'public' as const, sourceIp: '198.51.100.1' };
    expect(await authenticatePassword(deps, 'target.person', 'wrong', ctx)).toMatchObject({
      outcome: 'invalid',
      triesLeft: 1,
    });
    expect((await authenticatePassword(deps, 'target.person', 'wrong', ctx)).outcome).toBe('locked');
    expect((await authenticatePassword(deps, 'target.person', 'the right password!', ctx)).outcome).toBe(
      'locked',
    );
    await new AuditSealer(doc, auditTable, { shards: 1 }).sealPending();
    const chains = await new AuditTrail(doc, auditTable, { shards: 1 }).verifyAll();
    expect(chains.every((c) => c.ok)).toBe(true);
    expect(chains.reduce((sum, c) => sum + c.events, 0)).toBe(4);

    const elsewhere = { zone: 'public' as const, sourceIp: '198.51.100.2' };
    expect(await authenticatePassword(deps, 'target.person', 'wrong', elsewhere)).toMatchObject({
      outcome: 'invalid',
      triesLeft: 1,
    });
    expect(
      (await authenticatePassword(deps, 'target.person', 'the right password!', elsewhere)).outcome,
    ).toBe('ok');
    expect(await deps.lockout.state('target.person', elsewhere.sourceIp)).toMatchObject({
      sourceFailures: 1,
    });
  });
});

describe('password reset', () => {
  const RESET_CODE_KEY = 'the reset code key of these tests, 32+ characters';

  it('sends a code that sets a new password once, and refuses wrong or reused codes', async () => {
    const account = await newCitizen('reset.me', 'old password 123');
    await accounts.update(account, { email: 'reset.me@example.gov' });
    const outbox = new OutboxNotifier(() => undefined);
    const reset = new PasswordReset(doc, table, accounts, new BackgroundMail(outbox), [RESET_CODE_KEY]);
    expect((await reset.request('reset.me', 'en')).sent).toBe(true);
    expect(await reset.request('nobody', 'en')).toEqual({ account: undefined, sent: false, limited: false });
    await new Promise(setImmediate); // delivery runs after the request
    expect(outbox.messages).toHaveLength(1);
    const sent = outbox.messages[0]!;
    if (sent.kind !== 'password-reset') throw new Error(`expected a reset code, got ${sent.kind}`);
    const { code, to } = sent;
    expect(to.email).toBe('reset.me@example.gov');
    expect(
      await reset.confirm('reset.me', code === '00000000' ? '00000001' : '00000000', 'new password 456'),
    ).toBeUndefined();
    // A reader of the table learns nothing: the stored hash is keyed, so trying all 10^8 codes
    // against it needs the key (a plain SHA-256 of an 8-digit code is reversed in seconds).
    const { Item } = await doc.send(
      new GetCommand({ TableName: table, Key: { pk: 'reset#reset.me', sk: 'reset' } }),
    );
    expect(Item?.codeHash).toBe(createHmac('sha256', RESET_CODE_KEY).update(code).digest('hex'));
    expect(Item?.codeHash).not.toBe(createHash('sha256').update(code).digest('hex'));
    const changed = await reset.confirm('reset.me', code, 'new password 456');
    expect(changed && (await verifyPassword('new password 456', changed.password))).toBe(true);
    expect(await reset.confirm('reset.me', code, 'another password 789')).toBeUndefined();
  });

  it('on AWS queues every request, a decoy for an unknown name, and sends only the real ones', async () => {
    // SQS has no local twin: mocked, as for back-channel logout.
    const sqs = mockClient(SQSClient);
    sqs.on(SendMessageCommand).resolves({});
    try {
      await newCitizen('queued.reset', 'old password 123');
      const queue = new SqsMailQueue(new SQSClient({ region: 'cn-north-1' }), 'https://sqs.example/queue');
      const reset = new PasswordReset(doc, table, accounts, queue, [RESET_CODE_KEY]);
      await reset.request('queued.reset', 'en');
      await reset.request('nobody.queued', 'en');
      const records = sqs
        .commandCalls(SendMessageCommand)
        .map((call, i) => ({ body: call.args[0].input.MessageBody!, messageId: `m${i}` }));
      // One per channel (email, SMS) for every request: the person has no phone and the unknown
      // name nothing, so three are decoys, and both requests look the same on the queue.
      expect(records).toHaveLength(4);
      const sent: AccountMessage[] = [];
      const ok = await deliverMailJobs({ send: async (m) => void sent.push(m) }, records);
      expect(ok).toEqual([]);
      expect(sent.map((m) => m.to.loginName)).toEqual(['queued.reset']);
      const down = await deliverMailJobs(
        {
          send: async () => {
            throw new Error('SES is down');
          },
        },
        records,
      );
      // Only the real message goes back to the queue for a retry.
      expect(down).toEqual([{ itemIdentifier: 'm0' }]);
    } finally {
      sqs.restore();
    }
  });
});
