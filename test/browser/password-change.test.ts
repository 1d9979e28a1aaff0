import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDepartmentSite } from '../../examples/department-site/site.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import { startTestStack } from '../../testkit/stack.ts';
import {
  addVirtualAuthenticator,
  launchChromium,
  newContext,
  see,
  seriousViolations,
} from '../support/browser.ts';

let stack: LocalStack;
let browser: Browser;

beforeAll(async () => {
  stack = await startTestStack({ demoSites: { tax: 0, housing: 0 }, startDemoSite: startDepartmentSite });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('password change on a passkey account', () => {
  it('is confirmed with the passkey in the same form, and refused without it', async () => {
    const context = await newContext(browser, 'en', { bypassCSP: true });
    const page = await context.newPage();
    const authenticator = await addVirtualAuthenticator(context, page);
    const tax = stack.demo.sites.tax.url;
    await page.goto(`${tax}/login`);
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByLabel('Full name').fill('Passkey Changer');
    await page.getByLabel('Login name').fill('passkey.changer');
    await page.getByLabel('Password').fill('passkey changer first');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByRole('button', { name: 'Allow', exact: true }).click();
    await page.waitForURL((url) => !url.pathname.includes('/interaction/'));
    expect(await authenticator.credentials()).toHaveLength(1);

    const fill = async (next: string) => {
      await page.goto(`${stack.urls.public}/password/change?lang=en`);
      await page.getByLabel('Login name').fill('passkey.changer');
      await page.getByLabel('Current password').fill('passkey changer first');
      await page.getByLabel(/^Password$/).fill(next);
    };
    await fill('without the passkey');
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Continue' }).click();
    await see(page.locator('.error-summary'), /protected by a passkey/);

    await fill('passkey changer second');
    await page.getByRole('button', { name: 'Confirm with a passkey and change' }).click();
    await see(page.locator('h1'), 'Change your password');
    await see(page.locator('.lead'), 'Your password has been changed.');
    await context.close();
  });
});
