import type { LocalStack } from '../infra/local/stack.ts';
import { type Account, AccountStore, type OutboxNotifier } from '../libs/accounts/index.ts';
import { DynamoAuditLog } from '../libs/audit/index.ts';
import {
  CompanyStore,
  HttpIdentitySource,
  IdentityClaims,
  IdentityHasher,
  loadPhoneProofing,
  ProofingAttempts,
  type ProofingContext,
  type ProofingDeps,
  type RemoteProofingInput,
} from '../libs/identity/index.ts';
import { LocalSecretStore } from '../libs/keys/index.ts';
import { createDynamoClient } from '../libs/store/index.ts';

/** Remote proofing with possession of the phone (a chunk the pages load on first use). */
export const phoneProofing = await loadPhoneProofing();
const { confirmRemoteProofing, PROOFING_SMS_PER_PHONE, ProofingCodes, startRemoteProofing } = phoneProofing;

/** Proofing (and company) dependencies over a local stack, whose SMS land in the stack's one outbox. */
export interface StackProofing extends ProofingDeps {
  readonly companies: CompanyStore;
  readonly outbox: OutboxNotifier;
}

/** Remote proofing against a local stack's registry twin, its store, its ID-number hash key and its outbox. */
export const stackProofing = (stack: LocalStack): StackProofing => {
  const doc = createDynamoClient({ endpoint: stack.dynamodbEndpoint });
  const secrets = new LocalSecretStore(stack.keysDir);
  const table = stack.tables.identity;
  return {
    accounts: new AccountStore(doc, table),
    claims: new IdentityClaims(doc, table),
    attempts: new ProofingAttempts(doc, table),
    codes: new ProofingCodes(doc, table),
    smsBudget: new ProofingAttempts(doc, table, undefined, PROOFING_SMS_PER_PHONE),
    companies: new CompanyStore(doc, table),
    hasher: new IdentityHasher(() => secrets.versions('identity-hash-key')),
    source: new HttpIdentitySource({ baseUrl: stack.registry.url, timeoutMs: 2000 }),
    audit: new DynamoAuditLog(doc, stack.tables.audit),
    // Handed straight to the outbox (not in the background): the code is there when start returns.
    mail: {
      enqueue: async (message) => {
        if (message) await stack.outbox.send(message);
      },
    },
    outbox: stack.outbox,
  };
};

/** The newest proofing code the outbox holds for an account (an SMS), as the person reads it. */
export const proofingCodeSentTo = (outbox: OutboxNotifier, accountId: string): string => {
  const sms = outbox.messages.findLast(
    (m) => m.kind === 'contact-code' && m.purpose === 'proofing' && m.to.accountId === accountId,
  );
  if (!sms || !('code' in sms)) throw new Error(`no proofing code was sent for account ${accountId}`);
  return sms.code;
};

/**
 * Proves an account remotely (IAL 2) as a person holding the phone does: the registry check,
 * then the code read from the SMS in the stack's outbox.
 */
export const proveHoldingPhone = async (
  deps: ProofingDeps & { readonly outbox: OutboxNotifier },
  account: Account,
  input: RemoteProofingInput,
  ctx: ProofingContext = { zone: 'public', sourceIp: '127.0.0.1' },
): Promise<Account> => {
  const { proofingId } = await startRemoteProofing(deps, account, input, ctx, 'zh-CN');
  return confirmRemoteProofing(
    deps,
    account,
    { proofingId, code: proofingCodeSentTo(deps.outbox, account.id) },
    ctx,
  );
};
