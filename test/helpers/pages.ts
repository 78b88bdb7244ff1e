// For the Chromium tests of the source's pages in every language (test/e2e/a11y.test.ts,
// test/e2e/screenshots.test.ts, test/e2e/padding.test.ts): the real server (tiplineServer) and
// Debian's Chromium, each page opened ready in a fresh context, and its longest state (an error).
import type { Browser, Page } from 'playwright-core';
import type { Test } from 'tap';
import { launchChromium, openSession, tiplineServer, type TiplineServer } from './e2e.js';
import { MailboxPage } from './navigators/mailbox.js';
import { SubmissionPage } from './navigators/submission.js';

/** Starts the real server (with `env` added) and Chromium; both stop at the test's teardown. */
export async function pagesUnderTest(t: Test, env: Record<string, string> = {}): Promise<{ origin: string; browser: Browser; server: TiplineServer }> {
  const server = await tiplineServer(t, { env });
  const browser = await launchChromium(t);
  return { origin: server.url, browser, server };
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

/**
 * `path` (one of PAGES, or `/` with a form) in `lang` in a new context of `browser` (closed at
 * the test's teardown, or earlier by the test), once ready.
 */
export async function openReady(t: Test, browser: Browser, url: string, options: { javaScript: boolean; width?: number; height?: number }): Promise<{ page: Page; close: () => Promise<void> }> {
  const { context, page } = await openSession(t, browser, { javaScript: options.javaScript, viewport: { width: options.width ?? 1280, height: options.height ?? 900 } });
  await page.goto(url);
  const { pathname } = new URL(url);
  await ready(page, PAGES.find((p) => p.path === pathname)!.ready, options.javaScript);
  return { page, close: () => context.close() };
}

/** Shows the page's error (a tip sent empty, a passphrase of two words), once announced. */
export async function showError(page: Page, origin: string, path: string): Promise<void> {
  if (path === '/') await new SubmissionPage(page, origin).submitRefused();
  else await new MailboxPage(page, origin).logInRefused('one two');
}

/** Opens every <details> so that what they hold is checked and shown. */
export async function openAllDetails(page: Page): Promise<void> {
  await page.locator('details').evaluateAll((all) =>
    all.forEach((d) => {
      (d as HTMLDetailsElement).open = true;
    }),
  );
}
