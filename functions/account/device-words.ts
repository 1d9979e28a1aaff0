import type { Lang } from '../../libs/web/index.ts';

/**
 * A session's browser and system, read from the user agent its browser sent, as a person would
 * name them ("Chrome on Windows", "微信 on iOS"). Only the common ones are named: anything else
 * is "a browser", never the raw string, which tells most people nothing and can be long. Brands
 * stay brands in both languages, except those Chinese users know by a Chinese name.
 */
interface Named {
  readonly en: string;
  readonly zh: string;
}

const same = (name: string): Named => ({ en: name, zh: name });

// Order matters: many browsers also say "Chrome" or "Safari"; the more specific name comes first.
const BROWSERS: ReadonlyArray<readonly [RegExp, Named]> = [
  [/MicroMessenger\//, { en: 'WeChat', zh: '微信' }],
  [/\bDingTalk\//, { en: 'DingTalk', zh: '钉钉' }],
  [/AlipayClient\//, { en: 'Alipay', zh: '支付宝' }],
  [/\bMQQBrowser\/|\bQQBrowser\//, { en: 'QQ Browser', zh: 'QQ浏览器' }],
  [/\bUCBrowser\//, { en: 'UC Browser', zh: 'UC浏览器' }],
  [/\bQihoo|\b360SE\b|\b360EE\b/, { en: '360 Browser', zh: '360浏览器' }],
  [/\bSogouMobileBrowser\/|\bSE \d.*MetaSr/, { en: 'Sogou Browser', zh: '搜狗浏览器' }],
  [/\bEdgA?\/|\bEdgiOS\//, same('Edge')],
  [/\bOPR\/|\bOpera\b/, same('Opera')],
  [/\bSamsungBrowser\//, same('Samsung Internet')],
  [/\bHuaweiBrowser\//, { en: 'Huawei Browser', zh: '华为浏览器' }],
  [/\bMiuiBrowser\//, { en: 'Xiaomi Browser', zh: '小米浏览器' }],
  [/\bFirefox\/|\bFxiOS\//, same('Firefox')],
  [/(?:\b|Headless)Chrom(?:e|ium)\/|\bCriOS\//, same('Chrome')],
  [/\bVersion\/[\d.]+.*Safari\//, same('Safari')],
];

const SYSTEMS: ReadonlyArray<readonly [RegExp, Named]> = [
  [/HarmonyOS|OpenHarmony/, { en: 'HarmonyOS', zh: '鸿蒙' }],
  [/iPhone|iPad|iPod/, same('iOS')],
  [/Android/, same('Android')],
  [/Windows NT|Windows Phone/, same('Windows')],
  [/Mac OS X|Macintosh/, same('macOS')],
  [/CrOS/, same('ChromeOS')],
  [/UOS|Deepin|Kylin/, { en: 'a Chinese Linux (UOS, Kylin)', zh: '国产 Linux（统信、麒麟）' }],
  [/Linux|X11/, same('Linux')],
];

const nameOf = (list: ReadonlyArray<readonly [RegExp, Named]>, ua: string): Named | undefined =>
  list.find(([pattern]) => pattern.test(ua))?.[1];

/** The browser and the system, each undefined when the user agent does not say it plainly. */
export const deviceOf = (
  lang: Lang,
  userAgent: string | undefined,
): { readonly browser?: string; readonly system?: string } => {
  const ua = userAgent ?? '';
  const key = lang === 'en' ? 'en' : 'zh';
  const browser = nameOf(BROWSERS, ua)?.[key];
  const system = nameOf(SYSTEMS, ua)?.[key];
  return { ...(browser ? { browser } : {}), ...(system ? { system } : {}) };
};
