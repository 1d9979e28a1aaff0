import type { DemoResident } from '../../infra/local/registry-twin.ts';
import { proveHoldingPhone, type StackProofing } from '../../testkit/proving.ts';

export { proofingCodeSentTo, type StackProofing, stackProofing } from '../../testkit/proving.ts';

/** Proves an account as a demo resident (IAL 2), as `/account/identity` would: registry, then the SMS code. */
export const proveAs = async (deps: StackProofing, accountId: string, resident: DemoResident) => {
  const account = await deps.accounts.findById(accountId);
  if (!account) throw new Error(`no account ${accountId}`);
  return proveHoldingPhone(deps, account, {
    name: resident.name,
    residentId: resident.residentId,
    phone: resident.phone,
  });
};
