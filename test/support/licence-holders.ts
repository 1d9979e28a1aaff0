/** Licence holders in tests: resident ID numbers, the stack's holder references, and proving an identity. */
import { randomInt } from 'node:crypto';
import type { DemoResident } from '../../infra/local/registry-twin.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import type { Account } from '../../libs/accounts/index.ts';
import {
  type AgentScope,
  grantAgent,
  IdentityHasher,
  registerCompany,
  residentIdCheckChar,
} from '../../libs/identity/index.ts';
import { LocalSecretStore } from '../../libs/keys/index.ts';
import { proveHoldingPhone, stackProofing } from '../../testkit/proving.ts';

/** A valid resident ID number nobody else in the run has (random region and sequence). */
export const freshResidentId = (): string => {
  const first17 = `${randomInt(110_000, 660_000)}19800101${String(randomInt(1000)).padStart(3, '0')}`;
  return `${first17}${residentIdCheckChar(first17)}`;
};

/** The holder references of a running stack: its own identity hash key, from its data folder. */
export const stackHasher = (stack: LocalStack): IdentityHasher => {
  const secrets = new LocalSecretStore(stack.keysDir);
  return new IdentityHasher(() => secrets.versions('identity-hash-key'));
};

/** What proofing and companies need, over the stack's store, registry twin, hash key and outbox. */
const identityDeps = stackProofing;
const CTX = { zone: 'public', sourceIp: '127.0.0.1' } as const;

/** Registers a company of the registry twin for its (proved) legal representative. */
export const registerTestCompany = async (stack: LocalStack, repAccountId: string, uscc: string) => {
  const deps = identityDeps(stack);
  return registerCompany(deps, (await deps.accounts.findById(repAccountId))!, uscc, CTX);
};

/** The legal representative authorises a proved person as the company's agent, for a scope. */
export const grantTestAgent = async (
  stack: LocalStack,
  repAccountId: string,
  uscc: string,
  agent: Pick<DemoResident, 'name' | 'residentId'>,
  scope: AgentScope,
) => {
  const deps = identityDeps(stack);
  return grantAgent(
    deps,
    (await deps.accounts.findById(repAccountId))!,
    uscc,
    { residentId: agent.residentId, name: agent.name, scope, until: new Date(Date.now() + 86_400_000) },
    CTX,
  );
};

/**
 * Proves an account's identity remotely (IAL 2) against the stack's registry twin and store, as
 * the proofing page does: the person must be one of the twin's demo residents.
 */
export const proveIdentity = async (
  stack: LocalStack,
  accountId: string,
  resident: Pick<DemoResident, 'name' | 'residentId' | 'phone'>,
): Promise<Account> => {
  const deps = identityDeps(stack);
  const account = await deps.accounts.findById(accountId);
  if (!account) throw new Error(`no account ${accountId}`);
  return proveHoldingPhone(
    deps,
    account,
    { name: resident.name, residentId: resident.residentId, phone: resident.phone },
    CTX,
  );
};
