/**
 * The sign-in journeys end where the person was going (issue #17): registration and password
 * reset from a service sign the person in to it, on their own they end with a next step; the
 * words are the page's language, one action per field; a lockout warns first, says when in the
 * person's time zone and how to get out; recovery codes can be kept; yitong's own portals ask
 * no consent; the intranet offers no self-registration. Every journey at desktop and 320 px,
 * in Chinese and English, with axe and a sideways-scroll check on every page visited.
 */
import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalDemo } from '../../examples/department-site/local-demo.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import { totpCode } from '../../libs/accounts/index.ts';
import { type Lang, t } from '../../libs/web/index.ts';
import { launchChromium, newContext, pageProblems, see, VIEWPORTS } from '../support/browser.ts';

let stack: LocalStack;
let browser: Browser;
let tax: string;

beforeAll(async () => {
  stack = await startLocalDemo({
    memory: true,
    ports: { public: 0, extranet: 0, intranet: 0 },
    demoSites: { tax: 0, housing: 0 },
  });
  tax = stack.demo.sites.tax.url;
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const LANGS: readonly Lang[] = ['zh-CN', 'en'];
const WIDTHS = Object.keys(VIEWPORTS) as Array<keyof typeof VIEWPORTS>;
/** A time zone each browser says it is in: the lockout's end is stated in it. */
const BROWSER_ZONE: Record<Lang, string> = { 'zh-CN': 'Asia/Shanghai', en: 'Europe/London' };

/** Runs `journey` in a fresh browser profile for each language and width; `tag` makes names unique. */
const everywhere = async (journey: (page: Page, lang: Lang, tag: string) => Promise<void>) => {
  for (const lang of LANGS) {
    for (const width of WIDTHS) {
      const context = await newContext(browser, lang, { bypassCSP: true });
      const page = await context.newPage();
      await page.setViewportSize(VIEWPORTS[width]);
      await page.emulateMedia({ reducedMotion: 'reduce' });
      try {
        await journey(page, lang, `${lang === 'en' ? 'en' : 'zh'}.${width}`);
      } finally {
        await context.close();
      }
    }
  }
};

const label = (page: Page, lang: Lang, key: Parameters<typeof t>[1]) =>
  page.getByLabel(t(lang, key), { exact: true });
const button = (page: Page, lang: Lang, key: Parameters<typeof t>[1]) =>
  page.getByRole('button', { name: t(lang, key), exact: true });
const clean = async (page: Page) => expect(await pageProblems(page)).toEqual([]);

/** The latest reset code the local outbox "sent" to a login name. */
const resetCodeFor = async (loginName: string): Promise<string> => {
  const outbox = await (await fetch(`${stack.urls.public}/outbox`)).text();
  const escaped = loginName.replace(/[.]/g, '\\.');
  const codes = [
    ...outbox.matchAll(
      new RegExp(
        `<span class="to">${escaped}</span>[^<]*<span class="kind">password-reset</span>[^<]*<code class="code">(\\d{8})</code>`,
        'g',
      ),
    ),
  ];
  return codes.at(-1)![1]!;
};

/** Creates an account at /register on its own, as someone who came to yitong directly. */
const registerDirectly = async (page: Page, lang: Lang, loginName: string, password: string) => {
  await page.goto(`${stack.urls.public}/register?lang=${lang}`);
  await label(page, lang, 'displayName').fill(`Test ${loginName}`);
  await label(page, lang, 'username').fill(loginName);
  await label(page, lang, 'email').fill(`${loginName}@example.gov`);
  await label(page, lang, 'newPassword').fill(password);
  await button(page, lang, 'createAccount').click();
  await see(page.locator('h1'), t(lang, 'registeredTitle'));
};

/** From the sign-in page of a service: forgotten password, a code from the outbox, a new password. */
const resetFromService = async (page: Page, lang: Lang, loginName: string, password: string) => {
  await page.getByRole('link', { name: t(lang, 'forgotPassword') }).click();
  await see(page.locator('h1'), t(lang, 'resetTitle'));
  await clean(page);
  await label(page, lang, 'username').fill(loginName);
  await button(page, lang, 'sendCode').click();
  await see(page.locator('h1'), t(lang, 'resetConfirmTitle'));
  await clean(page);
  await label(page, lang, 'resetCode').fill(await resetCodeFor(loginName));
  await label(page, lang, 'newPassword').fill(password);
  await button(page, lang, 'continue').click();
};

describe('journeys that end where the person was going', () => {
  it('signs a person who reset their password from a service back in to it, asking for the second factor the account has', async () => {
    await everywhere(async (page, lang, tag) => {
      const name = `reset.${tag}`;
      await registerDirectly(page, lang, name, 'first password of mine');
      await page.context().clearCookies();
      await page.goto(`${tax}/login?lang=${lang}`);
      await see(page.locator('h1'), t(lang, 'signInTitle'));
      await clean(page);
      await resetFromService(page, lang, name, 'second password of mine');
      // Signed in from the new password: the offer of a second factor, then the service.
      await see(page.locator('h1'), t(lang, 'protectTitle'));
      await clean(page);
      await button(page, lang, 'notNow').click();
      await button(page, lang, 'allow').click();
      await see(page.locator('#who'), new RegExp(`Test ${name.replace(/\./g, '\\.')}`));
    });

    // An account with an authenticator app: the emailed code proves the mailbox, not the app.
    const staff = stack.demo.accounts.find((a) => a.loginName === 'li.si')!;
    const context = await newContext(browser, 'en', { bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${tax}/login?lang=en`);
    await resetFromService(page, 'en', 'li.si', 'li si has a new password');
    await see(page.locator('h1'), t('en', 'otpTitle'));
    expect(await page.locator('#who').count()).toBe(0);
    await clean(page);
    await label(page, 'en', 'otp').fill(totpCode(staff.totpSecret!));
    await button(page, 'en', 'continue').click();
    const allow = button(page, 'en', 'allow');
    if (await allow.isVisible({ timeout: 2000 }).catch(() => false)) await allow.click();
    await see(page.locator('#who'), /Li Si/);
    await context.close();
  });

  it('ends a reset made on its own with a way to sign in to the account', async () => {
    await everywhere(async (page, lang, tag) => {
      const name = `alone.${tag}`;
      await registerDirectly(page, lang, name, 'first password of mine');
      await page.goto(`${stack.urls.public}/password/reset?lang=${lang}`);
      await label(page, lang, 'username').fill(name);
      await button(page, lang, 'sendCode').click();
      await label(page, lang, 'resetCode').fill(await resetCodeFor(name));
      await label(page, lang, 'newPassword').fill('second password of mine');
      await button(page, lang, 'continue').click();
      await see(page.locator('h1'), t(lang, 'resetDoneTitle'));
      await clean(page);
      await page.getByRole('link', { name: t(lang, 'signInToAccount') }).click();
      await see(page.locator('h1'), t(lang, 'signInTitle'));
      await clean(page);
    });
  });

  it('registers a person from a service, with errors in the page language, and signs them in to it without typing the password again', async () => {
    await everywhere(async (page, lang, tag) => {
      await page.goto(`${tax}/login?lang=${lang}`);
      await page.getByRole('link', { name: t(lang, 'register') }).click();
      await see(page.locator('h1'), t(lang, 'registerTitle'));
      await clean(page);
      // Nothing filled in: one message per field, each saying what to do, in this language.
      await button(page, lang, 'createAccount').click();
      await see(page.locator('#username-error'), t(lang, 'enterLoginName'));
      await see(page.locator('#displayName-error'), t(lang, 'enterDisplayName'));
      await see(page.locator('#password-error'), t(lang, 'enterNewPassword'));
      expect(await page.locator('#username-error').count()).toBe(1);
      const summary = ((await page.locator('.error-summary').textContent()) ?? '').trim();
      expect(summary).not.toMatch(/required|at least|characters/);
      await clean(page);
      await label(page, lang, 'username').fill('x');
      await button(page, lang, 'createAccount').click();
      await see(page.locator('#username-error'), t(lang, 'loginNameTooShort'));

      const name = `joined.${tag}`;
      await label(page, lang, 'displayName').fill(`Test ${name}`);
      await label(page, lang, 'username').fill(name);
      await label(page, lang, 'newPassword').fill('my registration password');
      await button(page, lang, 'createAccount').click();
      // The person chose to add an app here: the page does not claim the service requires it.
      await see(page.locator('h1'), t(lang, 'protectTitle'));
      await clean(page);
      await button(page, lang, 'addTotp').click();
      await see(page.locator('.lead'), t(lang, 'enrolLeadChosen'));
      await clean(page);
      const secret = (await page.locator('#totp-secret').textContent())!.trim();
      await label(page, lang, 'otp').fill(totpCode(secret));
      await button(page, lang, 'continue').click();
      await see(page.locator('h1'), t(lang, 'recoveryTitle'));
      await clean(page);
      const codes = await page.locator('#recovery-codes li').allInnerTexts();
      expect(codes).toHaveLength(10);
      // The codes can be kept: downloaded as a file, printed, copied.
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('link', { name: t(lang, 'recoveryDownload') }).click(),
      ]);
      expect(download.suggestedFilename()).toBe('yitong-recovery-codes.txt');
      const file = await readFile(await download.path(), 'utf8');
      for (const code of codes) expect(file).toContain(code);
      await expect(button(page, lang, 'recoveryPrint').isVisible()).resolves.toBe(true);
      await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
      await button(page, lang, 'recoveryCopy').click();
      await see(page.locator('#recovery-copied'), t(lang, 'recoveryCopied'));
      await button(page, lang, 'recoverySaved').click();
      await button(page, lang, 'allow').click();
      await see(page.locator('#who'), new RegExp(`Test ${name.replace(/\./g, '\\.')}`));
      await see(page.locator('#acr'), 'urn:yitong:loa:2');
    });
  });

  it('ends a registration made on its own with a way to sign in to the account', async () => {
    await everywhere(async (page, lang, tag) => {
      await registerDirectly(page, lang, `direct.${tag}`, 'direct registration password');
      await clean(page);
      await page.getByRole('link', { name: t(lang, 'signInToAccount') }).click();
      await see(page.locator('h1'), t(lang, 'signInTitle'));
      await clean(page);
    });
  });
});

describe('sign-in pages', () => {
  it('warns before the last try, states the end of the wait in the browser time zone, and links to a reset', async () => {
    for (const lang of LANGS) {
      for (const width of WIDTHS) {
        const context = await browser.newContext({
          locale: lang,
          extraHTTPHeaders: { 'accept-language': lang },
          bypassCSP: true,
          timezoneId: BROWSER_ZONE[lang],
          viewport: VIEWPORTS[width],
        });
        const page = await context.newPage();
        const name = `nobody.${lang}.${width}`;
        await page.goto(`${tax}/login?lang=${lang}`);
        const attempt = async () => {
          await label(page, lang, 'username').fill(name);
          await label(page, lang, 'password').fill('not the password');
          await button(page, lang, 'signIn').click();
          await page.locator('#error-summary').waitFor();
        };
        for (let i = 0; i < 5; i++) await attempt();
        const warning = t(lang, 'triesLeft', { count: 1, wait: t(lang, 'minutes', { count: 15 }) });
        await see(
          page.locator('#password-error'),
          new RegExp(warning.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')),
        );
        await see(page.locator('#reset-offer a'), t(lang, 'resetYourPassword'));
        await clean(page);
        await attempt();
        const zone = lang === 'en' ? 'Greenwich Mean Time' : t(lang, 'timeZone');
        await see(page.locator('#password-error'), new RegExp(zone.replace(/[()（）+]/g, '.')));
        await clean(page);
        await page.locator('#reset-offer a').click();
        await see(page.locator('h1'), t(lang, 'resetTitle'));
        await context.close();
      }
    }
  });

  it('keeps the login name typed when the language is switched', async () => {
    await everywhere(async (page, lang) => {
      const other: Lang = lang === 'en' ? 'zh-CN' : 'en';
      await page.goto(`${tax}/login?lang=${lang}`);
      await label(page, lang, 'username').fill('zhang.san');
      await page.getByRole('link', { name: t(lang, 'switchTo') }).click();
      await see(page.locator('h1'), t(other, 'signInTitle'));
      expect(await label(page, other, 'username').inputValue()).toBe('zhang.san');
      await clean(page);
    });
  });

  it('asks no consent for the account portal, yitong’s own', async () => {
    await everywhere(async (page, lang) => {
      await page.goto(`${stack.urls.public}/account?lang=${lang}`);
      await label(page, lang, 'username').fill('zhang.san');
      await label(page, lang, 'password').fill('demo-citizen-2026');
      await button(page, lang, 'signIn').click();
      await see(page.locator('h1'), t(lang, 'protectTitle'));
      await clean(page);
      await button(page, lang, 'notNow').click();
      // Straight on to the portal (whose own pages its own tests check), with no consent page.
      await page.waitForURL(
        (url) => url.pathname.startsWith('/account') && !url.pathname.includes('callback'),
      );
      expect(await button(page, lang, 'allow').count()).toBe(0);
      expect(await page.locator('form[action*="/consent"]').count()).toBe(0);
    });
  });

  it('offers no self-registration on the intranet or the extranet, where administrators make accounts', async () => {
    await everywhere(async (page, lang) => {
      await page.goto(`${stack.urls.intranet}/admin/console?lang=${lang}`);
      await see(page.locator('h1'), t(lang, 'signInTitle'));
      expect(await page.getByRole('link', { name: t(lang, 'register') }).count()).toBe(0);
      await clean(page);
      for (const zone of [stack.urls.intranet, stack.urls.extranet]) {
        const refused = await page.goto(`${zone}/register?lang=${lang}`);
        expect(refused?.status()).toBe(404);
        await see(page.locator('.lead'), t(lang, 'registerNotHere'));
        await clean(page);
      }
    });
  });
});
