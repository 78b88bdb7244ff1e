// A new editor's desk seeded from a colleague's export, on real files: real bundles of tips sealed
// to the roster of their time (the newcomer not on it), a real desk with history that exports, a
// brand-new desk for the newcomer that imports the file from its USB inbox. Then the attacks on
// the export: an unknown signer, one byte altered (manifest rewritten to match), cut short, a
// record dropped, sealed to someone else, another editor's copy re-sealed to the newcomer, a
// colleague's event forged by the exporter.
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import t, { type Test } from 'tap';
import { concat, toBase64Url, toHex, writeU32 } from '../../src/crypto/bytes.js';
import { encodeDeskEvent, newEventId } from '../../src/crypto/desk-event.js';
import { openSeedPart, sealSeedPart } from '../../src/crypto/desk-seed.js';
import { fingerprint } from '../../src/crypto/keys.js';
import { signJson } from '../../src/crypto/signing.js';
import { loadSodium } from '../../src/crypto/sodium.js';
import { writeBundle } from '../../src/files/bundle.js';
import type { Desk, ThreadDetail } from '../../src/desk/api.js';
import { seedItems } from '../../src/desk/seed.js';
import { renderThread } from '../../src/desk/views/thread.js';
import { readVerifiedRecords, verifyBundle } from '../../src/offline/bundle.js';
import { pattern, tempDir } from '../helpers/fixtures.js';
import { PNG_1X1, carry, deskIn, editors, recipientsText, source, tipItems, toInbox } from './desk-fixtures.js';

const [A, B, C, S] = await editors('Aigul', 'Batyr', 'Chary', 'Stranger');
const old = [A!, B!];
/** The roster once Chary joined; the old tips were sealed to Aigul and Batyr only. */
const roster = recipientsText([A!, B!, C!]);
const idA = await fingerprint(A!);
const idB = await fingerprint(B!);
const idC = await fingerprint(C!);
const today = new Date().toISOString().slice(0, 10);
const SECRET = 'Ашхабад: вброс 5521';
const BIG = pattern(1_200_000, 7);

/** Aigul's desk with history: a conversation with files, a report, a plain tip, Batyr's and her own changes, replies. */
async function historyDesk(t: Test) {
  const dir = tempDir(t);
  const src = await source();
  const tip = await tipItems(old, SECRET, {
    from: src,
    files: [
      { name: 'photo.png', type: 'image/png', bytes: PNG_1X1 },
      { name: 'scan.bin', type: 'application/octet-stream', bytes: BIG },
    ],
    received: '2026-11-20',
  });
  const follow = await tipItems(old, 'Ещё одно: участок 12', { from: src, kind: 'followUp', received: '2026-11-21' });
  const report = await tipItems(old, 'report', { form: { id: 'election-kz', version: 1 }, fields: { region: 'almaty' }, received: '2026-11-22' });
  const plain = await tipItems(old, 'plain tip', { received: '2026-11-23' });
  await toInbox(join(dir, 'a', 'usb'), 'old.bundle', [...tip.items, ...follow.items, ...report.items, ...plain.items]);
  await toInbox(join(dir, 'b', 'usb'), 'old.bundle', [...tip.items, ...report.items]);
  // Batyr's desk (old roster) sets a label and a note, verifies the report.
  const b = await deskIn(t, B!, recipientsText(old), join(dir, 'b'), 'en');
  await b.importInbox();
  await b.change(src.mailbox, { kind: 'label', label: 'карусель', on: true });
  await b.change(src.mailbox, { kind: 'note', text: 'Батыр: позвонил наблюдателю' });
  await b.change(report.id, { kind: 'verify', tip: report.id, state: 'verified', note: 'photo matches' });
  await b.reply(src.mailbox, 'Ответ Батыра');
  carry(join(dir, 'b'), join(dir, 'a'));
  const a = await deskIn(t, A!, roster, join(dir, 'a'), 'en');
  await a.importInbox();
  await a.change(src.mailbox, { kind: 'status', status: 'in-progress' });
  await a.change(src.mailbox, { kind: 'assign', editor: idB });
  await a.change(src.mailbox, { kind: 'star', on: true });
  await a.change(plain.id, { kind: 'status', status: 'rejected' });
  await a.change(plain.id, { kind: 'note', text: 'Айгуль: спам' });
  await a.reply(src.mailbox, 'Ответ Айгуль, ещё в исходящих');
  return { dir, a, src, tip, follow, report, plain };
}

/** A thread as a colleague sees it, without what is this desk's own (unread, where it came from, whether a reply is still in an outbox). */
function shown(d: ThreadDetail | undefined) {
  if (!d) return undefined;
  const { unread: _u, ...rest } = d;
  return { ...rest, items: d.items.map(({ seeded: _s, ...i }) => (i.kind === 'reply' ? { ...i, pending: false } : i)) };
}

function grepDir(path: string, needles: string[]): string[] {
  const found: string[] = [];
  const walk = (p: string): void => {
    if (statSync(p).isDirectory()) for (const name of readdirSync(p)) walk(join(p, name));
    else for (const n of needles) if (readFileSync(p).includes(Buffer.from(n, 'utf8'))) found.push(`${basename(p)}: ${n}`);
  };
  walk(path);
  return found;
}

/** A brand-new desk for `who` in a new folder, with `file` placed in its USB inbox. */
async function newcomer(t: Test, file: string, who = C!, recipients = roster) {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'usb', 'inbox'), { recursive: true });
  copyFileSync(file, join(dir, 'usb', 'inbox', basename(file)));
  const desk = await deskIn(t, who, recipients, dir, 'en');
  return { dir, desk };
}

/** The seed lines of an export, and the bundle items to write a changed copy. */
async function seedLinesOf(path: string) {
  const v = await verifyBundle(path);
  const out: { id: string; received: string; envelope: Uint8Array }[] = [];
  for await (const item of readVerifiedRecords(path, v)) if (item.kind === 'seed') out.push(item.seed);
  return out;
}

const refusedOnly = async (t: Test, desk: Desk, reason: RegExp, what: string) => {
  const p = await desk.importInbox();
  t.match(p.refused.map((r) => r.reason).join('\n'), reason, what);
  t.equal(p.imported, 0, `${what}: nothing imported`);
  t.same(desk.inbox({}), [], `${what}: the desk is empty`);
  t.match(
    desk
      .refused()
      .map((r) => r.reason)
      .join('\n'),
    reason,
    `${what}: listed on the desk`,
  );
  t.same((await desk.importInbox()).refused, [], `${what}: the same file is not read again`);
};

t.test('a new editor seeded from a colleague: the same threads, files, events; then sync merges', async (t) => {
  const h = await historyDesk(t);
  const path = await h.a.exportSeed(idC);
  t.match(path, new RegExp(`^${join(h.dir, 'a', 'usb')}/desk-export-${today}-[0-9a-f]{8}\\.bundle$`), 'written on the stick');
  t.equal((statSync(path).mode & 0o777).toString(8), '600');
  await t.rejects(h.a.exportSeed(idA), /choose a colleague/, 'not for oneself');
  await t.rejects(h.a.exportSeed('nobody'), /choose a colleague/);

  const c = await newcomer(t, path);
  const steps: number[] = [];
  const p = await c.desk.importInbox((x) => steps.push(x.imported));
  t.same(p.refused, [], 'nothing refused');
  t.ok(steps.length > 3, `progress reported (${steps.length} steps)`);
  t.same(
    c.desk.inbox({}).map(({ unread: _u, ...s }) => s),
    h.a.inbox({}).map(({ unread: _u, ...s }) => s),
    'the same inbox',
  );
  for (const s of h.a.inbox({})) t.same(shown(c.desk.thread(s.id)), shown(h.a.thread(s.id)), `the same thread ${s.designation}`);
  const conv = c.desk.thread(h.src.mailbox)!;
  t.match(conv, { status: 'in-progress', labels: ['карусель'], assignee: idB, starred: true });
  t.same(
    conv.notes.map((n) => [n.editor, n.text]),
    [[idB, 'Батыр: позвонил наблюдателю']],
    "Batyr's note, his own signed event",
  );
  t.ok(
    conv.items.every((i) => i.seeded?.from === idA && i.seeded.date === today),
    'every item attributed to the export',
  );
  t.same(
    conv.items.map((i) => [i.kind, i.message]),
    [
      ['tip', SECRET],
      ['followUp', 'Ещё одно: участок 12'],
      ['reply', 'Ответ Батыра'],
      ['reply', 'Ответ Айгуль, ещё в исходящих'],
    ],
  );
  t.match(
    renderThread({ base: '/s/', lang: 'en', desk: c.desk, thread: conv, neighbours: [], params: new URLSearchParams() }),
    /<p class="meta seeded">from the desk export of <bdi class="editor">Aigul<\/bdi>, <time datetime="[0-9-]+">/,
    'the thread page says where each item came from',
  );
  const files = conv.items[0]!.kind === 'tip' ? conv.items[0]!.files : [];
  t.same(
    files.map((f) => [f.name, f.complete, f.thumbnail]),
    [
      ['photo.png', true, true],
      ['scan.bin', true, false],
    ],
  );
  t.same(c.desk.thumbnail(files[0]!.id), PNG_1X1);
  t.same(readFileSync(await c.desk.exportFile(files[1]!.id)), Buffer.from(BIG), 'the 1.2 MB file, whole (three pieces)');
  t.same(c.desk.thread(h.report.id)!.verification, { [h.report.id]: { state: 'verified', note: 'photo matches', editor: idB } });
  t.notOk(existsSync(join(c.dir, 'usb', 'outbox')), 'nothing to acknowledge: the server never gave these to this desk');

  // Nothing readable: not in the export, not in the newcomer's desk folder.
  const needles = [SECRET, 'Ашхабад', 'участок 12', 'карусель', 'позвонил', 'Ответ', 'спам', 'photo.png', 'scan.bin', 'Aigul', 'Batyr', 'election-kz', h.src.mailbox];
  t.same(grepDir(path, needles), [], 'the export is ciphertext');
  t.same(grepDir(join(c.dir, 'desk'), needles), [], "the newcomer's desk folder holds no plaintext");
  t.equal(readFileSync(path).indexOf(Buffer.from(BIG.subarray(1000, 1064))), -1, "the file's bytes are not in the export");

  // The same export again, under another name: nothing changes.
  const before = c.desk.thread(h.src.mailbox);
  copyFileSync(path, join(c.dir, 'usb', 'inbox', 'again.bundle'));
  const again = await c.desk.importInbox();
  t.equal(again.imported, 0, 'the same export twice imports nothing');
  t.ok(again.already > 0);
  t.same(c.desk.thread(h.src.mailbox), before, 'the same thread');

  // Then sync: Aigul's events come from the server too (the same records), and Batyr writes a new one.
  const fromAigul = carry(join(h.dir, 'a'), c.dir);
  const b2 = await deskIn(t, B!, roster, join(h.dir, 'b2'), 'en');
  await toInbox(join(h.dir, 'b2', 'usb'), 'tip.bundle', h.tip.items);
  await b2.importInbox();
  await b2.change(h.src.mailbox, { kind: 'label', label: 'after', on: true });
  carry(join(h.dir, 'b2'), c.dir);
  const synced = await c.desk.importInbox();
  t.same(synced.refused, [], 'no replay refused: an event in the seed and from the server is one event');
  t.match(synced, { imported: 1, already: fromAigul }, "Aigul's events and reply, already here from her export; Batyr's new event imported");
  const after = c.desk.thread(h.src.mailbox)!;
  t.same(after.labels, ['after', 'карусель'], "Batyr's new event merged");
  t.equal(after.notes.length, 1, 'no note twice');
  t.equal(after.log.length, before!.log.length + 1, 'one new log line, nothing twice');
  await c.desk.close();
  const reopened = await deskIn(t, C!, roster, c.dir, 'en');
  t.same(reopened.thread(h.src.mailbox), c.desk.thread(h.src.mailbox) ?? after, 'the same after reopening');
});

t.test('attacks on the export: each refused whole, nothing imported', async (t) => {
  const sodium = await loadSodium();
  const h = await historyDesk(t);
  const path = await h.a.exportSeed(idC);
  const lines = await seedLinesOf(path);
  const write = async (name: string, items: { id: string; received: string; envelope: Uint8Array }[]) => {
    const out = join(tempDir(t), name);
    await writeBundle(
      out,
      items.map((seed) => ({ seed })),
      { created: today },
    );
    return out;
  };

  await t.test('unknown signer', async (t) => {
    // A stranger's desk, whose own roster names Chary, exports for Chary.
    const dir = tempDir(t);
    const tip = await tipItems([S!, C!], 'from the stranger');
    await toInbox(join(dir, 'usb'), 'in.bundle', tip.items);
    const s = await deskIn(t, S!, recipientsText([S!, C!]), dir, 'en');
    await s.importInbox();
    const c = await newcomer(t, await s.exportSeed(idC));
    await refusedOnly(t, c.desk, /signed by a key that is not in the roster/, 'unknown signer');
  });

  await t.test('one byte altered, the manifest rewritten to match', async (t) => {
    const changed = lines.map((l) => ({ ...l, envelope: Uint8Array.from(l.envelope) }));
    changed[1]!.envelope[2000]! ^= 1;
    const c = await newcomer(t, await write('altered.bundle', changed));
    await refusedOnly(t, c.desk, /altered, added or removed/, 'altered');
  });

  await t.test('one byte altered, the manifest left alone', async (t) => {
    const text = readFileSync(path, 'utf8').split('\n');
    const at = text[2]!.length - 10;
    text[2] = text[2]!.slice(0, at) + (text[2]![at] === 'A' ? 'B' : 'A') + text[2]!.slice(at + 1);
    const out = join(tempDir(t), 'flipped.bundle');
    writeFileSync(out, text.join('\n'));
    const c = await newcomer(t, out);
    await refusedOnly(t, c.desk, /damaged or cut short/, 'flipped');
  });

  await t.test('cut short', async (t) => {
    const bytes = readFileSync(path);
    const out = join(tempDir(t), 'cut.bundle');
    writeFileSync(out, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const c = await newcomer(t, out);
    await refusedOnly(t, c.desk, /damaged or cut short/, 'truncated');
  });

  await t.test('the last records and the seal dropped, a new manifest written', async (t) => {
    const c = await newcomer(t, await write('short.bundle', lines.slice(0, -2)));
    await refusedOnly(t, c.desk, /does not end with its seal/, 'seal dropped');
  });

  await t.test('a record dropped from the middle, a new manifest written', async (t) => {
    const c = await newcomer(t, await write('dropped.bundle', [...lines.slice(0, 1), ...lines.slice(2)]));
    await refusedOnly(t, c.desk, /altered, added or removed/, 'record dropped');
  });

  await t.test('sealed to someone else', async (t) => {
    const forB = await h.a.exportSeed(idB);
    const c = await newcomer(t, forB);
    await refusedOnly(t, c.desk, /not sealed to your key/, 'for Batyr, read by Chary');
  });

  await t.test("another editor's copy re-sealed to the newcomer", async (t) => {
    // Batyr got an export from Aigul; he opens every record and seals it again to Chary.
    const forB = await h.a.exportSeed(idB);
    const resealed: typeof lines = [];
    for (const l of await seedLinesOf(forB)) {
      const part = await openSeedPart(l.envelope, B!.seed);
      resealed.push({ ...l, envelope: sealSeedPart(sodium, concat(writeU32(part.text.length), part.text, part.data), C!.publicKey) });
    }
    const c = await newcomer(t, await write('resealed.bundle', resealed));
    await refusedOnly(t, c.desk, new RegExp(`made for the editor ${idB}, not for you`), 'forwarded');
  });

  await t.test('a desk event of a colleague forged by the exporter is refused alone', async (t) => {
    // Aigul's export, written by hand: Batyr's key named on an event that Aigul signed.
    const forged = await signJson(
      'deskEvent',
      encodeDeskEvent({
        v: 1,
        id: await newEventId(),
        editor: toBase64Url(B!.signPublicKey),
        thread: h.src.mailbox,
        hlc: { ms: Date.now(), c: 0 },
        change: { kind: 'label', label: 'forged', on: true },
      }),
      A!.signSecretKey,
    );
    const out = join(tempDir(t), 'forged.bundle');
    await writeBundle(
      out,
      seedItems(
        sodium,
        { items: [], events: [{ id: toHex(sodium.randombytes_buf(16)), received: today, lines: [Buffer.from(forged).toString('utf8')] }] },
        { exportId: toHex(sodium.randombytes_buf(16)), created: today, recipient: { publicKey: C!.publicKey, id: idC }, signer: A! },
      ),
      { created: today },
    );
    const c = await newcomer(t, out);
    const p = await c.desk.importInbox();
    t.match(p.refused.map((r) => r.reason).join('\n'), /signature is wrong/, 'the forged event refused');
    t.same(c.desk.refused().length, 1);
  });
});
