import axe from 'axe-core';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

/** Debian's Chromium, headless, with nothing reaching out to the network. */
export const launchChromium = (): Promise<Browser> =>
  chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });

/** A fresh browser profile in the given language. */
export const newContext = (browser: Browser, locale: 'en' | 'zh-CN', options: { bypassCSP?: boolean } = {}) =>
  browser.newContext({ locale, extraHTTPHeaders: { 'accept-language': locale }, ...options });

/** A platform authenticator with user verification, as a phone or laptop with a screen lock has. */
export const addVirtualAuthenticator = async (context: BrowserContext, page: Page) => {
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return {
    credentials: async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials,
  };
};

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null | undefined;
  readonly help: string;
  readonly nodes: number;
}

/** Runs axe-core in the page; the context must bypass CSP, since axe is injected as a script. */
export const seriousViolations = async (page: Page): Promise<AxeViolation[]> => {
  await page.addScriptTag({ content: axe.source });
  // Runs in the page, where `axe` and `document` exist; written as a string so no DOM types are needed here.
  const results = (await page.evaluate('axe.run(document).then((r) => r.violations)')) as Array<{
    id: string;
    impact?: string | null;
    help: string;
    nodes: unknown[];
  }>;
  return results
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length }));
};

/**
 * Waits until `locator` shows `text` (exactly, or matching a pattern); fails after a few
 * seconds. Playwright's own web-first assertions live in @playwright/test, which we don't use.
 */
export const see = async (
  locator: import('playwright-core').Locator,
  text: string | RegExp,
  timeout = 10_000,
) => {
  const pattern =
    typeof text === 'string' ? new RegExp(`^\\s*${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`) : text;
  await locator.filter({ hasText: pattern }).first().waitFor({ state: 'visible', timeout });
};

/** The two widths every journey is checked at: a desktop, and WCAG 1.4.10's 320 CSS pixels. */
export const VIEWPORTS = {
  desktop: { width: 1280, height: 800 },
  narrow: { width: 320, height: 640 },
} as const;

/** How far the page scrolls sideways, in CSS pixels (0 when it reflows). */
export const horizontalOverflow = async (page: Page): Promise<number> =>
  (await page.evaluate(
    'Math.max(document.documentElement.scrollWidth, document.body ? document.body.scrollWidth : 0) - document.documentElement.clientWidth',
  )) as number;

/**
 * What every page a journey visits must pass: no serious or critical axe violation and no
 * sideways scrolling at the page's current width. Returns the problems found, so a test can
 * `expect(await pageProblems(page)).toEqual([])` and see which page failed and why.
 */
export const pageProblems = async (page: Page): Promise<string[]> => {
  const where = new URL(page.url()).pathname;
  const overflow = await horizontalOverflow(page);
  const violations = await seriousViolations(page);
  return [
    ...(overflow > 0
      ? [`${where}: scrolls sideways by ${overflow}px at ${page.viewportSize()?.width}px`]
      : []),
    ...violations.map((v) => `${where}: axe ${v.impact} ${v.id} (${v.help}, ${v.nodes} nodes)`),
  ];
};
