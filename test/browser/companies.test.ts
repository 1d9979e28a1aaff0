import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aw } from '../../functions/account/words.ts';
import { cw } from '../../functions/admin/words.ts';
import { DEMO_COMPANIES, DEMO_RESIDENTS, type DemoResident } from '../../infra/local/registry-twin.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import { totpCode } from '../../libs/accounts/index.ts';
import { claimClientName } from '../../libs/oidc/index.ts';
import { createDynamoClient } from '../../libs/store/index.ts';
import { type Lang, t } from '../../libs/web/index.ts';
import { createPerson, registerClient } from '../../testkit/oidc-flow.ts';
import { startTestStack } from '../../testkit/stack.ts';
import { launchChromium, newContext, pageProblems, see, VIEWPORTS } from '../support/browser.ts';
import { proveAs, stackProofing } from '../support/proving.ts';

let stack: LocalStack;
let browser: Browser;

const CHEN = DEMO_RESIDENTS.find((r) => r.loginName === 'chen.ming')!;
const LIU = DEMO_RESIDENTS.find((r) => r.loginName === 'liu.fang')!;
const CLOSED = DEMO_COMPANIES.find((c) => c.status === 'closed')!;
const SITE = 'tax-company-portal';
const SITE_NAME = '企业电子税务局 Company tax office';

/** In each language a legal representative authorises the other person: Chen for company 0, Liu for company 1. */
const CASES: Record<
  Lang,
  { rep: DemoResident; agent: DemoResident; company: (typeof DEMO_COMPANIES)[number] }
> = {
  'zh-CN': { rep: CHEN, agent: LIU, company: DEMO_COMPANIES[0]! },
  en: { rep: LIU, agent: CHEN, company: DEMO_COMPANIES[1]! },
};
const people = new Map<DemoResident, { username: string; password: string }>();

beforeAll(async () => {
  stack = await startTestStack();
  const doc = createDynamoClient({ endpoint: stack.dynamodbEndpoint });
  await claimClientName(doc, stack.tables.identity, 'tax', SITE_NAME, SITE);
  await registerClient(stack, 'public', SITE, { client_name: SITE_NAME, yitong_accepts_companies: true });
  const proving = stackProofing(stack);
  for (const resident of [CHEN, LIU]) {
    const person = await createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: false });
    await proveAs(proving, person.accountId, resident);
    people.set(resident, person);
  }
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const clean = async (page: Page) => expect(await pageProblems(page)).toEqual([]);

const signIn = async (page: Page, lang: Lang, who: { username: string; password: string }) => {
  await page.getByLabel(t(lang, 'username')).fill(who.username);
  await page.getByLabel(t(lang, 'password'), { exact: true }).fill(who.password);
  await page.getByRole('button', { name: t(lang, 'signIn'), exact: true }).click();
  const notNow = page.getByRole('button', { name: t(lang, 'notNow') });
  if (await notNow.isVisible({ timeout: 3000 }).catch(() => false)) await notNow.click();
  const allow = page.getByRole('button', { name: t(lang, 'allow'), exact: true });
  if (await allow.isVisible({ timeout: 2000 }).catch(() => false)) await allow.click();
};

/** A day in Beijing, `days` from today, as the date field takes it. */
const dayFromNow = (days: number) =>
  new Date(Date.now() + days * 86_400_000 + 8 * 3_600_000).toISOString().slice(0, 10);

describe('the company and agent pages at desktop and 320 px, in Chinese and English', () => {
  for (const lang of ['zh-CN', 'en'] as const) {
    it(`registers a company, refuses a closed one with its own page, authorises and revokes an agent (${lang})`, async () => {
      const { rep, agent, company } = CASES[lang];
      const context = await newContext(browser, lang, { bypassCSP: true });
      const page = await context.newPage();
      await page.setViewportSize(VIEWPORTS.narrow);
      await page.goto(`${stack.urls.public}/account/companies`);
      await signIn(page, lang, people.get(rep)!);
      await see(page.locator('h1'), aw(lang, 'company_title'));
      await see(page.locator('#companies'), aw(lang, 'company_none'));
      await clean(page);

      // A closed company: a page of its own that says why, and the way back.
      await page.getByLabel(t(lang, 'company_uscc')).fill(CLOSED.uscc);
      await page.getByRole('button', { name: aw(lang, 'company_register') }).click();
      await see(page.locator('h1'), aw(lang, 'company_refused_closed_title'));
      await clean(page);
      await page.getByRole('link', { name: aw(lang, 'company_tryAgain') }).click();

      // A malformed code: the error on the field, what was typed kept.
      await page.getByLabel(t(lang, 'company_uscc')).fill('12345');
      await page.getByRole('button', { name: aw(lang, 'company_register') }).click();
      expect(await page.locator('#error-summary a').allTextContents()).toEqual([t(lang, 'company_errUscc')]);
      expect(await page.getByLabel(t(lang, 'company_uscc')).inputValue()).toBe('12345');
      expect(await page.locator('#uscc').getAttribute('aria-invalid')).toBe('true');
      await clean(page);

      await page.getByLabel(t(lang, 'company_uscc')).fill(company.uscc.toLowerCase());
      await page.getByRole('button', { name: aw(lang, 'company_register') }).click();
      await see(page.locator('h1'), company.name);
      await see(page.locator('#notice'), aw(lang, 'company_registered'));
      await see(page.locator('#agents'), t(lang, 'company_noAgents'));
      const companyPage = page.url().replace(/\?.*$/, '');

      for (const viewport of Object.values(VIEWPORTS)) {
        await page.setViewportSize(viewport);
        await page.goto(companyPage);
        await clean(page);

        // Nothing filled in: every error listed, each linking to its field.
        await page.getByRole('button', { name: aw(lang, 'company_grant') }).click();
        expect(await page.locator('#error-summary a').allTextContents()).toEqual([
          aw(lang, 'company_errName'),
          aw(lang, 'company_errResidentId'),
          aw(lang, 'company_errScope'),
          aw(lang, 'company_errUntil'),
        ]);
        expect(
          await page.locator('#error-summary a').evaluateAll((as) => as.map((a) => a.getAttribute('href'))),
        ).toEqual(['#agentName', '#residentId', `#client-${SITE}`, '#until']);
        await clean(page);

        // Filled in: authorised for the one site until a date.
        await page.getByLabel(t(lang, 'company_agentName')).fill(agent.name);
        await page.getByLabel(aw(lang, 'company_residentId')).fill(agent.residentId);
        await page.getByLabel(SITE_NAME).check();
        await page.getByLabel(t(lang, 'company_until')).fill(dayFromNow(90));
        await page.getByRole('button', { name: aw(lang, 'company_grant') }).click();
        await see(page.locator('#notice'), aw(lang, 'company_grantedNotice'));
        const card = page.locator('#agents > li').first();
        await see(card.locator('h3'), agent.name);
        await see(card.locator('.scope'), new RegExp(SITE_NAME));
        await see(card.locator('.status'), t(lang, 'company_status_live'));
        await clean(page);

        // Revoked at once, and the page says so.
        const revoke = card.getByRole('button', { name: aw(lang, 'company_revoke') });
        // The button names whom it revokes, for a screen reader going from button to button.
        expect(await revoke.textContent()).toContain(agent.name);
        await revoke.click();
        await see(page.locator('#notice'), aw(lang, 'company_revokedNotice'));
        await see(page.locator('#agents > li').first().locator('.status'), t(lang, 'company_status_revoked'));
        expect(await page.locator('#agents form').count()).toBe(0);
        await clean(page);
      }

      // My companies: the company with my role, linking to its page.
      await page.goto(`${stack.urls.public}/account/companies`);
      const mine = page.locator(`#companies > li[data-company="${company.uscc}"]`);
      await see(mine.locator('.role'), aw(lang, 'company_role_legalRepresentative'));
      await see(mine.locator('.scope'), aw(lang, 'company_scopeAll'));
      await clean(page);
      await context.close();
    });
  }
});

describe('the admin console’s company look-up in a real browser', () => {
  for (const lang of ['zh-CN', 'en'] as const) {
    it(`shows an auditor who represents a company, with masked ID numbers, at desktop and 320 px (${lang})`, async () => {
      const { company, agent } = CASES['zh-CN'];
      const auditor = await createPerson(stack, { roles: ['staff', 'auditor'], totp: true });
      const context = await newContext(browser, lang, { bypassCSP: true });
      const page = await context.newPage();
      await page.goto(`${stack.urls.intranet}/admin/console/companies`);
      await page.getByLabel(t(lang, 'username')).fill(auditor.username);
      await page.getByLabel(t(lang, 'password'), { exact: true }).fill(auditor.password);
      await page.getByRole('button', { name: t(lang, 'signIn'), exact: true }).click();
      await page.getByLabel(t(lang, 'otp')).fill(totpCode(auditor.totpSecret!));
      await page.getByRole('button', { name: t(lang, 'continue') }).click();
      const allow = page.getByRole('button', { name: t(lang, 'allow'), exact: true });
      if (await allow.isVisible({ timeout: 2000 }).catch(() => false)) await allow.click();
      await see(page.locator('h1'), cw(lang, 'admin_companyLookup'));

      for (const viewport of Object.values(VIEWPORTS)) {
        await page.setViewportSize(viewport);
        await page.goto(`${stack.urls.intranet}/admin/console/companies`);
        await clean(page);
        await page.getByLabel(t(lang, 'company_uscc')).fill(company.uscc);
        await page.getByRole('button', { name: cw(lang, 'admin_companyFind') }).click();
        await see(page.locator('#company h2'), company.name);
        const row = page.locator('#agents tbody tr').first();
        await see(row.locator('td').first(), agent.name);
        await see(row.locator('td code'), /^\d{4}\*{10}\d{3}[\dX]$/);
        await clean(page);
      }
      await context.close();
    });
  }
});
