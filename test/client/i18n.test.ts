// Language choice, localised numbers and dates, the onion check, the Tor Browser heuristic,
// and the page plugin serving every page in every language (through app.inject()).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import t from 'tap';
import { buildClient } from '../../scripts/build-client.js';
import pagePlugin, { type PageOptions } from '../../src/server/plugins/page.js';
import { CATALOGS, LANGUAGES, chooseLanguage, format, formatDate, negotiateLanguage, strings, withLang } from '../../src/i18n/index.js';
import { isOnionHost } from '../../src/server/onion.js';
import { looksLikeTorBrowser } from '../../src/client/tor-check.js';
import { encodePublicKey, fingerprint, generateEditorKeyPair } from '../../src/crypto/keys.js';

const ONION = `${'abcdefgh234567'.repeat(4)}.onion`; // 56 base32 characters

t.test('Accept-Language: q-values, prefixes, wildcards and refusals', async (t) => {
  t.equal(negotiateLanguage(undefined), undefined);
  t.equal(negotiateLanguage(''), undefined);
  t.equal(negotiateLanguage('ru'), 'ru');
  t.equal(negotiateLanguage('ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7'), 'ru');
  t.equal(negotiateLanguage('de-DE,de;q=0.9,kk;q=0.8,ru;q=0.7'), 'kk', 'the best language we have');
  t.equal(negotiateLanguage('en;q=0.5,tk;q=0.9'), 'tk', 'q-values, not order, decide');
  t.equal(negotiateLanguage('tk-TM'), 'tk', 'a regional variant matches its language');
  t.equal(negotiateLanguage('kk, ru'), 'kk', 'ties keep the header order');
  t.equal(negotiateLanguage('ru;q=0, *'), 'en', 'the wildcard skips a refused language');
  t.equal(negotiateLanguage('*;q=0.1, ru;q=0'), 'en');
  t.equal(negotiateLanguage('de, fr'), undefined, 'nothing we have');
  t.equal(negotiateLanguage('rus'), undefined, 'a prefix without "-" is another language');
  t.equal(negotiateLanguage('ru;q=2, kk;q=0.5'), 'kk', 'a malformed q drops its range');
  t.equal(negotiateLanguage('ru;q=abc'), undefined);
  t.equal(negotiateLanguage('<script>, kk'), 'kk', 'garbage ranges are skipped');
  t.equal(negotiateLanguage(`${'x-'.repeat(400)}, ru`), undefined, 'only the first 512 characters are read');
});

t.test('the ?lang= value wins over Accept-Language; anything else falls back', async (t) => {
  t.equal(chooseLanguage('kk', 'ru'), 'kk');
  t.equal(chooseLanguage('xx', 'ru'), 'ru', 'an unknown ?lang= is ignored');
  t.equal(chooseLanguage(['kk', 'ru'], 'tk'), 'tk', 'a repeated ?lang= is ignored');
  t.equal(chooseLanguage(undefined, undefined), 'en');
  t.equal(withLang('/mailbox', 'ru'), '/mailbox?lang=ru');
  t.equal(withLang('/x?a=1', 'kk'), '/x?a=1&lang=kk');
});

t.test('numbers and dates are written the way each language writes them', async (t) => {
  t.equal(format('{max} / {x}', { max: 50000, x: 'as is' }, 'en'), '50,000 / as is');
  t.match(format('{max}', { max: 50000 }, 'ru'), /^50\s000$/u, 'Russian groups with a (narrow) space');
  t.equal(format('{unknown}', {}, 'ru'), '{unknown}');
  t.equal(formatDate('2026-11-28T10:00:00.000Z', 'en'), 'Nov 28, 2026');
  t.match(formatDate('2026-11-28T10:00:00.000Z', 'ru'), /^28 нояб\. 2026/);
  t.equal(formatDate('not a date', 'ru'), undefined);
  for (const lang of LANGUAGES) t.match(formatDate('2026-11-28T23:59:00Z', lang), /28/, `${lang}: the UTC day`);
  t.equal(strings('xx').lang, 'en', 'an unknown language gives English');
  t.equal(strings('ru').dir, 'ltr');
});

t.test('an onion Host is recognised; anything else is not', async (t) => {
  t.ok(isOnionHost(ONION));
  t.ok(isOnionHost(ONION.toUpperCase()), 'case-insensitive');
  t.ok(isOnionHost(`${ONION}:80`), 'with a port');
  t.ok(isOnionHost(`www.${ONION}`), 'a subdomain');
  t.ok(isOnionHost(`${ONION}.`), 'a trailing dot');
  for (const host of [undefined, '', '127.0.0.1:8080', 'localhost', 'example.org', 'short.onion', `${ONION}.example.org`, `${ONION.replace('a', '1')}`, `${ONION}x`, 'x'.repeat(400)]) {
    t.notOk(isOnionHost(host), `not onion: ${String(host).slice(0, 40)}`);
  }
});

t.test('the Tor Browser heuristic warns only when the browser clearly is not Tor Browser', async (t) => {
  const desktop = 'Mozilla/5.0 (Windows NT 10.0; rv:128.0) Gecko/20100101 Firefox/128.0';
  t.ok(looksLikeTorBrowser(desktop, 0));
  t.ok(looksLikeTorBrowser('Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0', 0));
  t.ok(looksLikeTorBrowser('Mozilla/5.0 (Android 10; Mobile; rv:128.0) Gecko/128.0 Firefox/128.0', 0));
  t.notOk(looksLikeTorBrowser(desktop, -60), 'Firefox outside UTC is not Tor Browser');
  t.notOk(looksLikeTorBrowser('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36', 0), 'Chromium');
  t.notOk(looksLikeTorBrowser('Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15', 0), 'Safari');
  t.notOk(looksLikeTorBrowser('Mozilla/5.0 (Windows NT 10.0; rv:128.0) Gecko/20100101 Firefox/129.0', 0), 'mismatched versions');
});

const work = mkdtempSync(join(tmpdir(), 'tipline-i18n-'));
t.teardown(() => rmSync(work, { recursive: true, force: true }));
let options: PageOptions;

t.before(async () => {
  const clientDir = (await buildClient({ outDir: join(work, 'client') })).outDir;
  const pair = await generateEditorKeyPair();
  options = { editors: [{ line: encodePublicKey(pair), fingerprint: await fingerprint(pair) }], demo: false, clientDir };
});

async function pageApp(t: { teardown(fn: () => unknown): void }) {
  const app = Fastify({ logger: false });
  await app.register(pagePlugin, options);
  t.teardown(() => app.close());
  return app;
}

t.test('each page is served in the chosen language, with Vary and without a cookie', async (t) => {
  const app = await pageApp(t);
  for (const path of ['/', '/mailbox']) {
    for (const { meta, messages } of CATALOGS) {
      const lang = meta.language;
      const byHeader = await app.inject({ url: path, headers: { 'accept-language': `${lang};q=0.9, zz;q=1` } });
      const byQuery = await app.inject({ url: `${path}?lang=${lang}`, headers: { 'accept-language': lang === 'ru' ? 'kk' : 'ru' } });
      for (const [how, response] of [
        ['Accept-Language', byHeader],
        ['?lang=', byQuery],
      ] as const) {
        t.equal(response.statusCode, 200);
        t.equal(response.headers.vary, 'Accept-Language', `${path} ${lang} by ${how}: Vary`);
        t.equal(response.headers['content-language'], lang);
        t.equal(response.headers['set-cookie'], undefined, 'no cookie');
        t.match(response.body, new RegExp(`<html lang="${lang}" dir="ltr">`), `${path} ${lang} by ${how}`);
        t.ok(response.body.includes(`<title>${path === '/' ? messages.title : messages.mailboxTitle}</title>`));
      }
      t.equal(byHeader.body, byQuery.body, 'the same page either way');
      // The switcher: plain links to this page in every language, the current one marked.
      for (const other of CATALOGS) {
        const current = other.meta.language === lang ? ' aria-current="page"' : '';
        t.ok(
          byHeader.body.includes(`<a href="${path}?lang=${other.meta.language}" hreflang="${other.meta.language}" lang="${other.meta.language}"${current}>${other.meta.name}</a>`),
          `${path} ${lang}: a link to ${other.meta.language}`,
        );
      }
    }
  }
  const none = await app.inject({ url: '/', headers: { 'accept-language': 'de' } });
  t.match(none.body, /<html lang="en"/, 'English when nothing matches');
  const bad = await app.inject({ url: '/?lang=%3Cscript%3E', headers: { 'accept-language': 'kk' } });
  t.match(bad.body, /<html lang="kk"/, 'an unknown ?lang= falls back to Accept-Language');
  t.notOk(bad.body.includes('<script>'), 'and is never echoed');
  const ru = await app.inject({ url: '/?lang=ru' });
  t.ok(ru.body.includes('href="/mailbox?lang=ru"'), 'links within the site carry the language');
});

t.test('the "not the onion address" warning follows the Host header', async (t) => {
  const app = await pageApp(t);
  for (const path of ['/', '/mailbox']) {
    for (const { meta, messages } of CATALOGS) {
      const clearnet = await app.inject({ url: `${path}?lang=${meta.language}`, headers: { host: '127.0.0.1:8080' } });
      const onion = await app.inject({ url: `${path}?lang=${meta.language}`, headers: { host: ONION } });
      t.ok(clearnet.body.includes(messages.torNotOnionHeading), `${path} ${meta.language}: warned off the onion`);
      t.notOk(onion.body.includes(messages.torNotOnionHeading), `${path} ${meta.language}: no warning on the onion`);
      for (const response of [clearnet, onion]) {
        t.ok(response.body.includes('id="not-tor-browser" class="warning" aria-labelledby="not-tor-browser-heading" hidden'), 'the browser check box, hidden');
        t.ok(response.body.includes(messages.securitySafest) && response.body.includes(messages.noTrace[0]!), 'security levels and no-trace advice');
      }
    }
  }
});
