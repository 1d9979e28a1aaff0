import { describe, expect, it } from 'vitest';
import {
  boundCsrfToken,
  boundCsrfTokenValid,
  isCsrfTokenShaped,
  newCsrfToken,
  sameCsrfToken,
} from '../../libs/http/index.ts';

describe('CSRF tokens', () => {
  it('accepts the token bound to an interaction under any current cookie key, and no other', () => {
    const token = boundCsrfToken(['old-key'], 'uid-1');
    expect(boundCsrfTokenValid(['new-key', 'old-key'], 'uid-1', token)).toBe(true);
    expect(boundCsrfTokenValid(['new-key'], 'uid-1', token)).toBe(false);
    expect(boundCsrfTokenValid(['old-key'], 'uid-2', token)).toBe(false);
    expect(boundCsrfTokenValid(['old-key'], 'uid-1', undefined)).toBe(false);
  });

  it('binds with the newest key, as a base64url HMAC', () => {
    expect(boundCsrfToken(['new-key', 'old-key'], 'uid-1')).toBe(boundCsrfToken(['new-key'], 'uid-1'));
    expect(boundCsrfToken(['k'], 'u')).toMatch(/^[\w-]{43}$/);
  });

  it('makes random double-submit tokens of the shape it accepts from a cookie', () => {
    const a = newCsrfToken();
    expect(a).not.toBe(newCsrfToken());
    expect(isCsrfTokenShaped(a)).toBe(true);
    expect(isCsrfTokenShaped('short')).toBe(false);
    expect(isCsrfTokenShaped(undefined)).toBe(false);
  });

  it('compares a submitted token without throwing on another length or encoding', () => {
    const token = newCsrfToken();
    expect(sameCsrfToken(token, token)).toBe(true);
    expect(sameCsrfToken(token, token.slice(1))).toBe(false);
    expect(sameCsrfToken(token, `é${token.slice(1)}`)).toBe(false);
    expect(sameCsrfToken(token, 42)).toBe(false);
  });
});
