// SIGKILL during an import and during state changes, on a real child process: nothing lost,
// nothing duplicated. And the store's torn tail (what a kill inside a write leaves), made by
// hand at every byte of a record: dropped on open, nothing before it touched.
import { spawn } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdirSync, readFileSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { toHex } from '../../src/crypto/bytes.js';
import { fingerprint } from '../../src/crypto/keys.js';
import { openDesk } from '../../src/desk/desk.js';
import { DeskStore, deriveStoreKey } from '../../src/desk/store.js';
import { childEnv } from '../helpers/child-env.js';
import { ROOT } from '../helpers/client-build.js';
import { pattern, tempDir } from '../helpers/fixtures.js';
import { editors, recipientsText, tipItems, toInbox } from './desk-fixtures.js';
import type { BundleItem } from '../../src/crypto/bundle.js';

const [A, B] = await editors('Aigul', 'Batyr');

/** Runs the child desk and kills it (SIGKILL) once a stdout line matches `at`; resolves with the lines it printed. */
function runUntil(env: Record<string, string>, at: (line: string) => boolean): Promise<{ lines: string[]; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/desk/desk-child.ts'], { cwd: ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    let buffer = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      buffer += d.toString();
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        lines.push(line);
        if (at(line)) child.kill('SIGKILL');
      }
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => (signal || code === 0 ? resolve({ lines, signal }) : reject(new Error(`child exited ${code}: ${stderr}`))));
  });
}

function setup(t: Parameters<typeof tempDir>[0]) {
  const dir = tempDir(t);
  const recipients = join(dir, 'recipients.txt');
  writeFileSync(recipients, recipientsText([A!, B!]));
  const env = { DESK_SEED: toHex(A!.seed), DESK_RECIPIENTS: recipients, DESK_USB: join(dir, 'usb'), DESK_DIR: join(dir, 'desk'), DESK_EXPORT: join(dir, 'export') };
  const open = () => openDesk({ key: A!, recipients: recipientsText([A!, B!]), usb: env.DESK_USB, deskDir: env.DESK_DIR, exportDir: env.DESK_EXPORT });
  return { dir, env, open };
}

t.test('SIGKILL during an import, then the import again: every record once', async (t) => {
  const { env, open } = setup(t);
  const items: BundleItem[] = [];
  const ids: string[] = [];
  for (let i = 0; i < 240; i++) {
    // Every tenth tip carries a 1 MiB attachment: kills land inside chunk batches too.
    const tip = await tipItems([A!, B!], `tip ${i}`, i % 10 === 0 ? { files: [{ name: `f${i}.bin`, type: 'application/octet-stream', bytes: pattern(1 << 20, i) }] } : {});
    ids.push(tip.id);
    items.push(...tip.items);
  }
  await toInbox(env.DESK_USB, 'big.bundle', items);
  const run = await runUntil({ ...env, DESK_MODE: 'import' }, (line) => line === 'imported 60 already 0');
  t.equal(run.signal, 'SIGKILL', 'killed mid-import');
  const killedAt = await open();
  const before = killedAt.inbox({}).length;
  t.comment(`after the kill the store held ${before} of 240 tips`);
  t.ok(before >= 60 && before <= 240, 'what the killed run acknowledged as imported is there');
  const p = await killedAt.importInbox();
  t.equal(p.imported + p.already, 240);
  t.equal(p.already, before, 'the records imported before the kill are not imported twice');
  const inbox = killedAt.inbox({});
  t.equal(inbox.length, 240, 'every tip');
  t.same(inbox.map((s) => s.id).sort(), [...ids].sort());
  for (const id of ids.filter((_, i) => i % 10 === 0)) {
    const item = killedAt.thread(id)!.items[0]!;
    const files = item.kind === 'tip' ? item.files : [];
    t.equal(files.length, 1, `tip ${id}: one file, not two`);
    if (files[0]!.complete) continue;
    t.fail(`tip ${id}: file incomplete`);
  }
  const i0 = killedAt.thread(ids[0]!)!.items[0]!;
  if (i0.kind === 'tip') t.same(readFileSync(await killedAt.exportFile(i0.files[0]!.id)), Buffer.from(pattern(1 << 20, 0)), 'the attachment is whole');
  await killedAt.close();
});

t.test('SIGKILL during the import of a desk export, then the import again: every record once', async (t) => {
  // Aigul's desk holds 120 tips (every tenth with a 1 MiB file) and her labels; she exports it for
  // Batyr, whose new desk (a child process) is killed half way through importing it.
  const dir = tempDir(t);
  const recipients = recipientsText([A!, B!]);
  const items: BundleItem[] = [];
  for (let i = 0; i < 120; i++)
    items.push(...(await tipItems([A!], `tip ${i}`, i % 10 === 0 ? { files: [{ name: `f${i}.bin`, type: 'application/octet-stream', bytes: pattern(1 << 20, i) }] } : {})).items);
  await toInbox(join(dir, 'a-usb'), 'in.bundle', items);
  const a = await openDesk({ key: A!, recipients, usb: join(dir, 'a-usb'), deskDir: join(dir, 'a-desk'), exportDir: join(dir, 'a-export') });
  await a.importInbox();
  for (const s of a.inbox({}).slice(0, 20)) await a.change(s.id, { kind: 'label', label: 'checked', on: true });
  const path = await a.exportSeed(await fingerprint(B!));
  const expected = a.inbox({}).map(({ unread: _u, ...s }) => s);
  await a.close();
  const env = { DESK_SEED: toHex(B!.seed), DESK_RECIPIENTS: join(dir, 'recipients.txt'), DESK_USB: join(dir, 'b-usb'), DESK_DIR: join(dir, 'b-desk'), DESK_EXPORT: join(dir, 'b-export') };
  writeFileSync(env.DESK_RECIPIENTS, recipients);
  mkdirSync(join(env.DESK_USB, 'inbox'), { recursive: true });
  copyFileSync(path, join(env.DESK_USB, 'inbox', 'desk-export.bundle'));
  const run = await runUntil({ ...env, DESK_MODE: 'import' }, (line) => line === 'imported 50 already 0');
  t.equal(run.signal, 'SIGKILL', 'killed mid-import');
  const b = await openDesk({ key: B!, recipients, usb: env.DESK_USB, deskDir: env.DESK_DIR, exportDir: env.DESK_EXPORT });
  const before = b.inbox({}).length;
  t.comment(`after the kill the store held ${before} of 120 threads`);
  t.ok(before >= 50 && before <= 120, 'what the killed run had imported is there');
  const p = await b.importInbox();
  t.same(p.refused, []);
  t.equal(p.already, before, 'the threads imported before the kill are not imported twice');
  t.same(
    b.inbox({}).map(({ unread: _u, ...s }) => s),
    expected,
    'every thread once, with its labels, as on the exporting desk',
  );
  for (const s of b.inbox({}).filter((x) => x.attachments > 0)) {
    const item = b.thread(s.id)!.items[0]!;
    const files = item.kind === 'tip' ? item.files : [];
    t.same(
      files.map((f) => f.complete),
      [true],
      `${s.id}: one file, whole`,
    );
  }
  await b.close();
});

t.test('SIGKILL during state changes: every change that returned is kept and queued, none twice', async (t) => {
  const { env, open } = setup(t);
  const tip = await tipItems([A!, B!], 'a thread');
  await toInbox(env.DESK_USB, 'in.bundle', tip.items);
  const first = await open();
  await first.importInbox();
  await first.close();
  const run = await runUntil({ ...env, DESK_MODE: 'changes', DESK_THREAD: tip.id }, (line) => line === 'changed 40');
  t.equal(run.signal, 'SIGKILL');
  const returned = run.lines.filter((l) => l.startsWith('changed ')).length;
  const desk = await open();
  const labels = desk.thread(tip.id)!.labels;
  t.ok(labels.length >= returned, `${labels.length} labels kept, ${returned} changes had returned`);
  for (let i = 0; i < returned; i++) t.ok(labels.includes(`label-${i}`), `label-${i}`);
  const outbox = readdirSync(join(env.DESK_USB, 'outbox')).filter((n) => n.startsWith('event-'));
  t.equal(outbox.length, labels.length, 'every change in the store has its event bundle in the outbox, once (written again on open if the kill came between)');
  t.same(desk.thread(tip.id)!.log.length, labels.length, 'one log line per change');
  t.equal(await fingerprint(A!), desk.me.id);
  await desk.close();
});

t.test('a torn tail at any byte of the last record is dropped on open; what was before is kept', async (t) => {
  const dir = tempDir(t);
  const key = await deriveStoreKey(A!.seed);
  const { store } = await DeskStore.open(dir, key, () => undefined);
  store.append([{ json: { n: 1 } }, { json: { n: 2 }, tail: Uint8Array.of(1, 2, 3) }]);
  store.close();
  const segment = join(dir, '000001.seg');
  const whole = readFileSync(segment);
  const twoRecords = whole.length;
  const { store: again } = await DeskStore.open(dir, key, () => undefined);
  again.append([{ json: { n: 3, text: 'x'.repeat(3000) } }]);
  again.close();
  const full = readFileSync(segment);
  for (const cut of [twoRecords + 1, twoRecords + 4, twoRecords + 30, Math.floor((twoRecords + full.length) / 2), full.length - 1]) {
    writeFileSync(segment, full.subarray(0, cut));
    const seen: unknown[] = [];
    const { store: s, dropped } = await DeskStore.open(dir, key, (r) => seen.push(r.json));
    t.same(seen, [{ n: 1 }, { n: 2 }], `cut at ${cut}: the two whole records`);
    t.equal(dropped, cut - twoRecords, 'the torn bytes dropped');
    t.equal(statSync(segment).size, twoRecords, 'the file cut back');
    s.append([{ json: { n: 4 } }]);
    s.close();
    const after: unknown[] = [];
    (await DeskStore.open(dir, key, (r) => after.push(r.json))).store.close();
    t.same(after, [{ n: 1 }, { n: 2 }, { n: 4 }], 'a record appended after the cut reads back');
    truncateSync(segment, twoRecords);
  }
  // Garbage after the last record (a torn length prefix) is a torn tail too.
  appendFileSync(segment, Buffer.from([0xff, 0xff]));
  const seen: unknown[] = [];
  (await DeskStore.open(dir, key, (r) => seen.push(r.json))).store.close();
  t.equal(seen.length, 2);
  // A record altered in place (not at the tail of the last segment) does not open silently.
  // The store's first record, whole but not authentic, is not a torn tail: opening stops and
  // cuts nothing (cutting would erase the whole desk; test/desk/store-key.test.ts).
  const bytes = readFileSync(segment);
  bytes[20]! ^= 1;
  writeFileSync(segment, bytes);
  const seen2: unknown[] = [];
  await t.rejects(
    DeskStore.open(dir, key, (r) => seen2.push(r.json)),
    /does not open with this key/,
    'an altered first record: opening stops',
  );
  t.equal(seen2.length, 0, 'nothing after it is trusted');
  t.same(readFileSync(segment), bytes, 'and nothing is cut');
  // The wrong key reads nothing.
  writeFileSync(segment, whole);
  const other = await deriveStoreKey(B!.seed);
  await t.rejects(
    (async () => {
      writeFileSync(join(dir, '000002.seg'), whole);
      await DeskStore.open(dir, other, () => undefined);
    })(),
    /damaged record/,
    'another key: the first segment does not authenticate, and opening stops',
  );
});

t.test('tails (attachment chunks) of earlier segments are skipped on open and authenticate when read', async (t) => {
  const dir = tempDir(t);
  const key = await deriveStoreKey(A!.seed);
  const small = { segmentBytes: 4096 };
  const chunk = pattern(10_000, 7);
  const { store } = await DeskStore.open(dir, key, () => undefined, small);
  const [first] = store.append([{ json: { n: 1 }, tail: chunk }]);
  store.append([{ json: { n: 2 }, tail: pattern(5000, 8) }]);
  store.append([{ json: { n: 3 } }]);
  store.close();
  t.same(readdirSync(dir).sort(), ['000001.seg', '000002.seg', '000003.seg'], 'three segments');
  const seen: { json: unknown; tail: number }[] = [];
  const { store: s } = await DeskStore.open(dir, key, (r) => seen.push({ json: r.json, tail: r.tail.length }), small);
  t.same(
    seen,
    [
      { json: { n: 1 }, tail: 0 },
      { json: { n: 2 }, tail: 0 },
      { json: { n: 3 }, tail: 0 },
    ],
    'heads read, tails skipped',
  );
  t.same(s.read(first!).tail, chunk, 'the tail read on demand');
  s.close();
  // A tail altered on disk: open still succeeds (it does not read it), reading it fails loudly.
  const seg = join(dir, '000001.seg');
  const bytes = readFileSync(seg);
  bytes[bytes.length - 100]! ^= 1;
  writeFileSync(seg, bytes);
  const { store: s2 } = await DeskStore.open(dir, key, () => undefined, small);
  t.throws(() => s2.read(first!), /does not authenticate/);
  s2.close();
});
