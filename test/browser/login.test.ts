import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalDemo } from '../../examples/department-site/local-demo.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import { totpCode } from '../../libs/accounts/index.ts';
import {
  addVirtualAuthenticator,
  launchChromium,
  newContext,
  see,
  seriousViolations,
} from '../support/browser.ts';

let stack: LocalStack;
let browser: Browser;
let tax: string;
let housing: string;

beforeAll(async () => {
  stack = await startLocalDemo({
    memory: true,
    ports: { public: 0, extranet: 0, intranet: 0 },
    demoSites: { tax: 0, housing: 0 },
  });
  tax = stack.demo.sites.tax.url;
  housing = stack.demo.sites.housing.url;
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const signInWithPassword = async (page: Page, username: string, password: string) => {
  await page.getByLabel(/Login name|登录名/).fill(username);
  await page.getByLabel(/^Password$|^密码$/).fill(password);
  await page.getByRole('button', { name: /^Sign in$|^登录$/ }).click();
};

const registerAccount = async (page: Page, site: string, username: string, password: string) => {
  await page.goto(`${site}/login`);
  await page.getByRole('link', { name: 'Create an account' }).click();
  await page.getByLabel('Full name').fill(`Test ${username}`);
  await page.getByLabel('Login name').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  // Registration from a service carries straight on into its sign-in: no password typed again.
  await page.waitForSelector('h1:not(:has-text("Create your account"))');
};

const allowIfAsked = async (page: Page) => {
  const allow = page.getByRole('button', { name: /^Allow$|^允许$/ });
  if (await allow.isVisible()) await allow.click();
};

describe('sign-in in a real browser', () => {
  it('signs in with a password, signs in to a second site without credentials, and signs out of both', async () => {
    const context = await newContext(browser, 'en');
    const page = await context.newPage();
    await page.goto(`${tax}/login`);
    await see(page.locator('h1'), 'Sign in');
    expect(await page.locator('input[name=username]').getAttribute('autocomplete')).toBe('username');
    expect(await page.locator('input[name=password]').getAttribute('autocomplete')).toBe('current-password');
    await signInWithPassword(page, 'zhang.san', 'demo-citizen-2026');
    await page.getByRole('button', { name: 'Not now' }).click();
    await page.getByRole('button', { name: 'Allow', exact: true }).click();
    await see(page.locator('#who'), /Zhang San/);

    await page.goto(`${housing}/login`);
    await allowIfAsked(page);
    await see(page.locator('#who'), /Zhang San/);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await see(page.locator('#who'), 'Not signed in.');
    await page.goto(`${tax}/`);
    await see(page.locator('#who'), 'Not signed in.');
    await context.close();
  });

  it('speaks Chinese by default and switches language on request', async () => {
    const context = await newContext(browser, 'zh-CN');
    const page = await context.newPage();
    await page.goto(`${tax}/login`);
    await see(page.locator('h1'), '登录');
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    await page.getByRole('link', { name: 'English' }).click();
    await see(page.locator('h1'), 'Sign in');
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await signInWithPassword(page, 'nobody', 'wrong-password');
    await see(page.locator('#error-summary'), /The login name or password is not right\./);
    await context.close();
  });

  it('enrols an authenticator app, then signs in with its code', async () => {
    const context = await newContext(browser, 'en');
    const page = await context.newPage();
    await registerAccount(page, tax, 'totp.person', 'totp-person-password');
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    const secret = (await page.locator('#totp-secret').textContent())!.trim();
    await page.getByLabel('Security code').fill(totpCode(secret));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page
      .locator('#recovery-codes li')
      .nth(10 - 1)
      .waitFor();
    expect(await page.locator('#recovery-codes li').count()).toBe(10);
    await page.getByRole('button', { name: /I have saved them/ }).click();
    await allowIfAsked(page);
    await see(page.locator('#acr'), 'urn:yitong:loa:2');
    await context.close();

    const again = await newContext(browser, 'en');
    const second = await again.newPage();
    await second.goto(`${tax}/login`);
    await signInWithPassword(second, 'totp.person', 'totp-person-password');
    await see(second.locator('h1'), 'Enter your security code');
    expect(await second.locator('input[name=otp]').getAttribute('autocomplete')).toBe('one-time-code');
    // The enrolment used the current code; a code is never accepted twice, so use the next one.
    await second.getByLabel('Security code').fill(totpCode(secret, Date.now() + 30_000));
    await second.getByRole('button', { name: 'Continue' }).click();
    await allowIfAsked(second);
    await see(second.locator('#acr'), 'urn:yitong:loa:2');
    await again.close();
  });

  it('registers a passkey, then signs in with it alone at the highest level', async () => {
    const context = await newContext(browser, 'en');
    const page = await context.newPage();
    const authenticator = await addVirtualAuthenticator(context, page);
    await registerAccount(page, tax, 'passkey.person', 'passkey-person-password');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByRole('button', { name: 'Allow', exact: true }).click();
    await see(page.locator('#who'), /passkey\.person/);
    expect(await authenticator.credentials()).toHaveLength(1);

    await context.clearCookies();
    await page.goto(`${housing}/login`);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.getByRole('button', { name: 'Allow', exact: true }).click();
    await see(page.locator('#acr'), 'urn:yitong:loa:3');
    await context.close();
  });
});

describe('a service that requires level 3', () => {
  it('asks for a passkey after the password, sets one up, and reports level 3', async () => {
    const { startDepartmentSite } = await import('../../examples/department-site/site.ts');
    const { seedDemoClient } = await import('../../infra/local/seed.ts');
    const { createDynamoClient } = await import('../../libs/store/index.ts');
    let secret = '';
    const site = await startDepartmentSite({
      name: 'Border Control',
      issuer: stack.urls.public,
      clientId: 'border-control',
      port: 0,
      acrValues: 'urn:yitong:loa:3',
      get clientSecret() {
        return secret;
      },
    });
    try {
      secret = await seedDemoClient(
        createDynamoClient({ endpoint: stack.dynamodbEndpoint }),
        stack.tables.identity,
        stack.keysDir,
        {
          clientId: 'border-control',
          name: 'Border Control',
          zone: 'public',
          department: 'border',
          siteUrl: site.url,
        },
      );
      const context = await newContext(browser, 'en');
      const page = await context.newPage();
      await addVirtualAuthenticator(context, page);
      await registerAccount(page, site.url, 'border.person', 'border-person-password');
      await see(page.locator('h1'), 'This service needs a passkey');
      await page.getByRole('button', { name: 'Add a passkey' }).click();
      await page.getByRole('button', { name: 'Allow', exact: true }).click();
      await see(page.locator('#acr'), 'urn:yitong:loa:3');
      await context.close();
    } finally {
      await site.close();
    }
  });
});

describe('accessibility', () => {
  it('has a scanner that does report violations (so a clean scan means something)', async () => {
    const context = await newContext(browser, 'en', { bypassCSP: true });
    const page = await context.newPage();
    await page.setContent('<!doctype html><html><body><img src="x.png"><input type="text"></body></html>');
    const ids = (await seriousViolations(page)).map((v) => v.id);
    expect(ids).toEqual(expect.arrayContaining(['image-alt', 'label']));
    await context.close();
  });

  it('finds no serious or critical axe violations on the sign-in pages, in both languages', async () => {
    const context = await newContext(browser, 'en', { bypassCSP: true });
    const page = await context.newPage();
    const scanned: Record<string, unknown> = {};
    const scan = async (name: string) => {
      scanned[name] = await seriousViolations(page);
    };
    await page.goto(`${tax}/login`);
    await scan('login (en)');
    await page.getByRole('link', { name: '中文' }).click();
    await scan('login (zh-CN)');
    await page.getByRole('link', { name: 'English' }).click();
    await signInWithPassword(page, '', '');
    await scan('login with errors');
    await page.getByRole('link', { name: 'Create an account' }).click();
    await scan('register');
    await page.goto(`${tax}/login`);
    await signInWithPassword(page, 'li.si', 'demo-staff-2026');
    await scan('security code');
    const staff = stack.demo.accounts.find((a) => a.loginName === 'li.si')!;
    await page.getByLabel('Security code').fill('000000');
    await page.getByRole('button', { name: 'Continue' }).click();
    await scan('security code with error');
    await page.getByLabel('Security code').fill(totpCode(staff.totpSecret!));
    await page.getByRole('button', { name: 'Continue' }).click();
    await scan('consent');
    await page.goto(`${stack.urls.public}/interaction/not-a-real-interaction`);
    await scan('error');
    expect(scanned).toEqual({
      'login (en)': [],
      'login (zh-CN)': [],
      'login with errors': [],
      register: [],
      'security code': [],
      'security code with error': [],
      consent: [],
      error: [],
    });
    await context.close();
  });

  it('finds none on the set-up, recovery, password and sign-out pages either', async () => {
    const context = await newContext(browser, 'en', { bypassCSP: true });
    const page = await context.newPage();
    const scanned: Record<string, unknown> = {};
    const scan = async (name: string) => {
      scanned[name] = await seriousViolations(page);
    };
    await registerAccount(page, tax, 'axe.person', 'axe-person-password');
    await see(page.locator('h1'), 'Protect your account');
    await scan('protect');
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    await see(page.locator('h1'), 'Set up an authenticator app');
    await scan('enrol');
    const secret = (await page.locator('#totp-secret').textContent())!.trim();
    await page.getByLabel('Security code').fill(totpCode(secret));
    await page.getByRole('button', { name: 'Continue' }).click();
    await see(page.locator('h1'), 'Save your recovery codes');
    await scan('recovery codes');
    await page.getByRole('button', { name: /I have saved them/ }).click();
    await page.getByRole('button', { name: 'Allow', exact: true }).click();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await see(page.locator('h1'), 'Sign out of all services?');
    await scan('sign out');
    for (const path of ['/password/reset', '/password/change', '/register']) {
      await page.goto(`${stack.urls.public}${path}?lang=zh-CN`);
      await scan(`${path} (zh-CN)`);
    }
    expect(scanned).toEqual({
      protect: [],
      enrol: [],
      'recovery codes': [],
      'sign out': [],
      '/password/reset (zh-CN)': [],
      '/password/change (zh-CN)': [],
      '/register (zh-CN)': [],
    });
    await context.close();
  });
});
