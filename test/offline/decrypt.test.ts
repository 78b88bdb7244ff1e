// Offline decrypt: real key files, real envelopes, real bundles, the real command as a child
// process, and once inside a network namespace with no interfaces.
import t from 'tap';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/fixtures.js';
import { utf8 } from '../../src/crypto/bytes.js';
import { encodeBody, type Body } from '../../src/crypto/body.js';
import { sealEnvelope } from '../../src/crypto/envelope.js';
import { generateEditorKeyPair, type EditorKeyPair } from '../../src/crypto/keys.js';
import { receiptFor } from '../../src/crypto/receipt.js';
import { encryptKeyFile } from '../../src/crypto/keyfile.js';
import { manifestLine, tipLine, type TipRecord } from '../../src/crypto/bundle.js';
import { writeBundle } from '../../src/files/bundle.js';
import { DecryptError, SEALED_BY_SERVER_NOTE, decryptBundle, folderName, formatSummary, summaryOk, unlockKey, type TipJson } from '../../src/offline/decrypt.js';
import { preview, renderIndex } from '../../src/offline/index-html.js';
import { escapeHtml } from '../../src/shared/html.js';
import { runChild, runWithoutNetwork, type Run } from '../helpers/cli.js';

const PASSPHRASE = 'correct horse battery staple';
// The KDF is not under test here: libsodium's minimum costs keep the tests fast.
const FAST_KDF = { opslimit: 1, memlimit: 8192 };

interface Setup {
  dir: string;
  key: EditorKeyPair;
  other: EditorKeyPair;
  keyFile: string;
}

async function setup(t: Parameters<typeof tempDir>[0]): Promise<Setup> {
  const dir = tempDir(t, 'tipline-decrypt-');
  const [key, other] = await Promise.all([generateEditorKeyPair(), generateEditorKeyPair()]);
  const keyFile = join(dir, 'editor.key');
  writeFileSync(keyFile, JSON.stringify(await encryptKeyFile(key, PASSPHRASE, FAST_KDF)), { mode: 0o600 });
  return { dir, key, other, keyFile };
}

let counter = 0;
function newId(): string {
  return (Date.now().toString(16) + (counter++).toString(16).padStart(8, '0')).padStart(32, '0').slice(-32);
}

async function tip(to: EditorKeyPair[], message: string, received = '2024-05-01', extra: Partial<Body> = {}): Promise<TipRecord> {
  const body: Body = { v: 1, message, clientTime: '2024-05-01T10:00:00.000Z', ...extra };
  return { id: newId(), received, envelope: await sealEnvelope({ kind: 'tip', recipients: to.map((k) => k.publicKey), body: encodeBody(body) }) };
}

async function bundle(dir: string, name: string, records: TipRecord[]): Promise<string> {
  const path = join(dir, name);
  await writeBundle(path, records, { created: '2024-05-04' });
  return path;
}

const folderOf = (r: TipRecord) => `${r.received}_${r.id}`;
const readTipJson = (out: string, r: TipRecord) => JSON.parse(readFileSync(join(out, folderOf(r), 'tip.json'), 'utf8')) as TipJson;
const mode = (p: string) => lstatSync(p).mode & 0o777;

const run = runChild;

const decryptCli = (args: string[], env: Record<string, string | undefined> = {}) => run(process.execPath, ['--import', 'tsx', 'scripts/decrypt.ts', ...args], env);

t.test('every tip lands in its own folder with message.txt, tip.json and an index page', async (t) => {
  const s = await setup(t);
  const first = await tip([s.other, s.key], 'first line\nsecond line', '2024-05-01', { lang: 'ru', fields: { region: 'Ahal' } });
  const hostile = await tip([s.key], '<script>alert("x")</script> & Привет', '2024-05-03');
  const sealed = await tip([s.key], 'sent without JavaScript', '2024-05-02', { sealedByServer: true });
  const path = await bundle(s.dir, 'tips.bundle', [first, hostile, sealed]);
  const out = join(s.dir, 'out');

  const summary = await decryptBundle({ bundlePath: path, outDir: out, key: s.key });
  t.same(summary.decrypted.sort(), [first, hostile, sealed].map(folderOf).sort());
  t.same([summary.already, summary.skipped, summary.warnings], [[], [], []]);
  t.ok(summaryOk(summary));
  t.equal(formatSummary(summary).split('\n')[0], 'decrypted 3, already decrypted 0, skipped 0');

  t.equal(mode(out), 0o700, 'the output folder is 0700');
  for (const r of [first, hostile, sealed]) {
    const dir = join(out, folderOf(r));
    t.equal(mode(dir), 0o700, 'each tip folder is 0700');
    t.equal(mode(join(dir, 'message.txt')), 0o600);
    t.equal(mode(join(dir, 'tip.json')), 0o600);
    t.same(readdirSync(dir).sort(), ['message.txt', 'tip.json']);
  }
  t.equal(readFileSync(join(out, folderOf(first), 'message.txt'), 'utf8'), 'first line\nsecond line');
  const json = readTipJson(out, first);
  t.same(json, {
    id: first.id,
    received: '2024-05-01',
    receipt: await receiptFor(first.envelope),
    kind: 'tip',
    body: { v: 1, message: 'first line\nsecond line', clientTime: '2024-05-01T10:00:00.000Z', lang: 'ru', fields: { region: 'Ahal' } },
  });
  t.match(json.receipt, /^[0-9A-F]{4}(-[0-9A-F]{4}){3}$/);
  t.equal(readTipJson(out, sealed).note, SEALED_BY_SERVER_NOTE, 'a tip sealed by the server says so');
  t.notOk('note' in readTipJson(out, hostile));

  const html = readFileSync(join(out, 'index.html'), 'utf8');
  t.equal(mode(join(out, 'index.html')), 0o600);
  t.match(html, `<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; style-src &#39;unsafe-inline&#39;; img-src &#39;self&#39; file:">`);
  t.notMatch(html, /<script/i, 'no script element, not even from a tip');
  t.match(html, '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Привет', 'the tip is shown escaped');
  t.notMatch(html, /https?:|src=|<link|@import|url\(/i, 'nothing is loaded from anywhere');
  t.match(html, await receiptFor(hostile.envelope));
  const at = (r: TipRecord) => html.indexOf(`href="${folderOf(r)}/message.txt"`);
  t.ok(at(hostile) > 0 && at(hostile) < at(sealed) && at(sealed) < at(first), 'newest date first');
  t.match(html, 'the server saw this tip in plain text');

  // A second run leaves every folder alone; a later bundle adds only what is new.
  const before = statSync(join(out, folderOf(first), 'message.txt'));
  const again = await decryptBundle({ bundlePath: path, outDir: out, key: s.key });
  t.same([again.decrypted.length, again.already.length, again.skipped.length], [0, 3, 0]);
  const after = statSync(join(out, folderOf(first), 'message.txt'));
  t.same([after.ino, after.mtimeMs], [before.ino, before.mtimeMs], 'not rewritten');
  const later = await tip([s.key], 'a later tip', '2024-05-05');
  const path2 = await bundle(s.dir, 'later.bundle', [first, hostile, sealed, later]);
  const third = await decryptBundle({ bundlePath: path2, outDir: out, key: s.key });
  t.same([third.decrypted, third.already.length], [[folderOf(later)], 3]);
  const html2 = readFileSync(join(out, 'index.html'), 'utf8');
  t.match(html2, '4 tips, newest first');
  t.ok(html2.indexOf(folderOf(later)) < html2.indexOf(folderOf(hostile)));
  t.same(
    readdirSync(out).filter((n) => n.startsWith('.')),
    [],
    'no temporary files left',
  );
});

t.test('a bad record is named and skipped while the others decrypt', async (t) => {
  const s = await setup(t);
  const good1 = await tip([s.key], 'good one');
  const good2 = await tip([s.key], 'good two');
  const aead = await tip([s.key], 'payload altered');
  const flip = aead.envelope.length - 20;
  aead.envelope[flip] = aead.envelope[flip]! ^ 1; // a valid line, but the AEAD fails
  const foreign = await tip([s.other], 'for another editor');
  const notABody = { id: newId(), received: '2024-05-01', envelope: await sealEnvelope({ kind: 'tip', recipients: [s.key.publicKey], body: utf8('secret words, not json') }) };
  const edited = await tip([s.key], 'line altered in the file');
  const path = await bundle(
    s.dir,
    'tips.bundle',
    [good1, good2, aead, foreign, notABody, edited].sort((a, b) => a.id.localeCompare(b.id)),
  );
  const ls = readFileSync(path, 'utf8').split('\n');
  const editedAt = ls.findIndex((l) => l.includes(edited.id));
  ls[editedAt] = ls[editedAt]!.replace('"received":"2024-05-01"', '"received":"2024-05-02"');
  const duplicate = tipLine({ ...good1, envelope: (await tip([s.key], 'forged twin')).envelope });
  ls.splice(1, 0, duplicate, `{"type":"tip","id":"../x","received":"2024-05-01","envelope":"AAAA"}`);
  writeFileSync(path, ls.join('\n'));
  const out = join(s.dir, 'out');

  const summary = await decryptBundle({ bundlePath: path, outDir: out, key: s.key });
  t.same(summary.decrypted.sort(), [good1, good2].map(folderOf).sort());
  const reasons = new Map(summary.skipped.map((x) => [`${x.line ?? ''}:${x.id ?? ''}`, x.reason]));
  t.equal(summary.skipped.length, 6);
  t.match(reasons.get(`2:${good1.id}`), /same tip id .* not the one the manifest lists/);
  t.match(reasons.get('3:'), /not 32 lowercase hex/);
  t.match(summary.skipped.find((x) => x.id === edited.id)?.reason, /differs from its manifest hash/);
  t.match(summary.skipped.find((x) => x.id === aead.id)?.reason, /failed authentication/);
  t.match(summary.skipped.find((x) => x.id === foreign.id)?.reason, /not sealed to this key/);
  t.match(summary.skipped.find((x) => x.id === notABody.id)?.reason, /not a valid tip body/);
  t.notOk(summaryOk(summary));
  const printed = formatSummary(summary);
  t.match(printed, `skipped: line 2, tip ${good1.id}: the same tip id`);
  t.notMatch(printed, /secret words|good one|forged twin/, 'no plaintext in the summary');
  t.same(readdirSync(out).sort(), [...[good1, good2].map(folderOf), 'index.html'].sort(), 'nothing else was written');
  t.equal(readFileSync(join(out, folderOf(good1), 'message.txt'), 'utf8'), 'good one', 'the genuine twin, not the forged one');
});

t.test('a truncated bundle: the cut record and the missing manifest are named, the rest decrypt', async (t) => {
  const s = await setup(t);
  const records = (await Promise.all(['one', 'two', 'three'].map((m) => tip([s.key], m)))).sort((a, b) => a.id.localeCompare(b.id));
  const path = await bundle(s.dir, 'tips.bundle', records);
  const ls = readFileSync(path, 'utf8').split('\n');
  const cutMid = join(s.dir, 'mid.bundle');
  writeFileSync(cutMid, ls.slice(0, 3).join('\n') + '\n' + ls[3]!.slice(0, 2000));
  const mid = await decryptBundle({ bundlePath: cutMid, outDir: join(s.dir, 'out-mid'), key: s.key });
  t.same(mid.decrypted.sort(), records.slice(0, 2).map(folderOf).sort());
  t.same(
    mid.skipped.map((x) => [x.line, x.id]),
    [[4, records[2]!.id]],
  );
  t.match(mid.skipped[0]!.reason, /cut short/);
  t.match(mid.warnings[0], /ends without its manifest/);
  t.notOk(summaryOk(mid));

  const cutBefore = join(s.dir, 'before.bundle');
  writeFileSync(cutBefore, ls.slice(0, 4).join('\n') + '\n');
  const before = await decryptBundle({ bundlePath: cutBefore, outDir: join(s.dir, 'out-before'), key: s.key });
  t.equal(before.decrypted.length, 3);
  t.same(before.skipped, []);
  t.equal(before.warnings.length, 1, 'the missing manifest is still reported');
  t.notOk(summaryOk(before));
});

t.test('nothing is written outside --out: crafted names, symbolic links, files in the way', async (t) => {
  const s = await setup(t);
  t.throws(() => folderName({ id: '../x', received: '2024-05-01' }), DecryptError);
  t.throws(() => folderName({ id: 'a'.repeat(32), received: '../x' }), DecryptError);
  t.equal(folderName({ id: 'a'.repeat(32), received: '2024-05-01' }), `2024-05-01_${'a'.repeat(32)}`);

  // A crafted bundle: lines whose id or date is a path. The parser refuses them.
  const good = await tip([s.key], 'fine');
  const env = (await tip([s.key], 'escape')).envelope;
  const crafted = [
    '{"format":"tipline-bundle","version":1,"created":"2024-05-04"}',
    tipLine(good),
    tipLine({ id: '../x', received: '2024-05-01', envelope: env }),
    tipLine({ id: 'b'.repeat(32), received: '../../x', envelope: env }),
    tipLine({ id: `${'c'.repeat(30)}/.`, received: '2024-05-01', envelope: env }),
    manifestLine([]),
    '',
  ].join('\n');
  const work = join(s.dir, 'work');
  mkdirSync(work);
  const bundlePath = join(work, 'crafted.bundle');
  writeFileSync(bundlePath, crafted);
  const out = join(work, 'out');
  const result = await decryptCli(['--key', s.keyFile, '--in', bundlePath, '--out', out], { TIPLINE_PASSPHRASE: PASSPHRASE });
  t.equal(result.code, 1, result.stderr);
  t.match(result.stdout, /line 3: the tip id is not 32 lowercase hex digits/);
  t.match(result.stdout, /line 4, tip b{32}: the received date is not a date/);
  t.match(result.stdout, /line 5: the tip id is not 32 lowercase hex digits/);
  t.match(result.stdout, new RegExp(`line 2, tip ${good.id}: the manifest does not list this tip`));
  t.same(readdirSync(work).sort(), ['crafted.bundle', 'out'], 'nothing beside out');
  t.same(readdirSync(s.dir).sort(), ['editor.key', 'work'], 'nothing above it');
  t.same(readdirSync(out), ['index.html']);

  // Entries already where tip folders would go: a symlink out, a dangling symlink, a file,
  // a half-written folder. Each is left alone and named; the index.html symlink is replaced.
  const outside = join(s.dir, 'outside');
  mkdirSync(outside);
  writeFileSync(join(outside, 'victim.txt'), 'untouched');
  const [viaLink, viaDangling, viaFile, viaPartial, fine] = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((m) => tip([s.key], m)));
  const out2 = join(s.dir, 'out2');
  mkdirSync(out2);
  symlinkSync(outside, join(out2, folderOf(viaLink!)));
  symlinkSync(join(outside, 'nothing-here'), join(out2, folderOf(viaDangling!)));
  writeFileSync(join(out2, folderOf(viaFile!)), 'a file');
  mkdirSync(join(out2, folderOf(viaPartial!)));
  writeFileSync(join(out2, folderOf(viaPartial!), 'message.txt'), 'half');
  symlinkSync(join(outside, 'victim.txt'), join(out2, 'index.html'));
  const path2 = await bundle(s.dir, 'in-the-way.bundle', [viaLink!, viaDangling!, viaFile!, viaPartial!, fine!]);
  const summary = await decryptBundle({ bundlePath: path2, outDir: out2, key: s.key });
  t.same(summary.decrypted, [folderOf(fine!)]);
  const reason = (r: TipRecord) => summary.skipped.find((x) => x.id === r.id)?.reason;
  t.match(reason(viaLink!), /is a symbolic link/);
  t.match(reason(viaDangling!), /is a symbolic link/);
  t.match(reason(viaFile!), /is not a folder/);
  t.match(reason(viaPartial!), /incomplete folder from an earlier run/);
  t.same(readdirSync(outside).sort(), ['victim.txt'], 'nothing was created through the links');
  t.equal(readFileSync(join(outside, 'victim.txt'), 'utf8'), 'untouched');
  t.ok(lstatSync(join(out2, 'index.html')).isFile(), 'index.html is now a real file, the link is gone');
  t.ok(lstatSync(join(out2, folderOf(viaLink!))).isSymbolicLink(), 'the link itself is left as it was');
  t.equal(readFileSync(join(out2, folderOf(viaFile!)), 'utf8'), 'a file');
});

t.test('the decrypt command: passphrase from the environment or a file, one-line errors, exit codes', async (t) => {
  const s = await setup(t);
  const records = await Promise.all(['Привет from the command line', 'second'].map((m) => tip([s.key], m)));
  const path = await bundle(s.dir, 'tips.bundle', records);
  const out = join(s.dir, 'out');

  const wrong = await decryptCli(['--key', s.keyFile, '--in', path, '--out', out], { TIPLINE_PASSPHRASE: 'not it' });
  t.equal(wrong.code, 1);
  t.equal(wrong.stderr, 'tipline decrypt: wrong passphrase (or the key file was altered)\n', 'one line');
  t.equal(wrong.stdout, '');
  t.notOk(existsSync(out), 'nothing is written with a wrong passphrase');

  const ok = await decryptCli(['--key', s.keyFile, '--in', path, '--out', out], { TIPLINE_PASSPHRASE: PASSPHRASE });
  t.equal(ok.code, 0, ok.stderr);
  t.equal(ok.stderr, '');
  t.match(ok.stdout, /^decrypted 2, already decrypted 0, skipped 0\n/);
  t.match(ok.stdout, `read them in ${join(out, 'index.html')}`);
  t.notMatch(ok.stdout, /Привет|second/, 'no plaintext on the terminal');
  t.equal(readFileSync(join(out, folderOf(records[0]!), 'message.txt'), 'utf8'), 'Привет from the command line');

  const passFile = join(s.dir, 'pass.txt');
  writeFileSync(passFile, `${PASSPHRASE}\n`);
  const again = await decryptCli(['--key', s.keyFile, '--in', path, '--out', out, '--passphrase-file', passFile]);
  t.equal(again.code, 0, again.stderr);
  t.match(again.stdout, /^decrypted 0, already decrypted 2, skipped 0\n/);

  const oneLine = (r: Run, code: number, pattern: RegExp) => {
    t.equal(r.code, code, r.stderr);
    t.equal(r.stderr.split('\n').length, 2, `one line: ${r.stderr}`);
    t.match(r.stderr, pattern);
  };
  oneLine(await decryptCli(['--key', s.keyFile, '--in', path]), 2, /^tipline decrypt: usage: npm run decrypt -- --key/);
  oneLine(await decryptCli(['--key', s.keyFile, '--in', path, '--out', out, '--force']), 2, /^tipline decrypt: Unknown option '--force'/);
  oneLine(await decryptCli(['--key', join(s.dir, 'nope.key'), '--in', path, '--out', out], { TIPLINE_PASSPHRASE: PASSPHRASE }), 1, /cannot read the key file .*nope\.key \(ENOENT\)/);
  oneLine(await decryptCli(['--key', s.keyFile, '--in', s.keyFile, '--out', out], { TIPLINE_PASSPHRASE: PASSPHRASE }), 1, /not a Tipline bundle/);
  oneLine(await decryptCli(['--key', s.keyFile, '--in', path, '--out', out]), 1, /no terminal to ask for the passphrase/);

  // A skipped record makes the exit status 1, but the good ones are still written.
  const foreign = await tip([s.other], 'not ours');
  const fresh = await tip([s.key], 'ours');
  const mixed = await bundle(s.dir, 'mixed.bundle', [foreign, fresh]);
  const partial = await decryptCli(['--key', s.keyFile, '--in', mixed, '--out', out], { TIPLINE_PASSPHRASE: PASSPHRASE });
  t.equal(partial.code, 1);
  t.match(partial.stdout, /^decrypted 1, already decrypted 0, skipped 1\n/);
  t.match(partial.stdout, new RegExp(`skipped: line \\d, tip ${foreign.id}: not sealed to this key`));
  t.ok(existsSync(join(out, folderOf(fresh), 'tip.json')));
});

t.test('decrypt runs inside a network namespace with no interfaces', async (t) => {
  const s = await setup(t);
  const records = await Promise.all(['air-gapped one', 'air-gapped two'].map((m) => tip([s.key], m)));
  const path = await bundle(s.dir, 'tips.bundle', records);
  const out = join(s.dir, 'out');
  // One namespace for both: list its interfaces (/proc/net/dev is per namespace), then decrypt.
  const result = await runWithoutNetwork(['--import', 'tsx', 'scripts/decrypt.ts', '--key', s.keyFile, '--in', path, '--out', out], { TIPLINE_PASSPHRASE: PASSPHRASE });
  t.equal(result.code, 0, `unshare -n must work here (we run as root): ${result.stderr}`);
  t.same(result.interfaces, ['lo'], 'only the loopback interface exists in the namespace');
  t.match(result.stdout, /^decrypted 2, already decrypted 0, skipped 0\n/);
  for (const r of records) t.ok(existsSync(join(out, folderOf(r), 'message.txt')));
  t.equal(readFileSync(join(out, folderOf(records[1]!), 'message.txt'), 'utf8'), 'air-gapped two');
});

t.test('index page pieces: escaping, previews, refusing bad folder names', async (t) => {
  t.equal(escapeHtml(`<a href="x" onclick='y'>&</a>`), '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  t.equal(preview('a\nb'), 'a\nb');
  t.equal(preview(Array.from({ length: 10 }, (_, i) => `line ${i}`).join('\r\n')), 'line 0\nline 1\nline 2\nline 3\nline 4\nline 5 …');
  t.equal(preview('x'.repeat(700)).length, 602);
  t.throws(() => renderIndex([{ folder: '../x', received: '2024-05-01', id: 'x' }]));
  const html = renderIndex([{ folder: `2024-05-01_${'a'.repeat(32)}`, received: '2024-05-01', id: 'a'.repeat(32), problem: 'tip.json is not valid JSON' }]);
  t.match(html, '1 tip, newest first');
  t.match(html, 'receipt <span class="receipt">unknown</span>');
  t.match(html, 'tip.json is not valid JSON');
});

t.test('unlockKey turns a key file problem into a one-line DecryptError', async (t) => {
  const s = await setup(t);
  const text = readFileSync(s.keyFile, 'utf8');
  const pair = await unlockKey(text, PASSPHRASE);
  t.same(pair.publicKey, s.key.publicKey);
  await t.rejects(unlockKey(text, 'wrong'), { name: 'DecryptError', message: 'wrong passphrase (or the key file was altered)' });
  await t.rejects(unlockKey('{}', PASSPHRASE), { name: 'DecryptError', message: /not a Tipline editor secret key file/ });
});
