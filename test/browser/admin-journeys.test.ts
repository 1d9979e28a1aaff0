/**
 * The admin console's journeys for a non-engineer (issue 17, findings 4 and 12), in a real
 * browser, in both languages, every page checked at desktop width and at 320 px.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cw } from '../../functions/admin/words.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import { totpCode } from '../../libs/accounts/index.ts';
import type { Lang } from '../../libs/web/index.ts';
import { CALLBACK, createPerson } from '../../testkit/oidc-flow.ts';
import { startTestStack } from '../../testkit/stack.ts';
import { auditEvents } from '../support/audit.ts';
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

const LANGS: readonly Lang[] = ['en', 'zh-CN'];
/** The credit code of the demo Tax Bureau (infra/local/seed.ts). */
const TAX_USCC = '111000000000184210';

/** The page's problems at both widths: axe serious or critical, and sideways scrolling. */
const problemsAtBothWidths = async (page: Page): Promise<string[]> => {
  const found: string[] = [];
  for (const size of [VIEWPORTS.narrow, VIEWPORTS.desktop]) {
    await page.setViewportSize(size);
    found.push(...(await pageProblems(page)));
  }
  return found;
};

/** A new administrator, signed in to the admin console in `lang`. */
const signIn = async (lang: Lang): Promise<{ context: BrowserContext; page: Page }> => {
  const admin = await createPerson(stack, { roles: ['staff', 'admin'], totp: true });
  const context = await newContext(browser, lang, { bypassCSP: true });
  const page = await context.newPage();
  await page.goto(`${stack.urls.intranet}/admin/console`);
  await page.getByLabel(cw(lang, 'username')).fill(admin.username);
  await page.getByLabel(cw(lang, 'password'), { exact: true }).fill(admin.password);
  await page.getByRole('button', { name: cw(lang, 'signIn'), exact: true }).click();
  await page.getByLabel(cw(lang, 'otp')).fill(totpCode(admin.totpSecret!));
  await page.getByRole('button', { name: cw(lang, 'continue') }).click();
  const allow = page.getByRole('button', { name: cw(lang, 'allow'), exact: true });
  if (await allow.isVisible({ timeout: 2000 }).catch(() => false)) await allow.click();
  await see(page.locator('h1'), cw(lang, 'admin_departments'));
  return { context, page };
};

/** One signed-in administrator per language, shared by the tests (each opens its page in its language). */
const sessions = new Map<Lang, Promise<{ context: BrowserContext; page: Page }>>();
const signedIn = (lang: Lang) => {
  if (!sessions.has(lang)) sessions.set(lang, signIn(lang));
  return sessions.get(lang)!;
};
afterAll(async () => {
  for (const session of sessions.values()) await (await session).context.close();
});
/** A console page, asked for in `lang` (which the console then remembers). */
const open = (page: Page, path: string, lang: Lang) =>
  page.goto(`${stack.urls.intranet}/admin/console${path}?lang=${encodeURIComponent(lang)}`);

describe('the admin console for a non-engineer, in both languages and at 320 px', () => {
  it('follows the language switch, and the remembered choice, on every page', async () => {
    const { page } = await signedIn('zh-CN');
    await open(page, '', 'zh-CN');
    await see(page.locator('#departments [data-department="transport"] h2'), '交通管理局');
    expect(await problemsAtBothWidths(page)).toEqual([]);

    await page.getByRole('link', { name: cw('zh-CN', 'switchTo') }).click();
    await see(page.locator('h1'), 'Departments');
    await see(page.locator('#departments [data-department="transport"] h2'), 'Traffic Administration');
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    expect(await problemsAtBothWidths(page)).toEqual([]);

    // The choice is remembered: the next page is in English too, labels included.
    await page.getByRole('link', { name: 'Traffic Administration' }).click();
    await see(page.locator('h1'), 'Traffic Administration');
    await see(page.locator('h2').first(), 'Clients');
    expect(await page.getByLabel('Name people see').count()).toBe(1);
    expect(await problemsAtBothWidths(page)).toEqual([]);

    await page.getByRole('link', { name: cw('en', 'switchTo') }).click();
    await see(page.locator('h1'), '交通管理局');
    await page.getByRole('link', { name: '人员' }).click();
    await see(page.locator('h1'), '人员');
    expect(await problemsAtBothWidths(page)).toEqual([]);
  });

  it('keeps what was typed in a refused client form, and names each field in words', async () => {
    for (const lang of LANGS) {
      const { page } = await signedIn(lang);
      await open(page, '/departments/tax', lang);
      await page.getByLabel(cw(lang, 'admin_clientName')).fill('Filing reminders');
      await page.getByLabel(cw(lang, 'admin_redirectUrisInput')).fill('not an address');
      await page.getByRole('button', { name: cw(lang, 'admin_registerSubmit'), exact: true }).click();

      const summary = page.locator('#error-summary');
      await see(summary.locator('h2'), cw(lang, 'errorSummary'));
      const expected = cw(lang, 'admin_errAddress', {
        field: lang === 'en' ? 'redirect address 1' : cw(lang, 'admin_fieldRedirect', { n: 1 }),
      });
      await see(summary.locator('a[href="#redirect_uris"]'), expected);
      await see(page.locator('#redirect_uris-error'), expected);
      expect(await summary.textContent()).not.toMatch(/redirect_uris|client_name|departmentId/);
      expect(await page.getByLabel(cw(lang, 'admin_clientName')).inputValue()).toBe('Filing reminders');
      expect(await page.getByLabel(cw(lang, 'admin_redirectUrisInput')).inputValue()).toBe('not an address');
      expect(await page.locator('#redirect_uris').getAttribute('aria-invalid')).toBe('true');
      expect(await problemsAtBothWidths(page)).toEqual([]);

      // Nothing typed at all: each field asked for, in the page's language.
      await page.getByLabel(cw(lang, 'admin_clientName')).fill('');
      await page.getByLabel(cw(lang, 'admin_redirectUrisInput')).fill('');
      await page.getByRole('button', { name: cw(lang, 'admin_registerSubmit'), exact: true }).click();
      await see(
        page.locator('#error-summary a[href="#client_name"]'),
        cw(lang, 'admin_errEnter', {
          field: lang === 'en' ? 'name people see' : cw(lang, 'admin_clientName'),
        }),
      );
      await see(page.locator('#error-summary a[href="#redirect_uris"]'), cw(lang, 'admin_errOneRedirect'));
    }
  });

  it('asks before making a new secret, then shows it once, readable, with a copy button', async () => {
    for (const lang of LANGS) {
      const { context, page } = await signedIn(lang);
      const name = `Permit desk ${lang}`;
      await open(page, '/departments/housing', lang);
      await page.getByLabel(cw(lang, 'admin_clientName')).fill(name);
      await page.getByLabel(cw(lang, 'admin_redirectUrisInput')).fill(CALLBACK);
      await page.getByRole('button', { name: cw(lang, 'admin_registerSubmit'), exact: true }).click();
      await see(page.locator('h1'), cw(lang, 'admin_registered', { name }));
      const clientId = (await page.locator('#client-id').textContent())!.trim();
      const first = (await page.locator('#once').textContent())!.trim();
      await see(page.locator('#once-warning'), cw(lang, 'admin_onceWarning'));
      await see(page.locator('#once-label'), cw(lang, 'admin_secretLabel'));
      expect(await problemsAtBothWidths(page)).toEqual([]);

      await page.getByRole('link', { name: cw(lang, 'admin_back') }).click();
      const card = page.locator(`#clients [data-client="${clientId}"]`);
      await card.getByRole('link', { name: cw(lang, 'admin_newSecret') }).click();
      await see(page.locator('h1'), cw(lang, 'admin_confirmSecretTitle', { name }));
      await see(page.locator('#confirm-lead'), cw(lang, 'admin_confirmSecretLead', { name }));
      expect(await problemsAtBothWidths(page)).toEqual([]);
      const rotations = async () =>
        (await auditEvents(stack)).filter(
          (e) => e.type === 'admin.client.secret_rotated' && e.client === clientId,
        ).length;
      expect(await rotations()).toBe(0);
      // The confirmation's form is the only way: a post without its CSRF token changes nothing.
      const forged = await page.request.post(
        `${stack.urls.intranet}/admin/console/clients/${clientId}/secret`,
        {
          form: { reason: 'forged' },
          maxRedirects: 0,
        },
      );
      expect(forged.status()).toBe(403);
      expect(await rotations()).toBe(0);

      // Cancel changes nothing.
      await page.getByRole('link', { name: cw(lang, 'admin_cancel') }).click();
      await see(page.locator('h1'), lang === 'en' ? 'Housing Fund' : '住房公积金管理中心');
      expect(await rotations()).toBe(0);

      await page
        .locator(`#clients [data-client="${clientId}"]`)
        .getByRole('link', { name: cw(lang, 'admin_newSecret') })
        .click();
      await page.getByLabel(cw(lang, 'admin_reason')).fill('yearly rotation');
      await page.getByRole('button', { name: cw(lang, 'admin_confirmSecret') }).click();
      await see(page.locator('h1'), cw(lang, 'admin_newSecretFor', { name }));
      expect(await rotations()).toBe(1);
      const secret = (await page.locator('#once').textContent())!.trim();
      expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(secret).not.toBe(first);
      expect(await page.evaluate("getComputedStyle(document.getElementById('once')).fontFamily")).toMatch(
        /mono|Menlo|Consolas/,
      );

      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack.urls.intranet });
      const copy = page.getByRole('button', { name: cw(lang, 'admin_copy') });
      await copy.click();
      await see(page.locator('#copy-status'), cw(lang, 'admin_copied'));
      expect(await page.evaluate('navigator.clipboard.readText()')).toBe(secret);
      expect(await problemsAtBothWidths(page)).toEqual([]);

      // Reloading the page re-posts its confirmation: refused, and no second secret is made.
      const reloaded = await page.reload();
      expect(reloaded?.request().method()).toBe('POST');
      expect(reloaded?.status()).toBe(409);
      await see(page.locator('#error-summary'), new RegExp(cw(lang, 'admin_errConflict').slice(0, 12)));
      expect(await rotations()).toBe(1);
      await page.goto(`${stack.urls.intranet}/admin/console/departments/housing?lang=${lang}`);

      // The secret is not on the client's page afterwards.
      expect(await page.content()).not.toContain(secret);
    }
  });

  it('asks before suspending a client, and a reason is asked for on that page', async () => {
    const lang = 'zh-CN';
    const { page } = await signedIn(lang);
    await open(page, '/departments/housing', lang);
    const card = page.locator('#clients [data-client]').first();
    const clientId = (await card.getAttribute('data-client'))!;
    await card.getByRole('link', { name: cw(lang, 'admin_suspend') }).click();
    await see(page.locator('#confirm-lead'), /^确定吗？/);
    await page.getByRole('button', { name: cw(lang, 'admin_confirmSuspend') }).click();
    await see(
      page.locator('#error-summary a[href="#reason"]'),
      cw(lang, 'admin_errEnter', { field: '原因' }),
    );
    expect(await problemsAtBothWidths(page)).toEqual([]);
    await page.getByLabel(cw(lang, 'admin_reason')).fill('试点结束');
    await page.getByRole('button', { name: cw(lang, 'admin_confirmSuspend') }).click();
    await see(
      page.locator(`#clients [data-client="${clientId}"] .client-status`),
      cw(lang, 'admin_suspended'),
    );
  });

  it("refuses another department's credit code on the form, keeping what was typed", async () => {
    for (const lang of LANGS) {
      const { page } = await signedIn(lang);
      await open(page, '', lang);
      const id = `forest-${lang === 'en' ? 'en' : 'zh'}`;
      await page.getByLabel(cw(lang, 'admin_fieldDepartmentId')).fill(id);
      await page.getByLabel(cw(lang, 'admin_fieldName')).fill('林业局');
      await page.getByLabel(cw(lang, 'admin_fieldNameEn')).fill('Forestry Bureau');
      await page.getByLabel(cw(lang, 'admin_usccLong')).fill(TAX_USCC);
      await page.locator('#zone-public').check();
      await page.getByRole('button', { name: cw(lang, 'admin_registerEntry'), exact: true }).click();

      const expected = cw(lang, 'admin_errUsccTaken', { holder: lang === 'en' ? 'Tax Bureau' : '税务局' });
      await see(page.locator('#error-summary a[href="#uscc"]'), expected);
      await see(page.locator('#uscc-error'), expected);
      expect(await page.getByLabel(cw(lang, 'admin_fieldDepartmentId')).inputValue()).toBe(id);
      expect(await page.getByLabel(cw(lang, 'admin_fieldNameEn')).inputValue()).toBe('Forestry Bureau');
      expect(await page.getByLabel(cw(lang, 'admin_usccLong')).inputValue()).toBe(TAX_USCC);
      expect(await page.locator('#zone-public').isChecked()).toBe(true);
      expect(await page.locator(`#departments [data-department="${id}"]`).count()).toBe(0);
      expect(await problemsAtBothWidths(page)).toEqual([]);

      // A wrong id is named in words, never as `departmentId`.
      await page.getByLabel(cw(lang, 'admin_fieldDepartmentId')).fill('Forest Bureau');
      await page.getByRole('button', { name: cw(lang, 'admin_registerEntry'), exact: true }).click();
      await see(page.locator('#error-summary a[href="#departmentId"]'), cw(lang, 'admin_errDepartmentId'));
    }
  });

  it('changes a department’s names, the English one shown on English pages', async () => {
    const { page } = await signedIn('en');
    await open(page, '/departments/market', 'en');
    await page.getByText('Change its names').click();
    await page.getByLabel('Name in English').fill('Market Regulation Administration');
    await page.getByRole('button', { name: 'Save' }).click();
    await see(page.locator('h1'), 'Market Regulation Administration');
    expect(await problemsAtBothWidths(page)).toEqual([]);
    const zh = (await signedIn('zh-CN')).page;
    await open(zh, '/departments/market', 'zh-CN');
    await see(zh.locator('h1'), '市场监督管理局');
  });
});
