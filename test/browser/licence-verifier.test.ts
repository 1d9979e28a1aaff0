import { verifyLicence as verifyInNode } from '@yitong/licence-verifier';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../infra/local/stack.ts';
import { machineToken } from '../../testkit/oidc-flow.ts';
import { launchChromium } from '../support/browser.ts';
import { issueDrivingPermit, revokeLicence } from '../support/licences.ts';
import { ensurePackagesBuilt } from '../support/packages.ts';

/**
 * @yitong/licence-verifier's browser build, bundled as a web page would bundle it (esbuild,
 * platform browser, through the package's exports), verifying real licences in Chromium with
 * no network: the page is given the issuer's keys and status list, as a verifier's app that
 * synced them earlier has them.
 */

let stack: LocalStack;
let browser: Browser;
let page: Page;
let bundle: { text: string; inputs: string[] };
const PAGE = 'http://localhost:9/verify.html';

interface Evidence {
  keys: unknown[];
  list: { token: string; fetchedAt: number };
}

/** What a verifier's app syncs while online: the issuer's JWKS and the licence's status list. */
const evidenceFor = async (statusUri: string): Promise<Evidence> => ({
  keys: ((await (await fetch(`${stack.urls.public}/licences/jwks`)).json()) as { keys: unknown[] }).keys,
  list: { token: (await (await fetch(statusUri)).text()).trim(), fetchedAt: Math.floor(Date.now() / 1000) },
});

/** Verifies in the page, offline, with the bundled package. */
const verifyInPage = (licence: string, issuer: string, evidence: Evidence) =>
  page.evaluate(
    async ({ licence, issuer, evidence }) => {
      const verifier = (globalThis as unknown as { verifier: typeof import('@yitong/licence-verifier') })
        .verifier;
      return verifier.verifyLicence(licence, {
        issuerKeys: (iss) => (iss === issuer ? (evidence.keys as never) : undefined),
        statusList: () => evidence.list,
      });
    },
    { licence, issuer, evidence },
  );

beforeAll(async () => {
  // The package's dist, as npm install leaves it (the root `prepare` builds it).
  await ensurePackagesBuilt();
  const result = await build({
    stdin: { contents: "export * from '@yitong/licence-verifier';", resolveDir: process.cwd(), loader: 'ts' },
    bundle: true,
    platform: 'browser',
    format: 'iife',
    globalName: 'verifier',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  bundle = { text: result.outputFiles[0]!.text, inputs: Object.keys(result.metafile.inputs) };
  stack = await startLocalStack({
    memory: true,
    ports: { public: 0, extranet: 0, intranet: 0 },
    demoSites: false,
  });
  browser = await launchChromium();
  const context = await browser.newContext();
  // Nothing leaves the page but its own document: the verification is offline.
  await context.route('**/*', (route) =>
    route.request().url() === PAGE
      ? route.fulfill({
          contentType: 'text/html',
          body: `<!doctype html><html lang="en"><title>verify</title><script>${bundle.text}</script></html>`,
        })
      : route.abort(),
  );
  page = await context.newPage();
  await page.goto(PAGE);
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('the licence verifier in a real browser', () => {
  it("bundles the package's browser build, with no node: module", () => {
    expect(bundle.inputs).toContain('packages/licence-verifier/dist/web.js');
    expect(bundle.inputs.some((i) => i.includes('node-crypto') || i.startsWith('node:'))).toBe(false);
    expect(bundle.text).not.toMatch(/require\(|node:crypto|node:zlib/);
  });

  it('verifies a real licence offline in Chromium exactly as Node does, and refuses it altered or revoked', async () => {
    const transport = await machineToken(stack);
    const licence = await issueDrivingPermit(stack, transport);
    const evidence = await evidenceFor(licence.status_list.uri);
    const inChromium = await verifyInPage(licence.credential, stack.urls.public, evidence);
    expect(inChromium).toMatchObject({
      verdict: 'valid',
      licenceId: licence.licence_id,
      claims: { family_name: '张', vehicle_classes: 'C1' },
    });
    const now = Math.floor(Date.now() / 1000);
    const inNode = await verifyInNode(licence.credential, {
      issuerKeys: (iss) => (iss === stack.urls.public ? (evidence.keys as never) : undefined),
      statusList: () => evidence.list,
      now,
    });
    expect({ ...inChromium, status: { ...inChromium.status, ageSeconds: 0 } }).toEqual({
      ...inNode,
      status: { ...inNode.status, ageSeconds: 0 },
    });

    // A disclosure altered: the same name with another value.
    const [jwt, first] = licence.credential.split('~');
    const [salt, name] = JSON.parse(Buffer.from(first!, 'base64url').toString());
    const altered = `${jwt}~${Buffer.from(JSON.stringify([salt, name, 'forged'])).toString('base64url')}~`;
    expect(await verifyInPage(altered, stack.urls.public, evidence)).toMatchObject({
      verdict: 'invalid',
      reason: 'disclosure_mismatch',
    });
    // Another issuer's name: not trusted.
    expect(await verifyInPage(licence.credential, 'https://elsewhere.example', evidence)).toMatchObject({
      verdict: 'invalid',
      reason: 'unknown_issuer',
    });

    // Revoked by the issuer: the next synced status list says so.
    await revokeLicence(stack, transport, licence.licence_id);
    expect(
      await verifyInPage(licence.credential, stack.urls.public, await evidenceFor(licence.status_list.uri)),
    ).toMatchObject({
      verdict: 'revoked',
    });
  });
});
