// End to end in Debian's Chromium, normally and with --js-flags=--jitless (no JIT, no
// WebAssembly: what Tor Browser's "Safer" level does). The real server runs as a child
// process; the tip is typed into the real page, encrypted by the real bundle, then exported
// and decrypted with the real commands, and the plaintext compared. On the way, the server is
// killed before the first send, to check that the page keeps the text and can send it again.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { fingerprint } from '../../src/crypto/keys.js';
import { ROOT } from '../helpers/client-build.js';
import { CHROMIUM, checkNoPlaintext, checkSameOrigin, launchChromium, openSession, tiplineServer } from '../helpers/e2e.js';
import { checkMode, webStorage } from '../helpers/page-checks.js';
import { exportAndDecrypt } from '../helpers/editor-commands.js';
import { SubmissionPage } from '../helpers/navigators/submission.js';

const ARTIFACTS = join(ROOT, 'test-artifacts');
// Cyrillic (Russian and Kazakh letters), emoji with a skin-tone modifier and a ZWJ sequence,
// a combining accent, and a few characters HTML and JSON care about.
const MESSAGE = 'Избирательный участок №12, Ашхабад: урны вынесли в 19:40 🗳️\n' + 'Қазақстан — бюллетени подменили 👍🏽 👩‍👩‍👧\n' + 'café <b>&amp;</b> "quotes" \\ </script> end';

t.before(() => {
  mkdirSync(ARTIFACTS, { recursive: true });
});

for (const mode of ['normal', 'jitless'] as const) {
  t.test(`a tip typed in Chromium (${mode}) is stored encrypted and decrypts to the same text`, async (t) => {
    t.ok(existsSync(CHROMIUM), `${CHROMIUM} exists`);
    // The editor key at the smallest Argon2id costs: this test is about the tip's path, not the
    // KDF. A low proof-of-work difficulty keeps it quick; test/e2e/pow.test.ts and npm run
    // bench:pow cover the real one. The port is chosen up front: the server comes back on it.
    const server = await tiplineServer(t, { samePort: true, recipientsHeader: '# e2e editor\n' });
    const origin = server.url;
    t.equal(origin, `http://127.0.0.1:${server.env.TIPLINE_PORT}`);
    const editorFingerprint = await fingerprint(server.editor.pair!);

    const browser = await launchChromium(t, mode);
    // A new context is a fresh, empty profile: no cookies, no storage, no cache.
    const { context, page, requests, problems } = await openSession(t, browser, { responses: true });

    const submission = await new SubmissionPage(page, origin).visit();
    await checkMode(t, page, mode);
    t.equal(await page.title(), 'Send a tip securely');
    t.equal((await page.locator('.fingerprints code').allTextContents()).join('|'), editorFingerprint, 'the editor fingerprint is shown');
    t.notOk(await page.locator('.demo-banner').count(), 'no demo banner with configured recipients');
    // The button becomes usable once libsodium has started (asm.js in the jitless run) and the
    // keys matched their fingerprints.
    await submission.ready();
    t.match(await page.locator('#status').textContent(), /^Ready/);

    // Empty tips are refused in the page.
    t.match(await submission.submitRefused(), /write your tip/);

    await submission.fillMessage(MESSAGE);
    t.equal(await page.inputValue('#message'), MESSAGE, 'the text was typed as is');

    // The return passphrase must be confirmed as written down before anything is sent
    // (the whole conversation: test/e2e/conversation.test.ts).
    t.equal((await submission.readPassphrase()).length, 12, 'a 12-word return passphrase is shown');
    t.match(await submission.submitRefused(), /tick the box/, 'not sent before the passphrase is confirmed');
    await submission.confirmPassphrase();

    t.same(problems, [], 'no console errors so far (CSP or SRI violations, exceptions, failed loads)');

    // With JavaScript off (Tor Browser "Safest"), the page explains the server-sealed fallback
    // and offers its own button (the whole no-JS path: test/e2e/nojs.test.ts).
    const noScript = await openSession(t, browser, { javaScript: false });
    const plain = noScript.page;
    await plain.goto(`${origin}/`);
    t.match(await plain.locator('.noscript').textContent(), /server will encrypt it/, 'the noscript notice shows without JavaScript');
    t.ok(await plain.locator('#message').isEnabled(), 'without JavaScript the message box still takes a tip');
    t.ok(await plain.locator('#submit').isHidden(), 'without JavaScript the encrypt-in-the-browser button is not shown');
    await noScript.context.close();
    t.ok(await page.locator('.noscript').isHidden(), 'with JavaScript the notice is hidden');

    // The server dies before the tip is sent: the page says so and keeps every character.
    await server.kill();
    const error = await submission.submitRefused();
    t.match(error, /NOT sent/, 'the failure is stated');
    t.match(error, /could not be reached/, 'and why');
    t.equal(await page.inputValue('#message'), MESSAGE, 'the typed text is kept');
    t.ok(await page.locator('#submit').isEnabled(), 'the button works again');
    t.ok(await page.locator('#confirmation').isHidden(), 'no confirmation');
    t.same(problems.splice(0), ['console error: Failed to load resource: net::ERR_CONNECTION_REFUSED'], 'the only console error is the refused connection');

    // The server comes back on the same address: pressing the button again sends the tip.
    const second = await server.restart();
    t.equal(second.url, origin);
    const receipt = await submission.submit();
    t.match(receipt, /^[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}$/, 'a receipt is shown');
    t.ok(await page.locator('#error').isHidden(), 'the earlier error is gone');
    t.ok(await page.locator('#tip-form').isHidden(), 'the form is gone');
    t.equal(await page.inputValue('#message'), '', 'the text was dropped from the page after the confirmation');
    t.equal(await page.evaluate(() => document.activeElement?.id), 'confirmation', 'focus moves to the confirmation');
    await page.screenshot({ path: join(ARTIFACTS, `confirmation-${mode}.png`), fullPage: true });

    t.same(await context.cookies(), [], 'no cookies');
    t.equal(await webStorage(page), 0, 'nothing in web storage');
    t.same(problems, [], 'no console errors after the outage');
    await browser.close();

    // Only the server was ever contacted.
    t.ok(requests.length >= 4, 'requests were observed');
    checkSameOrigin(t, requests, origin);
    t.ok(requests.includes(`POST ${origin}/api/tips`), 'the tip was posted');

    // The server's files hold ciphertext only.
    checkNoPlaintext(t, server.dataDir, ['Избирательный', 'Ашхабад', '🗳️', 'quotes']);

    // The editor's path, as commands: export on the server host, decrypt "air-gapped".
    const { bundle, decrypt, records } = await exportAndDecrypt(t, server);
    t.ok(existsSync(bundle), 'the bundle was written');
    t.notMatch(decrypt.stdout + decrypt.stderr, /Избирательный/, 'decrypt does not print the tip');
    t.equal(records.length, 1, 'exactly one tip was stored (the failed attempt stored nothing)');
    t.equal(records[0]?.message, MESSAGE, 'message.txt is exactly what was typed');
    t.equal(records[0]?.json.receipt, receipt, 'tip.json carries the receipt the page showed');
  });
}
