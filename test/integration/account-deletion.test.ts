import { DeleteCommand, type DynamoDBDocumentClient, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { AccountClosings, removeAccount } from '../../libs/accounts/closing.ts';
import { type Account, AccountStore } from '../../libs/accounts/index.ts';
import { DynamoAuditLog } from '../../libs/audit/index.ts';
import { sweepClosedAccounts } from '../../libs/identity/closing.ts';
import {
  type AccountDeletionDeps,
  ActingStore,
  CompanyStore,
  endRepresentationSessions,
  IdentityClaims,
} from '../../libs/identity/index.ts';
import { DynamoOidcAdapter } from '../../libs/oidc/adapter.ts';
import { AccountSessions, type ClientSession, OidcRegistry } from '../../libs/oidc/index.ts';
import { queryAll } from '../../libs/store/index.ts';
import { auditEventsIn } from '../support/audit.ts';
import { freshTables } from '../support/tables.ts';

let doc: DynamoDBDocumentClient;
let table: string;
let auditTable: string;
let accounts: AccountStore;
let closings: AccountClosings;
let claims: IdentityClaims;
let companies: CompanyStore;
let acting: ActingStore;
let registry: OidcRegistry;
let notified: Array<{ accountId: string; stillThere: boolean }>;
let endedForAgents: ClientSession[];
let failConsentsOnce: boolean;

const USCC = '91110000MA01ABCD1X';
const refOf = (n: number) => `person#${String(n).padStart(43, 'A')}`;

const deps = (): AccountDeletionDeps => ({
  doc,
  table,
  accounts,
  closings,
  removeAccount: (account) => removeAccount(doc, table, account),
  companies,
  acting,
  sessions: new AccountSessions({ doc, table, queues: {} }),
  endAgentSessions: (agentAccountId, uscc, ctx) =>
    endRepresentationSessions(
      {
        acting,
        endSessions: async (sessions) => {
          endedForAgents.push(...sessions);
          return { ended: sessions.length, notified: 0, unnotified: [] };
        },
        audit: new DynamoAuditLog(doc, auditTable),
      },
      agentAccountId,
      uscc,
      ctx,
    ),
  forgetConsents: async (accountId) => {
    if (failConsentsOnce) {
      failConsentsOnce = false;
      throw new Error('the store stopped answering');
    }
    const pk = registry.consentItemKey(accountId, '').pk;
    for (const item of await queryAll(doc, {
      TableName: table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
    }))
      await doc.send(
        new DeleteCommand({
          TableName: table,
          Key: { pk: item.pk, sk: item.sk },
        }),
      );
  },
  notify: async (account) => {
    notified.push({ accountId: account.id, stillThere: (await accounts.findById(account.id)) !== undefined });
  },
  audit: new DynamoAuditLog(doc, auditTable),
  zone: 'public',
});

/** A proved person with an address, a passkey, a consent and a live grant at a site. */
const person = async (n: number): Promise<Account> => {
  let account = await accounts.create({
    kind: 'citizen',
    loginName: `person.${n}.${Date.now()}`,
    displayName: `Person ${n}`,
    password: 'a long enough password',
    roles: ['citizen'],
    email: `person${n}@example.gov.cn`,
  });
  account = await accounts.addPasskey(account, {
    credentialId: `cred-${account.id}`,
    publicKey: 'pk',
    counter: 0,
    transports: [],
  });
  account = await accounts.update(account, {
    identity: {
      ial: 2,
      personRef: refOf(n),
      residentIdMasked: '1101**********0011',
      name: `姓名${n}`,
      birthDate: '1990-01-01',
      verifiedAt: new Date().toISOString(),
      method: 'registry',
      evidence: ['registry-record'],
    },
  });
  account = await accounts.update(account, {
    phone: `+861380013${String(8000 + n).padStart(4, '0')}`,
    phoneVerifiedAt: new Date().toISOString(),
  });
  expect(await claims.claim(refOf(n), account.id, new Date().toISOString())).toBe(true);
  await registry.rememberConsent(account.id, 'site-a', ['openid']);
  await new DynamoOidcAdapter('Grant', { doc, tableName: table }).upsert(
    `grant-${account.id}`,
    { jti: `grant-${account.id}`, accountId: account.id, clientId: 'site-a', kind: 'Grant', iat: 1 },
    600,
  );
  return account;
};

/** A company registered by `rep` (person n), with `agent` (person m) authorised for site-a and acting for it in `grantId`. */
const companyOf = async (rep: Account, agent: Account, n: number, m: number, grantId: string) => {
  await companies.register({
    uscc: USCC,
    name: '示例科技有限公司',
    status: 'active',
    legalRepresentative: { accountId: rep.id, personRef: refOf(n), name: `姓名${n}` },
    registeredAt: new Date().toISOString(),
  });
  await companies.grant({
    uscc: USCC,
    accountId: agent.id,
    personRef: refOf(m),
    name: `姓名${m}`,
    scope: { clients: ['site-a'], licenceTypes: [] },
    until: new Date(Date.now() + 86_400_000).toISOString(),
    grantedBy: rep.id,
    grantedAt: new Date().toISOString(),
  });
  await acting.choose({
    grantId,
    accountId: agent.id,
    clientId: 'site-a',
    zone: 'public',
    uscc: USCC,
    role: 'agent',
    chosenAt: new Date().toISOString(),
  });
};

/** Closes the account with a cooling-off already over. */
const closeNow = async (account: Account) =>
  closings.request((await accounts.findById(account.id))!, 0, 'en', new Date(Date.now() - 1000));

const deletedEvents = async (accountId: string) =>
  (await auditEventsIn(doc, auditTable)).filter(
    (e) => e.type === 'account.deleted' && e.subject === accountId,
  );

beforeEach(async () => {
  const fresh = await freshTables();
  doc = fresh.doc;
  table = fresh.tables.identity;
  auditTable = fresh.tables.audit;
  accounts = new AccountStore(doc, table);
  closings = new AccountClosings(doc, table, accounts);
  claims = new IdentityClaims(doc, table);
  companies = new CompanyStore(doc, table);
  acting = new ActingStore(doc, table);
  registry = new OidcRegistry(doc, table);
  notified = [];
  endedForAgents = [];
  failConsentsOnce = false;
});

describe('deleting a closed account', () => {
  it('removes everything of the person, tells them first, and audits it once without personal data', async () => {
    const rep = await person(1);
    const agent = await person(2);
    await companyOf(rep, agent, 1, 2, `grant-${agent.id}`);
    await closeNow(agent);

    expect(await sweepClosedAccounts(deps())).toBe(1);
    expect(notified).toEqual([{ accountId: agent.id, stillThere: true }]);
    expect(await accounts.findById(agent.id)).toBeUndefined();
    expect(await accounts.findByLoginName(agent.loginName)).toBeUndefined();
    expect(await accounts.findByEmail('person2@example.gov.cn')).toEqual([]);
    expect(await accounts.findByPhone('+8613800138002')).toEqual([]);
    const left = await doc.send(new ScanCommand({ TableName: table }));
    expect((left.Items ?? []).filter((i) => JSON.stringify(i).includes('+8613800138002'))).toEqual([]);
    expect(await accounts.findPasskey(`cred-${agent.id}`)).toBeUndefined();
    expect(await registry.consentedScopes(agent.id, 'site-a')).toEqual([]);
    expect(await new AccountSessions({ doc, table, queues: {} }).grants(agent.id)).toEqual([]);
    expect(await acting.choiceOf(`grant-${agent.id}`)).toBeUndefined();
    expect(await claims.accountOf(refOf(2))).toBeUndefined();
    // An agent's closing ends their authorisation only: the company and its representative stay.
    expect(await companies.representations(agent.id)).toEqual([]);
    expect((await companies.grantsOf(USCC)).map((g) => g.accountId)).toEqual([]);
    expect(await companies.representation(rep.id, USCC)).toMatchObject({ role: 'legal-representative' });
    expect(await accounts.findById(rep.id)).toBeDefined();
    expect(await registry.consentedScopes(rep.id, 'site-a')).toEqual(['openid']);

    const [event, ...more] = await deletedEvents(agent.id);
    expect(more).toEqual([]);
    const text = JSON.stringify(event);
    for (const personal of [agent.loginName, 'person2@example.gov.cn', 'Person 2', '姓名2', refOf(2)])
      expect(text).not.toContain(personal);
    expect(await closings.due()).toEqual([]);
  });

  it('ends a legal representative’s company registration with every agent’s authorisation and sign-ins', async () => {
    const rep = await person(3);
    const agent = await person(4);
    await companyOf(rep, agent, 3, 4, 'agent-grant');
    await closeNow(rep);

    expect(await sweepClosedAccounts(deps())).toBe(1);
    expect(await companies.get(USCC)).toBeUndefined();
    expect(await companies.grantsOf(USCC)).toEqual([]);
    expect(await companies.representations(agent.id)).toEqual([]);
    expect(endedForAgents.map((s) => s.grantId)).toEqual(['agent-grant']);
    expect(await acting.actingFor(agent.id, USCC)).toEqual([]);
    // The agent keeps their own account; the company may be registered again.
    expect(await accounts.findById(agent.id)).toBeDefined();
    const trail = await auditEventsIn(doc, auditTable);
    expect(trail.filter((e) => e.type === 'company.registration_ended')).toHaveLength(1);
    expect(trail.filter((e) => e.type === 'company.sessions_ended' && e.subject === agent.id)).toHaveLength(
      1,
    );
  });

  it('finishes on the next sweep after stopping halfway, and still audits once', async () => {
    const account = await person(5);
    await closeNow(account);
    failConsentsOnce = true;
    await expect(sweepClosedAccounts(deps())).rejects.toThrow('stopped answering');
    expect(await accounts.findById(account.id)).toBeDefined();
    expect(await sweepClosedAccounts(deps())).toBe(1);
    expect(await accounts.findById(account.id)).toBeUndefined();
    // A due item left behind (a crash before its removal) deletes nothing twice.
    await doc.send(
      new PutCommand({
        TableName: table,
        Item: { pk: 'account-closing', sk: `000000000001#${account.id}`, accountId: account.id },
      }),
    );
    expect(await sweepClosedAccounts(deps())).toBe(1);
    expect(await deletedEvents(account.id)).toHaveLength(1);
    expect(await closings.due()).toEqual([]);
  });

  it('keeps an account whose closing was cancelled, or whose cooling-off has not ended', async () => {
    const cancelled = await person(6);
    const waiting = await person(7);
    const closing = await closeNow(cancelled);
    await closings.cancel(closing);
    await closings.request((await accounts.findById(waiting.id))!, 3600, 'zh-CN');
    // A cancel that stopped before removing its due item: the sweep drops the stale item.
    const again = await closeNow(cancelled);
    await accounts.update(again, { closing: undefined });

    expect(await sweepClosedAccounts(deps())).toBe(0);
    expect(await accounts.findById(cancelled.id)).toBeDefined();
    expect(await accounts.findById(waiting.id)).toBeDefined();
    expect(await closings.due()).toEqual([]);
    expect(await closings.due(new Date(Date.now() + 7200_000))).toEqual([
      { accountId: waiting.id, closesAt: expect.any(Number) },
    ]);
    expect(notified).toEqual([]);
  });
});
