import type { DemoResident } from '../../infra/local/registry-twin.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import { AccountStore } from '../../libs/accounts/index.ts';
import { DynamoAuditLog } from '../../libs/audit/index.ts';
import {
  HttpIdentitySource,
  IdentityClaims,
  IdentityHasher,
  ProofingAttempts,
  type ProofingDeps,
  proveRemotely,
} from '../../libs/identity/index.ts';
import { LocalSecretStore } from '../../libs/keys/index.ts';
import { createDynamoClient } from '../../libs/store/index.ts';

/** Remote proofing against a local stack's registry twin, its store and its ID-number hash key. */
export const stackProofing = (stack: LocalStack): ProofingDeps => {
  const doc = createDynamoClient({ endpoint: stack.dynamodbEndpoint });
  const secrets = new LocalSecretStore(stack.keysDir);
  return {
    accounts: new AccountStore(doc, stack.tables.identity),
    claims: new IdentityClaims(doc, stack.tables.identity),
    attempts: new ProofingAttempts(doc, stack.tables.identity),
    hasher: new IdentityHasher(() => secrets.versions('identity-hash-key')),
    source: new HttpIdentitySource({ baseUrl: stack.registry.url, timeoutMs: 2000 }),
    audit: new DynamoAuditLog(doc, stack.tables.audit),
  };
};

/** Proves an account as a demo resident (IAL 2), as `/account/identity` would. */
export const proveAs = async (deps: ProofingDeps, accountId: string, resident: DemoResident) => {
  const account = await deps.accounts.findById(accountId);
  if (!account) throw new Error(`no account ${accountId}`);
  return proveRemotely(
    deps,
    account,
    { name: resident.name, residentId: resident.residentId, phone: resident.phone },
    { zone: 'public' },
  );
};
