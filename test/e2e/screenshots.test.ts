// Screenshots of every source page in every language, 360 px (a narrow phone) and 1280 px
// wide, with and without JavaScript, written to test-artifacts/screenshots/ (git-ignored) for
// people to look at; and, asserted here: nothing is wider than a 360 px screen (no horizontal
// scrolling), with the Tor Browser guidance opened and an error shown.
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { CATALOGS } from '../../src/i18n/index.js';
import { ROOT } from '../helpers/client-build.js';
import { FORMS, PAGES, openAllDetails, openReady, pagesUnderTest, showError } from '../helpers/pages.js';
import type { Page } from 'playwright-core';

const OUT = join(ROOT, 'test-artifacts', 'screenshots');
const WIDTHS = [360, 1280] as const;

/** Nothing is wider than the 360 px viewport; names what sticks out, to say what to fix. */
async function noOverflow(t: Pick<typeof import('tap').default, 'ok' | 'same'>, page: Page): Promise<void> {
  const { scrollWidth, innerWidth, wide } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    wide: Array.from(document.querySelectorAll('body *'))
      .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5)
      .slice(0, 5)
      .map((el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className ? `.${String(el.className).split(' ').join('.')}` : ''}`),
  }));
  t.ok(scrollWidth <= innerWidth, `no horizontal overflow at 360 px (${scrollWidth} <= ${innerWidth})`);
  t.same(wide, [], 'no element reaches past the right edge');
}

let origin: string;
let browser: Awaited<ReturnType<typeof pagesUnderTest>>['browser'];
t.before(async () => {
  mkdirSync(OUT, { recursive: true });
  ({ origin, browser } = await pagesUnderTest(t));
});

for (const { meta } of CATALOGS) {
  for (const { path } of PAGES) {
    for (const javaScript of [true, false]) {
      t.test(`${path} in ${meta.englishName}${javaScript ? '' : ', without JavaScript'}`, async (t) => {
        for (const width of WIDTHS) {
          const { page, close } = await openReady(t, browser, `${origin}${path}?lang=${meta.language}`, { javaScript, width, height: 800 });
          await openAllDetails(page);
          // An error message, the longest state of the form.
          if (javaScript) await showError(page, origin, path);
          const name = `${path === '/' ? 'submit' : 'mailbox'}-${meta.language}-${width}${javaScript ? '' : '-nojs'}.png`;
          await page.screenshot({ path: join(OUT, name), fullPage: true });
          t.ok(statSync(join(OUT, name)).size > 1000, `${name} written`);
          if (width === 360) await noOverflow(t, page);
          await close();
        }
      });
    }
  }
}

for (const form of FORMS) {
  t.test(`/ with the ${form} form, in every language`, async (t) => {
    const server = await pagesUnderTest(t, { TIPLINE_FORM: form });
    for (const { meta } of CATALOGS) {
      for (const width of WIDTHS) {
        const { page, close } = await openReady(t, server.browser, `${server.origin}/?lang=${meta.language}`, { javaScript: true, width, height: 800 });
        await openAllDetails(page);
        const name = `submit-${form}-${meta.language}-${width}.png`;
        await page.screenshot({ path: join(OUT, name), fullPage: true });
        t.ok(statSync(join(OUT, name)).size > 1000, `${name} written`);
        if (width === 360) await noOverflow(t, page);
        await close();
      }
    }
  });
}
