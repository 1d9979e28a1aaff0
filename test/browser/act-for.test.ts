import * as oidc from 'openid-client';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sw } from '../../functions/oidc/words.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import { t } from '../../libs/web/index.ts';
import { companyWithAgent } from '../../testkit/companies.ts';
import { clientConfig, registerClient } from '../../testkit/oidc-flow.ts';
import { startTestStack } from '../../testkit/stack.ts';
import { launchChromium, newContext, pageProblems, see, VIEWPORTS } from '../support/browser.ts';

let stack: LocalStack;
let browser: Browser;
let people: Awaited<ReturnType<typeof companyWithAgent>>;

const SITE = 'tax-company-desk';
const SITE_NAME = '企业办税 Company tax desk';
const callbackOf = () => `${stack.urls.public}/act-for-test-callback`;

beforeAll(async () => {
  stack = await startTestStack();
  await registerClient(stack, 'public', SITE, {
    client_name: SITE_NAME,
    redirect_uris: [callbackOf()],
    yitong_accepts_companies: true,
  });
  people = await companyWithAgent(stack, [SITE]);
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('the act-for page, in Chinese and English, at desktop and 320 px', () => {
  for (const lang of ['zh-CN', 'en'] as const) {
    it(`lets an agent choose the company by its label (a plain form), axe clean (${lang})`, async () => {
      const context = await newContext(browser, lang, { bypassCSP: true });
      const page = await context.newPage();
      await page.setViewportSize(VIEWPORTS.desktop);
      const config = await clientConfig(stack, 'public', SITE);
      const verifier = oidc.randomPKCECodeVerifier();
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: callbackOf(),
        scope: 'openid',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      });
      await page.goto(url.href);
      await page.getByLabel(t(lang, 'username')).fill(people.agent.username);
      await page.getByLabel(t(lang, 'password'), { exact: true }).fill(people.agent.password);
      await page.getByRole('button', { name: t(lang, 'signIn'), exact: true }).click();
      const notNow = page.getByRole('button', { name: t(lang, 'notNow') });
      if (await notNow.isVisible({ timeout: 3000 }).catch(() => false)) await notNow.click();
      const allow = page.getByRole('button', { name: t(lang, 'allow'), exact: true });
      if (await allow.isVisible({ timeout: 2000 }).catch(() => false)) await allow.click();

      // The choice: for myself (chosen unless the person picks), or the company, named in words.
      await see(page.locator('h1'), sw(lang, 'actForTitle'));
      await see(page.locator('main'), new RegExp(SITE_NAME));
      const self = page.getByLabel(sw(lang, 'actForSelf'));
      expect(await self.isChecked()).toBe(true);
      const companyLabel = sw(lang, 'actForCompany', {
        company: people.company.name,
        uscc: people.company.uscc,
        role: sw(lang, 'actForRoleAgent'),
      });
      for (const viewport of Object.values(VIEWPORTS)) {
        await page.setViewportSize(viewport);
        expect(await pageProblems(page)).toEqual([]);
      }
      await page.getByLabel(companyLabel).check();
      await page.getByRole('button', { name: t(lang, 'continue'), exact: true }).click();

      // Back at the site, whose tokens name the company next to the person.
      await page.waitForURL((u) => u.href.startsWith(callbackOf()));
      const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url()), {
        pkceCodeVerifier: verifier,
      });
      expect(tokens.claims()?.yitong_represents).toMatchObject({
        uscc: people.company.uscc,
        role: 'agent',
      });
      await context.close();
    });
  }
});
