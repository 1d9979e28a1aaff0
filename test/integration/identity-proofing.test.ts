import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DEMO_COMPANIES,
  DEMO_RESIDENTS,
  type RegistryTwin,
  startRegistryTwin,
} from '../../infra/local/registry-twin.ts';
import { type Account, AccountStore } from '../../libs/accounts/index.ts';
import { DynamoAuditLog } from '../../libs/audit/index.ts';
import {
  AgentScope,
  CompanyStore,
  coversClient,
  grantAgent,
  HttpIdentitySource,
  IdentityClaims,
  IdentityHasher,
  IdentityLinkedElsewhereError,
  ProofingAttempts,
  type ProofingDeps,
  ProofingPausedError,
  ProofingRefusedError,
  proveAtCounter,
  proveRemotely,
  RegistryUnavailableError,
  registerCompany,
  revokeAgent,
} from '../../libs/identity/index.ts';
import { LocalSecretStore } from '../../libs/keys/index.ts';
import { freshTables } from '../support/tables.ts';

const zhang = DEMO_RESIDENTS.find((r) => r.loginName === 'zhang.san')!;
const slow = DEMO_RESIDENTS.find((r) => r.behaviour === 'timeout')!;
const ctx = { zone: 'public' as const, sourceIp: '127.0.0.1' };

let twin: RegistryTwin;
let doc: DynamoDBDocumentClient;
let deps: ProofingDeps;
let accounts: AccountStore;
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
  deps = {
    accounts,
    claims: new IdentityClaims(doc, fresh.tables.identity),
    attempts: new ProofingAttempts(doc, fresh.tables.identity),
    hasher: new IdentityHasher(() => secrets.versions('identity-hash-key')),
    source: new HttpIdentitySource({ baseUrl: twin.url, timeoutMs: 300 }),
    audit: new DynamoAuditLog(doc, auditTable),
  };
});

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
  return Items.filter((i) => String(i.pk).startsWith('event#')).map((i) => ({
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
    const events = await auditTypes();
    expect(events).toEqual([
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
