import type { KeyObject } from 'node:crypto';
import { calculateJwkThumbprint } from 'jose';
import type { PublicJwk } from './signer.ts';

/** The published form of a P-256 public key, with its RFC 7638 thumbprint as `kid`. */
export const publicJwkOf = async (key: KeyObject): Promise<PublicJwk> => {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.x || !jwk.y) {
    throw new Error(`expected a P-256 EC key, got ${jwk.kty}/${jwk.crv}`);
  }
  const kid = await calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, 'sha256');
  return { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, kid, alg: 'ES256', use: 'sig' };
};
