import { DEMO_COMPANIES, DEMO_RESIDENTS } from '../infra/local/registry-twin.ts';
import type { LocalStack } from '../infra/local/stack.ts';
import type { Account } from '../libs/accounts/index.ts';
import { grantAgent, registerCompany } from '../libs/identity/index.ts';
import { createPerson } from './oidc-flow.ts';
import { proveHoldingPhone, stackProofing } from './proving.ts';

const chen = DEMO_RESIDENTS.find((r) => r.loginName === 'chen.ming')!;
const liu = DEMO_RESIDENTS.find((r) => r.loginName === 'liu.fang')!;

/**
 * A registered company with an authorised agent, as people make them: two fresh citizens prove
 * who they are against the stack's registry twin (陈明, the demo company's legal representative,
 * and 刘芳); the representative registers 示例科技有限公司 and authorises the agent for `sites`.
 */
export const companyWithAgent = async (stack: LocalStack, sites: readonly string[]) => {
  const ctx = { zone: 'public' as const, sourceIp: '127.0.0.1' };
  const deps = stackProofing(stack);
  const { accounts } = deps;
  const rep = await createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: false });
  const agent = await createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: false });
  const prove = async (id: string, r: typeof chen): Promise<Account> =>
    proveHoldingPhone(
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
