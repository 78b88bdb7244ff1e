// Padding in the real page: short tips must not be told apart by their size. Tips of 1 to
// 1 000 characters, Latin and Cyrillic, typed into Debian's Chromium and sent through the real
// server (with conversations, so every body carries the ~1.8 KB `reply` member) must all be
// stored as envelopes of exactly one length; the same through the no-JavaScript form. (An
// empty message is refused by the page; the body-level test covers 0 characters.)
import { join } from 'node:path';
import t from 'tap';
import Database from 'better-sqlite3';
import { pagesUnderTest } from '../helpers/pages.js';
import { NoJsSubmissionPage } from '../helpers/navigators/nojs.js';
import { SubmissionPage } from '../helpers/navigators/submission.js';

const LENGTHS = [1, 50, 150, 300, 1000];
const MESSAGES = LENGTHS.flatMap((n) => ['x'.repeat(n), 'Ж'.repeat(n)]);

function storedLengths(dataDir: string): number[] {
  const db = new Database(join(dataDir, 'tipline.sqlite'), { readonly: true });
  try {
    return (db.prepare('SELECT length(envelope) AS n FROM tips').all() as { n: number }[]).map((r) => r.n);
  } finally {
    db.close();
  }
}

t.test('every short tip, with and without JavaScript, is stored in one size class', async (t) => {
  const { origin, browser, server } = await pagesUnderTest(t);
  const { dataDir } = server;

  const context = await browser.newContext({ locale: 'en-US' });
  const submission = new SubmissionPage(await context.newPage(), origin);
  for (const message of MESSAGES) {
    await submission.visit();
    await submission.sendTip(message);
  }
  await context.close();
  const withScript = storedLengths(dataDir);
  t.equal(withScript.length, MESSAGES.length, 'every tip was stored');
  t.same([...new Set(withScript)], [withScript[0]], `one envelope length for all ${MESSAGES.length} tips sealed in the page: ${[...new Set(withScript)].join(', ')}`);

  const noScript = await browser.newContext({ javaScriptEnabled: false, locale: 'en-US' });
  const plain = new NoJsSubmissionPage(await noScript.newPage(), origin);
  for (const message of MESSAGES) {
    await plain.visit();
    await plain.fillMessage(message);
    await plain.send();
    t.equal(await plain.page.title(), 'Your tip was received');
  }
  await noScript.close();
  const all = storedLengths(dataDir);
  const sealedByServer = all.slice();
  for (const n of withScript) sealedByServer.splice(sealedByServer.indexOf(n), 1);
  t.equal(sealedByServer.length, MESSAGES.length, 'every no-JavaScript tip was stored');
  t.same([...new Set(sealedByServer)], [sealedByServer[0]], `one envelope length for all tips sealed by the server: ${[...new Set(sealedByServer)].join(', ')}`);
  t.comment(`envelope lengths: page ${withScript[0]} bytes, no-JavaScript ${sealedByServer[0]} bytes (one editor key)`);
});
