// Proof of work in Debian's Chromium, normally and with --jitless (Tor Browser "Safer"):
//  - the real worker bundle reports progress while it solves and finds exactly the first
//    solving nonce (the challenge is chosen so that it needs thousands of tries: deterministic);
//  - the page shows the work in its aria-live status, and when the server refuses a solution
//    (here: a challenge that was already spent, handed to the page once) it fetches a new
//    challenge and sends again by itself.
import t from 'tap';
import { fromBase64Url, toBase64Url } from '../../src/crypto/bytes.js';
import { powSolves } from '../../src/crypto/pow.js';
import { loadSodium } from '../../src/crypto/sodium.js';
import { sealTip, solvedPow, tipRequest } from '../helpers/fixtures.js';
import { launchChromium, openSession, tiplineServer } from '../helpers/e2e.js';
import { SubmissionPage } from '../helpers/navigators/submission.js';

const BITS = 12;

for (const mode of ['normal', 'jitless'] as const) {
  t.test(`Chromium ${mode}: the worker reports progress and finds the first solution; the page retries a refused one`, async (t) => {
    const server = await tiplineServer(t, { env: { TIPLINE_POW_MIN_BITS: String(BITS), TIPLINE_POW_MAX_BITS: String(BITS) } });
    const workerPath = Object.entries(server.client.manifest.assets).find(([, a]) => a.role === 'worker' && a.file.startsWith('pow-worker.'))![0];
    const recipient = server.editor.pair!.publicKey;
    const browser = await launchChromium(t, mode);
    const { page, requests } = await openSession(t, browser);
    const submission = await new SubmissionPage(page, server.url).visit();

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
    t.ok(
      progress.every((m, i) => m.expected === 2 ** BITS && m.tries! > (i ? progress[i - 1]!.tries! : 0) && m.tries! <= first),
      'tries grow and never pass the solution',
    );
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
    await submission.ready();
    await page.evaluate(() => {
      const status = document.getElementById('status')!;
      (window as unknown as { statuses: string[] }).statuses = [];
      new MutationObserver(() => (window as unknown as { statuses: string[] }).statuses.push(status.textContent ?? '')).observe(status, { childList: true, characterData: true, subtree: true });
    });
    t.equal(await page.locator('#status').getAttribute('aria-live'), 'polite', 'the status is announced');
    await submission.fillMessage('a tip that must get through a refused proof of work');
    await submission.confirmPassphrase();
    await page.click('#submit');
    t.match(await submission.readReceipt(180_000), /^[0-9A-F]{4}(-[0-9A-F]{4}){3}$/, 'the tip was received');
    const statuses: string[] = await page.evaluate(() => (window as unknown as { statuses: string[] }).statuses);
    t.ok(
      statuses.some((s) => /^Anti-spam check: .*\(\d+%\)/.test(s)),
      'the page showed the work as progress',
    );
    const posts = requests.filter((r) => r === `POST ${server.url}/api/tips`);
    t.equal(posts.length, 2, 'posted twice: refused, then accepted');
    t.equal(requests.filter((r) => r === `GET ${server.url}/api/pow`).length, 3, 'one for the mailbox, then a second one for the tip');
    t.ok(
      requests.every((r) => r.split(' ')[1]!.startsWith(`${server.url}/`)),
      'no request left the origin',
    );
  });
}
