import { randomUUID } from 'node:crypto';
import { DEMO_RESIDENTS } from '../../infra/local/registry-twin.ts';
import { DEMO_DRIVING_PERMIT_CLAIMS } from '../../infra/local/seed.ts';
import type { LocalStack } from '../../infra/local/stack.ts';

/** The answer of `POST /licences` that verifier tests read. */
export interface IssuedLicence {
  readonly licence_id: string;
  readonly credential: string;
  readonly status_list: { readonly uri: string; readonly idx: number };
}

/** The demo citizen's driving permit, issued through the extranet licence API with a machine token. */
export const issueDrivingPermit = async (stack: LocalStack, token: string): Promise<IssuedLicence> => {
  const res = await fetch(`${stack.urls.extranet}/licences`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'idempotency-key': randomUUID(),
    },
    body: JSON.stringify({
      type: 'driving-permit',
      // 张三, by his resident ID number: the number the demo permit's claims carry.
      holder: { residentId: DEMO_RESIDENTS.find((r) => r.loginName === 'zhang.san')!.residentId },
      claims: DEMO_DRIVING_PERMIT_CLAIMS,
    }),
  });
  if (res.status !== 201) throw new Error(`issuance answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as IssuedLicence;
};

/** The issuing department revokes a licence through the licence API. */
export const revokeLicence = async (stack: LocalStack, token: string, licenceId: string): Promise<void> => {
  const res = await fetch(`${stack.urls.extranet}/licences/${licenceId}/status`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ action: 'revoke', reason: 'points limit exceeded' }),
  });
  if (res.status !== 200) throw new Error(`revocation answered ${res.status}: ${await res.text()}`);
};
