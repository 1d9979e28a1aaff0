import type { Browser } from 'playwright-core';
import QRCode from 'qrcode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_RESIDENTS } from '../../infra/local/registry-twin.ts';
import { DEMO_DRIVING_PERMIT_CLAIMS } from '../../infra/local/seed.ts';
import { type LocalStack, startLocalStack } from '../../infra/local/stack.ts';
import { machineToken } from '../../testkit/oidc-flow.ts';
import { launchChromium, newContext, see, seriousViolations } from '../support/browser.ts';
import { proveIdentity } from '../support/licence-holders.ts';

let stack: LocalStack;
let browser: Browser;
const TTL = 1;

beforeAll(async () => {
  stack = await startLocalStack({
    memory: true,
    ports: { public: 0, extranet: 0, intranet: 0 },
    demoSites: false,
    // Verifiers keep a status list for its ttl: a short one, so a revocation shows within it.
    statusListTtlSeconds: TTL,
  });
  // The demo licences are issued to 张三's ID number: he proves it to see them.
  await proveIdentity(
    stack,
    stack.demo.accounts.find((a) => a.loginName === 'zhang.san')!.accountId,
    DEMO_RESIDENTS.find((r) => r.loginName === 'zhang.san')!,
  );
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** The transport department revokes a licence through the licence API (client credentials). */
const revoke = async (licenceId: string) => {
  const access_token = await machineToken(stack);
  const res = await fetch(`${stack.urls.extranet}/licences/${licenceId}/status`, {
    method: 'POST',
    headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ action: 'revoke', reason: 'points limit exceeded' }),
  });
  expect(res.status).toBe(200);
};

describe('the licence wallet in a real browser', () => {
  it('shares two fields of a licence; the QR link shows exactly those as valid, and revoked after revocation', async () => {
    const context = await newContext(browser, 'en', { bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${stack.urls.public}/account/licences`);
    await page.getByLabel('Login name').fill('zhang.san');
    await page.getByLabel(/^Password$/).fill('demo-citizen-2026');
    await page.getByRole('button', { name: /^Sign in$/ }).click();
    await page.getByRole('button', { name: 'Not now' }).click();
    // The account portal is yitong's own: no consent page.

    await see(page.locator('h1'), 'My licences');
    expect(await seriousViolations(page)).toEqual([]);
    const card = page.locator('#licences > li', { hasText: 'Driving permit' });
    const licenceId = (await card.locator('.licence-number').textContent())!.trim();
    await card.getByRole('link', { name: 'Driving permit' }).click();
    await see(page.locator('h1'), 'Driving permit');

    await page.getByLabel('Family name').check();
    await page.getByLabel('Aged 18 or over').check();
    await page.getByLabel('What is it for?').fill('renting a car');
    await page.getByRole('button', { name: 'Create link' }).click();
    await see(page.locator('h1'), 'Your link is ready');
    const link = (await page.locator('#share-link').getAttribute('href'))!;
    expect(link).toMatch(new RegExp(`^${stack.urls.public}/licences/shared/[\\w-]{20,}$`));
    // The QR code encodes exactly the link.
    expect(await page.locator('#share-qr').getAttribute('src')).toBe(
      await QRCode.toDataURL(link, { margin: 1, width: 240 }),
    );

    const verifier = await (await newContext(browser, 'en', { bypassCSP: true })).newPage();
    await verifier.goto(link);
    await see(verifier.locator('#verdict'), /Valid: genuine, unaltered and in force/);
    expect(
      await verifier
        .locator('#shared-fields dd')
        .evaluateAll((dds) => dds.map((d) => d.getAttribute('data-claim'))),
    ).toEqual(['family_name', 'age_over_18']);
    await see(verifier.locator('#shared-fields'), /张/);
    const body = await verifier.locator('main').textContent();
    for (const hidden of [DEMO_DRIVING_PERMIT_CLAIMS.id_number, '1990', '西长安街', '三'])
      expect(body).not.toContain(hidden);
    expect(await seriousViolations(verifier)).toEqual([]);

    await revoke(licenceId);
    // Once the list's ttl has passed, every verifier shows the revocation.
    await new Promise((r) => setTimeout(r, (TTL + 0.2) * 1000));
    await verifier.reload();
    await see(verifier.locator('#verdict'), /Revoked by the issuer/);
    expect(await verifier.locator('#verdict').getAttribute('data-verdict')).toBe('revoked');

    // The holder sees both checks, with the purpose they gave.
    await page.goto(`${stack.urls.public}/account/verifications`);
    const receipts = page.locator('#receipts > li', { hasText: 'renting a car' });
    expect(await receipts.count()).toBe(2);

    // Withdrawn, the link no longer shows anything.
    await page.goto(`${stack.urls.public}/account/licences/${encodeURIComponent(licenceId)}`);
    await page
      .locator('#shares > li', { hasText: 'renting a car' })
      .getByRole('button', { name: 'Withdraw' })
      .click();
    await verifier.reload();
    await see(verifier.locator('h1'), 'This link has expired or was withdrawn');
    await context.close();
  });
});
