import * as oidc from 'openid-client';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aw } from '../../functions/account/words.ts';
import { cw } from '../../functions/admin/words.ts';
import { sw } from '../../functions/oidc/words.ts';
import { DEMO_RESIDENTS } from '../../infra/local/registry-twin.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import { totpCode } from '../../libs/accounts/index.ts';
import { maskResidentId, residentIdCheckChar } from '../../libs/identity/index.ts';
import { pw } from '../../libs/proofing-pages/index.ts';
import { type Lang, t } from '../../libs/web/index.ts';
import { clientConfig, createPerson, registerClient } from '../../testkit/oidc-flow.ts';
import { proofingCodeSentTo } from '../../testkit/proving.ts';
import { startTestStack } from '../../testkit/stack.ts';
import { launchChromium, newContext, pageProblems, see, VIEWPORTS } from '../support/browser.ts';

let stack: LocalStack;
let browser: Browser;
const SITE = 'ial2-browser-site';
const callbackOf = () => `${stack.urls.public}/ial-test-callback`;

beforeAll(async () => {
  stack = await startTestStack({ registryTimeoutMs: 500 });
  await registerClient(stack, 'public', SITE, {
    client_name: '公积金中心 Housing fund',
    redirect_uris: [callbackOf()],
    yitong_required_ial: 'urn:yitong:ial:2',
  });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const resident = (nameEn: string) => DEMO_RESIDENTS.find((r) => r.nameEn === nameEn)!;
const clean = async (page: Page) => expect(await pageProblems(page)).toEqual([]);
/** Every page at desktop width and at 320 px. */
const cleanAtEveryWidth = async (page: Page) => {
  for (const viewport of Object.values(VIEWPORTS)) {
    await page.setViewportSize(viewport);
    await clean(page);
  }
  await page.setViewportSize(VIEWPORTS.desktop);
};

const signIn = async (page: Page, lang: Lang, who: { username: string; password: string }) => {
  await page.getByLabel(t(lang, 'username')).fill(who.username);
  await page.getByLabel(t(lang, 'password'), { exact: true }).fill(who.password);
  await page.getByRole('button', { name: t(lang, 'signIn'), exact: true }).click();
  const notNow = page.getByRole('button', { name: t(lang, 'notNow') });
  if (await notNow.isVisible({ timeout: 3000 }).catch(() => false)) await notNow.click();
};

const fillProofing = async (
  page: Page,
  lang: Lang,
  o: { name: string; residentId: string; phone: string },
) => {
  await page.getByLabel(t(lang, 'id_fieldName')).fill(o.name);
  await page.getByLabel(t(lang, 'id_fieldResidentId'), { exact: true }).fill(o.residentId);
  await page.getByLabel(t(lang, 'id_fieldPhone')).fill(o.phone);
  await page.getByRole('button', { name: t(lang, 'id_submit') }).click();
};

/**
 * The code page after the registry matched: checked for accessibility, optionally a wrong code
 * first (the error summary takes the focus), then the code from the SMS in the stack's outbox.
 */
const enterCode = async (page: Page, lang: Lang, accountId: string, o: { wrongFirst?: boolean } = {}) => {
  await see(page.locator('h1'), pw(lang, 'id_codeTitle'));
  expect(await page.getByLabel(pw(lang, 'id_codeField')).getAttribute('autocomplete')).toBe('one-time-code');
  await cleanAtEveryWidth(page);
  const code = proofingCodeSentTo(stack.outbox, accountId);
  if (o.wrongFirst) {
    await page.getByLabel(pw(lang, 'id_codeField')).fill(code === '000000' ? '111111' : '000000');
    await page.getByRole('button', { name: pw(lang, 'id_codeSubmit'), exact: true }).click();
    await see(page.locator('#error-summary li'), new RegExp(pw(lang, 'id_codeWrong')));
    expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('error-summary');
    await cleanAtEveryWidth(page);
  }
  await page.getByLabel(pw(lang, 'id_codeField')).fill(code);
  await page.getByRole('button', { name: pw(lang, 'id_codeSubmit'), exact: true }).click();
};

describe('proving an identity at /account/identity in a real browser', () => {
  it('shows level 1, keeps a refused form with what did not match, then verifies and shows level 2 (en)', async () => {
    const lang = 'en';
    const person = await createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: false });
    const context = await newContext(browser, lang, { bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${stack.urls.public}/account/licences`);
    await signIn(page, lang, person);
    // The account's home page links to it.
    await page
      .getByRole('link', { name: aw(lang, 'id_nav') })
      .first()
      .click();
    await see(page.locator('h1'), aw(lang, 'id_title'));
    await see(page.locator('#ial'), t(lang, 'id_level1'));
    expect(await page.getByLabel(t(lang, 'id_fieldName')).getAttribute('autocomplete')).toBe('name');
    expect(await page.getByLabel(t(lang, 'id_fieldPhone')).getAttribute('autocomplete')).toBe('tel-national');
    await cleanAtEveryWidth(page);

    // A typing error in the number: caught on the page, with the error summary first.
    const liu = resident('Liu Fang');
    const typo = `${liu.residentId.slice(0, 17)}${liu.residentId[17] === '0' ? '1' : '0'}`;
    await fillProofing(page, lang, { name: liu.name, residentId: typo, phone: liu.phone });
    await see(page.locator('#error-summary li'), t(lang, 'id_errIdCheck'));
    expect(await page.title()).toMatch(/^Error: /);
    expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('error-summary');
    await clean(page);

    // A phone that is not theirs: the registry refuses, the page says what and how many tries are left.
    await fillProofing(page, lang, { name: liu.name, residentId: liu.residentId, phone: '13900000000' });
    await see(page.locator('#error-summary li'), /The mobile number is not registered to this person\./);
    await see(page.locator('#error-summary li'), /You can try 4 more times today\./);
    expect(await page.getByLabel(t(lang, 'id_fieldName')).inputValue()).toBe(liu.name);
    await cleanAtEveryWidth(page);

    await fillProofing(page, lang, { name: liu.name, residentId: liu.residentId, phone: liu.phone });
    await enterCode(page, lang, person.accountId, { wrongFirst: true });
    await see(page.locator('#verified-notice h2'), aw(lang, 'id_verifiedTitle'));
    await see(page.locator('#ial'), t(lang, 'id_level2'));
    await see(page.locator('#identity-number'), maskResidentId(liu.residentId));
    await see(page.locator('#identity-name'), liu.name);
    expect(await page.locator('#proofing-form').count()).toBe(0);
    await cleanAtEveryWidth(page);
    await context.close();
  });

  it('says in Chinese that the registry did not answer and nothing changed (zh-CN)', async () => {
    const lang = 'zh-CN';
    const person = await createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: false });
    const context = await newContext(browser, lang, { bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${stack.urls.public}/account/identity`);
    await signIn(page, lang, person);
    await see(page.locator('h1'), aw(lang, 'id_title'));
    await cleanAtEveryWidth(page);
    const wu = resident('Wu Chi');
    await fillProofing(page, lang, { name: wu.name, residentId: wu.residentId, phone: wu.phone });
    await see(page.locator('h1'), t(lang, 'id_unavailableTitle'));
    await see(page.locator('#proofing-outcome'), t(lang, 'id_unavailableTimeout'));
    await cleanAtEveryWidth(page);
    await page.getByRole('link', { name: t(lang, 'id_tryAgain') }).click();
    await see(page.locator('#ial'), t(lang, 'id_level1'));
    await context.close();
  });
});

describe('a site that needs a verified identity, in a real browser', () => {
  it('asks for the identity in the sign-in, refuses a wrong name, then lets the person through (zh-CN)', async () => {
    const lang = 'zh-CN';
    const person = await createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: false });
    const config = await clientConfig(stack, 'public', SITE);
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: callbackOf(),
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const context = await newContext(browser, lang, { bypassCSP: true });
    const page = await context.newPage();
    await page.goto(url.href);
    await signIn(page, lang, person);
    await see(page.locator('h1'), sw(lang, 'id_askTitle'));
    await cleanAtEveryWidth(page);
    const zhou = resident('Zhou Jie');
    await fillProofing(page, lang, { name: '周杰伦', residentId: zhou.residentId, phone: zhou.phone });
    await see(page.locator('#error-summary li'), new RegExp(t(lang, 'id_refusedIdentity')));
    await cleanAtEveryWidth(page);
    await fillProofing(page, lang, { name: zhou.name, residentId: zhou.residentId, phone: zhou.phone });
    await enterCode(page, lang, person.accountId, { wrongFirst: true });
    const allow = page.getByRole('button', { name: t(lang, 'allow'), exact: true });
    await allow.click();
    await page.waitForURL((u) => u.href.startsWith(callbackOf()));
    const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url()), {
      pkceCodeVerifier: verifier,
    });
    expect(tokens.claims()?.sub).toBeTruthy();
    await context.close();
  });
});

describe('counter verification in the intranet, in a real browser', () => {
  it('finds a person, records the card checked in person, and shows level 3 (en)', async () => {
    const lang = 'en';
    const officer = await createPerson(stack, { roles: ['staff', 'identity-officer'], totp: true });
    const person = await createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: false });
    const context = await newContext(browser, lang, { bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${stack.urls.intranet}/admin/console/identity`);
    await page.getByLabel(t(lang, 'username')).fill(officer.username);
    await page.getByLabel(t(lang, 'password'), { exact: true }).fill(officer.password);
    await page.getByRole('button', { name: t(lang, 'signIn'), exact: true }).click();
    await page.getByLabel(t(lang, 'otp')).fill(totpCode(officer.totpSecret!));
    await page.getByRole('button', { name: t(lang, 'continue') }).click();
    await see(page.locator('h1'), t(lang, 'counter_title'));
    await cleanAtEveryWidth(page);

    await page.getByLabel(cw(lang, 'counter_loginName')).fill('no-such-person');
    await page.getByRole('button', { name: cw(lang, 'counter_find') }).click();
    await see(page.locator('#error-summary li'), cw(lang, 'counter_notFound'));
    await clean(page);

    await page.getByLabel(cw(lang, 'counter_loginName')).fill(person.username);
    await page.getByRole('button', { name: cw(lang, 'counter_find') }).click();
    await see(page.locator('#person-login'), person.username);
    await see(page.locator('#person-ial'), t(lang, 'id_level1'));
    await cleanAtEveryWidth(page);

    const number = `44010619780505003${residentIdCheckChar('44010619780505003')}`;
    await page.getByLabel(cw(lang, 'counter_cardName')).fill('陈明');
    await page.getByLabel(cw(lang, 'counter_cardNumber')).fill(number);
    await page.getByRole('button', { name: cw(lang, 'counter_record') }).click();
    await see(page.locator('#error-summary li'), cw(lang, 'counter_confirmMissing'));
    await clean(page);

    // A name the registry does not hold for this number: refused, said on the form, nothing recorded.
    await page.getByLabel(cw(lang, 'counter_cardName')).fill('陈小明');
    await page.getByLabel(cw(lang, 'counter_cardNumber')).fill(number);
    await page.getByLabel(cw(lang, 'counter_confirm')).check();
    await page.getByRole('button', { name: cw(lang, 'counter_record') }).click();
    await see(page.locator('#error-summary li'), cw(lang, 'counter_refusedIdentity'));
    await clean(page);

    await page.getByLabel(cw(lang, 'counter_cardName')).fill('陈明');
    await page.getByLabel(cw(lang, 'counter_cardNumber')).fill(number);
    await page.getByLabel(cw(lang, 'counter_confirm')).check();
    await page.getByRole('button', { name: cw(lang, 'counter_record') }).click();
    await see(page.locator('h1'), cw(lang, 'counter_doneTitle'));
    await see(page.locator('#person-ial'), t(lang, 'id_level3'));
    await cleanAtEveryWidth(page);
    await context.close();
  });
});
