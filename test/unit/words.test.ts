import { describe, expect, it } from 'vitest';
import { fieldName, type MessageKey, t } from '../../libs/web/index.ts';
import { bilingual } from '../../libs/web/words.ts';
import { en } from '../../libs/web/words-en.ts';
import { zh } from '../../libs/web/words-zh.ts';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
const formsOf = (entry: string | Readonly<Record<string, string>>) =>
  typeof entry === 'string' ? [entry] : Object.values(entry);

describe('the catalogue of words', () => {
  it('has the same keys in English and Chinese', () => {
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort());
  });

  it('has no empty message in either language', () => {
    const empty = [
      ...Object.entries(en).filter(([, entry]) => formsOf(entry).some((form) => !form.trim())),
      ...Object.entries(zh).filter(([, text]) => !text.trim()),
    ].map(([key]) => key);
    expect(empty).toEqual([]);
  });

  it('fills the same placeholders in both languages', () => {
    const differ = Object.keys(en).filter((key) => {
      const english = new Set(formsOf(en[key as MessageKey]).flatMap(placeholders));
      const chinese = new Set(placeholders(zh[key as MessageKey]));
      return [...chinese].some((name) => !english.has(name));
    });
    expect(differ).toEqual([]);
  });

  it('has no plural forms in Chinese, which has none', () => {
    expect(Object.entries(zh).filter(([, text]) => typeof text !== 'string')).toEqual([]);
  });

  it('gives every English plural entry its "one" and "other" forms', () => {
    const plural = Object.entries(en).filter(([, entry]) => typeof entry !== 'string');
    expect(plural.length).toBeGreaterThan(0);
    for (const [, entry] of plural) expect(Object.keys(entry).sort()).toEqual(['one', 'other']);
  });
});

describe('plural rules', () => {
  it('says "1 hour" but "0 hours" and "2 hours" in English', () => {
    expect(t('en', 'hours', { count: 0 })).toBe('0 hours');
    expect(t('en', 'hours', { count: 1 })).toBe('1 hour');
    expect(t('en', 'hours', { count: 2 })).toBe('2 hours');
    expect(t('en', 'days', { count: 1 })).toBe('1 day');
    expect(t('en', 'days', { count: 7 })).toBe('7 days');
  });

  it('counts without plural forms in Chinese', () => {
    expect(t('zh-CN', 'hours', { count: 0 })).toBe('0 小时');
    expect(t('zh-CN', 'hours', { count: 1 })).toBe('1 小时');
    expect(t('zh-CN', 'hours', { count: 2 })).toBe('2 小时');
  });

  it('picks the plural form inside a sentence with other placeholders', () => {
    const vars = { tokenId: 'rt1', expiresAt: '2026-12-01', zones: 'public' };
    expect(t('en', 'admin_registrationTokenLead', { ...vars, count: 1 })).toContain('for 1 registration.');
    expect(t('en', 'admin_registrationTokenLead', { ...vars, count: 3 })).toContain('for 3 registrations.');
    expect(t('en', 'audit_links', { count: 1 })).toBe('1 seal');
    expect(t('en', 'audit_links', { count: 12 })).toBe('12 seals');
  });
});

describe('messages', () => {
  it('fills placeholders and leaves an unknown one empty', () => {
    expect(t('en', 'signInTo', { client: 'Tax' })).toBe('Sign in to continue to Tax.');
    expect(t('zh-CN', 'signInTo', { client: '税务' })).toBe('登录后继续使用税务。');
    expect(t('en', 'signInTo')).toBe('Sign in to continue to .');
  });

  it('writes a field name in lower case inside an English sentence only', () => {
    expect(fieldName('en', 'username')).toBe('login name');
    expect(fieldName('zh-CN', 'username')).toBe('登录名');
  });

  it('shows a label of a bilingual page in English, then Chinese', () => {
    expect(bilingual('admin_departments')).toBe('Departments 部门');
  });
});

describe("the functions' own words (kept out of the shared catalogue, issue #20)", async () => {
  const own = {
    account: await import('../../functions/account/words.ts'),
    'account-data': await import('../../functions/account/data-words.ts'),
    admin: await import('../../functions/admin/words.ts'),
    oidc: await import('../../functions/oidc/words.ts'),
  };

  it.each(Object.entries(own))(
    '%s: both languages, the same placeholders, none empty, none shadowing a shared word',
    (_, words) => {
      const english: Readonly<Record<string, string>> = words.WORDS.en;
      const chinese: Readonly<Record<string, string>> = words.WORDS['zh-CN'];
      expect(Object.keys(chinese).sort()).toEqual(Object.keys(english).sort());
      for (const [key, text] of Object.entries(english)) {
        expect(text.trim(), key).not.toBe('');
        expect((chinese[key] ?? '').trim(), key).not.toBe('');
        expect(placeholders(chinese[key] ?? ''), key).toEqual(placeholders(text));
        expect(Object.hasOwn(en, key), key).toBe(false);
      }
    },
  );

  it('fills their placeholders, and falls back to the shared catalogue for its words', () => {
    expect(own.oidc.sw('zh-CN', 'actForTitle')).toBe('您代表谁办事？');
    expect(own.oidc.sw('en', 'id_askLead', { client: 'Tax Bureau' })).toMatch(/^Tax Bureau needs/);
    expect(own.admin.cw('en', 'counter_title')).toBe(t('en', 'counter_title'));
    expect(own.admin.cw('zh-CN', 'counter_nav')).not.toMatch(/[A-Za-z]{3,}/);
    expect(own.account.aw('en', 'licenceCount', { count: 1 })).toBe('You hold 1 licence.');
    expect(own.account.aw('en', 'company_registerTitle')).not.toBe('company_registerTitle');
  });
});
