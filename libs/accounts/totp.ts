import { createHash, randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';

const PERIOD = 30;
export const TOTP_ISSUER = 'yitong';

const totp = (secret: string, label = 'account') =>
  new TOTP({
    issuer: TOTP_ISSUER,
    label,
    algorithm: 'SHA1',
    digits: 6,
    period: PERIOD,
    secret: Secret.fromBase32(secret),
  });

/** A new 160-bit TOTP secret, base32 as authenticator apps expect. */
export const newTotpSecret = (): string => new Secret({ size: 20 }).base32;

/** The otpauth:// URI an authenticator app scans. */
export const totpUri = (secret: string, label: string): string => totp(secret, label).toString();

/** The current code (tests and the local demo print it). */
export const totpCode = (secret: string, at: number = Date.now()): string =>
  totp(secret).generate({ timestamp: at });

/**
 * Checks a code allowing one step of clock drift either way; returns the time step it
 * belongs to (for replay protection), or undefined when it is wrong.
 */
export const totpStep = (secret: string, code: string, at: number = Date.now()): number | undefined => {
  if (!/^\d{6}$/.test(code)) return undefined;
  const delta = totp(secret).validate({ token: code, timestamp: at, window: 1 });
  return delta === null ? undefined : Math.floor(at / 1000 / PERIOD) + delta;
};

const RECOVERY_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** Ten single-use recovery codes like `K7QM-2XPA`; only their hashes are stored. */
export const newRecoveryCodes = (count = 10): string[] =>
  Array.from({ length: count }, () => {
    const bytes = randomBytes(8);
    const chars = [...bytes].map((b) => RECOVERY_ALPHABET[b % RECOVERY_ALPHABET.length]);
    return `${chars.slice(0, 4).join('')}-${chars.slice(4).join('')}`;
  });

export const recoveryCodeHash = (code: string): string =>
  createHash('sha256').update(code.trim().toUpperCase().replace(/\s+/g, '')).digest('hex');
