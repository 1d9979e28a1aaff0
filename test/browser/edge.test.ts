import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { t } from '../../libs/web/index.ts';
import { startTestStack } from '../../testkit/stack.ts';
import { launchChromium, newContext, pageProblems, see, VIEWPORTS } from '../support/browser.ts';

/**
 * The web edge every page shares: the home page, error pages a browser gets instead of JSON,
 * GOV.UK's error summary on a form, its focus style, and reflow at 320 px — in both languages.
 */

let stack: LocalStack;
let browser: Browser;

beforeAll(async () => {
  stack = await startTestStack();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const WORDS = {
  en: {
    home: 'yitong: one sign-in for government services',
    account: 'Sign in to your account',
    notFound: 'Page not found',
    forbidden: 'You cannot use this page',
    homeLink: 'Go to the yitong home page',
    reference: /Reference: /,
    errorPrefix: 'Error: ',
    signIn: /^Sign in$/,
    required: 'Enter your login name.',
  },
  'zh-CN': {
    home: '一通：政务服务统一登录',
    account: '登录您的账户',
    notFound: '找不到此页面',
    forbidden: '您无法使用此页面',
    homeLink: '前往一通首页',
    reference: /参考编号：/,
    errorPrefix: '错误：',
    signIn: /^登录$/,
    required: '请输入登录名。',
  },
} as const;

type Lang = keyof typeof WORDS;
const LANGS: readonly Lang[] = ['zh-CN', 'en'];

/** One browser profile per language, each page checked at both widths. */
const eachLanguageAndWidth = async (visit: (page: Page, lang: Lang, width: string) => Promise<void>) => {
  for (const lang of LANGS) {
    const context: BrowserContext = await newContext(browser, lang, { bypassCSP: true });
    try {
      for (const [width, size] of Object.entries(VIEWPORTS)) {
        const page = await context.newPage();
        await page.setViewportSize(size);
        await visit(page, lang, width);
        await page.close();
      }
    } finally {
      await context.close();
    }
  }
};

/** WCAG's contrast ratio of two `rgb(…)` colours. */
const contrast = (a: string, b: string): number => {
  const luminance = (rgb: string) => {
    const [r, g, bl] = (rgb.match(/[\d.]+/g) ?? []).slice(0, 3).map((c) => {
      const s = Number(c) / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
};

describe('the web edge in a real browser', () => {
  it('shows a home page at / that leads to the account portal, in both languages and at 320 px', async () => {
    await eachLanguageAndWidth(async (page, lang) => {
      const res = await page.goto(`${stack.urls.public}/`);
      expect(res?.status()).toBe(200);
      expect(res?.headers()['content-type']).toMatch(/^text\/html/);
      await see(page.locator('h1'), WORDS[lang].home);
      expect(await page.getAttribute('html', 'lang')).toBe(lang);
      expect(await pageProblems(page)).toEqual([]);
      await page.getByRole('link', { name: WORDS[lang].account }).click();
      // The account portal sends a visitor without a session to sign in.
      await see(page.getByRole('button', { name: WORDS[lang].signIn }), WORDS[lang].signIn);
    });
  });

  it('answers an unknown page with an HTML "page not found" with a way on and a reference, never JSON', async () => {
    await eachLanguageAndWidth(async (page, lang) => {
      for (const url of [
        `${stack.urls.public}/no-such-page`,
        `${stack.urls.intranet}/admin/no-such-page`,
        // The consoles are intranet pages: from the public entry, not a sign-in that must fail.
        `${stack.urls.public}/admin/console`,
        `${stack.urls.public}/audit/console`,
      ]) {
        const res = await page.goto(url);
        const where = new URL(url).pathname;
        expect(res?.headers()['content-type'], where).toMatch(/^text\/html/);
        expect(await page.textContent('body'), where).not.toMatch(/urn:yitong|"type"|DENY|Cedar/);
        // A browser at a page no function has is told so, never asked to sign in.
        expect(res?.status(), where).toBe(404);
        await see(page.locator('h1'), WORDS[lang].notFound);
        await see(page.locator('.reference'), WORDS[lang].reference);
        expect(await page.getByRole('link', { name: WORDS[lang].homeLink }).getAttribute('href')).toBe('./');
        expect(await pageProblems(page), where).toEqual([]);
      }
    });
  });

  it('explains a refused sign-in step in the page’s language, with a language switch that leads to a page', async () => {
    await eachLanguageAndWidth(async (page, lang) => {
      const other = lang === 'en' ? 'zh-CN' : 'en';
      const signInPage = async () => {
        await page.goto(`${stack.urls.public}/account/licences`);
        await page.getByRole('button', { name: WORDS[lang].signIn }).waitFor();
        return /\/interaction\/([\w-]+)/.exec(page.url())![1]!;
      };
      const within = (words: string) => new RegExp(words.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
      const refused = async (status: number, words: string) => {
        await see(page.locator('main'), within(words));
        expect(await page.getAttribute('html', 'lang')).toBe(lang);
        expect(await pageProblems(page)).toEqual([]);
        return status;
      };

      // An id no provider makes: the kit's page not found.
      const unknown = await page.goto(`${stack.urls.public}/interaction/${'x'.repeat(80)}`);
      expect(unknown?.status()).toBe(await refused(404, WORDS[lang].notFound));
      // An interaction this browser does not have (expired, or from another browser).
      const gone = await page.goto(`${stack.urls.public}/interaction/not-a-real-one`);
      expect(gone?.status()).toBe(await refused(400, t(lang, 'step_interactionGone')));

      // A form whose CSRF token is not the interaction's.
      await signInPage();
      await page.evaluate("document.querySelector('input[name=csrf]').value = 'forged'");
      await page.locator('input[name=username]').fill('nobody');
      await page.locator('input[name=password]').fill('not the password');
      const [forged] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST'),
        page.getByRole('button', { name: WORDS[lang].signIn }).click(),
      ]);
      expect(forged.status()).toBe(await refused(403, t(lang, 'step_formExpired')));

      // The first-password step refused (this sign-in has no new password to choose): its
      // language switch leads back to the sign-in page, not to the POST-only step (was a 405).
      const uid = await signInPage();
      await page.evaluate(
        `document.querySelector('form[action$="/login"]').setAttribute('action', 'interaction/${uid}/new-password')`,
      );
      await page.getByRole('button', { name: WORDS[lang].signIn }).click();
      await see(page.locator('main'), within(t(lang, 'step_signInExpired')));
      expect(await pageProblems(page)).toEqual([]);
      const [switched] = await Promise.all([
        page.waitForResponse((r) => r.url().includes(`/interaction/${uid}?lang=`)),
        page.locator(`a[hreflang="${other}"]`).click(),
      ]);
      expect(switched.status()).toBe(200);
      await page.waitForLoadState();
      expect(await page.getAttribute('html', 'lang')).toBe(other);
      expect(await pageProblems(page)).toEqual([]);
      // Back to this profile's language for the next width.
      await page.goto(`${stack.urls.public}/?lang=${lang}`);
    });
  });

  it('keeps problem+json for programs at the same addresses', async () => {
    const res = await fetch(`${stack.urls.public}/no-such-page`, { headers: { accept: 'application/json' } });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('shows a form error GOV.UK’s way: summary focused on load, "Error:" title, messages linked to fields', async () => {
    await eachLanguageAndWidth(async (page, lang) => {
      await page.goto(`${stack.urls.public}/account/licences`);
      await page.getByRole('button', { name: WORDS[lang].signIn }).click();
      await see(page.locator('.error-summary a').first(), WORDS[lang].required);
      expect(await page.title()).toMatch(new RegExp(`^${WORDS[lang].errorPrefix}`));
      await page.waitForFunction("document.activeElement && document.activeElement.id === 'error-summary'");
      expect(await pageProblems(page)).toEqual([]);

      const before = page.url();
      await page.locator('.error-summary a', { hasText: WORDS[lang].required }).click();
      expect(page.url()).toBe(before);
      expect(await page.evaluate('document.activeElement.id')).toBe('username');
    });
  });

  it('shows focus as a yellow fill with a dark edge, at least 3:1, on links, buttons and inputs', async () => {
    const context = await newContext(browser, 'en');
    const page = await context.newPage();
    await page.goto(`${stack.urls.public}/`);
    const link = page.getByRole('link', { name: WORDS.en.account });
    await link.focus();
    // Written as strings so no DOM types are needed here; each reads the focused element.
    const style = (await page.evaluate(
      '(() => { const el = document.activeElement; const s = getComputedStyle(el); return { color: s.color, background: s.backgroundColor, shadow: s.boxShadow, page: getComputedStyle(el.closest(".card")).backgroundColor }; })()',
    )) as { color: string; background: string; shadow: string; page: string };
    expect(style.background).toBe('rgb(255, 221, 0)');
    const edge = /rgb\([^)]+\)/g;
    const shadows = style.shadow.match(edge) ?? [];
    expect(shadows).toContain('rgb(11, 12, 12)');
    // The text on the fill, the dark edge against the page and against the fill.
    expect(contrast(style.color, style.background)).toBeGreaterThanOrEqual(3);
    expect(contrast('rgb(11, 12, 12)', style.page)).toBeGreaterThanOrEqual(3);
    expect(contrast('rgb(11, 12, 12)', style.background)).toBeGreaterThanOrEqual(3);

    await page.goto(`${stack.urls.public}/account/licences`);
    const input = page.getByLabel('Login name');
    await input.focus();
    const field = (await page.evaluate(
      '(() => { const s = getComputedStyle(document.activeElement); return { outline: s.outlineColor, width: s.outlineWidth, shadow: s.boxShadow }; })()',
    )) as { outline: string; width: string; shadow: string };
    expect(field).toMatchObject({ outline: 'rgb(255, 221, 0)', width: '3px' });
    expect(field.shadow).toMatch(/rgb\(11, 12, 12\).*inset|inset.*rgb\(11, 12, 12\)/);

    const button = page.getByRole('button', { name: WORDS.en.signIn });
    await button.focus();
    const pressed = (await page.evaluate(
      '(() => { const s = getComputedStyle(document.activeElement); return { color: s.color, background: s.backgroundColor }; })()',
    )) as { color: string; background: string };
    expect(pressed.background).toBe('rgb(255, 221, 0)');
    expect(contrast(pressed.color, pressed.background)).toBeGreaterThanOrEqual(3);
    await context.close();
  });
});
