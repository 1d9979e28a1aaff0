import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cw } from '../../functions/admin/words.ts';
import { DEMO_RESIDENTS } from '../../infra/local/registry-twin.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import { AccountStore, totpCode } from '../../libs/accounts/index.ts';
import { createDynamoClient } from '../../libs/store/index.ts';
import { type Lang, t } from '../../libs/web/index.ts';
import { createPerson } from '../../testkit/oidc-flow.ts';
import { startTestStack } from '../../testkit/stack.ts';
import { launchChromium, newContext, pageProblems, see, VIEWPORTS } from '../support/browser.ts';
import { proveAs, stackProofing } from '../support/proving.ts';

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

const clean = async (page: Page) => expect(await pageProblems(page)).toEqual([]);
const cleanAtEveryWidth = async (page: Page) => {
  for (const viewport of Object.values(VIEWPORTS)) {
    await page.setViewportSize(viewport);
    await clean(page);
  }
  await page.setViewportSize(VIEWPORTS.desktop);
};

const signInAtDesk = async (page: Page, lang: Lang, who: Awaited<ReturnType<typeof createPerson>>) => {
  await page.goto(`${stack.urls.intranet}/admin/console/support`);
  await page.getByLabel(t(lang, 'username')).fill(who.username);
  await page.getByLabel(t(lang, 'password'), { exact: true }).fill(who.password);
  await page.getByRole('button', { name: t(lang, 'signIn'), exact: true }).click();
  await page.getByLabel(t(lang, 'otp')).fill(totpCode(who.totpSecret!));
  await page.getByRole('button', { name: t(lang, 'continue') }).click();
  await see(page.locator('h1'), t(lang, 'support_title'));
};

describe('the help desk in a real browser', () => {
  for (const lang of ['en', 'zh-CN'] as const) {
    it(`asks for a reason, finds the person, re-checks their ID card and resets their second factor (${lang})`, async () => {
      const support = await createPerson(stack, { roles: ['staff', 'support'], totp: true });
      const person = await createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: true });
      const resident = DEMO_RESIDENTS.find((r) => r.nameEn === (lang === 'en' ? 'Zhang San' : 'Chen Ming'))!;
      await proveAs(stackProofing(stack), person.accountId, resident);
      const context = await newContext(browser, lang, { bypassCSP: true });
      const page = await context.newPage();
      await signInAtDesk(page, lang, support);
      await cleanAtEveryWidth(page);

      // No reason: refused, and said so on the form.
      await page.getByLabel(cw(lang, 'support_q')).fill(person.username);
      await page.getByRole('button', { name: cw(lang, 'support_find') }).click();
      await see(page.locator('#error-summary li'), cw(lang, 'support_errReason'));
      await clean(page);

      await page.locator('#find-reason').fill('ticket 5150: lost phone with the authenticator app');
      await page.getByRole('button', { name: cw(lang, 'support_find') }).click();
      await see(page.locator('#person-0 .login'), person.username);
      await expect(page.locator('#person-0 .totp').getAttribute('data-totp')).resolves.toBe('true');
      await cleanAtEveryWidth(page);

      await page.locator('#recheck-name-0').fill(resident.name);
      await page.locator('#recheck-number-0').fill(resident.residentId);
      await page.locator('#recheck-confirm-0').check();
      await page.getByRole('button', { name: cw(lang, 'support_recheck') }).click();
      await see(
        page.locator('#recheck-recorded'),
        cw(lang, 'support_recheckRecorded', { login: person.username }),
      );
      await cleanAtEveryWidth(page);

      await page.locator('#reset-factor-reason-0').fill('ticket 5150: identity re-checked at the desk');
      await page.getByRole('button', { name: cw(lang, 'support_resetFactor') }).click();
      await see(page.locator('#support-done'), cw(lang, 'support_resetDone', { login: person.username }));
      await expect(page.locator('#person-0 .totp').getAttribute('data-totp')).resolves.toBe('false');
      await cleanAtEveryWidth(page);
      await context.close();

      const accounts = new AccountStore(
        createDynamoClient({ endpoint: stack.dynamodbEndpoint }),
        stack.tables.identity,
      );
      const after = await accounts.findById(person.accountId);
      expect(after?.totp).toBeUndefined();
      expect(after?.mustEnrolSecondFactor).toBe(true);
    });
  }
});
