import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { totpCode } from '../../libs/accounts/index.ts';
import { createPerson } from '../../testkit/oidc-flow.ts';
import { startTestStack } from '../../testkit/stack.ts';
import { auditEvents } from '../support/audit.ts';
import { launchChromium, newContext, see, seriousViolations } from '../support/browser.ts';

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

const password = async (page: Page, username: string, secret: string) => {
  await page.getByLabel('Login name').fill(username);
  await page.getByLabel(/^Password$/).fill(secret);
  await page.getByRole('button', { name: /^Sign in$/ }).click();
};
const allowIfAsked = async (page: Page) => {
  const allow = page.getByRole('button', { name: 'Allow', exact: true });
  if (await allow.isVisible({ timeout: 2000 }).catch(() => false)) await allow.click();
};

describe('the security console in a real browser', () => {
  it('lets an auditor in with SSO and TOTP: charts, search, an event with its chain proof, alerts', async () => {
    // Something to find: the citizen signs in to the account portal, and a burst of bad guesses.
    const citizen = await newContext(browser, 'en', { bypassCSP: true });
    const portal = await citizen.newPage();
    await portal.goto(`${stack.urls.public}/account/activity`);
    await password(portal, 'zhang.san', 'demo-citizen-2026');
    await portal.getByRole('button', { name: 'Not now' }).click();
    await allowIfAsked(portal);
    await see(portal.locator('h1'), 'My activity');
    await see(portal.locator('#activity li[data-type="login.success"] h3').first(), 'Signed in');
    await see(portal.locator('#sites'), /yitong account/);
    expect(await seriousViolations(portal)).toEqual([]);
    const guesser = await (await newContext(browser, 'en')).newPage();
    for (let i = 0; i < 10; i++) {
      await guesser.goto(`${stack.urls.public}/account/licences`);
      await password(guesser, 'li.si', `not-the-password-${i}`);
    }
    await stack.checkpoint();

    const auditor = stack.demo.accounts.find((a) => a.loginName === 'wang.wu')!;
    const context = await newContext(browser, 'en', { bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${stack.urls.intranet}/audit/console`);
    await password(page, auditor.loginName, auditor.password);
    await page.getByLabel('Security code').fill(totpCode(auditor.totpSecret!));
    await page.getByRole('button', { name: 'Continue' }).click();
    await allowIfAsked(page);

    await see(page.locator('h1'), 'Security console');
    expect(await page.locator('#charts figure').count()).toBe(5);
    await see(page.locator('#charts figure[data-type="login.failure"] figcaption'), /^Sign-in failed: 10$/);
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole('link', { name: 'Alerts' }).click();
    await see(page.locator('h1'), 'Alerts');
    expect(await page.locator('#alerts tr[data-rule="brute-force"]').count()).toBe(1);

    await page.getByRole('link', { name: 'Search the audit trail' }).click();
    await page.locator('#type').selectOption('login.success');
    await page.locator('#zone').selectOption('public');
    await page.getByRole('button', { name: 'Search' }).click();
    const rows = page.locator('#events tbody tr');
    expect(await rows.count()).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);
    await rows.first().getByRole('link').click();
    await see(page.locator('#proof'), /^Intact: covered by the checkpoint signed/);
    expect(await seriousViolations(page)).toEqual([]);

    // The export link downloads the same search as CSV.
    await page.getByRole('link', { name: 'Search the audit trail' }).click();
    await page.locator('#type').selectOption('login.failure');
    await page.getByRole('button', { name: 'Search' }).click();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Export CSV' }).click(),
    ]);
    const csv = await (await import('node:fs/promises')).readFile((await download.path())!, 'utf8');
    expect(
      csv
        .trim()
        .split('\r\n')
        .filter((l) => l.includes(',login.failure,')),
    ).toHaveLength(10);
    await context.close();
    await citizen.close();
  });

  it('steps an auditor without a second factor up to setting one up', async () => {
    const person = await createPerson(stack, { roles: ['staff', 'auditor'], totp: false });
    const context = await newContext(browser, 'en');
    const page = await context.newPage();
    await page.goto(`${stack.urls.intranet}/audit/console`);
    await password(page, person.username, person.password);
    await see(page.locator('h1'), 'Set up an authenticator app');
    const secret = (await page.locator('#totp-secret').textContent())!.trim();
    await page.getByLabel('Security code').fill(totpCode(secret));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: /I have saved them/ }).click();
    await allowIfAsked(page);
    await see(page.locator('h1'), 'Security console');
    await context.close();
  });

  it('refuses a civil servant who is not an auditor, and records why', async () => {
    const person = await createPerson(stack, { roles: ['staff'], totp: true });
    const context = await newContext(browser, 'en');
    const page = await context.newPage();
    await page.goto(`${stack.urls.intranet}/audit/console/events`);
    await password(page, person.username, person.password);
    await page.getByLabel('Security code').fill(totpCode(person.totpSecret!));
    await page.getByRole('button', { name: 'Continue' }).click();
    await allowIfAsked(page);
    await see(page.locator('h1'), 'You cannot use the security console');
    expect(await page.locator('#events').count()).toBe(0);
    const denied = (await auditEvents(stack)).filter(
      (e) => e.type === 'policy.denied' && e.actor === person.accountId,
    );
    expect(denied).toHaveLength(1);
    expect(denied[0]).toMatchObject({
      zone: 'intranet',
      resource: 'Yitong::Route::GET /audit/console/events',
    });
    await context.close();
  });
});
