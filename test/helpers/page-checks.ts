// Checks whose callbacks run in the page (typed with the DOM: tsconfig.page.json), apart from the
// e2e fixture so that Node-only tests can use the fixture without DOM types.
import type { Page } from 'playwright-core';
import type { Test } from 'tap';
import type { Mode } from './e2e.js';

/** How many items the page's origin keeps in localStorage and sessionStorage together. */
export function webStorage(page: Page): Promise<number> {
  return page.evaluate(() => localStorage.length + sessionStorage.length);
}

/** With --jitless there is no WebAssembly (Tor Browser "Safer"): one assertion that the mode took. */
export async function checkMode(t: Test, page: Page, mode: Mode): Promise<void> {
  t.equal(await page.evaluate(() => typeof WebAssembly), mode === 'jitless' ? 'undefined' : 'object', `WebAssembly is ${mode === 'jitless' ? 'off' : 'on'}`);
}
