import * as oidc from 'openid-client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ww } from '../../functions/account/words.ts';
import { DEMO_COMPANIES, DEMO_RESIDENTS } from '../../infra/local/registry-twin.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import { type Lang, t } from '../../libs/web/index.ts';
import { clientConfig, registerClient } from '../../testkit/oidc-flow.ts';
import { startTestStack } from '../../testkit/stack.ts';
import { launchChromium, newContext, pageProblems, see, VIEWPORTS } from '../support/browser.ts';
import { proveIdentity, registerTestCompany } from '../support/licence-holders.ts';

let stack: LocalStack;
let browser: Browser;

/** A department site on the internet the citizen reaches by single sign-on, named in words. */
const SSO_CLIENT = 'tax-wallet-sso';
const SSO_NAME = '电子税务局 Online tax office';
/** Its callback: any address the browser can reach (Chromium refuses the test kit's port 9); only the code in it counts. */
const callbackOf = () => `${stack.urls.public}/sso-test-callback`;

beforeAll(async () => {
  stack = await startTestStack();
  await registerClient(stack, 'public', SSO_CLIENT, { client_name: SSO_NAME, redirect_uris: [callbackOf()] });
  // Licences are issued to 张三's ID number: his wallet shows them once he has proved it. 陈明
  // proves his and registers his company, whose business licence then sits in its own wallet.
  const demo = (login: string) => stack.demo.accounts.find((a) => a.loginName === login)!.accountId;
  const resident = (login: string) => DEMO_RESIDENTS.find((r) => r.loginName === login)!;
  await proveIdentity(stack, demo('zhang.san'), resident('zhang.san'));
  await proveIdentity(stack, demo('chen.ming'), resident('chen.ming'));
  await registerTestCompany(stack, demo('chen.ming'), DEMO_COMPANIES[0]!.uscc);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** The transport department, as a person reads it in each language (never its id or credit code alone). */
const TRANSPORT: Record<Lang, RegExp> = { 'zh-CN': /交通管理局/, en: /Traffic Administration/ };
const DRIVING_PERMIT: Record<Lang, string> = { 'zh-CN': '机动车驾驶证', en: 'Driving permit' };
const FAMILY_NAME: Record<Lang, string> = { 'zh-CN': '姓', en: 'Family name' };

const clean = async (page: Page) => expect(await pageProblems(page)).toEqual([]);

const signIn = async (page: Page, lang: Lang, login = 'zhang.san') => {
  const demo = stack.demo.accounts.find((a) => a.loginName === login)!;
  await page.getByLabel(t(lang, 'username')).fill(demo.loginName);
  await page.getByLabel(t(lang, 'password'), { exact: true }).fill(demo.password);
  await page.getByRole('button', { name: t(lang, 'signIn'), exact: true }).click();
  const notNow = page.getByRole('button', { name: t(lang, 'notNow') });
  if (await notNow.isVisible({ timeout: 3000 }).catch(() => false)) await notNow.click();
  await allowIfAsked(page, lang);
};

/** Consent, where the issuer still asks for it (a first-party portal may not). */
const allowIfAsked = async (page: Page, lang: Lang) => {
  const allow = page.getByRole('button', { name: t(lang, 'allow'), exact: true });
  if (await allow.isVisible({ timeout: 2000 }).catch(() => false)) await allow.click();
};

/** Signs in to another service with the session the browser already has: single sign-on, no sign-in page. */
const singleSignOn = async (context: BrowserContext, lang: Lang) => {
  const config = await clientConfig(stack, 'public', SSO_CLIENT);
  const verifier = oidc.randomPKCECodeVerifier();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: callbackOf(),
    scope: 'openid',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  const page = await context.newPage();
  await page.goto(url.href);
  await allowIfAsked(page, lang);
  await page.waitForURL((u) => u.href.startsWith(callbackOf()));
  await oidc.authorizationCodeGrant(config, new URL(page.url()), { pkceCodeVerifier: verifier });
  await page.close();
};

describe('the licence wallet at desktop and 320 px, in Chinese and English', () => {
  for (const lang of ['zh-CN', 'en'] as const) {
    it(`shows licences as cards with issuers in words, keeps the share form's input on errors, copies, withdraws with feedback, names activity in words (${lang})`, async () => {
      const context = await newContext(browser, lang, { bypassCSP: true });
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack.urls.public });
      const page = await context.newPage();
      await page.setViewportSize(VIEWPORTS.desktop);
      await page.goto(`${stack.urls.public}/account/licences`);
      await signIn(page, lang);
      await singleSignOn(context, lang);

      for (const [width, viewport] of Object.entries(VIEWPORTS)) {
        await page.setViewportSize(viewport);
        // The wallet: one card per licence, with its name, issuer in words, validity and status.
        await page.goto(`${stack.urls.public}/account/licences`);
        await see(page.locator('h1'), t(lang, 'walletTitle'));
        const card = page.locator('#licences > li', { hasText: DRIVING_PERMIT[lang] });
        await see(card.locator('.issuer'), TRANSPORT[lang]);
        expect(await card.locator('.issuer').textContent()).not.toMatch(/transport|\(/);
        await see(card, new RegExp(t(lang, 'active')));
        await see(page.locator('main'), new RegExp(t(lang, 'licenceCount', { count: 2 })));
        await clean(page);

        // The holder's own licence page says who issued it, and true or false in words.
        await card.getByRole('link', { name: DRIVING_PERMIT[lang] }).click();
        await see(page.locator('h1'), DRIVING_PERMIT[lang]);
        await see(page.locator('#licence-issuer'), TRANSPORT[lang]);
        await see(page.locator('#licence [data-claim="age_over_18"]'), t(lang, 'yes'));
        await see(
          page.locator('#licence [data-claim="birth_date"]'),
          lang === 'en' ? '7 March 1990' : '1990年3月7日',
        );
        const licencePath = new URL(page.url()).pathname;
        await clean(page);

        // Nothing ticked and too short a purpose: both errors on the form, what was typed kept.
        await page.getByLabel(t(lang, 'purpose')).fill('a');
        await page.getByRole('button', { name: t(lang, 'createLink') }).click();
        await see(page.locator('#error-summary'), new RegExp(t(lang, 'errorSummary')));
        expect(await page.locator('#error-summary a').allTextContents()).toEqual([
          t(lang, 'shareFieldsRequired'),
          t(lang, 'sharePurposeShort'),
        ]);
        expect(await page.getByLabel(t(lang, 'purpose')).inputValue()).toBe('a');
        expect(await page.locator('#purpose').getAttribute('aria-invalid')).toBe('true');
        await clean(page);
        // Each error links to its field.
        expect(
          await page.locator('#error-summary a').evaluateAll((as) => as.map((a) => a.getAttribute('href'))),
        ).toEqual(['#field-family_name', '#purpose']);

        // Only the purpose missing: the ticked detail stays ticked.
        await page.getByLabel(FAMILY_NAME[lang], { exact: true }).check();
        await page.getByLabel(t(lang, 'purpose')).fill('');
        await page.getByRole('button', { name: t(lang, 'createLink') }).click();
        expect(await page.locator('#error-summary a').allTextContents()).toEqual([
          t(lang, 'sharePurposeRequired'),
        ]);
        expect(await page.getByLabel(FAMILY_NAME[lang], { exact: true }).isChecked()).toBe(true);
        await clean(page);

        // Corrected: the link is ready, wraps on a phone, and has a copy button.
        const purpose = `renting a car ${lang} ${width}`;
        await page.getByLabel(t(lang, 'purpose')).fill(purpose);
        await page.getByRole('button', { name: t(lang, 'createLink') }).click();
        await see(page.locator('h1'), t(lang, 'linkReady'));
        const link = (await page.locator('#share-link').getAttribute('href'))!;
        const copy = page.getByRole('button', { name: t(lang, 'copyLink') });
        expect(await copy.isVisible()).toBe(true);
        await copy.click();
        await see(
          page.locator('#copy-status'),
          new RegExp(`${t(lang, 'linkCopied')}|${t(lang, 'linkSelected')}`),
        );
        if ((await page.locator('#copy-status').textContent()) === t(lang, 'linkCopied'))
          expect(await page.evaluate('navigator.clipboard.readText()')).toBe(link);
        await clean(page);

        // The verifier opens the link: the issuer in words, the detail shared, in the same language.
        const verifierContext = await newContext(browser, lang, { bypassCSP: true });
        const verifier = await verifierContext.newPage();
        await verifier.setViewportSize(viewport);
        await verifier.goto(link);
        await see(verifier.locator('#verdict'), new RegExp(t(lang, 'valid')));
        await see(verifier.locator('#issuer'), TRANSPORT[lang]);
        expect(await verifier.locator('#issuer').textContent()).not.toMatch(/transport|\(/);
        await see(verifier.locator('#shared-fields [data-claim="family_name"]'), '张');
        await clean(verifier);

        // Withdrawn: the licence page says so, and the link no longer opens.
        await page.goto(`${stack.urls.public}${licencePath}`);
        await page
          .locator('#shares > li', { hasText: purpose })
          .getByRole('button', { name: t(lang, 'withdraw') })
          .click();
        await see(page.locator('#withdrawn-notice'), t(lang, 'shareWithdrawnNotice'));
        await see(page.locator('#shares > li', { hasText: purpose }), new RegExp(t(lang, 'withdrawn')));
        await clean(page);
        await verifier.reload();
        await see(verifier.locator('h1'), t(lang, 'linkGone'));
        await clean(verifier);
        // A form sent with no session (or no token): a page in words, not a JSON problem.
        const stale = await verifier.request.post(`${stack.urls.public}/account/shares/anything/withdraw`, {
          form: { csrf: 'stale' },
          headers: { 'accept-language': lang },
        });
        expect(stale.status()).toBe(403);
        expect(stale.headers()['content-type']).toMatch(/^text\/html/);
        expect(await stale.text()).toContain(t(lang, 'sessionEndedTitle'));
        await verifierContext.close();

        // Activity: services signed in to include the one reached by single sign-on; licences by name.
        await page.goto(`${stack.urls.public}/account/activity`);
        await see(page.locator('h1'), t(lang, 'activity'));
        await see(page.locator(`#sites li[data-client="${SSO_CLIENT}"]`), new RegExp(SSO_NAME));
        await see(
          page.locator('#activity li[data-type="licence.shared"] .about').first(),
          DRIVING_PERMIT[lang],
        );
        await see(
          page.locator('#activity li[data-type="licence.share_withdrawn"] .about').first(),
          DRIVING_PERMIT[lang],
        );
        expect(await page.locator('#activity').textContent()).not.toMatch(/YT-|LIC-|\d{10,}/);
        await clean(page);

        // Who checked my licences: each check as a card, the licence by name.
        await page.goto(`${stack.urls.public}/account/verifications`);
        await see(page.locator('#receipts > li', { hasText: purpose }).locator('h2'), DRIVING_PERMIT[lang]);
        await clean(page);

        // A licence that is not in the wallet: the same HTML page, saying so.
        expect((await page.goto(`${stack.urls.public}/account/licences/not-a-licence`))?.status()).toBe(404);
        await see(page.locator('main'), new RegExp(t(lang, 'notFoundLicence')));

        // A page that is not there: HTML in the person's language, with the way back.
        const missing = await page.goto(`${stack.urls.public}/account/no-such-page`);
        expect(missing?.status()).toBe(404);
        await see(page.locator('h1'), t(lang, 'notFoundTitle'));
        await page.getByRole('link', { name: t(lang, 'back') }).click();
        await see(page.locator('h1'), t(lang, 'walletTitle'));
        await page.goBack();
        await clean(page);
      }
      await context.close();
      // Two widths of a whole journey, with axe on every page: more than the project's 90 s on a busy machine.
    }, 180_000);
  }
});

describe('a wallet follows identities, not login names', () => {
  for (const lang of ['zh-CN', 'en'] as const) {
    it(`tells a person who has not proved an identity why the wallet is empty, and links to proving it (${lang})`, async () => {
      const context = await newContext(browser, lang, { bypassCSP: true });
      const page = await context.newPage();
      await page.goto(`${stack.urls.public}/account/licences`);
      await signIn(page, lang, 'liu.fang');
      for (const viewport of Object.values(VIEWPORTS)) {
        await page.setViewportSize(viewport);
        await page.goto(`${stack.urls.public}/account/licences`);
        await see(page.locator('#prove-identity h2'), ww(lang, 'walletNeedsIdentityTitle'));
        await see(page.locator('#prove-identity'), new RegExp(ww(lang, 'walletNeedsIdentity').slice(0, 20)));
        const prove = page.getByRole('link', { name: ww(lang, 'walletProveIdentity') });
        // Resolved as the browser does (against the page's base).
        expect(new URL(await prove.evaluate((a) => (a as unknown as { href: string }).href)).pathname).toBe(
          '/account/identity',
        );
        expect(await page.locator('#licences').count()).toBe(0);
        await clean(page);
      }
      await context.close();
    }, 90_000);

    it(`shows a company's licences to its legal representative on the company's own page, and shares one (${lang})`, async () => {
      const company = DEMO_COMPANIES[0]!;
      const context = await newContext(browser, lang, { bypassCSP: true });
      const page = await context.newPage();
      await page.goto(`${stack.urls.public}/account/licences`);
      await signIn(page, lang, 'chen.ming');
      for (const viewport of Object.values(VIEWPORTS)) {
        await page.setViewportSize(viewport);
        await page.goto(`${stack.urls.public}/account/licences`);
        // His own wallet (proved, nothing issued to him) and the company he represents.
        await see(page.locator('main'), new RegExp(t(lang, 'noLicences')));
        const entry = page.locator(`#company-wallets li[data-company="${company.uscc}"]`);
        await see(entry, new RegExp(ww(lang, 'roleLegalRepresentative')));
        await clean(page);
        await entry.getByRole('link', { name: company.name }).click();
        await see(page.locator('h1'), ww(lang, 'companyLicencesTitle', { company: company.name }));
        const card = page.locator('#licences > li', {
          hasText: lang === 'en' ? 'Business licence' : '营业执照',
        });
        await see(card.locator('.issuer'), lang === 'en' ? /Market Regulation Bureau/ : /市场监督管理局/);
        await clean(page);
        await card.getByRole('link').first().click();
        await see(page.locator('#licence-holder'), company.name);
        await clean(page);
      }
      // Sharing works for the company's licence as for a person's.
      await page.getByLabel(lang === 'en' ? 'Legal representative' : '法定代表人', { exact: true }).check();
      await page.getByLabel(t(lang, 'purpose')).fill(`tender ${lang}`);
      await page.getByRole('button', { name: t(lang, 'createLink') }).click();
      await see(page.locator('h1'), t(lang, 'linkReady'));
      const link = (await page.locator('#share-link').getAttribute('href'))!;
      const verifier = await context.newPage();
      await verifier.goto(link);
      await see(verifier.locator('#verdict'), new RegExp(t(lang, 'valid')));
      await see(verifier.locator('#shared-fields [data-claim="legal_representative"]'), '陈明');
      await clean(verifier);
      // The check shows on the company's own page of checks, not as one of his.
      await page.goto(`${stack.urls.public}/account/companies/${company.uscc}/verifications`);
      await see(page.locator('h1'), ww(lang, 'companyVerifications'));
      await see(
        page.locator('#receipts > li', { hasText: `tender ${lang}` }).locator('h2'),
        lang === 'en' ? 'Business licence' : '营业执照',
      );
      await clean(page);
      await page.goto(`${stack.urls.public}/account/verifications`);
      expect(await page.locator('#receipts').textContent()).not.toContain(`tender ${lang}`);
      await context.close();
    }, 120_000);
  }
});
