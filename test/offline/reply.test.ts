// The reply command's key lookup: a forged tip cannot redirect the desk's reply.
import t from 'tap';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toBase64Url } from '../../src/crypto/bytes.js';
import { ReplyError, replyKeyFor } from '../../src/offline/reply.js';
import { editorKeys, tempDir } from '../helpers/fixtures.js';
import { newSource } from '../helpers/conversation.js';

function writeTip(dir: string, folder: string, reply: Record<string, string>): void {
  mkdirSync(join(dir, folder));
  writeFileSync(join(dir, folder, 'tip.json'), JSON.stringify({ kind: 'tip', body: { v: 1, message: 'x', clientTime: '', reply } }));
}

t.test('replyKeyFor takes the source key only from tips whose keys hash to the mailbox id', async (t) => {
  const source = await newSource();
  const [attacker] = await editorKeys(1);
  const { keys } = source;
  const honest = { mailbox: keys.mailbox, kemPublicKey: toBase64Url(keys.kemPublicKey), signPublicKey: toBase64Url(keys.signPublicKey) };

  const good = tempDir(t);
  writeTip(good, '2026-11-28_' + 'a'.repeat(32), honest);
  t.same(await replyKeyFor(good, keys.mailbox), keys.kemPublicKey, 'the honest thread gives the source key');

  const forged = tempDir(t);
  writeTip(forged, '2026-11-28_' + 'a'.repeat(32), honest);
  // A second "tip" claims the same mailbox but carries the attacker's reply key.
  writeTip(forged, '2026-11-28_' + 'b'.repeat(32), { ...honest, kemPublicKey: toBase64Url(attacker!.publicKey) });
  await t.rejects(replyKeyFor(forged, keys.mailbox), ReplyError, 'a tip whose keys do not hash to the id is refused');
  await t.rejects(replyKeyFor(forged, keys.mailbox), /keys that do not belong to it/);

  await t.rejects(replyKeyFor(good, 'f'.repeat(32)), /no decrypted tip/, 'an unknown mailbox is refused');
  await t.rejects(replyKeyFor(good, '../etc'), /32 lowercase hex/, 'a malformed id is refused');
});

t.test('reader rules: a reply member without signPublicKey cannot be answered (docs/PROTOCOL.md, "Reader rules")', async (t) => {
  const { keys } = await newSource();
  const dir = tempDir(t);
  // Mailbox and reply key are right, but without the login key the id cannot be checked.
  writeTip(dir, '2026-11-28_' + 'c'.repeat(32), { mailbox: keys.mailbox, kemPublicKey: toBase64Url(keys.kemPublicKey) });
  await t.rejects(replyKeyFor(dir, keys.mailbox), /keys that do not belong to it.*not replying/);
});
