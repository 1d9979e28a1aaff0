/** Licence holders in tests: resident ID numbers, the stack's holder references, and proving an identity. */
import { randomInt } from 'node:crypto';
import type { DemoResident } from '../../infra/local/registry-twin.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import { type Account, AccountStore } from '../../libs/accounts/index.ts';
import { DynamoAuditLog } from '../../libs/audit/index.ts';
import {
  HttpIdentitySource,
  IdentityClaims,
  IdentityHasher,
  ProofingAttempts,
  proveRemotely,
  residentIdCheckChar,
} from '../../libs/identity/index.ts';
import { LocalSecretStore } from '../../libs/keys/index.ts';
import { createDynamoClient } from '../../libs/store/index.ts';

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

/**
 * Proves an account's identity remotely (IAL 2) against the stack's registry twin and store, as
 * the proofing page does: the person must be one of the twin's demo residents.
 */
export const proveIdentity = async (
  stack: LocalStack,
  accountId: string,
  resident: Pick<DemoResident, 'name' | 'residentId' | 'phone'>,
): Promise<Account> => {
  const doc = createDynamoClient({ endpoint: stack.dynamodbEndpoint });
  const accounts = new AccountStore(doc, stack.tables.identity);
  const account = await accounts.findById(accountId);
  if (!account) throw new Error(`no account ${accountId}`);
  return proveRemotely(
    {
      accounts,
      claims: new IdentityClaims(doc, stack.tables.identity),
      attempts: new ProofingAttempts(doc, stack.tables.identity),
      hasher: stackHasher(stack),
      source: new HttpIdentitySource({ baseUrl: stack.registry.url, timeoutMs: 2000 }),
      audit: new DynamoAuditLog(doc, stack.tables.audit),
    },
    account,
    { name: resident.name, residentId: resident.residentId, phone: resident.phone },
    { zone: 'public', sourceIp: '127.0.0.1' },
  );
};
