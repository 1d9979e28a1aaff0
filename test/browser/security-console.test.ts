import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleTime } from '../../functions/audit/console-views.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import { AccountStore, totpCode } from '../../libs/accounts/index.ts';
import { createDynamoClient } from '../../libs/store/index.ts';
import { type Lang, t } from '../../libs/web/index.ts';
import { createPerson, registerClient, tokensFor } from '../../testkit/oidc-flow.ts';
import { startTestStack } from '../../testkit/stack.ts';
import { auditEvents } from '../support/audit.ts';
import { launchChromium, newContext, pageProblems, see, VIEWPORTS } from '../support/browser.ts';

let stack: LocalStack;
let browser: Browser;
let citizen: Awaited<ReturnType<typeof createPerson>>;

const LANGS: readonly Lang[] = ['en', 'zh-CN'];
const WIDTHS = [VIEWPORTS.desktop, VIEWPORTS.narrow] as const;
const ZONE_NAME: Record<Lang, string> = { en: 'Beijing time, UTC+8', 'zh-CN': '北京时间' };

beforeAll(async () => {
  stack = await startTestStack();
  browser = await launchChromium();
  // Something to find: a citizen signs in to a department's site by name.
  await registerClient(stack, 'public', 'tax-console-site', { client_name: 'Tax Bureau' });
  citizen = await createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: false });
  await tokensFor(stack, 'public', 'tax-console-site', citizen);
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const signIn = async (page: Page, person: { username: string; password: string; totpSecret?: string }) => {
  await page.getByLabel('Login name').fill(person.username);
  await page.getByLabel(/^Password$/).fill(person.password);
  await page.getByRole('button', { name: /^Sign in$/ }).click();
  await page.getByLabel('Security code').fill(totpCode(person.totpSecret!));
  await page.getByRole('button', { name: 'Continue' }).click();
  const allow = page.getByRole('button', { name: 'Allow', exact: true });
  if (await allow.isVisible({ timeout: 1000 }).catch(() => false)) await allow.click();
};

describe('the security console, for a compliance officer', () => {
  it('finds a person by login name, in words and local time, at both widths and in both languages', async () => {
    const auditor = await createPerson(stack, { roles: ['staff', 'auditor'], totp: true });
    const context = await newContext(browser, 'en', { bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${stack.urls.intranet}/audit/console`);
    await signIn(page, auditor);
    await see(page.locator('h1'), 'Security console');
    const base = `${stack.urls.intranet}/audit/console`;
    let searches = 0;

    for (const lang of LANGS) {
      for (const size of WIDTHS) {
        await page.setViewportSize(size);

        // Overview: five charts on one scale, with axes, days, their numbers as a table, links to the day.
        await page.goto(`${base}?lang=${lang}`);
        await see(page.locator('h1'), t(lang, 'audit_console'));
        expect(await page.locator('#charts figure').count()).toBe(5);
        const signIns = page.locator('#charts figure[data-type="login.success"]');
        await see(signIns.locator('figcaption strong'), lang === 'en' ? 'Signed in' : '登录成功');
        await see(signIns.locator('svg text').first(), t(lang, 'audit_chartAxis'));
        const topTicks = await page
          .locator('#charts svg')
          .evaluateAll((svgs) =>
            svgs.map((s) => s.querySelectorAll('text[text-anchor="end"]')[4]?.textContent),
          );
        expect(new Set(topTicks).size).toBe(1);
        await signIns.locator('summary').click();
        const today = signIns.locator('table tbody tr').last();
        expect(Number(await today.locator('a').textContent())).toBeGreaterThanOrEqual(1);
        expect(await signIns.locator('svg a').last().getAttribute('href')).toBe(
          await today.locator('a').getAttribute('href'),
        );
        expect(await pageProblems(page)).toEqual([]);
        // Click-to-filter: the day's number opens the search for that type and day.
        await today.locator('a').click();
        await see(page.locator('h1'), t(lang, 'audit_search'));
        expect(await page.locator('#type').inputValue()).toBe('login.success');
        expect(await page.locator('#events tbody tr').count()).toBeGreaterThanOrEqual(1);

        // Alerts: none yet, said as a fact about the period.
        await page.goto(`${base}/alerts`);
        await see(page.locator('#no-alerts strong'), t(lang, 'audit_noAlerts', { count: 30 }));
        expect(await pageProblems(page)).toEqual([]);

        // Search by login name: event types in words, grouped by area.
        await page.goto(`${base}/events`);
        expect(await page.locator('#type optgroup').count()).toBe(8);
        expect(await page.locator('#type optgroup').first().getAttribute('label')).toBe(
          t(lang, 'audit_area_signIn'),
        );
        expect(await page.locator('#type option[value="login.success"]').textContent()).toBe(
          lang === 'en' ? 'Signed in' : '登录成功',
        );
        await page.locator('#actor').fill(citizen.username);
        await page.locator('#type').selectOption('login.success');
        await page.getByRole('button', { name: t(lang, 'audit_find') }).click();
        searches += 1;
        const rows = page.locator('#events tbody tr');
        expect(await rows.count()).toBe(1);
        await see(rows.first().locator('td').nth(1), lang === 'en' ? 'Signed in' : '登录成功');
        expect(await rows.first().locator('td').first().textContent()).toContain(ZONE_NAME[lang]);
        await see(rows.first().locator('td').nth(3), `${citizen.username} (${citizen.username})`);
        expect(await page.locator('#actor').inputValue()).toBe(citizen.username);
        expect(await pageProblems(page)).toEqual([]);

        // The event reads as a sentence; the raw record is one click away.
        await rows.first().locator('a').first().click();
        const time = (await page.locator('#event time').first().getAttribute('datetime'))!;
        await see(
          page.locator('#sentence'),
          lang === 'en'
            ? `${citizen.username} (${citizen.username}) signed in to Tax Bureau from the public zone (internet) on ${consoleTime(lang, time)}.`
            : `${citizen.username} (${citizen.username})于${consoleTime(lang, time)}从互联网区登录了Tax Bureau。`,
        );
        expect(consoleTime(lang, time)).toContain(ZONE_NAME[lang]);
        expect(await page.locator('#event').textContent()).not.toContain('"shard"');
        await expect(page.locator('#raw pre').isVisible()).resolves.toBe(false);
        await page.locator('#raw summary').click();
        await see(page.locator('#raw pre'), /"shard": \d/);
        expect(await pageProblems(page)).toEqual([]);

        // A bad date: the error is on the form, what was typed is kept.
        await page.goto(`${base}/events`);
        await page.locator('#actor').fill(citizen.username);
        await page.locator('#from').fill('2026-13-45');
        await page.getByRole('button', { name: t(lang, 'audit_find') }).click();
        await see(page.locator('#error-summary a[href="#from"]'), t(lang, 'audit_errorFrom'));
        await see(page.locator('#from-error'), t(lang, 'audit_errorFrom'));
        expect(await page.locator('#from').inputValue()).toBe('2026-13-45');
        expect(await page.locator('#actor').inputValue()).toBe(citizen.username);
        expect(await page.locator('#from').getAttribute('aria-invalid')).toBe('true');
        expect(await page.locator('#events').count()).toBe(0);
        expect(await pageProblems(page)).toEqual([]);

        // A mistyped event reference is a page in words, not an API's problem document.
        const missing = await page.goto(`${base}/events/00000000-0000-4000-8000-000000000000`);
        expect(missing?.status()).toBe(404);
        await see(page.locator('h1'), t(lang, 'audit_notFound'));
        expect(await pageProblems(page)).toEqual([]);
      }
    }

    // A name that matches nobody is an error on its field, and the look-up is audited all the same.
    await page.goto(`${base}/events?lang=en`);
    await page.locator('#subject').fill('no.such.person');
    await page.getByRole('button', { name: 'Search' }).click();
    searches += 1;
    await see(
      page.locator('#subject-error'),
      'No account has the login name “no.such.person”: check the spelling',
    );

    const lookups = (await auditEvents(stack)).filter(
      (e) => e.type === 'audit.account_lookup' && e.actor === auditor.accountId,
    );
    expect(lookups).toHaveLength(searches);
    expect(lookups.filter((e) => e.outcome === 'success')).toHaveLength(searches - 1);
    for (const e of lookups.filter((e) => e.outcome === 'success')) {
      expect(e).toMatchObject({ subject: citizen.accountId, details: { actorAccount: citizen.accountId } });
    }
    expect(lookups.find((e) => e.outcome === 'failure')).toMatchObject({
      details: { fields: 'subject', loginNameHashPrefixes: [expect.stringMatching(/^[0-9a-f]{12}$/)] },
    });
    // Names are looked up, never written to the trail.
    expect(JSON.stringify(lookups)).not.toContain(citizen.username);
    expect(JSON.stringify(lookups)).not.toContain('no.such.person');
    await context.close();
  });

  it('finds people by e-mail address, asks which one when several share it, and audits each look-up once', async () => {
    const store = new AccountStore(
      createDynamoClient({ endpoint: stack.dynamodbEndpoint }),
      stack.tables.identity,
    );
    // The citizen's address is added later: the lookup follows the change.
    await store.update((await store.findById(citizen.accountId))!, { email: 'Citizen.Mail@Example.cn' });
    const family = await Promise.all(
      ['韩梅梅', 'Li Lei'].map((displayName, i) =>
        store.create({
          kind: 'citizen',
          loginName: `family-${i}-${Date.now().toString(36)}`,
          displayName,
          password: 'a long enough password',
          roles: ['citizen'],
          email: 'family@example.cn',
        }),
      ),
    );
    const auditor = await createPerson(stack, { roles: ['staff', 'auditor'], totp: true });
    const context = await newContext(browser, 'en', { bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${stack.urls.intranet}/audit/console`);
    await signIn(page, auditor);
    const base = `${stack.urls.intranet}/audit/console`;
    let searches = 0;

    for (const lang of LANGS) {
      for (const size of WIDTHS) {
        await page.setViewportSize(size);
        await page.goto(`${base}/events?lang=${lang}`);
        await see(page.locator('#actor-hint'), t(lang, 'audit_personHint'));
        // One account gives the address, typed in another case: its events.
        await page.locator('#actor').fill('citizen.mail@EXAMPLE.cn');
        await page.locator('#type').selectOption('login.success');
        await page.getByRole('button', { name: t(lang, 'audit_find') }).click();
        searches += 1;
        const rows = page.locator('#events tbody tr');
        expect(await rows.count()).toBe(1);
        await see(rows.first().locator('td').nth(3), `${citizen.username} (${citizen.username})`);
        expect(await page.locator('#actor').inputValue()).toBe('citizen.mail@EXAMPLE.cn');
        expect(await pageProblems(page)).toEqual([]);

        // The event's chain proof, in the page's language.
        await rows.first().locator('a').first().click();
        const proof = (await page.locator('#proof').textContent())!;
        expect(proof).toMatch(
          lang === 'en'
            ? /^Intact: (covered by the checkpoint signed .+ to the signed head, seal \d+|sealed, and linked to the newest seal \(\d+\)|written moments ago)/
            : /^完整: (由 .+ 签名的检查点覆盖：\d+ 条封存记录将其链接到签名的链头（封存记录 \d+）|已封存，并链接到最新的封存记录（\d+）|刚刚写入)/,
        );
        expect(await pageProblems(page)).toEqual([]);

        // Two accounts give one address: the field asks for the login name of the one meant.
        await page.goto(`${base}/events?lang=${lang}`);
        await page.locator('#subject').fill('family@example.cn');
        await page.getByRole('button', { name: t(lang, 'audit_find') }).click();
        searches += 1;
        const error = (await page.locator('#subject-error').textContent())!;
        for (const a of family) expect(error).toContain(`${a.displayName} (${a.loginName})`);
        expect(error).toContain(
          lang === 'en' ? '2 accounts have this e-mail address' : '有 2 个账户使用此电子邮箱',
        );
        await see(page.locator('#error-summary a[href="#subject"]'), /.+/);
        expect(await page.locator('#events').count()).toBe(0);
        expect(await pageProblems(page)).toEqual([]);
      }
    }

    // An address nobody gives: an error on its field, audited all the same.
    await page.goto(`${base}/events?lang=en`);
    await page.locator('#actor').fill('nobody@example.cn');
    await page.getByRole('button', { name: 'Search' }).click();
    searches += 1;
    await see(
      page.locator('#actor-error'),
      'No account has the e-mail address “nobody@example.cn”: check the spelling, or search by login name',
    );
    expect(await pageProblems(page)).toEqual([]);

    const lookups = (await auditEvents(stack)).filter(
      (e) => e.type === 'audit.account_lookup' && e.actor === auditor.accountId,
    );
    expect(lookups).toHaveLength(searches);
    const found = lookups.filter((e) => e.outcome === 'success');
    expect(found).toHaveLength(4);
    for (const e of found) {
      expect(e).toMatchObject({
        subject: citizen.accountId,
        details: { fields: 'actor', actorBy: 'email', actorAccount: citizen.accountId },
      });
    }
    const several = lookups.filter(
      (e) => (e.details as Record<string, unknown> | undefined)?.subjectAccounts,
    );
    expect(several).toHaveLength(4);
    for (const e of several) {
      expect(e.outcome).toBe('failure');
      expect([...((e.details as Record<string, unknown>).subjectAccounts as string[])].sort()).toEqual(
        family.map((a) => a.id).sort(),
      );
    }
    expect(
      lookups.find((e) => (e.details as Record<string, unknown> | undefined)?.emailHashPrefixes),
    ).toMatchObject({
      outcome: 'failure',
      details: { actorBy: 'email', emailHashPrefixes: [expect.stringMatching(/^[0-9a-f]{12}$/)] },
    });
    // Addresses are looked up, never written to the trail.
    const trail = JSON.stringify(lookups).toLowerCase();
    for (const address of [
      'citizen.mail@example.cn',
      'family@example.cn',
      'nobody@example.cn',
      '@example.cn',
    ]) {
      expect(trail).not.toContain(address);
    }
    await context.close();
  });

  it('refuses a civil servant who is not an auditor in plain words, with a next step and a reference', async () => {
    const person = await createPerson(stack, { roles: ['staff'], totp: true });
    const context = await newContext(browser, 'en', { bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${stack.urls.intranet}/audit/console/events`);
    await signIn(page, person);
    for (const lang of LANGS) {
      for (const size of WIDTHS) {
        await page.setViewportSize(size);
        const response = await page.goto(`${stack.urls.intranet}/audit/console/events?lang=${lang}`);
        expect(response?.status()).toBe(403);
        await see(page.locator('h1'), t(lang, 'audit_refused'));
        await see(page.locator('#refusal'), t(lang, 'portal_refusedWhyAudit'));
        await see(page.locator('#next-steps li').first(), t(lang, 'portal_refusedAskAudit'));
        await expect(page.getByRole('button', { name: t(lang, 'portal_signOut') }).isVisible()).resolves.toBe(
          true,
        );
        const reference = (await page.locator('#reference code').textContent())!;
        expect(reference).toMatch(/^[0-9a-f-]{36}$/);
        const text = (await page.locator('main').textContent())!;
        for (const internal of ['DENY', 'Yitong::', 'policy', 'default-deny', person.accountId]) {
          expect(text).not.toContain(internal);
        }
        expect(await page.locator('nav').count()).toBe(0);
        expect(await page.locator('main a').count()).toBe(0);
        expect(await pageProblems(page)).toEqual([]);
        // The reference is the request the refusal was recorded under.
        const denied = (await auditEvents(stack)).filter(
          (e) => e.type === 'policy.denied' && e.correlationId === reference,
        );
        expect(denied).toHaveLength(1);
        expect(denied[0]).toMatchObject({ actor: person.accountId, zone: 'intranet' });
      }
    }
    // The admin console's guard is the same: its refusal is the same plain page.
    await page.goto(`${stack.urls.intranet}/admin/console?lang=zh-CN`);
    // Single sign-on: no password again, though the admin console may still ask for consent.
    const allow = page.getByRole('button', { name: t('zh-CN', 'allow'), exact: true });
    if (await allow.isVisible({ timeout: 1000 }).catch(() => false)) await allow.click();
    for (const lang of LANGS) {
      for (const size of WIDTHS) {
        await page.setViewportSize(size);
        await page.goto(`${stack.urls.intranet}/admin/console?lang=${lang}`);
        await see(page.locator('h1'), t(lang, 'admin_refused'));
        await see(page.locator('#refusal'), t(lang, 'portal_refusedWhyAdmin'));
        expect(await page.locator('#reference code').textContent()).toMatch(/^[0-9a-f-]{36}$/);
        expect(await page.locator('main').textContent()).not.toContain('Yitong::');
        expect(await page.locator('main a').count()).toBe(0);
        expect(await pageProblems(page)).toEqual([]);
      }
    }
    await context.close();
  });
});
