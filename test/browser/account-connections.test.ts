import * as oidc from 'openid-client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aw } from '../../functions/account/words.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import { type Lang, t } from '../../libs/web/index.ts';
import { clientConfig, createPerson, registerClient } from '../../testkit/oidc-flow.ts';
import { startTestStack } from '../../testkit/stack.ts';
import type { SignInOptions } from '../../testkit/user-agent.ts';
import { launchChromium, newContext, pageProblems, see, VIEWPORTS } from '../support/browser.ts';

let stack: LocalStack;
let browser: Browser;

/** A department site (of the Tax Bureau) the person signs in to by single sign-on. */
const SITE = 'tax-connections-browser';
const SITE_NAME = '电子税务局 Online tax office';
const TAX: Record<Lang, string> = { 'zh-CN': '税务局', en: 'Tax Bureau' };
/** Its callback: any address the browser can reach; only the code in it counts. */
const callbackOf = () => `${stack.urls.public}/sso-test-callback`;

beforeAll(async () => {
  stack = await startTestStack();
  await registerClient(stack, 'public', SITE, { client_name: SITE_NAME, redirect_uris: [callbackOf()] });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const clean = async (page: Page) => expect(await pageProblems(page)).toEqual([]);

/** Signs in on the sign-in page in front of the person, skipping the offer of a second factor. */
const signIn = async (page: Page, lang: Lang, who: SignInOptions) => {
  await page.getByLabel(t(lang, 'username')).fill(who.username);
  await page.getByLabel(t(lang, 'password'), { exact: true }).fill(who.password);
  await page.getByRole('button', { name: t(lang, 'signIn'), exact: true }).click();
  const notNow = page.getByRole('button', { name: t(lang, 'notNow') });
  if (await notNow.isVisible({ timeout: 3000 }).catch(() => false)) await notNow.click();
};

/** Signs in at the site in `context` (single sign-on when it has a session), allowing it, and exchanges the code. */
const useSite = async (context: BrowserContext, lang: Lang, who: SignInOptions) => {
  const config = await clientConfig(stack, 'public', SITE);
  const verifier = oidc.randomPKCECodeVerifier();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: callbackOf(),
    scope: 'openid profile',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  const page = await context.newPage();
  await page.goto(url.href);
  if (new URL(page.url()).pathname.endsWith('/login') || (await page.getByLabel(t(lang, 'username')).count()))
    await signIn(page, lang, who);
  const allow = page.getByRole('button', { name: t(lang, 'allow'), exact: true });
  if (await allow.isVisible({ timeout: 3000 }).catch(() => false)) await allow.click();
  await page.waitForURL((u) => u.href.startsWith(callbackOf()));
  await oidc.authorizationCodeGrant(config, new URL(page.url()), { pkceCodeVerifier: verifier });
  await page.close();
};

describe('connected services and sessions at desktop and 320 px, in Chinese and English', () => {
  for (const lang of ['zh-CN', 'en'] as const) {
    it(`shows the services allowed and the sessions in words, withdraws and signs out with feedback (${lang})`, async () => {
      const who = await createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: false });
      const context = await newContext(browser, lang, { bypassCSP: true });
      const page = await context.newPage();
      await page.setViewportSize(VIEWPORTS.desktop);
      await page.goto(`${stack.urls.public}/account/services`);
      await signIn(page, lang, who);
      await see(page.locator('h1'), aw(lang, 'svc_title'));
      await see(page.locator('#services'), aw(lang, 'svc_none'));
      await useSite(context, lang, who);
      // Another device, signed in to the site on its own.
      const phone = await newContext(browser, lang);
      await useSite(phone, lang, who);

      for (const viewport of Object.values(VIEWPORTS)) {
        await page.setViewportSize(viewport);
        await page.goto(`${stack.urls.public}/account/services`);
        const card = page.locator(`#services > li[data-client="${SITE}"]`);
        await see(card.locator('h2'), SITE_NAME);
        await see(card.locator('.department'), TAX[lang]);
        await see(card.locator('.access li').first(), t(lang, 'scope_openid'));
        await see(card.locator('.access li').nth(1), t(lang, 'scope_profile'));
        expect(await card.locator('.last-used').textContent()).not.toContain(aw(lang, 'svc_notUsed'));
        await clean(page);

        await page.goto(`${stack.urls.public}/account/sessions`);
        await see(page.locator('h1'), aw(lang, 'sess_title'));
        expect(await page.locator('#sessions > li').count()).toBe(2);
        const current = page.locator('#sessions > li.current');
        await see(current.locator('h2 .tag'), aw(lang, 'sess_this'));
        await see(
          current.locator('h2'),
          new RegExp(aw(lang, 'sess_deviceOn', { browser: 'Chrome', system: 'Linux' })),
        );
        await see(current.locator('.network'), /\/(24|48)/);
        await clean(page);
      }

      // Signing out of the other device's session: it goes, this one stays.
      await page.goto(`${stack.urls.public}/account/sessions`);
      const other = page.locator('#sessions > li:not(.current)');
      await see(other.locator('.sites'), SITE_NAME);
      await other.getByRole('button', { name: new RegExp(aw(lang, 'sess_end')) }).click();
      await see(page.locator('#ended-notice'), aw(lang, 'sess_ended'));
      expect(await page.locator('#sessions > li').count()).toBe(1);
      await clean(page);

      // Withdrawing the site's access: the notice names it, and it is no longer listed.
      await page.goto(`${stack.urls.public}/account/services`);
      await page
        .locator(`#services > li[data-client="${SITE}"]`)
        .getByRole('button', { name: new RegExp(aw(lang, 'svc_withdraw')) })
        .click();
      await see(page.locator('#withdrawn-notice'), aw(lang, 'svc_withdrawn', { name: SITE_NAME }));
      expect(await page.locator(`#services > li[data-client="${SITE}"]`).count()).toBe(0);
      await clean(page);

      // Signing out everywhere ends this browser's account centre session too.
      await page.goto(`${stack.urls.public}/account/sessions`);
      await page.getByRole('button', { name: aw(lang, 'sess_endAll'), exact: true }).click();
      await see(page.locator('h1'), aw(lang, 'sess_signedOutTitle'));
      await see(page.locator('#signed-out'), aw(lang, 'sess_signedOutLead'));
      await clean(page);
      await page.goto(`${stack.urls.public}/account/sessions`);
      await see(page.locator('button', { hasText: t(lang, 'signIn') }), t(lang, 'signIn'));
      await phone.close();
      await context.close();
    });
  }
});
