// End to end in Debian's Chromium, normally and with --js-flags=--jitless (no JIT, no
// WebAssembly: what Tor Browser's "Safer" level does). The real server runs as a child
// process; the tip is typed into the real page, encrypted by the real bundle, then exported
// and decrypted with the real commands, and the plaintext compared. On the way, the server is
// killed before the first send, to check that the page keeps the text and can send it again.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { buildClient } from '../../scripts/build-client.js';
import { fingerprint } from '../../src/crypto/keys.js';
import { ROOT } from '../helpers/client-build.js';
import { childEnv } from '../helpers/child-env.js';
import { tempDir } from '../helpers/fixtures.js';
import { startServer } from '../helpers/server-process.js';
import { CHROMIUM, capture, findFiles, freePort, checkSameOrigin, editorKeyFile, launchChromium, requireChromium } from '../helpers/e2e.js';

const ARTIFACTS = join(ROOT, 'test-artifacts');
const PASSPHRASE = 'correct horse battery staple e2e';
// Cyrillic (Russian and Kazakh letters), emoji with a skin-tone modifier and a ZWJ sequence,
// a combining accent, and a few characters HTML and JSON care about.
const MESSAGE =
  'Избирательный участок №12, Ашхабад: урны вынесли в 19:40 🗳️\n' +
  'Қазақстан — бюллетени подменили 👍🏽 👩‍👩‍👧\n' +
  'café <b>&amp;</b> "quotes" \\ </script> end';

const run = promisify(execFile);

const work = tempDir(t, 'tipline-e2e-');
let keyFile: string;
let recipientsFile: string;
let editorFingerprint: string;
let clientDir: string;

t.before(async () => {
  // The test fails (never skips) without the browser it is about.
  requireChromium();
  clientDir = (await buildClient({ outDir: join(work, 'client') })).outDir;
  // The smallest Argon2id costs: this test is about the tip's path, not the KDF.
  const editor = await editorKeyFile(work, PASSPHRASE, '# e2e editor\n');
  ({ keyFile, recipientsFile } = editor);
  editorFingerprint = await fingerprint(editor.pair);
  mkdirSync(ARTIFACTS, { recursive: true });
});

for (const mode of ['normal', 'jitless'] as const) {
  t.test(`a tip typed in Chromium (${mode}) is stored encrypted and decrypts to the same text`, async (t) => {
    t.ok(existsSync(CHROMIUM), `${CHROMIUM} exists`);
    const dir = tempDir(t, `tipline-e2e-${mode}-`);
    const dataDir = join(dir, 'data');
    mkdirSync(dataDir);
    const port = await freePort();
    const env = {
      TIPLINE_PORT: String(port),
      TIPLINE_DATA_DIR: dataDir,
      TIPLINE_RECIPIENTS: recipientsFile,
      TIPLINE_CLIENT_DIR: clientDir,
      // A low proof-of-work difficulty keeps this test quick; test/e2e/pow.test.ts and
      // npm run bench:pow cover the real one.
      TIPLINE_POW_MIN_BITS: '4',
      TIPLINE_POW_MAX_BITS: '4',
    };
    const first = await startServer(t, env);
    const origin = first.url;
    t.equal(origin, `http://127.0.0.1:${port}`);

    const browser = await launchChromium(t, mode);
    // A new context is a fresh, empty profile: no cookies, no storage, no cache.
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
    const page = await context.newPage();
    const { requests, problems } = capture(context, page, { responses: true });

    await page.goto(`${origin}/`, { waitUntil: 'load' });
    t.equal(await page.evaluate(() => typeof WebAssembly), mode === 'jitless' ? 'undefined' : 'object', `WebAssembly is ${mode === 'jitless' ? 'off' : 'on'}`);
    t.equal(await page.title(), 'Send a tip securely');
    t.equal((await page.locator('.fingerprints code').allTextContents()).join('|'), editorFingerprint, 'the editor fingerprint is shown');
    t.notOk(await page.locator('.demo-banner').count(), 'no demo banner with configured recipients');
    // The button becomes usable once libsodium has started (asm.js in the jitless run) and the
    // keys matched their fingerprints.
    await page.locator('#submit:enabled').waitFor({ timeout: 120_000 });
    t.match(await page.locator('#status').textContent(), /^Ready/);

    // Empty tips are refused in the page.
    await page.click('#submit');
    t.match(await page.locator('#error').textContent(), /write your tip/);

    await page.fill('#message', MESSAGE);
    t.equal(await page.inputValue('#message'), MESSAGE, 'the text was typed as is');

    // The return passphrase must be confirmed as written down before anything is sent
    // (the whole conversation: test/e2e/conversation.test.ts).
    t.equal((await page.locator('#passphrase-words li').allTextContents()).length, 12, 'a 12-word return passphrase is shown');
    await page.click('#submit');
    t.match(await page.locator('#error').textContent(), /tick the box/, 'not sent before the passphrase is confirmed');
    await page.check('#passphrase-confirm');

    t.same(problems, [], 'no console errors so far (CSP or SRI violations, exceptions, failed loads)');

    // With JavaScript off (Tor Browser "Safest"), the page explains the server-sealed fallback
    // and offers its own button (the whole no-JS path: test/e2e/nojs.test.ts).
    const noScript = await browser.newContext({ javaScriptEnabled: false });
    const plain = await noScript.newPage();
    await plain.goto(`${origin}/`);
    t.match(await plain.locator('.noscript').textContent(), /server will encrypt it/, 'the noscript notice shows without JavaScript');
    t.ok(await plain.locator('#message').isEnabled(), 'without JavaScript the message box still takes a tip');
    t.ok(await plain.locator('#submit').isHidden(), 'without JavaScript the encrypt-in-the-browser button is not shown');
    await noScript.close();
    t.ok(await page.locator('.noscript').isHidden(), 'with JavaScript the notice is hidden');

    // The server dies before the tip is sent: the page says so and keeps every character.
    first.child.kill('SIGKILL');
    await first.exited;
    await page.click('#submit');
    await page.locator('#error:not([hidden])').waitFor({ timeout: 120_000 });
    const error = (await page.locator('#error').textContent()) ?? '';
    t.match(error, /NOT sent/, 'the failure is stated');
    t.match(error, /could not be reached/, 'and why');
    t.equal(await page.inputValue('#message'), MESSAGE, 'the typed text is kept');
    t.ok(await page.locator('#submit').isEnabled(), 'the button works again');
    t.ok(await page.locator('#confirmation').isHidden(), 'no confirmation');
    t.same(problems.splice(0), ['console error: Failed to load resource: net::ERR_CONNECTION_REFUSED'], 'the only console error is the refused connection');

    // The server comes back on the same address: pressing the button again sends the tip.
    const second = await startServer(t, env);
    t.equal(second.url, origin);
    await page.click('#submit');
    await page.locator('#confirmation:not([hidden])').waitFor({ timeout: 120_000 });
    const receipt = (await page.locator('#receipt').textContent()) ?? '';
    t.match(receipt, /^[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}$/, 'a receipt is shown');
    t.ok(await page.locator('#error').isHidden(), 'the earlier error is gone');
    t.ok(await page.locator('#tip-form').isHidden(), 'the form is gone');
    t.equal(await page.inputValue('#message'), '', 'the text was dropped from the page after the confirmation');
    t.equal(await page.evaluate(() => document.activeElement?.id), 'confirmation', 'focus moves to the confirmation');
    await page.screenshot({ path: join(ARTIFACTS, `confirmation-${mode}.png`), fullPage: true });

    t.same(await context.cookies(), [], 'no cookies');
    t.equal(await page.evaluate(() => localStorage.length + sessionStorage.length), 0, 'nothing in web storage');
    t.same(problems, [], 'no console errors after the outage');
    await browser.close();

    // Only the server was ever contacted.
    t.ok(requests.length >= 4, 'requests were observed');
    checkSameOrigin(t, requests, origin);
    t.ok(requests.includes(`POST ${origin}/api/tips`), 'the tip was posted');

    // The server's files hold ciphertext only.
    const sqliteFiles = readdirSync(dataDir).filter((name) => name.startsWith('tipline.sqlite'));
    t.ok(sqliteFiles.length >= 1, 'the database exists');
    for (const name of sqliteFiles) {
      const bytes = readFileSync(join(dataDir, name));
      for (const fragment of ['Избирательный', 'Ашхабад', '🗳️', 'quotes']) {
        t.equal(bytes.indexOf(Buffer.from(fragment, 'utf8')), -1, `${name} does not contain "${fragment}"`);
      }
    }

    // The editor's path, as commands: export on the server host, decrypt "air-gapped".
    const bundle = join(dir, 'tips.bundle');
    const out = join(dir, 'decrypted');
    await run('npx', ['tsx', 'scripts/export.ts', '--db', join(dataDir, 'tipline.sqlite'), '--out', bundle], { cwd: ROOT, env: childEnv() });
    t.ok(existsSync(bundle), 'the bundle was written');
    const decrypted = await run('npx', ['tsx', 'scripts/decrypt.ts', '--key', keyFile, '--in', bundle, '--out', out], {
      cwd: ROOT,
      env: childEnv({ TIPLINE_PASSPHRASE: PASSPHRASE }),
    });
    t.notMatch(decrypted.stdout + decrypted.stderr, /Избирательный/, 'decrypt does not print the tip');
    const tips = findFiles(out, 'tip.json');
    t.equal(tips.length, 1, 'exactly one tip was stored (the failed attempt stored nothing)');
    const tipDir = tips[0]!.slice(0, -'/tip.json'.length);
    t.equal(readFileSync(join(tipDir, 'message.txt'), 'utf8'), MESSAGE, 'message.txt is exactly what was typed');
    const tip = JSON.parse(readFileSync(tips[0]!, 'utf8')) as { receipt?: string };
    t.equal(tip.receipt, receipt, 'tip.json carries the receipt the page showed');
  });
}
