import { DEMO_COMPANIES, DEMO_RESIDENTS } from '../infra/local/registry-twin.ts';
import type { LocalStack } from '../infra/local/stack.ts';
import { type Account, AccountStore } from '../libs/accounts/index.ts';
import { DynamoAuditLog } from '../libs/audit/index.ts';
import {
  CompanyStore,
  grantAgent,
  HttpIdentitySource,
  IdentityClaims,
  IdentityHasher,
  ProofingAttempts,
  proveRemotely,
  registerCompany,
} from '../libs/identity/index.ts';
import { LocalSecretStore } from '../libs/keys/index.ts';
import { createDynamoClient } from '../libs/store/index.ts';
import { createPerson } from './oidc-flow.ts';

const chen = DEMO_RESIDENTS.find((r) => r.loginName === 'chen.ming')!;
const liu = DEMO_RESIDENTS.find((r) => r.loginName === 'liu.fang')!;

/**
 * A registered company with an authorised agent, as people make them: two fresh citizens prove
 * who they are against the stack's registry twin (陈明, the demo company's legal representative,
 * and 刘芳); the representative registers 示例科技有限公司 and authorises the agent for `sites`.
 */
export const companyWithAgent = async (stack: LocalStack, sites: readonly string[]) => {
  const ctx = { zone: 'public' as const, sourceIp: '127.0.0.1' };
  const doc = createDynamoClient({ endpoint: stack.dynamodbEndpoint });
  const accounts = new AccountStore(doc, stack.tables.identity);
  const secrets = new LocalSecretStore(stack.keysDir);
  const deps = {
    accounts,
    claims: new IdentityClaims(doc, stack.tables.identity),
    attempts: new ProofingAttempts(doc, stack.tables.identity),
    hasher: new IdentityHasher(() => secrets.versions('identity-hash-key')),
    source: new HttpIdentitySource({ baseUrl: stack.registry.url, timeoutMs: 2000 }),
    audit: new DynamoAuditLog(doc, stack.tables.audit),
    companies: new CompanyStore(doc, stack.tables.identity),
  };
  const rep = await createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: false });
  const agent = await createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: false });
  const prove = async (id: string, r: typeof chen): Promise<Account> =>
    proveRemotely(
      deps,
      (await accounts.findById(id))!,
      { name: r.name, residentId: r.residentId, phone: r.phone },
      ctx,
    );
  const repAccount = await prove(rep.accountId, chen);
  await prove(agent.accountId, liu);
  const company = DEMO_COMPANIES[0]!;
  await registerCompany(deps, repAccount, company.uscc, ctx);
  await grantAgent(
    deps,
    repAccount,
    company.uscc,
    {
      residentId: liu.residentId,
      name: liu.name,
      scope: { clients: [...sites], licenceTypes: [] },
      until: new Date(Date.now() + 30 * 86_400_000),
    },
    ctx,
  );
  return { rep, agent, company };
};
