import { describe, expect, it } from 'vitest';
import { wordsOfIssue } from '../../functions/oidc/page-kit.ts';
import {
  personTimeZone,
  timeZoneOf,
  triesLeftMessage,
  waitWords,
  zonedTime,
} from '../../functions/oidc/steps/refusals.ts';
import { LoginName } from '../../libs/accounts/index.ts';
import { t } from '../../libs/web/index.ts';

// 2026-11-30 07:48 UTC
const AT = Date.UTC(2026, 10, 30, 7, 48) / 1000;

describe('the words of the sign-in pages', () => {
  it('states when a wait ends with its time zone: the browser’s, else Beijing time in Chinese and UTC in English', () => {
    expect(zonedTime('zh-CN', AT)).toBe('2026年11月30日 15:48（北京时间）');
    expect(zonedTime('en', AT)).toBe('30 November 2026 at 7:48am (Coordinated Universal Time)');
    expect(zonedTime('en', AT, 'Europe/London')).toBe('30 November 2026 at 7:48am (Greenwich Mean Time)');
    expect(zonedTime('en', AT, 'Asia/Shanghai')).toBe('30 November 2026 at 3:48pm (Beijing time, UTC+8)');
    expect(zonedTime('zh-CN', AT, 'Europe/London')).toBe('2026年11月30日 07:48（格林尼治标准时间）');
  });

  it('takes only a real IANA time zone from the browser', () => {
    expect(timeZoneOf('Europe/London')).toBe('Europe/London');
    expect(timeZoneOf('Mars/Olympus')).toBeUndefined();
    expect(timeZoneOf('<script>')).toBeUndefined();
    expect(timeZoneOf('x'.repeat(65))).toBeUndefined();
    expect(timeZoneOf(undefined)).toBeUndefined();
  });

  it('takes the person’s zone from the browser, else from the region of the language they accept', () => {
    expect(personTimeZone('America/New_York', 'en-GB,en;q=0.9')).toBe('America/New_York');
    expect(personTimeZone('', 'en-GB,en;q=0.9')).toBe('Europe/London');
    expect(personTimeZone(undefined, 'zh-Hans-CN')).toBe('Asia/Shanghai');
    expect(personTimeZone(undefined, 'en-US')).toBeUndefined();
    expect(personTimeZone(undefined, 'en')).toBeUndefined();
  });

  it('warns before the last try with how long the wait will be, in each language’s plural', () => {
    expect(triesLeftMessage('en', 1, 900)).toBe(
      'You have 1 more try before sign-in from here is paused for 15 minutes.',
    );
    expect(triesLeftMessage('en', 2, 60)).toBe(
      'You have 2 more tries before sign-in from here is paused for 1 minute.',
    );
    expect(triesLeftMessage('zh-CN', 1, 900)).toBe('还可尝试 1 次，之后将暂停从此处登录 15 分钟。');
    expect(triesLeftMessage('zh-CN', 3, 900)).toBe('还可尝试 3 次，之后将暂停从此处登录 15 分钟。');
    expect(waitWords('en', 86_400)).toBe('24 hours');
  });

  it('counts the codes left in one sign-in with each language’s plural forms', () => {
    expect(t('en', 'codesLeft', { count: 1 })).toBe('You can enter 1 more code before this sign-in ends.');
    expect(t('en', 'codesLeft', { count: 2 })).toBe('You can enter 2 more codes before this sign-in ends.');
    expect(t('zh-CN', 'codesLeft', { count: 1 })).toBe('本次登录还可输入 1 次验证码，之后登录将终止。');
    expect(t('zh-CN', 'codesLeft', { count: 4 })).toBe('本次登录还可输入 4 次验证码，之后登录将终止。');
  });

  it('words a schema’s problem with a field as what to do, in the page’s language', () => {
    const words = {
      empty: 'enterLoginName',
      short: 'loginNameTooShort',
      long: 'loginNameTooLong',
      format: 'loginNameCharacters',
    } as const;
    const issue = (value: string) => LoginName.safeParse(value).error!.issues[0]!;
    expect(t('zh-CN', wordsOfIssue(issue(''), '', words))).toBe('请输入登录名');
    expect(t('en', wordsOfIssue(issue('ab'), 'ab', words))).toBe('Login name must be at least 3 characters');
    expect(t('en', wordsOfIssue(issue('a b c'), 'a b c', words))).toBe(
      'Login name can only contain letters, digits, dots, dashes, underscores and @',
    );
    expect(t('zh-CN', wordsOfIssue(issue('x'.repeat(65)), 'x'.repeat(65), words))).toBe(
      '登录名不能超过 64 个字符',
    );
  });
});
