// The page plugin through app.inject(), on a fresh client build in a temporary directory.
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import Fastify from 'fastify';
import t from 'tap';
import { buildClient, type Manifest } from '../../scripts/build-client.js';
import pagePlugin, { acceptsGzip, type PageOptions } from '../../src/server/plugins/page.js';
import { jsonForScript } from '../../src/views/page.js';
import { escapeHtml } from '../../src/shared/html.js';
import { CONFIG_ELEMENT_ID } from '../../src/views/contract.js';
import { strings } from '../../src/i18n/index.js';
import { encodePublicKey, fingerprint, generateEditorKeyPair } from '../../src/crypto/keys.js';

const en = strings('en');

const work = mkdtempSync(join(tmpdir(), 'tipline-page-'));
t.teardown(() => rmSync(work, { recursive: true, force: true }));
const clientDir = join(work, 'client');
let manifest: Manifest;
let editors: PageOptions['editors'];

t.before(async () => {
  ({ manifest } = await buildClient({ outDir: clientDir }));
  const pairs = await Promise.all([generateEditorKeyPair(), generateEditorKeyPair()]);
  editors = await Promise.all(pairs.map(async (p) => ({ line: encodePublicKey(p), fingerprint: await fingerprint(p) })));
});

async function pageApp(t: { teardown(fn: () => unknown): void }, options: Partial<PageOptions> = {}) {
  const app = Fastify({ logger: false });
  await app.register(pagePlugin, { editors, demo: false, clientDir, ...options });
  t.teardown(() => app.close());
  return app;
}

function attribute(tag: string, name: string): string | undefined {
  return new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];
}

function configOf(html: string): unknown {
  const match = new RegExp(`<script type="application/json" id="${CONFIG_ELEMENT_ID}">([^<]*)</script>`).exec(html);
  if (!match) throw new Error('no config element');
  return JSON.parse(match[1]!);
}

t.test('the build writes content-hashed assets and a manifest that describes them', async (t) => {
  const all = Object.entries(manifest.assets);
  // The proof-of-work and attachment workers are the other assets (their tests: test/server/client-manifest.test.ts).
  t.equal(all.filter(([, a]) => a.role === 'worker').length, 2, 'two workers');
  const entries = all.filter(([, a]) => a.role !== 'worker');
  t.equal(entries.length, 2, 'one script and one stylesheet');
  t.same(entries.map(([, a]) => a.type).sort(), ['text/css', 'text/javascript']);
  for (const [path, asset] of all) {
    const bytes = readFileSync(join(clientDir, asset.file));
    t.match(asset.file, asset.role === 'worker' ? /^(pow|upload)-worker\.[0-9a-f]{16}\.js$/ : /^app\.[0-9a-f]{16}\.(js|css)$/);
    t.equal(path, `/assets/${asset.file}`);
    t.equal(asset.sha256, createHash('sha256').update(bytes).digest('hex'));
    t.ok(asset.file.includes(asset.sha256.slice(0, 16)), 'the name carries the content hash');
    t.equal(asset.integrity, `sha384-${createHash('sha384').update(bytes).digest('base64')}`);
  }
  const script = readFileSync(join(clientDir, entries.find(([, a]) => a.type === 'text/javascript')![1].file), 'utf8');
  t.notMatch(script, /sourceMappingURL/, 'no source map reference');
  t.notMatch(script, /crypto_pwhash_argon2id_str_needs_rehash/, 'the sumo build of libsodium is not bundled');
  t.match(script, /useBackupModule/, 'libsodium’s asm.js fallback is bundled');
  // The same sources give the same bytes, hence the same names.
  const again = await buildClient({ outDir: join(work, 'again') });
  t.same(again.manifest, manifest, 'the build is deterministic');
});

t.test('GET / serves the page with the keys, SRI, and no inline code', async (t) => {
  const app = await pageApp(t);
  const res = await app.inject({ method: 'GET', url: '/' });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^text\/html; charset=utf-8$/);
  t.equal(res.headers['cache-control'], 'no-store');
  t.notOk(res.headers['set-cookie'], 'no cookie');
  const html = res.body;

  t.match(html, /^<!doctype html>\n<html lang="en" dir="ltr">/);
  t.match(html, /<meta name="robots" content="noindex">/);
  t.match(html, /<meta charset="utf-8">/);
  for (const editor of editors) {
    const [a, b, c, d, ...rest] = editor.fingerprint.split(' ');
    t.match(html, `<code class="fingerprint"><span>${[a, b, c, d].join(' ')}</span> <span>${rest.join(' ')}</span></code>`, 'the fingerprint is shown, in two halves');
  }
  t.match(html, escapeHtml(en.fingerprintsIntro));
  t.same(configOf(html), { v: 1, lang: 'en', editors: editors.map((e) => ({ key: e.line, fingerprint: e.fingerprint })) }, 'the keys travel as JSON');
  t.match(html, /<label for="message">/, 'the message box is labelled');
  t.match(html, /<textarea id="message"[^>]* spellcheck="false"/, 'no spell checking (some browsers send it to a server)');
  t.match(html, /role="status" aria-live="polite"/, 'a live status region');
  t.match(html, /<noscript>[\s\S]*JavaScript is turned off[\s\S]*<\/noscript>/, 'a noscript notice');
  t.notMatch(html, /DEMO/, 'no demo banner outside demo mode');

  // No inline script or style anywhere: every <script> is either external or inert JSON.
  const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
  t.equal(scripts.length, 2);
  for (const [, attrs, content] of scripts) {
    if (/\ssrc="/.test(attrs!)) t.equal(content, '', 'an external script has no inline content');
    else t.match(attrs, /type="application\/json"/, 'the only other script is JSON data');
  }
  t.notMatch(html, /<style\b/i, 'no <style>');
  t.notMatch(html, /\sstyle=/i, 'no style attribute');
  t.notMatch(html, /\son[a-z]+=/i, 'no event handler attribute');
  t.notMatch(html, /(?:src|href|action)="(?:https?:)?\/\//i, 'no third-party resource');

  // SRI attributes match the bytes the server actually serves, with the right types.
  const scriptTag = /<script [^>]*src="[^"]+"[^>]*>/.exec(html)![0];
  const linkTag = /<link rel="stylesheet"[^>]*>/.exec(html)![0];
  for (const [tag, urlAttribute, type] of [
    [scriptTag, 'src', 'text/javascript; charset=utf-8'],
    [linkTag, 'href', 'text/css; charset=utf-8'],
  ] as const) {
    const url = attribute(tag, urlAttribute)!;
    const integrity = attribute(tag, 'integrity')!;
    t.match(url, /^\/assets\/app\.[0-9a-f]{16}\.(js|css)$/);
    const asset = await app.inject({ method: 'GET', url });
    t.equal(asset.statusCode, 200, `${url} is served`);
    t.equal(asset.headers['content-type'], type);
    t.equal(asset.headers['cache-control'], 'no-store');
    t.equal(integrity, `sha384-${createHash('sha384').update(asset.rawPayload).digest('base64')}`, `${url}: SRI matches the served bytes`);
  }
  t.match(scriptTag, /\sdefer[\s>]/, 'the script does not block rendering');
});

t.test('GET /mailbox serves the come-back page with the same script, stylesheet, SRI and keys', async (t) => {
  const app = await pageApp(t);
  const home = (await app.inject({ method: 'GET', url: '/' })).body;
  const res = await app.inject({ method: 'GET', url: '/mailbox' });
  t.equal(res.statusCode, 200);
  t.equal(res.headers['content-type'], 'text/html; charset=utf-8');
  t.equal(res.headers['cache-control'], 'no-store');
  const html = res.body;
  const tags = (page: string) => [/<script [^>]*src="[^"]+"[^>]*>/.exec(page)![0], /<link rel="stylesheet"[^>]*>/.exec(page)![0]];
  t.same(tags(html), tags(home), 'the same script and stylesheet tags, with SRI');
  t.same(configOf(html), configOf(home), 'the same configuration (the follow-ups are sealed to the same keys)');
  t.match(html, '<title>Your mailbox</title>');
  t.match(html, 'id="mailbox-login"', 'the login form the bundle looks for');
  t.notMatch(html, /<script>|<style|\son[a-z]+=/i, 'no inline code');
  t.match(home, 'id="passphrase-confirm"', 'the submission page asks to confirm the return passphrase');
  t.match(home, 'href="/mailbox?lang=en"', 'and links to the mailbox page, in its language');
});

t.test('the demo banner appears only in demo mode', async (t) => {
  const app = await pageApp(t, { demo: true });
  const html = (await app.inject({ method: 'GET', url: '/' })).body;
  t.match(html, /<div class="demo-banner" role="note"><p>DEMO — the decryption key is stored on this server; do not send real tips\.<\/p><\/div>/);
});

t.test('everything the page shows or carries is escaped', async (t) => {
  const hostile = { line: '</script><script>alert(1)</script>\u2028<!--', fingerprint: '<img src=x onerror=alert(1)> & "quoted" \'single\'' };
  const app = await pageApp(t, { editors: [hostile] });
  const html = (await app.inject({ method: 'GET', url: '/' })).body;
  t.notMatch(html, /<img/, 'no injected element');
  t.notMatch(html, /alert\(1\)<\/script>/, 'the config cannot close its script element');
  t.match(html, '<code class="fingerprint"><span>&lt;img src=x onerror=alert(1)&gt;</span> <span>&amp; &quot;quoted&quot; &#39;single&#39;</span></code>');
  t.same(configOf(html), { v: 1, lang: 'en', editors: [{ key: hostile.line, fingerprint: hostile.fingerprint }] }, 'the JSON still reads back exactly');
  t.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  t.equal(jsonForScript({ a: '</script>&\u2028\u2029' }), '{"a":"\\u003c/script\\u003e\\u0026\\u2028\\u2029"}');
});

t.test('assets are sent gzipped to clients that accept it, with the same decoded bytes', async (t) => {
  const app = await pageApp(t);
  for (const [path, asset] of Object.entries(manifest.assets)) {
    const plain = await app.inject({ method: 'GET', url: path });
    t.notOk(plain.headers['content-encoding'], `${path}: identity without Accept-Encoding`);
    t.equal(plain.headers.vary, 'accept-encoding');
    const gzipped = await app.inject({ method: 'GET', url: path, headers: { 'accept-encoding': 'gzip, deflate' } });
    t.equal(gzipped.headers['content-encoding'], 'gzip');
    const decoded = gunzipSync(gzipped.rawPayload);
    t.ok(decoded.equals(plain.rawPayload), `${path}: gunzip gives the plain bytes`);
    t.equal(`sha384-${createHash('sha384').update(decoded).digest('base64')}`, asset.integrity, 'SRI holds for the decoded bytes');
    if (asset.type === 'text/javascript') t.ok(gzipped.rawPayload.length < plain.rawPayload.length / 2, 'the script compresses well');
  }
  t.ok(acceptsGzip('gzip'));
  t.ok(acceptsGzip('br;q=1.0, GZIP;q=0.5'));
  t.notOk(acceptsGzip('gzip;q=0'));
  t.notOk(acceptsGzip('deflate, br'));
  t.notOk(acceptsGzip('x-gzip2'));
  t.notOk(acceptsGzip(undefined));
});

t.test('only the assets in the manifest are served', async (t) => {
  const app = await pageApp(t);
  for (const url of ['/assets/nope.js', '/assets/manifest.json', '/assets/..%2Fmanifest.json', '/assets/app.js', '/assets/']) {
    const res = await app.inject({ method: 'GET', url });
    t.equal(res.statusCode, 404, url);
    t.same(res.json(), { error: 'not found' }, `${url}: JSON error`);
    t.match(res.headers['content-type'], /^application\/json/);
  }
});

t.test('registration refuses a missing, incomplete or altered build', async (t) => {
  const empty = join(work, 'empty');
  await t.rejects(pageApp(t, { clientDir: empty }), /manifest .* is missing: run npm run build:client/);

  const altered = join(work, 'altered');
  cpSync(clientDir, altered, { recursive: true });
  const css = Object.values(manifest.assets).find((a) => a.type === 'text/css')!;
  writeFileSync(join(altered, css.file), readFileSync(join(altered, css.file), 'utf8') + '\nbody{color:red}');
  await t.rejects(pageApp(t, { clientDir: altered }), /does not match the manifest/);

  const incomplete = join(work, 'incomplete');
  cpSync(clientDir, incomplete, { recursive: true });
  rmSync(join(incomplete, css.file));
  await t.rejects(pageApp(t, { clientDir: incomplete }), /is missing: run npm run build:client/);

  const escaping = join(work, 'escaping');
  cpSync(clientDir, escaping, { recursive: true });
  writeFileSync(join(escaping, 'manifest.json'), JSON.stringify({ assets: { '/assets/../x': { file: '../x', type: 'text/css', sha256: '', integrity: '' } } }));
  await t.rejects(pageApp(t, { clientDir: escaping }), /malformed entry/);

  await t.rejects(pageApp(t, { editors: [] }), /no editor keys/);
});
