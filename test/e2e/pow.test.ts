// Proof of work in Debian's Chromium, normally and with --jitless (Tor Browser "Safer"):
//  - the real worker bundle reports progress while it solves and finds exactly the first
//    solving nonce (the challenge is chosen so that it needs thousands of tries: deterministic);
//  - the page shows the work in its aria-live status, and when the server refuses a solution
//    (here: a challenge that was already spent, handed to the page once) it fetches a new
//    challenge and sends again by itself.
import t from 'tap';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { buildClient } from '../../scripts/build-client.js';
import { fromBase64Url, toBase64Url } from '../../src/crypto/bytes.js';
import { powSolves } from '../../src/crypto/pow.js';
import { encodePublicKey, generateEditorKeyPair } from '../../src/crypto/keys.js';
import { loadSodium } from '../../src/crypto/sodium.js';
import { sealTip, solvedPow, tempDir, tipRequest } from '../helpers/fixtures.js';
import { startServer } from '../helpers/server-process.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const BITS = 12;

const work = tempDir(t, 'tipline-e2e-pow-');
let clientDir: string;
let workerPath: string;
let recipientsFile: string;
let recipient: Uint8Array;

t.before(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)`);
  const build = await buildClient({ outDir: join(work, 'client') });
  clientDir = build.outDir;
  workerPath = Object.entries(build.manifest.assets).find(([, a]) => a.role === 'worker' && a.file.startsWith('pow-worker.'))![0];
  const pair = await generateEditorKeyPair();
  recipient = pair.publicKey;
  recipientsFile = join(work, 'recipients.txt');
  writeFileSync(recipientsFile, encodePublicKey(pair) + '\n');
});

for (const mode of ['normal', 'jitless'] as const) {
  t.test(`Chromium ${mode}: the worker reports progress and finds the first solution; the page retries a refused one`, async (t) => {
    const dir = tempDir(t);
    const server = await startServer(t, {
      TIPLINE_DATA_DIR: join(dir, 'data'),
      TIPLINE_RECIPIENTS: recipientsFile,
      TIPLINE_CLIENT_DIR: clientDir,
      TIPLINE_POW_MIN_BITS: String(BITS),
      TIPLINE_POW_MAX_BITS: String(BITS),
    });
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: mode === 'jitless' ? [...ARGS, '--js-flags=--jitless'] : ARGS });
    t.teardown(() => browser.close());
    const page = await browser.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(`${r.method()} ${r.url()}`));
    await page.goto(`${server.url}/`);

    // 1. The worker alone, on a challenge and binding whose first solution needs 2000-8000 tries.
    const sodium = await loadSodium();
    let challenge = '';
    let binding: Uint8Array = new Uint8Array();
    let first = -1;
    while (first < 2000 || first > 8000) {
      challenge = (await (await fetch(`${server.url}/api/pow`)).json()).challenge;
      binding = sodium.randombytes_buf(32);
      first = -1;
      for (let n = 0; n <= 8000 && first < 0; n++) {
        if (powSolves(sodium, fromBase64Url(challenge)!, binding, Uint8Array.of(0, 0, 0, 0, 0, 0, n >> 8, n & 255), BITS)) first = n;
      }
    }
    const messages = await page.evaluate(
      async ({ workerPath, challenge, binding }) => {
        const worker = new Worker(workerPath);
        const seen: { type: string; tries?: number; expected?: number; nonce?: number[] }[] = [];
        await new Promise<void>((resolve) => {
          worker.onmessage = (e) => {
            seen.push({ ...e.data, ...(e.data.nonce ? { nonce: Array.from(e.data.nonce as Uint8Array) } : {}) });
            if (e.data.type === 'ready') worker.postMessage({ challenge: new Uint8Array(challenge), binding: new Uint8Array(binding) });
            if (e.data.type === 'solved' || e.data.type === 'error') resolve();
          };
        });
        worker.terminate();
        return seen;
      },
      { workerPath, challenge: Array.from(fromBase64Url(challenge)!), binding: Array.from(binding) },
    );
    t.equal(messages[0]!.type, 'ready', 'the worker loaded libsodium');
    const progress = messages.filter((m) => m.type === 'progress');
    t.ok(progress.length >= 1, `progress was reported (${progress.length} messages)`);
    t.ok(progress.every((m, i) => m.expected === 2 ** BITS && m.tries! > (i ? progress[i - 1]!.tries! : 0) && m.tries! <= first), 'tries grow and never pass the solution');
    const solved = messages.at(-1)!;
    t.equal(solved.type, 'solved');
    t.equal(solved.tries, first + 1, 'found at the first solving nonce');
    t.same(solved.nonce, [0, 0, 0, 0, 0, 0, first >> 8, first & 255]);

    // 2. The page: a spent challenge is handed to it once; the server refuses (403); the page
    //    fetches a fresh challenge, solves it and the tip goes through.
    const spentEnvelope = await sealTip([recipient], 'spends the challenge');
    const spent = await solvedPow(server.url, toBase64Url(spentEnvelope));
    const spending = await fetch(`${server.url}/api/tips`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: tipRequest(spentEnvelope, spent).payload });
    t.equal(spending.status, 201, 'the challenge is spent');
    // The page's first challenge is for its return mailbox (POST /api/mailboxes), the second
    // for the tip: the spent one is handed in place of the second.
    let calls = 0;
    await page.route('**/api/pow', async (route) => {
      if (++calls !== 2) return route.continue();
      await route.fulfill({ status: 200, contentType: 'application/json; charset=utf-8', body: JSON.stringify({ challenge: spent.challenge, bits: BITS, expiresIn: 600 }) });
    });
    await page.locator('#submit:enabled').waitFor({ timeout: 120_000 });
    await page.evaluate(() => {
      const status = document.getElementById('status')!;
      (window as unknown as { statuses: string[] }).statuses = [];
      new MutationObserver(() => (window as unknown as { statuses: string[] }).statuses.push(status.textContent ?? '')).observe(status, { childList: true, characterData: true, subtree: true });
    });
    t.equal(await page.locator('#status').getAttribute('aria-live'), 'polite', 'the status is announced');
    await page.fill('#message', 'a tip that must get through a refused proof of work');
    await page.check('#passphrase-confirm');
    await page.click('#submit');
    await page.locator('#confirmation:not([hidden])').waitFor({ timeout: 180_000 });
    t.match(await page.locator('#receipt').textContent(), /^[0-9A-F]{4}(-[0-9A-F]{4}){3}$/, 'the tip was received');
    const statuses: string[] = await page.evaluate(() => (window as unknown as { statuses: string[] }).statuses);
    t.ok(statuses.some((s) => /^Anti-spam check: .*\(\d+%\)/.test(s)), 'the page showed the work as progress');
    const posts = requests.filter((r) => r === `POST ${server.url}/api/tips`);
    t.equal(posts.length, 2, 'posted twice: refused, then accepted');
    t.equal(requests.filter((r) => r === `GET ${server.url}/api/pow`).length, 3, 'one for the mailbox, then a second one for the tip');
    t.ok(requests.every((r) => r.split(' ')[1]!.startsWith(`${server.url}/`)), 'no request left the origin');
  });
}
