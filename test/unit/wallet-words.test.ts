import { describe, expect, it } from 'vitest';
import type { LicenceType } from '../../libs/licences/index.ts';
import { claimLabel, claimValue, formatDate, formatTime, t } from '../../libs/web/index.ts';

/** 2026-11-30 15:48:08 in Beijing (07:48:08 UTC). */
const AT = Date.parse('2026-11-30T07:48:08Z') / 1000;

const permit = {
  claims: [
    { name: 'family_name', label: { en: 'Family name', 'zh-CN': '姓' }, type: 'string', disclosable: true },
    {
      name: 'birth_date',
      label: { en: 'Date of birth', 'zh-CN': '出生日期' },
      type: 'date',
      disclosable: true,
    },
    {
      name: 'organ_donor',
      label: { en: 'Organ donor', 'zh-CN': '器官捐献者' },
      type: 'boolean',
      disclosable: true,
    },
  ],
} as unknown as LicenceType;

describe('dates on the pages', () => {
  it('writes a date one way per language', () => {
    expect(formatDate('en', AT)).toBe('30 November 2026');
    expect(formatDate('zh-CN', AT)).toBe('2026年11月30日');
    expect(formatDate('en', '2026-11-30T07:48:08Z')).toBe('30 November 2026');
    expect(formatDate('en', undefined)).toBe('');
  });

  it('writes a date in Beijing time, whatever the server’s zone: 17:00 UTC is the next day there', () => {
    expect(formatDate('en', '2026-11-30T17:00:00Z')).toBe('1 December 2026');
  });

  it('writes a time with its date and states the time zone, in each language', () => {
    expect(formatTime('en', AT)).toBe('30 November 2026 at 3:48pm (Beijing time, UTC+8)');
    expect(formatTime('zh-CN', AT)).toBe('2026年11月30日 15:48（北京时间）');
    expect(formatTime('en', '2026-11-30T07:48:08Z')).toBe(formatTime('en', AT));
  });
});

describe('licence details in words', () => {
  it('says yes or no for a true-or-false detail, never "true" or "false"', () => {
    expect(claimValue('en', permit, 'age_over_18', true)).toBe('Yes');
    expect(claimValue('en', permit, 'organ_donor', false)).toBe('No');
    expect(claimValue('zh-CN', permit, 'age_over_18', true)).toBe('是');
    expect(claimValue('zh-CN', permit, 'organ_donor', false)).toBe('否');
  });

  it('writes a date detail as every other date on the pages', () => {
    expect(claimValue('en', permit, 'birth_date', '1990-05-17')).toBe('17 May 1990');
    expect(claimValue('zh-CN', permit, 'birth_date', '1990-05-17')).toBe('1990年5月17日');
  });

  it('lists a many-valued detail as words', () => {
    expect(claimValue('en', permit, 'vehicle_classes', ['C1', 'D'])).toBe('C1, D');
    expect(claimValue('zh-CN', permit, 'vehicle_classes', ['C1', 'D'])).toBe('C1、D');
  });

  it('labels a derived age claim from the catalogue in each language', () => {
    expect(claimLabel('en', permit, 'age_over_18')).toBe('Aged 18 or over');
    expect(claimLabel('zh-CN', permit, 'age_over_18')).toBe('年满18周岁');
    expect(claimLabel('en', permit, 'family_name')).toBe('Family name');
  });
});

describe('counts on the wallet pages', () => {
  it('counts licences and events with English plural forms', () => {
    expect(t('en', 'licenceCount', { count: 1 })).toBe('You hold 1 licence.');
    expect(t('en', 'licenceCount', { count: 2 })).toBe('You hold 2 licences.');
    expect(t('en', 'eventCount', { count: 1 })).toBe('1 event recorded.');
    expect(t('en', 'eventCount', { count: 0 })).toBe('0 events recorded.');
  });

  it('says "1 hour" for the shortest share link, never "1 hours"', () => {
    expect(t('en', 'hours', { count: 1 })).toBe('1 hour');
    expect(t('en', 'days', { count: 7 })).toBe('7 days');
  });

  it('counts in Chinese without plural forms', () => {
    expect(t('zh-CN', 'licenceCount', { count: 1 })).toBe('您持有 1 份证照。');
    expect(t('zh-CN', 'licenceCount', { count: 2 })).toBe('您持有 2 份证照。');
  });
});

describe('the share form’s errors', () => {
  it('has one action-worded message per field in each language', () => {
    for (const key of [
      'shareFieldsRequired',
      'sharePurposeRequired',
      'sharePurposeShort',
      'sharePurposeLong',
      'shareHoursInvalid',
    ] as const) {
      expect(t('en', key)).toMatch(/^(Select|Enter|What)/);
      expect(t('zh-CN', key)).toMatch(/[\u4e00-\u9fff]/);
      expect(t('zh-CN', key)).not.toMatch(/[A-Za-z]{3,}/);
    }
  });
});

describe('the share form’s purpose', () => {
  it('takes the examples its own hint gives (租房, 求职), and refuses one character', async () => {
    const { ShareRequest } = await import('../../libs/licences/index.ts');
    const share = (purpose: string) => ShareRequest.safeParse({ fields: [], purpose, expiresInMinutes: 60 });
    expect(t('zh-CN', 'purposeHint')).toContain('租房');
    expect(share('租房').success).toBe(true);
    expect(share('求职').success).toBe(true);
    expect(share('租').success).toBe(false);
  });
});

describe('the account portal’s own words (wallets that follow identities)', () => {
  it('has every word in both languages, with the same placeholders, filled', async () => {
    const { ww } = await import('../../functions/account/words.ts');
    const keys = [
      'walletNeedsIdentityTitle',
      'companyLicencesTitle',
      'companyLicencesLead',
      'companyRole',
      'notFoundCompany',
    ] as const;
    const vars = { company: '示例科技有限公司', uscc: '91110108MA01ABCD1E', role: 'R', count: 3 };
    for (const key of keys) {
      const en = ww('en', key, vars);
      const zh = ww('zh-CN', key, vars);
      expect(en, key).not.toMatch(/\{\w+\}/);
      expect(zh, key).not.toMatch(/\{\w+\}/);
      expect(en, key).not.toBe(zh);
    }
    expect(ww('en', 'companyLicencesLead', vars)).toContain('91110108MA01ABCD1E');
    expect(ww('zh-CN', 'companyLicencesTitle', vars)).toBe('示例科技有限公司的证照');
  });
});
