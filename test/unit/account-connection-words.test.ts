import { describe, expect, it } from 'vitest';
import { deviceOf } from '../../functions/account/device-words.ts';
import { describeAccess, t } from '../../libs/web/index.ts';

describe('a session’s device in words', () => {
  it('names the browser and system of common user agents, the specific browser before Chrome or Safari', () => {
    const windowsEdge =
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0';
    expect(deviceOf('en', windowsEdge)).toEqual({ browser: 'Edge', system: 'Windows' });
    const wechat =
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.49(0x18003137) NetType/WIFI Language/zh_CN';
    expect(deviceOf('zh-CN', wechat)).toEqual({ browser: '微信', system: 'iOS' });
    expect(deviceOf('en', wechat)).toEqual({ browser: 'WeChat', system: 'iOS' });
    const safari =
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';
    expect(deviceOf('en', safari)).toEqual({ browser: 'Safari', system: 'macOS' });
    const harmony =
      'Mozilla/5.0 (Linux; Android 12; HarmonyOS; ALN-AL00) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/114.0 HuaweiBrowser/14.0 Mobile Safari/537.36';
    expect(deviceOf('zh-CN', harmony)).toEqual({ browser: '华为浏览器', system: '鸿蒙' });
    expect(deviceOf('en', 'Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/131.0.0.0 Safari/537.36')).toEqual({
      browser: 'Chrome',
      system: 'Linux',
    });
  });

  it('says nothing it cannot tell, and never echoes the raw string', () => {
    expect(deviceOf('en', undefined)).toEqual({});
    expect(deviceOf('en', 'curl/8.5.0')).toEqual({});
    expect(deviceOf('en', '<script>alert(1)</script>')).toEqual({});
  });
});

describe('what a site may see, in words', () => {
  it('says each scope once, and a claim granted on its own in its scope’s words', () => {
    expect(describeAccess('en', ['openid', 'profile'], ['name', 'email', 'sub'])).toEqual([
      t('en', 'scope_openid'),
      t('en', 'scope_profile'),
      t('en', 'scope_email'),
    ]);
    expect(describeAccess('zh-CN', ['openid', 'identity'], ['verified_claims'])).toEqual([
      t('zh-CN', 'scope_openid'),
      t('zh-CN', 'scope_identity'),
    ]);
    expect(describeAccess('en', ['tax:file'])).toEqual([t('en', 'scope_other', { scope: 'tax:file' })]);
  });
});
