import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Client secrets are stored only as SHA-256 hashes. yitong makes every secret itself (256
 * random bits: the admin API, dynamic registration, the portals, the demo clients), so a hash
 * cannot be reversed by guessing and needs no salt or pepper; a person never picks one.
 */
const PREFIX = 'sha256:';

/** The stored form of a client secret. */
export const hashClientSecret = (secret: string): string =>
  `${PREFIX}${createHash('sha256').update(secret, 'utf8').digest('base64url')}`;

/** True when a stored `client_secret` is already a hash (not a secret in clear from an older store). */
export const isHashedClientSecret = (stored: unknown): stored is string =>
  typeof stored === 'string' && /^sha256:[A-Za-z0-9_-]{43}$/.test(stored);

/**
 * Whether a presented secret is the client's, in constant time. A secret stored in clear by an
 * older version still matches (the adapter hashes it the next time the client is read).
 */
export const clientSecretMatches = (stored: unknown, presented: unknown): boolean => {
  if (typeof stored !== 'string' || typeof presented !== 'string' || !presented) return false;
  const expected = Buffer.from(stored);
  const actual = Buffer.from(isHashedClientSecret(stored) ? hashClientSecret(presented) : presented);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
};

/** Client metadata as it may be stored: any secret in clear replaced by its hash. */
export const withHashedSecret = <T extends Record<string, unknown>>(metadata: T): T =>
  typeof metadata.client_secret === 'string' && !isHashedClientSecret(metadata.client_secret)
    ? { ...metadata, client_secret: hashClientSecret(metadata.client_secret) }
    : metadata;
