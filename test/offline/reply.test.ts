// The reply command's key lookup: a forged tip cannot redirect the desk's reply; it is skipped and named.
import t from 'tap';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toBase64Url } from '../../src/crypto/bytes.js';
import { ReplyError, replyKeyFor } from '../../src/offline/reply.js';
import { editorKeys, tempDir } from '../helpers/fixtures.js';
import { newSource } from '../helpers/conversation.js';

/** A tip folder as decrypt writes it: `mailbox` only when decrypt verified the mailbox signature. */
function writeTip(dir: string, folder: string, reply: Record<string, string>, verified = true): void {
  mkdirSync(join(dir, folder));
  const filed = verified ? { mailbox: reply.mailbox } : { unverified: 'it is not signed by the mailbox key' };
  writeFileSync(join(dir, folder, 'tip.json'), JSON.stringify({ kind: 'tip', ...filed, body: { v: 1, message: 'x', clientTime: '', reply } }));
}

t.test('replyKeyFor takes the source key only from tips whose keys hash to the mailbox id', async (t) => {
  const source = await newSource();
  const [attacker] = await editorKeys(1);
  const { keys } = source;
  const honest = { mailbox: keys.mailbox, kemPublicKey: toBase64Url(keys.kemPublicKey), signPublicKey: toBase64Url(keys.signPublicKey) };

  const good = tempDir(t);
  writeTip(good, '2026-11-28_' + 'a'.repeat(32), honest);
  t.same(await replyKeyFor(good, keys.mailbox), { key: keys.kemPublicKey, skipped: [] }, 'the honest thread gives the source key');

  const forged = tempDir(t);
  writeTip(forged, '2026-11-28_' + 'a'.repeat(32), honest);
  // A second "tip" claims the same mailbox but carries the attacker's reply key.
  writeTip(forged, '2026-11-28_' + 'b'.repeat(32), { ...honest, kemPublicKey: toBase64Url(attacker!.publicKey) });
  writeTip(forged, '2026-11-28_' + 'c'.repeat(32), honest, false);
  const { key, skipped } = await replyKeyFor(forged, keys.mailbox);
  t.same(key, keys.kemPublicKey, 'the reply still goes to the genuine source');
  t.match(skipped, [/^2026-11-28_b{32}: .*keys that do not belong to it/, /^2026-11-28_c{32}: not verified .*not signed by the mailbox key/], 'each forgery is skipped and named');
  const onlyForged = tempDir(t);
  writeTip(onlyForged, '2026-11-28_' + 'c'.repeat(32), honest, false);
  await t.rejects(replyKeyFor(onlyForged, keys.mailbox), ReplyError, 'with no verified record there is no one to answer');

  await t.rejects(replyKeyFor(good, 'f'.repeat(32)), /no verified decrypted tip/, 'an unknown mailbox is refused');
  await t.rejects(replyKeyFor(good, '../etc'), /32 lowercase hex/, 'a malformed id is refused');
});

t.test('reader rules: a reply member without signPublicKey cannot be answered (docs/PROTOCOL.md, "Reader rules")', async (t) => {
  const { keys } = await newSource();
  const dir = tempDir(t);
  // Mailbox and reply key are right, but without the login key the id cannot be checked.
  writeTip(dir, '2026-11-28_' + 'c'.repeat(32), { mailbox: keys.mailbox, kemPublicKey: toBase64Url(keys.kemPublicKey) });
  await t.rejects(replyKeyFor(dir, keys.mailbox), /no verified decrypted tip[\s\S]*keys that do not belong to it/);
});
