import type { KeyPurpose } from '../config/index.ts';

/** A public signing key as published in a JWKS. */
export interface PublicJwk {
  readonly kty: 'EC';
  readonly crv: 'P-256';
  readonly x: string;
  readonly y: string;
  readonly kid: string;
  readonly alg: 'ES256';
  readonly use: 'sig';
}

/**
 * The Signer port: every signature yitong makes (ID tokens, licences, status lists,
 * audit checkpoints) goes through one, so private keys can live in KMS on AWS.
 */
export interface Signer {
  readonly purpose: KeyPurpose;
  readonly alg: 'ES256';
  /** RFC 7638 thumbprint of the public key. */
  readonly kid: string;
  readonly publicJwk: PublicJwk;
  /** Signs `data` (SHA-256 inside) and returns the JOSE signature: raw r || s, 64 bytes. */
  sign(data: Uint8Array): Promise<Uint8Array>;
}

/** Where signers come from; also lists keys that are retired but still verify live artefacts. */
export interface Keyring {
  signer(purpose: KeyPurpose): Promise<Signer>;
  /** Public keys for a purpose: the current one first, then retired keys still needed. */
  publicKeys(purpose: KeyPurpose): Promise<readonly PublicJwk[]>;
}

/** A JWKS with every key still needed to verify something alive, for the given purposes. */
export const jwks = async (
  keyring: Keyring,
  purposes: readonly KeyPurpose[],
): Promise<{ keys: PublicJwk[] }> => {
  const sets = await Promise.all(purposes.map((purpose) => keyring.publicKeys(purpose)));
  const seen = new Set<string>();
  const keys: PublicJwk[] = [];
  for (const key of sets.flat()) {
    if (!seen.has(key.kid)) {
      seen.add(key.kid);
      keys.push(key);
    }
  }
  return { keys };
};
