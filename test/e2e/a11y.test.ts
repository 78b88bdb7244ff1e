// Accessibility (WCAG 2.1 A and AA rules of axe-core) of every source page in every language,
// in Debian's Chromium against the real server: `/` and `/mailbox` once ready, with the Tor
// Browser guidance opened, the "not the onion address" and "not Tor Browser" warnings shown
// (this is Chromium on 127.0.0.1) and an error announced. axe is evaluated through the
// DevTools protocol, so the page's own CSP stays as it is. Also: keyboard-only use of the
// submission page, from the first Tab to the confirmation, with a visible focus indicator.
// The same pages without JavaScript (Tor Browser's "Safest") are checked too: axe runs through
// the DevTools protocol, which works while the page's own scripts are off.
import t from 'tap';
import { CATALOGS } from '../../src/i18n/index.js';
import { axe, describeViolations as describe } from '../helpers/axe.js';
import { FORMS, PAGES, openAllDetails, openReady, pagesUnderTest, showError } from '../helpers/pages.js';

let origin: string;
let browser: Awaited<ReturnType<typeof pagesUnderTest>>['browser'];
t.before(async () => {
  ({ origin, browser } = await pagesUnderTest(t));
});

for (const { meta, messages } of CATALOGS) {
  for (const { path } of PAGES) {
    t.test(`${path} in ${meta.englishName} without JavaScript (Tor Browser "Safest"): no WCAG 2.1 A/AA violation`, async (t) => {
      const { page } = await openReady(t, browser, `${origin}${path}?lang=${meta.language}`, { javaScript: false });
      t.equal(await page.getAttribute('html', 'lang'), meta.language);
      await openAllDetails(page);
      t.ok(await page.getByText(messages.torNotOnionHeading).isVisible(), 'warned that this is not the onion address');
      t.ok(await page.locator('.noscript').isVisible(), 'the <noscript> notice is shown');
      const result = await axe(page, false);
      t.ok(result.passes.length > 10, `axe ran (${result.passes.length} rules passed)`);
      t.same(describe(result), [], 'guidance open');
    });

    t.test(`${path} in ${meta.englishName}: no WCAG 2.1 A/AA violation`, async (t) => {
      const { page } = await openReady(t, browser, `${origin}${path}?lang=${meta.language}`, { javaScript: true });
      t.equal(await page.getAttribute('html', 'lang'), meta.language);
      await openAllDetails(page);
      t.ok(await page.locator('#not-tor-browser').isVisible(), 'Chromium is warned that it is not Tor Browser');
      t.ok(await page.getByText(messages.torNotOnionHeading).isVisible(), 'and that this is not the onion address');
      let result = await axe(page);
      t.ok(result.passes.length > 10, `axe ran (${result.passes.length} rules passed)`);
      t.same(describe(result), [], 'ready, guidance open');
      // An error, announced through role="alert".
      await showError(page, origin, path);
      t.equal(await page.getAttribute('#error', 'role'), 'alert');
      t.equal(await page.getAttribute('#status', 'aria-live'), 'polite', 'progress is announced politely');
      result = await axe(page);
      t.same(describe(result), [], 'with an error shown');
    });
  }
}

for (const form of FORMS) {
  t.test(`/ with the ${form} form, in every language, with and without JavaScript: no WCAG 2.1 A/AA violation`, async (t) => {
    const server = await pagesUnderTest(t, { TIPLINE_FORM: form });
    for (const { meta } of CATALOGS) {
      for (const javaScript of [true, false]) {
        const { page, close } = await openReady(t, server.browser, `${server.origin}/?lang=${meta.language}`, { javaScript });
        await openAllDetails(page);
        const result = await axe(page, javaScript);
        t.ok(result.passes.length > 10, `axe ran (${result.passes.length} rules passed)`);
        t.same(describe(result), [], `${form}, ${meta.language}, JavaScript ${javaScript ? 'on' : 'off'}`);
        await close();
      }
    }
  });
}

t.test('the check itself finds violations (a page with a low-contrast, unlabelled field)', async (t) => {
  const context = await browser.newContext();
  t.teardown(() => context.close());
  const page = await context.newPage();
  await page.setContent('<!doctype html><html><head><title>x</title></head><body><main><p style="color:#aaa;background:#fff">faint</p><input type="text"></main></body></html>');
  const ids = (await axe(page)).violations.map((v) => v.id).sort();
  t.same(ids, ['color-contrast', 'html-has-lang', 'label'], 'contrast, language and label violations found');
});

t.test('a page chosen by the browser language (Accept-Language from the locale)', async (t) => {
  const context = await browser.newContext({ locale: 'kk-KZ' });
  t.teardown(() => context.close());
  const page = await context.newPage();
  await page.goto(`${origin}/`);
  t.equal(await page.getAttribute('html', 'lang'), 'kk');
  await page.click('a[hreflang="ru"]');
  t.equal(await page.getAttribute('html', 'lang'), 'ru', 'the switcher link overrides it');
  t.equal(new URL(page.url()).search, '?lang=ru');
  t.same(await context.cookies(), [], 'no cookie');
});

t.test('the submission page works with the keyboard alone', async (t) => {
  const { page } = await openReady(t, browser, `${origin}/?lang=en`, { javaScript: true });
  // Tab from the top: record what gets focus, up to the send button.
  const order: string[] = [];
  for (let i = 0; i < 40 && order.at(-1) !== 'submit'; i++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el) return { key: '', outline: '' };
      const style = getComputedStyle(el);
      return { key: el.id || `${el.tagName.toLowerCase()}${el.getAttribute('hreflang') ? `:${el.getAttribute('hreflang')}` : ''}`, outline: `${style.outlineStyle} ${style.outlineWidth}` };
    });
    t.notMatch(focused.outline, /^none/, `${focused.key}: a visible focus outline`);
    order.push(focused.key);
    if (focused.key === 'message') await page.keyboard.type('A tip typed with the keyboard only.');
    if (focused.key === 'passphrase-confirm') await page.keyboard.press('Space');
  }
  t.same(order.slice(0, 4), ['a:en', 'a:ru', 'a:tk', 'a:kk'], 'the language links first');
  const message = order.indexOf('message');
  const confirm = order.indexOf('passphrase-confirm');
  t.ok(message > 3 && confirm > message && order.at(-1) === 'submit', `then the message, the confirmation box, the button: ${order.join(', ')}`);
  await page.keyboard.press('Enter');
  await page.locator('#confirmation:not([hidden])').waitFor({ timeout: 120_000 });
  t.equal(await page.evaluate(() => document.activeElement?.id), 'confirmation', 'focus moves to the confirmation');
  t.match(await page.locator('#receipt').textContent(), /^[0-9A-F]{4}(-[0-9A-F]{4}){3}$/);
});
