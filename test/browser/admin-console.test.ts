import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cw } from '../../functions/admin/words.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import { totpCode } from '../../libs/accounts/index.ts';
import { CALLBACK, createPerson, signInTo } from '../../testkit/oidc-flow.ts';
import { startTestStack } from '../../testkit/stack.ts';
import { auditEvents, roleRequestTrail } from '../support/audit.ts';
import {
  launchChromium,
  newContext,
  pageProblems,
  see,
  seriousViolations,
  VIEWPORTS,
} from '../support/browser.ts';

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

const ENROL_TITLE = cw('en', 'enrolTitle');

const signInWithTotp = async (page: Page, username: string, password: string, secret: string) => {
  await page.getByLabel('Login name').fill(username);
  await page.getByLabel(/^Password$/).fill(password);
  await page.getByRole('button', { name: /^Sign in$/ }).click();
  await page.getByLabel('Security code').fill(totpCode(secret));
  await page.getByRole('button', { name: 'Continue' }).click();
  const allow = page.getByRole('button', { name: 'Allow', exact: true });
  if (await allow.isVisible({ timeout: 2000 }).catch(() => false)) await allow.click();
};

describe('the admin console in a real browser', () => {
  it('registers a department and a site that then signs people in, and suspends it', async () => {
    const admin = stack.demo.accounts.find((a) => a.loginName === 'zhao.liu')!;
    const context = await newContext(browser, 'en', { bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${stack.urls.intranet}/admin/console`);
    await signInWithTotp(page, admin.loginName, admin.password, admin.totpSecret!);
    await see(page.locator('h1'), 'Departments');
    expect(await page.locator('#departments [data-department="tax"]').count()).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByLabel('Department id').fill('forest');
    await page.getByLabel('Name in Chinese').fill('林业局');
    await page.getByLabel('Name in English').fill('Forestry Bureau');
    await page.getByLabel('Unified social credit code').fill('11100000000020003B');
    await page.getByLabel('public').check();
    await page.getByRole('button', { name: 'Register' }).click();
    await see(page.locator('h1'), 'Forestry Bureau');
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByLabel('Name people see').fill('Forest permits');
    await page.getByLabel('Redirect addresses').fill(CALLBACK);
    await page.getByRole('button', { name: 'Register' }).click();
    await see(page.locator('h1'), 'Client registered: Forest permits');
    const clientId = (await page.locator('#client-id').textContent())!.trim();
    expect(clientId).toMatch(/^forest-/);
    const secret = (await page.locator('#once').textContent())!.trim();
    await signInTo(
      stack,
      'public',
      { clientId, secret },
      { username: 'zhang.san', password: 'demo-citizen-2026' },
    );

    await page.getByRole('link', { name: 'Back' }).click();
    const row = page.locator(`#clients [data-client="${clientId}"]`);
    await row.getByRole('link', { name: 'Suspend' }).click();
    await see(page.locator('h1'), 'Suspend Forest permits?');
    await page.getByLabel('Reason').fill('pilot finished');
    await page.getByRole('button', { name: 'Yes, suspend it' }).click();
    await see(page.locator(`#clients [data-client="${clientId}"] .client-status`), 'suspended');
    await expect(
      signInTo(
        stack,
        'public',
        { clientId, secret },
        { username: 'zhang.san', password: 'demo-citizen-2026' },
      ),
    ).rejects.toThrow();
    const audited = (await auditEvents(stack)).filter(
      (e) => e.client === clientId && String(e.type).startsWith('admin.client.'),
    );
    expect(audited.map((e) => e.type)).toEqual(['admin.client.created', 'admin.client.updated']);
    expect(audited.every((e) => e.actor === admin.accountId)).toBe(true);
    await context.close();
  });

  it('issues a registration token for a number of uses, lists it by id only, and revokes it', async () => {
    const person = await createPerson(stack, { roles: ['staff', 'admin'], totp: true });
    const context = await newContext(browser, 'en', { bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${stack.urls.intranet}/admin/console`);
    await signInWithTotp(page, person.username, person.password, person.totpSecret!);
    await page.getByRole('link', { name: 'Housing Fund', exact: true }).click();
    await page.getByLabel('Registrations it allows').fill('2');
    await page.getByRole('button', { name: 'Issue' }).click();
    await see(page.locator('h1'), 'Registration token for Housing Fund');
    const token = (await page.locator('#once').textContent())!.trim();

    await page.getByRole('link', { name: 'Back' }).click();
    const row = page.locator('#registration-tokens [data-token]').first();
    await see(row.locator('.token-used'), '0 / 2');
    expect(await page.content()).not.toContain(token);
    expect(await seriousViolations(page)).toEqual([]);
    await row.getByLabel('Reason').fill('sent to the wrong team');
    await row.getByRole('button', { name: 'Revoke' }).click();
    await see(page.locator('#registration-tokens [data-token]').first().locator('.token-status'), 'revoked');
    const refused = await fetch(`${stack.urls.public}/reg`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'Too late', redirect_uris: [CALLBACK] }),
    });
    expect(refused.status).toBe(401);
    expect(
      (await auditEvents(stack)).filter(
        (e) => e.type === 'admin.registration_token.revoked' && e.actor === person.accountId,
      ),
    ).toHaveLength(1);
    await context.close();
  });

  it('files an auditor for a second administrator, who approves it and gets the one-time password', async () => {
    const first = await createPerson(stack, { roles: ['staff', 'admin'], totp: true });
    const context = await newContext(browser, 'en', { bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${stack.urls.intranet}/admin/console/staff`);
    await signInWithTotp(page, first.username, first.password, first.totpSecret!);
    await see(page.locator('h1'), 'Staff');
    await page.getByLabel('Login name').fill('console.auditor');
    await page.getByLabel('Full name').fill('Console Auditor');
    await page.getByLabel('Department', { exact: true }).fill('tax');
    await page.locator('#new-role-auditor').check();
    await page.getByRole('button', { name: 'Create' }).click();
    await see(page.locator('h1'), /^Waiting for a second administrator/);
    const requestId = (await page.locator('#request code').textContent())!.trim();
    expect(await seriousViolations(page)).toEqual([]);

    // The requester cannot approve it.
    await page.goto(`${stack.urls.intranet}/admin/console/staff`);
    await see(
      page.locator(`#staff-requests [data-request="${requestId}"]`),
      /Login name: console\.auditor[\s\S]*Roles: Civil servant, Auditor: reads the audit trail/,
    );
    // Who asked, by name and login name, never a bare account id.
    const askedBy = page.locator(`#staff-requests [data-request="${requestId}"]`);
    await see(
      askedBy,
      new RegExp(
        `Asked by\\s*${first.username.replace(/[.]/g, '\\.')} \\(${first.username.replace(/[.]/g, '\\.')}\\)`,
      ),
    );
    expect(await askedBy.textContent()).not.toContain(first.accountId);
    for (const lang of ['zh-CN', 'en'] as const) {
      for (const size of [VIEWPORTS.desktop, VIEWPORTS.narrow]) {
        await page.setViewportSize(size);
        await page.goto(`${stack.urls.intranet}/admin/console/staff?lang=${lang}`);
        const request = page.locator(`#staff-requests [data-request="${requestId}"]`);
        const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        await see(
          request,
          new RegExp(
            `${literal(cw(lang, 'admin_askedBy'))}\\s*${literal(`${first.username} (${first.username})`)}`,
          ),
        );
        expect(await pageProblems(page)).toEqual([]);
      }
    }
    await page.setViewportSize(VIEWPORTS.desktop);
    await page.goto(`${stack.urls.intranet}/admin/console/staff?lang=en`);
    await page
      .locator(`#staff-requests [data-request="${requestId}"]`)
      .getByRole('button', { name: 'Approve' })
      .click();
    await see(page.locator('#error-summary'), /Another administrator must do this/);
    await context.close();

    const second = await createPerson(stack, { roles: ['staff', 'admin'], totp: true });
    const other = await newContext(browser, 'en');
    const page2 = await other.newPage();
    await page2.goto(`${stack.urls.intranet}/admin/console/staff`);
    await signInWithTotp(page2, second.username, second.password, second.totpSecret!);
    await page2
      .locator(`#staff-requests [data-request="${requestId}"]`)
      .getByRole('button', { name: 'Approve' })
      .click();
    await see(page2.locator('h1'), 'Staff account created: console.auditor');
    const oneTime = (await page2.locator('#once').textContent())!.trim();
    expect(oneTime.length).toBeGreaterThanOrEqual(16);
    expect(await roleRequestTrail(stack, first.accountId, second.accountId)).toEqual({
      requested: 1,
      approved: 1,
    });
    await other.close();

    // The new auditor's first sign-in: a new password, then a second factor, before anything else.
    const auditorContext = await newContext(browser, 'en', { bypassCSP: true });
    const first3 = await auditorContext.newPage();
    await first3.goto(`${stack.urls.intranet}/audit/console`);
    await first3.getByLabel('Login name').fill('console.auditor');
    await first3.getByLabel(/^Password$/).fill(oneTime);
    await first3.getByRole('button', { name: /^Sign in$/ }).click();
    await see(first3.locator('h1'), 'Choose your own password');
    expect(await seriousViolations(first3)).toEqual([]);
    await first3.getByLabel(/^Password$/).fill('a sentence only the auditor knows');
    await first3.getByLabel('New password again').fill('a sentence only the auditor knows');
    await first3.getByRole('button', { name: 'Continue' }).click();
    await see(first3.locator('h1'), ENROL_TITLE);
    await auditorContext.close();
  });

  it('refuses a civil servant who is not an administrator', async () => {
    const person = await createPerson(stack, { roles: ['staff', 'auditor'], totp: true });
    const context = await newContext(browser, 'en');
    const page = await context.newPage();
    await page.goto(`${stack.urls.intranet}/admin/console`);
    await signInWithTotp(page, person.username, person.password, person.totpSecret!);
    await see(page.locator('h1'), 'You cannot use the admin console');
    await see(page.locator('#refusal'), cw('en', 'portal_refusedWhyAdmin'));
    expect(await page.locator('#departments').count()).toBe(0);
    await context.close();
  });
});
