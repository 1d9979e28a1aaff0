import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import * as z from 'zod';
import { ARGON2_PARAMETERS, deriveArgon2id, PasswordHash } from './password.ts';

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

/** Ten single-use recovery codes like `K7QM-2XPA-9RTE`: 12 of 32 characters, 60 bits each. */
export const newRecoveryCodes = (count = 10): string[] =>
  Array.from({ length: count }, () => {
    // 256 is a multiple of 32: every character is equally likely.
    const chars = [...randomBytes(12)].map((b) => RECOVERY_ALPHABET[b % RECOVERY_ALPHABET.length]);
    return `${chars.slice(0, 4).join('')}-${chars.slice(4, 8).join('')}-${chars.slice(8).join('')}`;
  });

const normaliseRecoveryCode = (code: string) =>
  code
    .trim()
    .toUpperCase()
    .replace(/[\s-]+/g, '');

/**
 * The stored form of an account's unused recovery codes: argon2id (the password parameters)
 * with one random salt per set, so a guess costs one slow hash checked against every code, and
 * nothing computed for one account helps with another.
 */
export const RecoveryCodes = PasswordHash.omit({ hash: true }).extend({ hashes: z.array(z.string()) });
export type RecoveryCodes = z.infer<typeof RecoveryCodes>;

const recoveryTag = async (code: string, p: Omit<RecoveryCodes, 'hashes'>) =>
  Buffer.from(
    await deriveArgon2id(normaliseRecoveryCode(code), Buffer.from(p.salt, 'base64url'), p, 32),
  ).toString('base64url');

/** Hashes a new set of recovery codes under one fresh salt. */
export const hashRecoveryCodes = async (codes: readonly string[]): Promise<RecoveryCodes> => {
  const params = {
    alg: 'argon2id' as const,
    memory: ARGON2_PARAMETERS.memory,
    passes: ARGON2_PARAMETERS.passes,
    parallelism: ARGON2_PARAMETERS.parallelism,
    salt: randomBytes(16).toString('base64url'),
  };
  return { ...params, hashes: await Promise.all(codes.map((code) => recoveryTag(code, params))) };
};

/** The stored hash a presented code matches (compared in constant time), if any. */
export const matchingRecoveryHash = async (
  stored: RecoveryCodes,
  code: string,
): Promise<string | undefined> => {
  if (!stored.hashes.length) return undefined;
  const tag = Buffer.from(await recoveryTag(code, stored));
  let found: string | undefined;
  for (const hash of stored.hashes) {
    const expected = Buffer.from(hash);
    if (expected.length === tag.length && timingSafeEqual(expected, tag)) found = hash;
  }
  return found;
};

/** Unsalted SHA-256, as older versions stored codes: still accepted for codes people already hold. */
export const legacyRecoveryCodeHash = (code: string): string =>
  createHash('sha256').update(code.trim().toUpperCase().replace(/\s+/g, '')).digest('hex');
