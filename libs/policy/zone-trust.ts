import { createLocalJWKSet } from 'jose';
import { jwks } from '../keys/index.ts';
import type { Runtime } from '../runtime/index.ts';
import { DynamoDpopProofLog } from './dpop-proofs.ts';
import type { ApiAccessOptions } from './require-access.ts';

/**
 * What an API of a zone trusts, read once at cold start: the zone's own issuer and the public
 * halves of the zone's own token key (the runtime's keyring holds no other zone's), and the
 * zone's record of DPoP proofs in the identity table. yitong's APIs and the authorizer use it.
 */
export const zoneTokenTrust = async (
  runtime: Runtime,
): Promise<Pick<ApiAccessOptions, 'issuer' | 'keys' | 'dpopProofs'>> => ({
  issuer: runtime.config.issuer,
  keys: createLocalJWKSet(await jwks(runtime.keyring, ['id-token'])),
  dpopProofs: new DynamoDpopProofLog(runtime.doc, runtime.config.tables.identity),
});
