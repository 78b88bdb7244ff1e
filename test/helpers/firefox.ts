// Debian's Firefox ESR (the browser Tor Browser and Tails build on), driven by puppeteer-core over
// WebDriver BiDi: the stock browser as installed, no patched build. Launched the one way, with a
// fresh profile and the prefs a test asks for, closed at the test's teardown; and the capture of
// what a page requests, logs and throws, including every Content-Security-Policy violation (the
// page's own `securitypolicyviolation` events, reported as console errors by a preload script).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as Puppeteer from 'puppeteer-core';
import type { Browser, Page } from 'puppeteer-core';
import { LONG } from './navigators/base.js';

// puppeteer-core's CommonJS build: under tap's TypeScript loader its ES module build fails to
// load (the loader resolves chromium-bidi's `./lib/cjs/*` export pattern where Node picks the
// more specific `./lib/cjs/*.js`, and asks for `BidiMapper.js.js`); Node's own require does not.
const { launch } = createRequire(import.meta.url)('puppeteer-core') as typeof Puppeteer;

export const FIREFOX = '/usr/bin/firefox-esr';

type Teardown = { teardown(fn: () => void | Promise<void>): void };

/** Firefox ESR, headless, in a fresh profile with `prefs` (about:config names); closed at teardown. The test fails (never skips) without it. */
export async function launchFirefox(t: Teardown, prefs: Record<string, string | number | boolean> = {}): Promise<Browser> {
  if (!existsSync(FIREFOX)) throw new Error(`${FIREFOX} is missing: install Debian's firefox-esr (apt-get install firefox-esr)`);
  const profile = mkdtempSync(join(tmpdir(), 'tipline-firefox-'));
  const browser = await launch({ browser: 'firefox', executablePath: FIREFOX, headless: true, userDataDir: profile, extraPrefsFirefox: prefs, timeout: 60_000 }).catch((err: unknown) => {
    rmSync(profile, { recursive: true, force: true });
    throw err;
  });
  // The profile goes once Firefox has stopped writing to it.
  t.teardown(async () => {
    await browser.close();
    rmSync(profile, { recursive: true, force: true });
  });
  return browser;
}

/** The line a page's CSP violation is logged as (by the preload script of firefoxPage). */
export const CSP_VIOLATION = 'CSP violation';

export interface FirefoxSession {
  page: Page;
  /**
   * `METHOD url` of every request the page made, but for the `data:font/woff2` URL of Firefox's
   * own stylesheet (html.css gives list bullets that font): read from the URL, fetched from
   * nowhere. Any other `data:` URL is listed (and a font the page itself asked for would also be a
   * CSP violation: the desk's CSP allows no font).
   */
  requests: string[];
  /** Console errors and warnings (CSP violations among them), page errors, HTTP errors. */
  problems: string[];
}

/** A new page in `browser`, captured from the start; closed at teardown. */
export async function firefoxPage(t: Teardown, browser: Browser, viewport = { width: 1280, height: 900 }): Promise<FirefoxSession> {
  const page = await browser.newPage();
  t.teardown(() => page.close());
  await page.setViewport(viewport);
  // puppeteer's waits end after 30 s by default; a busy CI machine gets the Chromium tests' long wait.
  page.setDefaultTimeout(LONG.timeout);
  const requests: string[] = [];
  const problems: string[] = [];
  page.on('request', (request) => {
    if (!request.url().startsWith('data:font/woff2;')) requests.push(`${request.method()} ${request.url()}`);
  });
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warn') problems.push(`console ${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error instanceof Error ? error.message : String(error)}`));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  // Runs before any script of every document the page loads (outside the page's CSP).
  await page.evaluateOnNewDocument((prefix: string) => {
    document.addEventListener('securitypolicyviolation', (e) => console.error(`${prefix}: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`));
  }, CSP_VIOLATION);
  return { page, requests, problems };
}
