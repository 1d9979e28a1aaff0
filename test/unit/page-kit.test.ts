import type { KoaContextWithOIDC } from 'oidc-provider';
import { describe, expect, it } from 'vitest';
import { switchHrefFor } from '../../functions/oidc/page-kit.ts';

const ctx = (method: string, url: string, pagePath?: string) =>
  ({ method, url, state: { pagePath } }) as unknown as KoaContextWithOIDC;

describe('the language switch', () => {
  it('points at the same page in the other language, relative to the base path', () => {
    expect(switchHrefFor(ctx('GET', '/interaction/abc?lang=en'), 'en')).toBe('interaction/abc?lang=zh-CN');
    expect(switchHrefFor(ctx('GET', '/session/end?id_token_hint=x'), 'zh-CN')).toBe(
      'session/end?id_token_hint=x&lang=en',
    );
  });

  it('sends a form result back to the page its route belongs to', () => {
    expect(switchHrefFor(ctx('POST', '/interaction/abc/login', '/interaction/abc'), 'zh-CN')).toBe(
      'interaction/abc?lang=en',
    );
    expect(switchHrefFor(ctx('POST', '/interaction/abc/new-password', '/interaction/abc'), 'en')).toBe(
      'interaction/abc?lang=zh-CN',
    );
    expect(switchHrefFor(ctx('POST', '/register?x=1', '/register'), 'en')).toBe('register?lang=zh-CN');
    expect(switchHrefFor(ctx('GET', '/interaction/abc/login', '/interaction/abc'), 'en')).toBe(
      'interaction/abc?lang=zh-CN',
    );
  });
});
