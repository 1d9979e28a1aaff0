import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startDepartmentSite } from '../../examples/department-site/site.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import { AccountStore, totpCode } from '../../libs/accounts/index.ts';
import { createDynamoClient } from '../../libs/store/index.ts';
import { createPerson } from '../../testkit/oidc-flow.ts';
import { startTestStack } from '../../testkit/stack.ts';
import { auditEvents } from '../support/audit.ts';
import {
  addVirtualAuthenticator,
  launchChromium,
  newContext,
  pageProblems,
  see,
  VIEWPORTS,
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

const noticesTo = (loginName: string, notice: string) =>
  stack.outbox.messages.filter(
    (m) => m.to.loginName === loginName && m.kind === 'notice' && m.notice === notice,
  );

describe('passkeys in the account centre, in a real browser', () => {
  it('renames and removes a passkey (which then no longer signs in), and adds one again', async () => {
    const context = await newContext(browser, 'en', { bypassCSP: true });
    const page = await context.newPage();
    const authenticator = await addVirtualAuthenticator(context, page);
    const tax = stack.demo.sites.tax.url;
    const login = 'passkey.keeper';
    const password = 'passkey keeper password';
    await page.goto(`${tax}/login`);
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByLabel('Full name').fill('Passkey Keeper');
    await page.getByLabel('Login name').fill(login);
    await page.getByLabel('Email address (optional)').fill('passkey.keeper@example.cn');
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByRole('button', { name: 'Allow', exact: true }).click();
    await page.waitForURL((url) => !url.pathname.includes('/interaction/'));
    expect(await authenticator.credentials()).toHaveLength(1);
    const accounts = new AccountStore(
      createDynamoClient({ endpoint: stack.dynamodbEndpoint }),
      stack.tables.identity,
    );
    const accountId = (await accounts.findByLoginName(login))!.id;

    // Signed in with the passkey a moment ago (single sign-on): fresh at level 3.
    await page.goto(`${stack.urls.public}/account/security`);
    await see(page.locator('h1'), 'Sign-in and security');
    await see(page.locator('#fresh'), /you can make changes/);
    await see(page.locator('#passkeys h3'), 'Passkey');
    await see(page.locator('#passkeys dd').nth(0), /Beijing time/);
    await see(page.locator('#passkeys dd').nth(1), 'Not used yet');
    for (const size of Object.values(VIEWPORTS)) {
      await page.setViewportSize(size);
      expect(await pageProblems(page)).toEqual([]);
    }

    await page.getByLabel('Name').first().fill('My laptop');
    await page.getByRole('button', { name: /^Rename\W+Passkey$/ }).click();
    await see(page.locator('#done'), 'The passkey was renamed.');
    await see(page.locator('#passkeys h3'), 'My laptop');

    // The last passkey: the page says what removing it means, and asks the person to say they understand.
    await page.getByRole('button', { name: /^Remove\W+My laptop$/ }).click();
    await see(page.locator('.error-summary'), /Tick the box/);
    expect(await pageProblems(page)).toEqual([]);
    await page.getByLabel('I understand: remove it anyway').check();
    await page.getByRole('button', { name: /^Remove\W+My laptop$/ }).click();
    await see(page.locator('#done'), /The passkey was removed/);
    await see(page.locator('#no-passkeys'), 'You have no passkey.');
    await see(page.locator('#level'), /level 1/);

    // The device still holds it, but it no longer signs in.
    expect(await authenticator.credentials()).toHaveLength(1);
    await context.clearCookies();
    await page.goto(`${stack.demo.sites.housing.url}/login`);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await see(page.locator('#passkey-error'), 'That passkey is not recognised.');

    // Signed in again with the password (all the account has now): a new passkey, named.
    await page.goto(`${stack.urls.public}/account/security`);
    await page.waitForURL((url) => url.pathname.includes('/interaction/'));
    await page.getByLabel('Login name').fill(login);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    // The sign-in offers to protect an account with nothing but a password: not now.
    await page.locator('#not-now').click();
    await page.waitForURL((url) => url.pathname.startsWith('/account/security'));
    await see(page.locator('#fresh'), /you can make changes/);
    await page.getByLabel('Name').fill('My phone');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await see(page.locator('#done'), /The passkey was added/);
    await see(page.locator('#passkeys h3'), 'My phone');

    await context.clearCookies();
    await page.goto(`${stack.demo.sites.housing.url}/login`);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page
      .getByRole('button', { name: 'Allow', exact: true })
      .click()
      .catch(() => undefined);
    await see(page.locator('#acr'), 'urn:yitong:loa:3');

    // Each act once in the audit trail, and told to the person.
    const trail = (await auditEvents(stack)).filter((e) => e.subject === accountId);
    expect(trail.filter((e) => e.type === 'mfa.passkey_renamed')).toHaveLength(1);
    expect(trail.filter((e) => e.type === 'mfa.passkey_removed')).toHaveLength(1);
    expect(trail.filter((e) => e.type === 'mfa.enrolled')).toHaveLength(2);
    await vi.waitFor(() => {
      expect(noticesTo(login, 'passkey-removed')).toHaveLength(1);
      expect(noticesTo(login, 'passkey-added')).toHaveLength(2);
    });
    // The passkey that signed in last says so.
    await page.goto(`${stack.urls.public}/account/security`);
    await see(page.locator('#passkeys dd').nth(1), /Beijing time/);
    await context.close();
  });

  it('replaces the authenticator app and makes new recovery codes, in Chinese, every page accessible', async () => {
    const person = await createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: true });
    const context = await newContext(browser, 'zh-CN', { bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${stack.urls.public}/account/security`);
    await page.getByLabel('登录名').fill(person.username);
    await page.getByLabel('密码', { exact: true }).fill(person.password);
    await page.getByRole('button', { name: '登录', exact: true }).click();
    await page.getByLabel('安全验证码').fill(totpCode(person.totpSecret!));
    await page.getByRole('button', { name: '继续' }).click();
    await page.waitForURL((url) => url.pathname === '/account/security');
    await see(page.locator('h1'), '登录与安全');
    expect(await pageProblems(page)).toEqual([]);

    await page.getByRole('link', { name: '更换身份验证器应用' }).click();
    await see(page.locator('h1'), '设置身份验证器应用');
    expect(await pageProblems(page)).toEqual([]);
    const secret = ((await page.locator('#totp-secret').textContent()) ?? '').trim();
    await page.getByLabel('安全码').fill('123456');
    await page.getByRole('button', { name: '确认新应用' }).click();
    await see(page.locator('.error-summary'), /验证码/);
    expect(await pageProblems(page)).toEqual([]);
    await page.getByLabel('安全码').fill(totpCode(secret));
    await page.getByRole('button', { name: '确认新应用' }).click();
    await see(page.locator('#done'), /新的身份验证器应用已设置/);

    await page.getByRole('button', { name: '重新生成恢复码' }).click();
    await see(page.locator('h1'), '您的新恢复码');
    expect(await page.locator('#recovery-codes li').count()).toBe(10);
    expect(await pageProblems(page)).toEqual([]);
    await context.close();
  });

  it('refuses to leave a staff account without a second factor, and says what to do instead', async () => {
    const person = await createPerson(stack, { kind: 'staff', roles: ['staff'], totp: false });
    const context = await newContext(browser, 'en', { bypassCSP: true });
    const page = await context.newPage();
    await addVirtualAuthenticator(context, page);
    await page.goto(`${stack.urls.public}/account/security`);
    await page.getByLabel('Login name').fill(person.username);
    await page.getByLabel('Password', { exact: true }).fill(person.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.waitForURL((url) => url.pathname === '/account/security');
    await see(page.locator('#fresh'), /you can make changes/);
    await see(page.locator('#passkeys .notice'), /must keep a second factor/);
    expect(await page.getByLabel('I understand: remove it anyway').count()).toBe(0);
    await page.getByRole('button', { name: /^Remove\W+Passkey$/ }).click();
    await see(page.locator('.error-summary'), /add an authenticator app first/);
    await see(page.locator('#passkeys h3'), 'Passkey');
    const trail = (await auditEvents(stack)).filter((e) => e.subject === person.accountId);
    expect(trail.filter((e) => e.type === 'mfa.passkey_removed')).toEqual([]);
    await context.close();
  });
});
