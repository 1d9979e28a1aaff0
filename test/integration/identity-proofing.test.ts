import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DEMO_COMPANIES,
  DEMO_RESIDENTS,
  type RegistryTwin,
  startRegistryTwin,
} from '../../infra/local/registry-twin.ts';
import { type Account, AccountStore, OutboxNotifier } from '../../libs/accounts/index.ts';
import { DynamoAuditLog } from '../../libs/audit/index.ts';
import {
  ActingStore,
  AgentScope,
  CompanyStore,
  coversClient,
  endRepresentationSessions,
  grantAgent,
  HttpIdentitySource,
  IdentityClaims,
  IdentityHasher,
  IdentityLinkedElsewhereError,
  type IdentitySource,
  loadAccountDeletion,
  ProofingAttempts,
  ProofingCodeError,
  ProofingCodeLimitError,
  type ProofingDeps,
  ProofingPausedError,
  ProofingRefusedError,
  proveAtCounter,
  type RecordDeps,
  RegistryUnavailableError,
  registerCompany,
  revokeAgent,
} from '../../libs/identity/index.ts';
import { LocalSecretStore } from '../../libs/keys/index.ts';
import { type ClientSession, endClientSessions } from '../../libs/oidc/index.ts';
import { phoneProofing, proofingCodeSentTo, proveHoldingPhone } from '../../testkit/proving.ts';

const {
  confirmRemoteProofing,
  PROOFING_CODE_TRIES,
  PROOFING_SMS_PER_PHONE,
  ProofingCodes,
  resendProofingCode,
  startRemoteProofing,
} = phoneProofing;

import { freshTables } from '../support/tables.ts';

const zhang = DEMO_RESIDENTS.find((r) => r.loginName === 'zhang.san')!;
const slow = DEMO_RESIDENTS.find((r) => r.behaviour === 'timeout')!;
const ctx = { zone: 'public' as const, sourceIp: '127.0.0.1' };

let twin: RegistryTwin;
let doc: DynamoDBDocumentClient;
let deps: ProofingDeps & RecordDeps & { readonly outbox: OutboxNotifier };
let accounts: AccountStore;
/** The clock of the pending proofings and the attempt budgets (moved on to expire a code). */
let clock: Date;
let auditTable: string;
let identityTable: string;

beforeAll(async () => {
  twin = await startRegistryTwin({ port: 0, holdMs: 2000 });
});
afterAll(() => twin.close());

beforeEach(async () => {
  const fresh = await freshTables();
  doc = fresh.doc;
  auditTable = fresh.tables.audit;
  identityTable = fresh.tables.identity;
  accounts = new AccountStore(doc, fresh.tables.identity);
  const secrets = new LocalSecretStore(undefined);
  clock = new Date();
  const now = () => clock;
  const outbox = new OutboxNotifier(() => undefined);
  deps = {
    accounts,
    claims: new IdentityClaims(doc, fresh.tables.identity),
    attempts: new ProofingAttempts(doc, fresh.tables.identity, now),
    codes: new ProofingCodes(doc, fresh.tables.identity, now),
    smsBudget: new ProofingAttempts(doc, fresh.tables.identity, now, PROOFING_SMS_PER_PHONE),
    hasher: new IdentityHasher(() => secrets.versions('identity-hash-key')),
    source: new HttpIdentitySource({ baseUrl: twin.url, timeoutMs: 300 }),
    audit: new DynamoAuditLog(doc, auditTable),
    mail: { enqueue: async (m) => (m ? outbox.send(m) : undefined) },
    outbox,
    now,
    // A take-over at the counter ends the losing account's company roles as the person (with
    // no queue here, the sites are not told; their grants end all the same).
    releaseCompanyRoles: async (from, personRef, c) => {
      const audit = new DynamoAuditLog(doc, auditTable);
      const table = fresh.tables.identity;
      const sessionDeps = {
        acting: new ActingStore(doc, table),
        endSessions: (sessions: readonly ClientSession[]) =>
          endClientSessions({ doc, table, queues: {} }, sessions),
        audit,
      };
      await (await loadAccountDeletion()).releaseCompanyRoles(
        {
          doc,
          table,
          companies: new CompanyStore(doc, table),
          audit,
          endAgentSessions: (a, u, cc) => endRepresentationSessions(sessionDeps, a, u, cc),
        },
        from,
        personRef,
        c,
      );
    },
  };
});

/** Remote proofing as a person holding the phone: the registry check, then the code from the SMS. */
const proveRemotely = (
  d: typeof deps,
  account: Account,
  input: { name: string; residentId: string; phone: string },
  c: typeof ctx,
) => proveHoldingPhone(d, account, input, c);

const citizen = (name: string): Promise<Account> =>
  accounts.create({
    kind: 'citizen',
    loginName: name,
    displayName: name,
    password: 'a-long-password-1',
    roles: ['citizen'],
  });

const auditTypes = async (): Promise<
  Array<{ type: string; outcome: string; reason?: string; resource?: string }>
> => {
  const { ScanCommand } = await import('@aws-sdk/lib-dynamodb');
  const { Items = [] } = await doc.send(new ScanCommand({ TableName: auditTable }));
  // In the order they happened (a scan has none): by time, then by their place in their chain.
  const events = Items.filter((i) => String(i.pk).startsWith('event#')).sort(
    (a, b) => String(a.time).localeCompare(String(b.time)) || Number(a.seq ?? 0) - Number(b.seq ?? 0),
  );
  return events.map((i) => ({
    type: i.type,
    outcome: i.outcome,
    reason: i.reason,
    resource: i.resource,
  }));
};

describe('remote identity proofing', () => {
  it('raises an account to IAL 2 with the registry name, keeping only a keyed hash and a masked number', async () => {
    const account = await citizen('proof.one');
    const proved = await proveRemotely(
      deps,
      account,
      { name: zhang.name, residentId: zhang.residentId, phone: zhang.phone },
      ctx,
    );
    expect(proved.identity).toMatchObject({
      ial: 2,
      name: '张三',
      method: 'registry',
      residentIdMasked: `${zhang.residentId.slice(0, 4)}**********${zhang.residentId.slice(14)}`,
    });
    expect(JSON.stringify(await accounts.findById(account.id))).not.toContain(zhang.residentId);
    expect(proved.identity!.personRef).toBe(await deps.hasher.personRef(zhang.residentId));
    expect(proved.identity!.evidence).toEqual(['registry-record', 'phone']);
    const events = await auditTypes();
    expect(events).toEqual([
      {
        type: 'identity.proofing_started',
        outcome: 'success',
        reason: undefined,
        resource: proved.identity!.personRef,
      },
      {
        type: 'identity.proofing',
        outcome: 'success',
        reason: undefined,
        resource: proved.identity!.personRef,
      },
    ]);
    expect(JSON.stringify(events)).not.toContain(zhang.residentId);
  });

  it('refuses a wrong phone, counts it, and pauses after five failures', async () => {
    const account = await citizen('proof.two');
    for (let left = 4; left >= 0; left--) {
      const err = await proveRemotely(
        deps,
        account,
        { name: zhang.name, residentId: zhang.residentId, phone: '13900000000' },
        ctx,
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProofingRefusedError);
      expect(err).toMatchObject({ reason: 'evidence', attemptsLeft: left });
    }
    await expect(
      proveRemotely(
        deps,
        account,
        { name: zhang.name, residentId: zhang.residentId, phone: zhang.phone },
        ctx,
      ),
    ).rejects.toBeInstanceOf(ProofingPausedError);
    expect((await accounts.findById(account.id))!.identity).toBeUndefined();
  });

  it('a registry timeout changes nothing, counts no attempt and is audited', async () => {
    const account = await citizen('proof.three');
    const err = await proveRemotely(
      deps,
      account,
      { name: slow.name, residentId: slow.residentId, phone: slow.phone },
      ctx,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryUnavailableError);
    expect(err).toMatchObject({ reason: 'timeout', status: 503 });
    expect((await accounts.findById(account.id))!.identity).toBeUndefined();
    expect(await deps.attempts.left([`account#${account.id}`])).toBe(5);
    expect(await auditTypes()).toEqual([
      expect.objectContaining({ type: 'identity.proofing', outcome: 'failure', reason: 'registry-timeout' }),
    ]);
  });

  it('an injected registry error is unavailable, not a refusal', async () => {
    const account = await citizen('proof.four');
    twin.fault('error');
    await expect(
      proveRemotely(
        deps,
        account,
        { name: zhang.name, residentId: zhang.residentId, phone: zhang.phone },
        ctx,
      ),
    ).rejects.toMatchObject({ reason: 'error' });
  });

  it('one person, one account: a second account proving the same number is refused', async () => {
    const first = await citizen('proof.five');
    const second = await citizen('proof.six');
    const input = { name: zhang.name, residentId: zhang.residentId, phone: zhang.phone };
    await proveRemotely(deps, first, input, ctx);
    await expect(proveRemotely(deps, second, input, ctx)).rejects.toBeInstanceOf(
      IdentityLinkedElsewhereError,
    );
    expect((await accounts.findById(second.id))!.identity).toBeUndefined();
  });
});

describe('remote proofing checks that the person holds the phone', () => {
  const input = { name: zhang.name, residentId: zhang.residentId, phone: zhang.phone };
  const wrongCode = (code: string) => (code === '000000' ? '111111' : '000000');

  it('sends a code by SMS to the registered phone and records nothing before the right code', async () => {
    const account = await citizen('hold.one');
    const sent = await startRemoteProofing(deps, account, input, ctx, 'en');
    expect(sent).toMatchObject({
      phoneMasked: '138******01',
      residentIdMasked: expect.stringContaining('****'),
    });
    const [sms] = deps.outbox.messages;
    expect(sms).toMatchObject({
      kind: 'contact-code',
      channel: 'sms',
      purpose: 'proofing',
      to: { accountId: account.id, phone: `+86${zhang.phone}` },
    });
    const code = proofingCodeSentTo(deps.outbox, account.id);
    expect(code).toMatch(/^\d{6}$/);
    // Nothing is recorded yet: no identity, no claim on the person.
    expect((await accounts.findById(account.id))!.identity).toBeUndefined();
    expect(await deps.claims.accountOf(await deps.hasher.personRef(zhang.residentId))).toBeUndefined();
    // The pending state keeps neither the ID number nor the code.
    const { ScanCommand } = await import('@aws-sdk/lib-dynamodb');
    const { Items = [] } = await doc.send(new ScanCommand({ TableName: identityTable }));
    const stored = JSON.stringify(Items);
    expect(stored).not.toContain(zhang.residentId);
    expect(stored).not.toContain(`"${code}"`);
    expect(JSON.stringify(await auditTypes())).not.toContain(code);
  });

  it('refuses someone who knows the name, ID number and phone but does not hold the phone', async () => {
    const attacker = await citizen('hold.attacker');
    const { proofingId } = await startRemoteProofing(deps, attacker, input, ctx, 'zh-CN');
    // The code went to the victim's phone; the attacker can only guess, and the guesses run out.
    const guesses = ['123456', '654321', '000000'];
    const outcomes: unknown[] = [];
    for (const guess of guesses)
      outcomes.push(
        await confirmRemoteProofing(deps, attacker, { proofingId, code: guess }, ctx).catch(
          (e: unknown) => e,
        ),
      );
    const real = proofingCodeSentTo(deps.outbox, attacker.id);
    const tried = guesses.filter((g) => g !== real);
    expect(outcomes.slice(0, tried.length).every((e) => e instanceof ProofingCodeError)).toBe(true);
    expect((await accounts.findById(attacker.id))!.identity).toBeUndefined();
    // After the last wrong try the proofing has ended: even the real code no longer works.
    await expect(
      confirmRemoteProofing(deps, attacker, { proofingId, code: real }, ctx),
    ).rejects.toMatchObject({ reason: 'expired' });
    expect((await accounts.findById(attacker.id))!.identity).toBeUndefined();
    expect(await deps.claims.accountOf(await deps.hasher.personRef(zhang.residentId))).toBeUndefined();
  });

  it("a wrong code is refused, counted against the day's attempts, and the right one then works once", async () => {
    const account = await citizen('hold.two');
    const { proofingId } = await startRemoteProofing(deps, account, input, ctx, 'zh-CN');
    const code = proofingCodeSentTo(deps.outbox, account.id);
    const err = await confirmRemoteProofing(deps, account, { proofingId, code: wrongCode(code) }, ctx).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ProofingCodeError);
    expect(err).toMatchObject({ reason: 'wrong', triesLeft: PROOFING_CODE_TRIES - 1 });
    const personRef = await deps.hasher.personRef(zhang.residentId);
    expect(await deps.attempts.left([`account#${account.id}`])).toBe(4);
    expect(await deps.attempts.left([personRef])).toBe(4);
    const proved = await confirmRemoteProofing(deps, account, { proofingId, code }, ctx);
    expect(proved.identity).toMatchObject({ ial: 2, evidence: ['registry-record', 'phone'] });
    // Single use: the same code again finds nothing waiting.
    await expect(confirmRemoteProofing(deps, account, { proofingId, code }, ctx)).rejects.toMatchObject({
      reason: 'expired',
    });
    const events = (await auditTypes()).filter((e) => e.type.startsWith('identity.'));
    expect(events.map((e) => [e.type, e.outcome, e.reason ?? null])).toEqual([
      ['identity.proofing_started', 'success', null],
      ['identity.proofing', 'failure', 'code-wrong'],
      ['identity.proofing', 'success', null],
    ]);
  });

  it("wrong codes across fresh starts exhaust the day's attempts: the code cannot be brute-forced by restarting", async () => {
    const account = await citizen('hold.three');
    for (let i = 0; i < 5; i++) {
      const { proofingId } = await startRemoteProofing(deps, account, input, ctx, 'zh-CN');
      const code = proofingCodeSentTo(deps.outbox, account.id);
      await expect(
        confirmRemoteProofing(deps, account, { proofingId, code: wrongCode(code) }, ctx),
      ).rejects.toBeInstanceOf(ProofingCodeError);
    }
    // The sixth start is paused before the registry is asked (and no SMS goes out).
    const sent = deps.outbox.messages.length;
    await expect(startRemoteProofing(deps, account, input, ctx, 'zh-CN')).rejects.toBeInstanceOf(
      ProofingPausedError,
    );
    expect(deps.outbox.messages.length).toBe(sent);
  });

  it('a code expires after ten minutes', async () => {
    const account = await citizen('hold.four');
    const { proofingId } = await startRemoteProofing(deps, account, input, ctx, 'zh-CN');
    const code = proofingCodeSentTo(deps.outbox, account.id);
    clock = new Date(clock.getTime() + 10 * 60_000 + 1000);
    await expect(confirmRemoteProofing(deps, account, { proofingId, code }, ctx)).rejects.toMatchObject({
      reason: 'expired',
    });
    expect((await accounts.findById(account.id))!.identity).toBeUndefined();
  });

  it("a code sent for another account is refused, and so is another account's pending proofing", async () => {
    const mine = await citizen('hold.mine');
    const theirs = await citizen('hold.theirs');
    const liu = DEMO_RESIDENTS.find((r) => r.loginName === 'liu.fang')!;
    const { proofingId: myProofing } = await startRemoteProofing(deps, mine, input, ctx, 'zh-CN');
    const { proofingId: theirProofing } = await startRemoteProofing(
      deps,
      theirs,
      { name: liu.name, residentId: liu.residentId, phone: liu.phone },
      ctx,
      'zh-CN',
    );
    const theirCode = proofingCodeSentTo(deps.outbox, theirs.id);
    const myCode = proofingCodeSentTo(deps.outbox, mine.id);
    // Their code in my proofing (unless the six digits happen to coincide).
    if (theirCode !== myCode)
      await expect(
        confirmRemoteProofing(deps, mine, { proofingId: myProofing, code: theirCode }, ctx),
      ).rejects.toMatchObject({ reason: 'wrong' });
    // Their proofing (its id and its code) from my account: nothing of theirs is pending for me.
    await expect(
      confirmRemoteProofing(deps, mine, { proofingId: theirProofing, code: theirCode }, ctx),
    ).rejects.toMatchObject({ reason: 'expired' });
    expect((await accounts.findById(mine.id))!.identity).toBeUndefined();
    expect((await accounts.findById(theirs.id))!.identity).toBeUndefined();
  });

  it('limits resends per proofing, and codes per phone number whoever asks', async () => {
    const account = await citizen('hold.five');
    const { proofingId } = await startRemoteProofing(deps, account, input, ctx, 'zh-CN');
    const first = proofingCodeSentTo(deps.outbox, account.id);
    await resendProofingCode(deps, account, proofingId, ctx, 'zh-CN');
    const second = proofingCodeSentTo(deps.outbox, account.id);
    await resendProofingCode(deps, account, proofingId, ctx, 'zh-CN');
    await expect(resendProofingCode(deps, account, proofingId, ctx, 'zh-CN')).rejects.toMatchObject({
      limit: 'resends',
    });
    expect(deps.outbox.messages).toHaveLength(3);
    // A resent code replaces the earlier one.
    if (first !== proofingCodeSentTo(deps.outbox, account.id) && second !== first)
      await expect(
        confirmRemoteProofing(deps, account, { proofingId, code: first }, ctx),
      ).rejects.toMatchObject({ reason: 'wrong' });

    // Other accounts starting proofings at the same phone: five codes a day, then none.
    for (const name of ['hold.six', 'hold.seven']) {
      const other = await citizen(name);
      await startRemoteProofing(deps, other, input, ctx, 'zh-CN');
    }
    const last = await citizen('hold.eight');
    const err = await startRemoteProofing(deps, last, input, ctx, 'zh-CN').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProofingCodeLimitError);
    expect(err).toMatchObject({ limit: 'phone' });
    expect(deps.outbox.messages).toHaveLength(PROOFING_SMS_PER_PHONE);
    const reasons = (await auditTypes()).filter((e) => e.reason === 'sms-limit');
    expect(reasons).toHaveLength(1);
  });
});

/** The real HTTP source, counting the checks that reach the registry twin (a patient one: a
 * timeout gives its attempt back, which is right but would blur the count). */
const counting = (
  source: IdentitySource = new HttpIdentitySource({ baseUrl: twin.url, timeoutMs: 5000 }),
) => {
  const calls: string[] = [];
  const wrapped: IdentitySource = {
    checkPerson: (request) => {
      calls.push(request.evidence.type);
      return source.checkPerson(request);
    },
    company: (uscc) => source.company(uscc),
  };
  return { calls, source: wrapped };
};

/** One try at 张三 with a phone that is not theirs. */
const wrongPhone = (source: IdentitySource, account: Account) =>
  proveRemotely(
    { ...deps, source },
    account,
    { name: zhang.name, residentId: zhang.residentId, phone: '13900000000' },
    ctx,
  );

describe('the attempt budget under parallel requests', () => {
  it('twenty parallel wrong tries from one account reach the registry at most five times', async () => {
    const account = await citizen('proof.race');
    const { calls, source } = counting();
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => wrongPhone(source, account)));
    expect(calls.length).toBeLessThanOrEqual(5);
    const reasons = results.map((r) => (r.status === 'rejected' ? r.reason : r.value));
    expect(reasons.filter((e) => e instanceof ProofingRefusedError).length).toBe(calls.length);
    expect(reasons.filter((e) => e instanceof ProofingPausedError).length).toBe(20 - calls.length);
    expect(calls.length).toBeGreaterThan(0);
    // Refusals keep their attempt; the paused requests gave back whatever they had taken.
    expect(await deps.attempts.left([`account#${account.id}`])).toBe(5 - calls.length);
  });

  it('twenty accounts trying one number in parallel reach the registry at most five times', async () => {
    const tries = await Promise.all(Array.from({ length: 20 }, (_, i) => citizen(`proof.many${i}`)));
    const { calls, source } = counting();
    await Promise.allSettled(tries.map((account) => wrongPhone(source, account)));
    expect(calls.length).toBeLessThanOrEqual(5);
    expect(calls.length).toBeGreaterThan(0);
    // An account that was refused for the number's budget got its own attempt back.
    const left = await Promise.all(tries.map((a) => deps.attempts.left([`account#${a.id}`])));
    expect(left.filter((n) => n === 4)).toHaveLength(calls.length);
    expect(left.filter((n) => n === 5)).toHaveLength(20 - calls.length);
  });

  it('a success gives its attempt back', async () => {
    const account = await citizen('proof.back');
    await proveRemotely(
      deps,
      account,
      { name: zhang.name, residentId: zhang.residentId, phone: zhang.phone },
      ctx,
    );
    expect(await deps.attempts.left([`account#${account.id}`])).toBe(5);
  });
});

const staff = (loginName: string) =>
  accounts.create({
    kind: 'staff',
    loginName,
    displayName: 'Officer',
    password: 'a-long-password-1',
    roles: ['staff'],
    department: 'civil-affairs',
  });

const auditItems = async (type: string) => {
  const { ScanCommand } = await import('@aws-sdk/lib-dynamodb');
  const { Items = [] } = await doc.send(new ScanCommand({ TableName: auditTable }));
  return Items.filter((i) => String(i.pk).startsWith('event#') && i.type === type);
};

describe('counter verification against the registry', () => {
  it('checks the card against the registry and records the registry name and birth date', async () => {
    const officer = await staff('officer.reg');
    const { calls, source } = counting();
    const raised = await proveAtCounter(
      { ...deps, source },
      officer,
      await citizen('proof.card'),
      { name: ` ${zhang.name} `, residentId: zhang.residentId },
      ctx,
    );
    expect(calls).toEqual(['id-card-in-person']);
    expect(raised.identity).toMatchObject({
      ial: 3,
      name: '张三',
      birthDate: '1990-03-07',
      evidence: ['id-card-in-person', 'registry-record'],
    });
  });

  it('refuses a name or number the registry does not hold, and a closed record; a timeout decides nothing', async () => {
    const officer = await staff('officer.refuse');
    const account = await citizen('proof.refused');
    const closed = DEMO_RESIDENTS.find((r) => r.behaviour === 'closed')!;
    await expect(
      proveAtCounter(deps, officer, account, { name: '李四', residentId: zhang.residentId }, ctx),
    ).rejects.toMatchObject({ reason: 'identity', status: 422 });
    await expect(
      proveAtCounter(deps, officer, account, { name: closed.name, residentId: closed.residentId }, ctx),
    ).rejects.toMatchObject({ reason: 'record-closed' });
    const err = await proveAtCounter(
      deps,
      officer,
      account,
      { name: slow.name, residentId: slow.residentId },
      ctx,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryUnavailableError);
    expect(err).toMatchObject({ reason: 'timeout' });
    expect((await accounts.findById(account.id))!.identity).toBeUndefined();
    expect((await auditItems('identity.counter_verified')).map((e) => e.reason).sort()).toEqual([
      'registry-identity',
      'registry-record-closed',
      'registry-timeout',
    ]);
  });

  it('without an identity source the counter records the card as the officer read it', async () => {
    const officer = await staff('officer.nosource');
    const raised = await proveAtCounter(
      { ...deps, source: undefined },
      officer,
      await citizen('proof.nosource'),
      { name: '王五', residentId: zhang.residentId },
      ctx,
    );
    expect(raised.identity).toMatchObject({ ial: 3, name: '王五', evidence: ['id-card-in-person'] });
  });
});

describe('the counter takes a person back from a remote proof', () => {
  it('moves the claim from an IAL 2 holder to the account verified in person, once and audited', async () => {
    const officer = await staff('officer.take');
    const squatter = await proveRemotely(
      deps,
      await citizen('proof.first'),
      { name: zhang.name, residentId: zhang.residentId, phone: zhang.phone },
      ctx,
    );
    const person = await citizen('proof.real');
    const raised = await proveAtCounter(
      deps,
      officer,
      person,
      { name: zhang.name, residentId: zhang.residentId },
      ctx,
    );
    expect(raised.identity).toMatchObject({ ial: 3, personRef: squatter.identity!.personRef });
    expect(await deps.claims.accountOf(squatter.identity!.personRef)).toBe(person.id);
    expect((await accounts.findById(squatter.id))!.identity).toBeUndefined();
    const moved = await auditItems('identity.claim_transferred');
    expect(moved).toHaveLength(1);
    expect(moved[0]).toMatchObject({
      actor: officer.id,
      subject: person.id,
      outcome: 'success',
      details: { fromAccount: squatter.id },
    });
    // The old account cannot prove the person again remotely: the claim is the new account's.
    await expect(
      proveRemotely(
        deps,
        (await accounts.findById(squatter.id))!,
        { name: zhang.name, residentId: zhang.residentId, phone: zhang.phone },
        ctx,
      ),
    ).rejects.toBeInstanceOf(IdentityLinkedElsewhereError);
  });

  it('ends the company roles the old account held as the person: its company registration and its agent grants', async () => {
    const officer = await staff('officer.companies');
    const chen = DEMO_RESIDENTS.find((r) => r.loginName === 'chen.ming')!;
    const liu = DEMO_RESIDENTS.find((r) => r.loginName === 'liu.fang')!;
    const companies = new CompanyStore(doc, identityTable);
    const cdeps = { ...deps, companies };
    // An impostor proves 陈明 remotely and registers his company; another proves 刘芳 and is made its agent.
    const impostor = await proveRemotely(
      deps,
      await citizen('take.rep'),
      { name: chen.name, residentId: chen.residentId, phone: chen.phone },
      ctx,
    );
    const uscc = DEMO_COMPANIES[0]!.uscc;
    await registerCompany(cdeps, impostor, uscc, ctx);
    const agentSquatter = await proveRemotely(
      deps,
      await citizen('take.agent'),
      { name: liu.name, residentId: liu.residentId, phone: liu.phone },
      ctx,
    );
    await grantAgent(
      { ...cdeps, accounts },
      impostor,
      uscc,
      {
        residentId: liu.residentId,
        name: liu.name,
        scope: AgentScope.parse({ clients: ['tax-site'] }),
        until: new Date(Date.now() + 86_400_000),
      },
      ctx,
    );
    expect(await companies.representations(agentSquatter.id)).toHaveLength(1);

    // The real 刘芳 at the counter: the agent grant held as her ends; the company stays.
    const realLiu = await proveAtCounter(
      deps,
      officer,
      await citizen('take.liu'),
      { name: liu.name, residentId: liu.residentId },
      ctx,
    );
    expect(realLiu.identity!.ial).toBe(3);
    expect(await companies.representations(agentSquatter.id)).toEqual([]);
    expect(await companies.get(uscc)).toBeDefined();

    // The real 陈明 at the counter: the company the impostor registered as him ends; he may register it.
    const realChen = await proveAtCounter(
      deps,
      officer,
      await citizen('take.chen'),
      { name: chen.name, residentId: chen.residentId },
      ctx,
    );
    expect(await companies.get(uscc)).toBeUndefined();
    expect(await companies.representations(impostor.id)).toEqual([]);
    expect(await registerCompany(cdeps, realChen, uscc, ctx)).toMatchObject({
      legalRepresentative: { accountId: realChen.id },
    });
    expect((await auditItems('company.registration_ended')).map((e) => e.subject)).toEqual([impostor.id]);
    expect(
      (await auditItems('company.agent_revoked')).filter((e) => e.subject === agentSquatter.id),
    ).toHaveLength(1);
  });

  it('never takes over a person proved in person (IAL 3)', async () => {
    const officer = await staff('officer.keep');
    const first = await proveAtCounter(
      deps,
      officer,
      await citizen('proof.counter1'),
      { name: zhang.name, residentId: zhang.residentId },
      ctx,
    );
    const second = await citizen('proof.counter2');
    await expect(
      proveAtCounter(deps, officer, second, { name: zhang.name, residentId: zhang.residentId }, ctx),
    ).rejects.toBeInstanceOf(IdentityLinkedElsewhereError);
    expect(await deps.claims.accountOf(first.identity!.personRef)).toBe(first.id);
    expect((await accounts.findById(first.id))!.identity!.ial).toBe(3);
    expect(await auditItems('identity.claim_transferred')).toHaveLength(0);
  });
});

describe('counter verification', () => {
  it('raises a citizen to IAL 3 recording the officer, and a later remote check does not lower it', async () => {
    const officer = await accounts.create({
      kind: 'staff',
      loginName: 'officer.one',
      displayName: 'Officer',
      password: 'a-long-password-1',
      roles: ['staff'],
      department: 'civil-affairs',
    });
    const account = await citizen('proof.seven');
    const raised = await proveAtCounter(
      deps,
      officer,
      account,
      { name: zhang.name, residentId: zhang.residentId },
      ctx,
    );
    expect(raised.identity).toMatchObject({
      ial: 3,
      method: 'counter',
      birthDate: '1990-03-07',
      verifiedBy: { accountId: officer.id, department: 'civil-affairs' },
    });
    const again = await proveRemotely(
      deps,
      raised,
      { name: zhang.name, residentId: zhang.residentId, phone: zhang.phone },
      ctx,
    );
    expect(again.identity!.ial).toBe(3);
    const counter = (await auditTypes()).filter((e) => e.type === 'identity.counter_verified');
    expect(counter).toHaveLength(1);
  });

  it('an officer cannot verify themselves', async () => {
    const officer = await accounts.create({
      kind: 'staff',
      loginName: 'officer.two',
      displayName: 'Officer',
      password: 'a-long-password-1',
      roles: ['staff'],
    });
    await expect(
      proveAtCounter(deps, officer, officer, { name: zhang.name, residentId: zhang.residentId }, ctx),
    ).rejects.toThrow(/own identity/);
  });
});

describe('companies and their agents', () => {
  const chen = DEMO_RESIDENTS.find((r) => r.loginName === 'chen.ming')!;
  const liu = DEMO_RESIDENTS.find((r) => r.loginName === 'liu.fang')!;

  it('the legal representative registers the company after proving; an agent is authorised, then revoked', async () => {
    const companies = new CompanyStore(doc, identityTable);
    const cdeps = { ...deps, companies };
    const rep = await proveRemotely(
      deps,
      await citizen('chen.ming'),
      { name: chen.name, residentId: chen.residentId, phone: chen.phone },
      ctx,
    );
    const agent = await proveRemotely(
      deps,
      await citizen('liu.fang'),
      { name: liu.name, residentId: liu.residentId, phone: liu.phone },
      ctx,
    );
    const uscc = DEMO_COMPANIES[0]!.uscc;
    await expect(registerCompany(cdeps, agent, uscc, ctx)).rejects.toThrow(/another person/);
    const company = await registerCompany(cdeps, rep, uscc, ctx);
    expect(company).toMatchObject({ name: '示例科技有限公司', legalRepresentative: { accountId: rep.id } });
    await expect(registerCompany(cdeps, rep, uscc, ctx)).rejects.toThrow(/already registered/);
    await expect(registerCompany(cdeps, rep, DEMO_COMPANIES[2]!.uscc, ctx)).rejects.toThrow(/closed/);

    const until = new Date(Date.now() + 86_400_000);
    await grantAgent(
      { ...cdeps, accounts },
      rep,
      uscc,
      {
        residentId: liu.residentId,
        name: liu.name,
        scope: AgentScope.parse({ clients: ['tax-site'] }),
        until,
      },
      ctx,
    );
    const live = await companies.representations(agent.id);
    expect(live).toHaveLength(1);
    expect(coversClient(live[0]!, 'tax-site')).toBe(true);
    expect(coversClient(live[0]!, 'housing-site')).toBe(false);
    expect((await companies.representations(rep.id))[0]!.role).toBe('legal-representative');

    await revokeAgent(cdeps, rep, uscc, agent.id, ctx);
    expect(await companies.representations(agent.id)).toEqual([]);
    await expect(revokeAgent(cdeps, rep, uscc, agent.id, ctx)).rejects.toThrow(/no live authorisation/);
    const types = (await auditTypes()).map((e) => `${e.type}:${e.outcome}`);
    expect(types.filter((t) => t.startsWith('company.'))).toEqual(
      expect.arrayContaining([
        'company.registered:success',
        'company.agent_granted:success',
        'company.agent_revoked:success',
      ]),
    );
  });

  it('an IAL 1 person cannot register a company, and cannot be made an agent', async () => {
    const companies = new CompanyStore(doc, identityTable);
    const cdeps = { ...deps, companies };
    await expect(
      registerCompany(cdeps, await citizen('not.proved'), DEMO_COMPANIES[0]!.uscc, ctx),
    ).rejects.toThrow(/IAL 2/);
    const rep = await proveRemotely(
      deps,
      await citizen('chen.two'),
      { name: chen.name, residentId: chen.residentId, phone: chen.phone },
      ctx,
    );
    await registerCompany(cdeps, rep, DEMO_COMPANIES[0]!.uscc, ctx);
    await citizen('liu.two');
    await expect(
      grantAgent(
        { ...cdeps, accounts },
        rep,
        DEMO_COMPANIES[0]!.uscc,
        {
          residentId: liu.residentId,
          name: liu.name,
          scope: AgentScope.parse({ clients: ['x'] }),
          until: new Date(Date.now() + 1000_000),
        },
        ctx,
      ),
    ).rejects.toThrow(/prove their identity/);
  });
});
