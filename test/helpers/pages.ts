// For the Chromium tests of the source's pages in every language (test/e2e/a11y.test.ts,
// test/e2e/screenshots.test.ts): a fresh client build, one editor key, the real server
// (scripts/start.ts) with a low proof-of-work difficulty, and Debian's Chromium.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { buildClient } from '../../scripts/build-client.js';
import { encodePublicKey, generateEditorKeyPair } from '../../src/crypto/keys.js';
import { tempDir } from './fixtures.js';
import { startServer } from './server-process.js';
import { launchChromium, requireChromium } from './e2e.js';

type Tap = Parameters<typeof tempDir>[0];

/** Starts the real server (with `env` added) and Chromium; both stop at the test's teardown. */
export async function pagesUnderTest(t: Tap, env: Record<string, string> = {}): Promise<{ origin: string; browser: Browser }> {
  requireChromium();
  const work = tempDir(t, 'tipline-pages-');
  const clientDir = (await buildClient({ outDir: join(work, 'client') })).outDir;
  const pair = await generateEditorKeyPair();
  const recipients = join(work, 'recipients.txt');
  writeFileSync(recipients, `${encodePublicKey(pair)}\n`);
  const server = await startServer(t, {
    TIPLINE_DATA_DIR: work,
    TIPLINE_RECIPIENTS: recipients,
    TIPLINE_CLIENT_DIR: clientDir,
    TIPLINE_POW_MIN_BITS: '4',
    TIPLINE_POW_MAX_BITS: '4',
    ...env,
  });
  const browser = await launchChromium(t);
  return { origin: server.url, browser };
}

/** The built-in election forms (TIPLINE_FORM), each of which turns `/` into a longer page. */
export const FORMS = ['election-tm', 'election-kz'] as const;

export const PAGES = [
  { path: '/', ready: '#submit:enabled' },
  { path: '/mailbox', ready: '#mailbox-login-button:enabled' },
] as const;

/** Waits until the page's script has loaded (or, without JavaScript, until it has loaded). */
export async function ready(page: Page, selector: string, javaScript: boolean): Promise<void> {
  if (javaScript) await page.locator(selector).waitFor({ timeout: 120_000 });
  else await page.waitForLoadState('load');
}

/** Opens every <details> so that what they hold is checked and shown. */
export async function openAllDetails(page: Page): Promise<void> {
  await page.locator('details').evaluateAll((all) => all.forEach((d) => { (d as HTMLDetailsElement).open = true; }));
}
