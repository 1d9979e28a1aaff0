import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createLocalJWKSet } from 'jose';
import type { AppConfig } from '../config/index.ts';
import { jwks, type Keyring } from '../keys/index.ts';
import { DynamoDpopProofLog } from './dpop-proofs.ts';
import type { ApiAccessOptions } from './require-access.ts';

/**
 * What an API of a zone trusts, read once at cold start: the zone's own issuer and the public
 * halves of the zone's own token key (the runtime's keyring holds no other zone's), and the
 * zone's record of DPoP proofs in the identity table. yitong's APIs and the authorizer use it.
 */
export const zoneTokenTrust = async (zone: {
  readonly config: AppConfig;
  readonly keyring: Keyring;
  readonly doc: DynamoDBDocumentClient;
}): Promise<Pick<ApiAccessOptions, 'issuer' | 'keys' | 'dpopProofs'>> => ({
  issuer: zone.config.issuer,
  keys: createLocalJWKSet(await jwks(zone.keyring, ['id-token'])),
  dpopProofs: new DynamoDpopProofLog(zone.doc, zone.config.tables.identity),
});
