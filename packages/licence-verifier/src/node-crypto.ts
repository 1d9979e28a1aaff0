import { createPublicKey, hash, type KeyObject, verify } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import { isBase64url, type PublicJwk, type VerifierCrypto } from './crypto.ts';

/**
 * Public keys as node KeyObjects, by their JWK: a synchronous `crypto.verify` costs no trip to
 * the thread pool (WebCrypto's does), and a verifier checks many licences with few keys.
 */
const keyObjects = new Map<string, KeyObject>();
const keyObjectOf = (jwk: PublicJwk) => {
  const id = `${jwk.kid}|${jwk.x}|${jwk.y}`;
  let key = keyObjects.get(id);
  if (!key) {
    if (keyObjects.size > 256) keyObjects.clear();
    key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, format: 'jwk' });
    keyObjects.set(id, key);
  }
  return key;
};

const bytes = (segment: string): Buffer => {
  if (!isBase64url(segment)) throw new TypeError('not base64url');
  return Buffer.from(segment, 'base64url');
};

/** Node's crypto: synchronous signature checks on cached KeyObjects, one-shot hashes, zlib. */
export const nodeCrypto: VerifierCrypto = {
  base64urlText: (segment) => bytes(segment).toString('utf8'),
  base64urlBytes: (segment) => new Uint8Array(bytes(segment)),
  // One-shot: no Hash object per disclosure.
  sha256: (text) => hash('sha256', text, 'base64url'),
  verifyES256: (signingInput, signature, jwk) => {
    try {
      return verify(
        'sha256',
        Buffer.from(signingInput, 'ascii'),
        { key: keyObjectOf(jwk), dsaEncoding: 'ieee-p1363' },
        Buffer.from(signature, 'base64url'),
      );
    } catch {
      return false;
    }
  },
  inflate: (data) => new Uint8Array(inflateSync(data)),
};
