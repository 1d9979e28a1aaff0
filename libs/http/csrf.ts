import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * CSRF tokens for server-rendered forms, framework-neutral: a page makes the token, the form
 * echoes it, and the check compares in constant time. Two kinds: a token bound to something the
 * server already knows (an interaction id) under the cookie keys, so nothing is stored; and a
 * random double-submit token for pages outside an interaction, kept in a SameSite cookie.
 */

/** The cookie that carries the double-submit token. */
export const CSRF_COOKIE = 'yitong_csrf';

/** Whether two tokens are the same, in constant time (a length mismatch answers at once). */
export const sameCsrfToken = (expected: string, submitted: unknown): boolean => {
  if (typeof submitted !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(submitted);
  return a.length === b.length && timingSafeEqual(a, b);
};

const boundToken = (key: string, binding: string): string =>
  createHmac('sha256', key).update(`csrf|${binding}`).digest('base64url');

/** The token bound to `binding` (an interaction id) under the newest cookie key. */
export const boundCsrfToken = (keys: readonly string[], binding: string): string =>
  boundToken(keys[0]!, binding);

/** Whether a submitted token is the one bound to `binding` under any current cookie key (keys rotate). */
export const boundCsrfTokenValid = (keys: readonly string[], binding: string, submitted: unknown): boolean =>
  typeof submitted === 'string' && keys.some((key) => sameCsrfToken(boundToken(key, binding), submitted));

/** A fresh double-submit token: 24 random bytes, base64url. */
export const newCsrfToken = (): string => randomBytes(24).toString('base64url');

/** Whether a cookie's value has the shape of a token this module made (else a new one is made). */
export const isCsrfTokenShaped = (value: string | undefined): value is string =>
  value !== undefined && /^[\w-]{22,64}$/.test(value);
