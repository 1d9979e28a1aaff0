import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aw } from '../../functions/account/words.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import { AccountStore } from '../../libs/accounts/index.ts';
import { createDynamoClient } from '../../libs/store/index.ts';
import { type Lang, t } from '../../libs/web/index.ts';
import { createPerson } from '../../testkit/oidc-flow.ts';
import { startTestStack } from '../../testkit/stack.ts';
import { launchChromium, newContext, pageProblems, see, VIEWPORTS } from '../support/browser.ts';

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

/** No serious axe violation and no sideways scrolling, at desktop width and at 320 px. */
const cleanAtEveryWidth = async (page: Page) => {
  for (const viewport of Object.values(VIEWPORTS)) {
    await page.setViewportSize(viewport);
    expect(await pageProblems(page)).toEqual([]);
  }
  await page.setViewportSize(VIEWPORTS.desktop);
};

/** The newest code the outbox holds for an account (delivery runs in the background). */
const codeFor = async (accountId: string, purpose: 'email' | 'phone'): Promise<string> => {
  for (let i = 0; i < 100; i++) {
    const m = [...stack.outbox.messages]
      .reverse()
      .find((m) => m.to.accountId === accountId && m.kind === 'contact-code' && m.purpose === purpose);
    if (m && 'code' in m) return m.code;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no ${purpose} code for ${accountId}`);
};

describe('the contact details page in a real browser', () => {
  for (const lang of ['en', 'zh-CN'] as const satisfies readonly Lang[]) {
    it(`changes the email and verifies a phone with their codes, accessible at every width (${lang})`, async () => {
      const person = await createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: false });
      const accounts = new AccountStore(
        createDynamoClient({ endpoint: stack.dynamodbEndpoint }),
        stack.tables.identity,
      );
      await accounts.update((await accounts.findById(person.accountId))!, {
        email: `${person.username}@example.gov`,
      });
      const context = await newContext(browser, lang, { bypassCSP: true });
      const page = await context.newPage();
      await page.goto(`${stack.urls.public}/account/licences`);
      await page.getByLabel(t(lang, 'username')).fill(person.username);
      await page.getByLabel(t(lang, 'password'), { exact: true }).fill(person.password);
      await page.getByRole('button', { name: t(lang, 'signIn'), exact: true }).click();
      const notNow = page.getByRole('button', { name: t(lang, 'notNow') });
      if (await notNow.isVisible({ timeout: 3000 }).catch(() => false)) await notNow.click();

      await page
        .getByRole('link', { name: aw(lang, 'nav_contact') })
        .first()
        .click();
      await see(page.locator('h1'), aw(lang, 'contact_title'));
      await cleanAtEveryWidth(page);

      // A new address: its code first, then it counts.
      await page.getByLabel(aw(lang, 'contact_newEmail')).fill(`new.${person.username}@example.gov`);
      await page
        .locator('#email-form')
        .getByRole('button', { name: aw(lang, 'contact_sendCode') })
        .click();
      await see(page.locator('#email-code-sent'), /new\./);
      expect(await page.locator('#email-otp').getAttribute('autocomplete')).toBe('one-time-code');
      await page
        .locator('#email-otp')
        .fill('000000' === (await codeFor(person.accountId, 'email')) ? '111111' : '000000');
      await page
        .locator('#email-code-form')
        .getByRole('button', { name: aw(lang, 'contact_confirm') })
        .click();
      await see(page.locator('.error-summary'), new RegExp(aw(lang, 'contact_errCode').slice(0, 8)));
      await cleanAtEveryWidth(page);
      await page.locator('#email-otp').fill(await codeFor(person.accountId, 'email'));
      await page
        .locator('#email-code-form')
        .getByRole('button', { name: aw(lang, 'contact_confirm') })
        .click();
      await see(page.locator('#contact-done'), aw(lang, 'contact_doneEmail'));
      await see(page.locator('#current-email'), `new.${person.username}@example.gov`);

      // A phone: a landline is refused with what to type instead, a mobile is verified by SMS.
      await page.getByRole('textbox', { name: aw(lang, 'contact_newPhone') }).fill('010 6512 3456');
      await page
        .locator('#phone-form')
        .getByRole('button', { name: aw(lang, 'contact_sendCode') })
        .click();
      await see(page.locator('#phone-error'), aw(lang, 'contact_errPhone'));
      await cleanAtEveryWidth(page);
      await page.getByRole('textbox', { name: aw(lang, 'contact_newPhone') }).fill('136 1111 2222');
      await page
        .locator('#phone-form')
        .getByRole('button', { name: aw(lang, 'contact_sendCode') })
        .click();
      await see(page.locator('#phone-code-sent'), /\+86 136\*\*\*\*2222/);
      await page.locator('#phone-otp').fill(await codeFor(person.accountId, 'phone'));
      await page
        .locator('#phone-code-form')
        .getByRole('button', { name: aw(lang, 'contact_confirm') })
        .click();
      await see(page.locator('#contact-done'), aw(lang, 'contact_donePhone'));
      await see(page.locator('#current-phone'), '+86 136****2222');
      await cleanAtEveryWidth(page);
      expect((await accounts.findById(person.accountId))!.phone).toBe('+8613611112222');
      await context.close();
    });
  }
});
