import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dw as aw } from '../../functions/account/data-words.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import { type Lang, t } from '../../libs/web/index.ts';
import { createPerson } from '../../testkit/oidc-flow.ts';
import { startTestStack } from '../../testkit/stack.ts';
import { launchChromium, newContext, pageProblems, see, VIEWPORTS } from '../support/browser.ts';

let stack: LocalStack;
let browser: Browser;

beforeAll(async () => {
  stack = await startTestStack({ accountClosingSeconds: 3600 });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** No serious axe violation, no sideways scrolling, at a desktop's width and at 320 px. */
const clean = async (page: Page) => {
  for (const size of [VIEWPORTS.narrow, VIEWPORTS.desktop]) {
    await page.setViewportSize(size);
    expect(await pageProblems(page)).toEqual([]);
  }
};

const signIn = async (page: Page, lang: Lang, who: { username: string; password: string }) => {
  await page.getByLabel(t(lang, 'username')).fill(who.username);
  await page.getByLabel(t(lang, 'password'), { exact: true }).fill(who.password);
  await page.getByRole('button', { name: t(lang, 'signIn'), exact: true }).click();
  // Whatever comes next — the protect-your-account page, consent, or the page itself — however
  // slowly a loaded machine serves it.
  const notNow = page.getByRole('button', { name: t(lang, 'notNow') });
  const allow = page.getByRole('button', { name: t(lang, 'allow'), exact: true });
  for (let step = 0; step < 3; step++) {
    const next = await Promise.race(
      [
        page
          .waitForURL((u) => u.pathname === '/account/data', { timeout: 30_000 })
          .then(() => 'done' as const),
        notNow.waitFor({ state: 'visible', timeout: 30_000 }).then(() => notNow),
        allow.waitFor({ state: 'visible', timeout: 30_000 }).then(() => allow),
      ].map((p) => p.catch(() => 'timeout' as const)),
    );
    if (next === 'done') return;
    if (next === 'timeout') break;
    await next.click();
  }
  await page.waitForURL((u) => u.pathname === '/account/data');
};

describe.each(['en', 'zh-CN'] as const)('your data (%s)', (lang) => {
  it('says what the file holds, downloads it, and closes the account only when confirmed; closing can be cancelled', async () => {
    const person = await createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: false });
    const context = await newContext(browser, lang, { bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${stack.urls.public}/account/data?lang=${lang}`);
    await signIn(page, lang, person);
    await see(page.locator('h1'), aw(lang, 'data_title'));
    await see(page.locator('#kept li').first(), aw(lang, 'data_kept_audit'));
    await clean(page);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: aw(lang, 'data_download') }).click(),
    ]);
    const file = JSON.parse(await readFile((await download.path())!, 'utf8')) as Record<string, unknown>;
    expect(file.account).toMatchObject({ id: person.accountId, loginName: person.username });

    // Not confirmed: the form says so, and nothing changes.
    await page.getByRole('button', { name: aw(lang, 'data_closeButton') }).click();
    await see(page.locator('.error-summary'), new RegExp(aw(lang, 'data_confirmError')));
    await clean(page);
    await page.getByRole('link', { name: aw(lang, 'data_confirmError') }).click();
    await page.getByLabel(aw(lang, 'data_confirm')).check();
    await page.getByRole('button', { name: aw(lang, 'data_closeButton') }).click();
    await see(page.locator('h1'), aw(lang, 'data_closedTitle'));
    await clean(page);

    // Signed out everywhere: signing in again shows the closing, with the way to keep the account.
    // Closing ends every sign-in of its own second too (sessionsValidAfter is the next second), so
    // a person who signs in again within that second is asked again; a test is that fast.
    await new Promise((resolve) => setTimeout(resolve, 1100 - (Date.now() % 1000)));
    await page.getByRole('link', { name: aw(lang, 'data_signInAgain') }).click();
    await signIn(page, lang, person);
    await see(page.locator('#closing h2'), aw(lang, 'data_closingTitle'));
    await clean(page);
    await page.getByRole('button', { name: aw(lang, 'data_cancelButton') }).click();
    await see(page.locator('#cancelled'), aw(lang, 'data_cancelled'));
    await clean(page);
    await context.close();
  });
});
