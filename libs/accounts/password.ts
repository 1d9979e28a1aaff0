import { argon2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import * as z from 'zod';

const argon2Async = promisify(argon2);

/** OWASP's argon2id baseline: 19 MiB, 2 passes, parallelism 1. Stored with each hash so it can be raised later. */
export const ARGON2_PARAMETERS = { memory: 19_456, passes: 2, parallelism: 1, tagLength: 32 } as const;

export const PasswordHash = z.object({
  alg: z.literal('argon2id'),
  memory: z.number().int().positive(),
  passes: z.number().int().positive(),
  parallelism: z.number().int().positive(),
  salt: z.string(),
  hash: z.string(),
});
export type PasswordHash = z.infer<typeof PasswordHash>;

/** argon2id of a secret (NFKC-normalised) with the given salt and parameters. */
export const deriveArgon2id = (
  password: string,
  salt: Buffer,
  p: Pick<PasswordHash, 'memory' | 'passes' | 'parallelism'>,
  length: number,
) =>
  argon2Async('argon2id', {
    message: Buffer.from(password.normalize('NFKC'), 'utf8'),
    nonce: salt,
    memory: p.memory,
    passes: p.passes,
    parallelism: p.parallelism,
    tagLength: length,
  });

/** Hashes a password with argon2id (Node's own, no native add-on) and a fresh 16-byte salt. */
export const hashPassword = async (password: string): Promise<PasswordHash> => {
  const salt = randomBytes(16);
  const hash = await deriveArgon2id(password, salt, ARGON2_PARAMETERS, ARGON2_PARAMETERS.tagLength);
  return {
    alg: 'argon2id',
    memory: ARGON2_PARAMETERS.memory,
    passes: ARGON2_PARAMETERS.passes,
    parallelism: ARGON2_PARAMETERS.parallelism,
    salt: salt.toString('base64url'),
    hash: Buffer.from(hash).toString('base64url'),
  };
};

/** Checks a password against a stored hash, in constant time, with the parameters it was made with. */
export const verifyPassword = async (password: string, stored: PasswordHash): Promise<boolean> => {
  const expected = Buffer.from(stored.hash, 'base64url');
  const actual = await deriveArgon2id(
    password,
    Buffer.from(stored.salt, 'base64url'),
    stored,
    expected.length,
  );
  return timingSafeEqual(expected, Buffer.from(actual));
};

/** True when a hash was made with weaker parameters than today's: rehash on the next good login. */
export const needsRehash = (stored: PasswordHash): boolean =>
  stored.memory < ARGON2_PARAMETERS.memory || stored.passes < ARGON2_PARAMETERS.passes;

/**
 * A hash of nothing in particular, verified against when a login name is unknown so that
 * the answer takes as long as for a known one and reveals nothing.
 */
let decoy: Promise<PasswordHash> | undefined;
export const decoyHash = (): Promise<PasswordHash> => {
  decoy ??= hashPassword(randomBytes(16).toString('hex'));
  return decoy;
};
