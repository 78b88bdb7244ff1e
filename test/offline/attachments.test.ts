// Attachments end to end on the Node side: real uploads in a real SQLite file, a real sealed tip
// naming them, `exportDatabase` → bundle → `decryptBundle`, files byte-identical; then damaged
// bundles (truncated, tampered, swapped, wrong count, missing) and hostile names: every problem
// named per file, and nothing damaged ever presented as complete.
import t, { type Test } from 'tap';
import { existsSync, lstatSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { encodeBody, type FileRef } from '../../src/crypto/body.js';
import { FILE_CHUNK_SIZE, FILE_CIPHER, encryptFile, generateFileKey } from '../../src/crypto/attachment.js';
import { toBase64Url } from '../../src/crypto/bytes.js';
import { sealEnvelope } from '../../src/crypto/envelope.js';
import { generateEditorKeyPair, type EditorKeyPair } from '../../src/crypto/keys.js';
import { DATABASE_FILE, openDatabase } from '../../src/server/store/db.js';
import { TipStore } from '../../src/server/store/tips.js';
import { UploadStore } from '../../src/server/store/uploads.js';
import { exportDatabase } from '../../src/server/store/export.js';
import { decryptBundle, summaryOk, type TipJson } from '../../src/offline/decrypt.js';
import { INCOMPLETE_SUFFIX, numberedName, sanitiseFileName } from '../../src/offline/files.js';
import { pattern, tempDir } from '../helpers/fixtures.js';
import { chromium } from 'playwright-core';

const C = FILE_CHUNK_SIZE;
const editor: EditorKeyPair = await generateEditorKeyPair();

interface Attachment {
  name: string;
  type?: string;
  bytes: Uint8Array;
}

const JPEG_MAGIC = '\xff\xd8\xff\xe0';
/** `bytes` with its first bytes replaced by `head` (each character one byte). */
function withHead(head: string, bytes: Uint8Array): Uint8Array {
  for (let i = 0; i < head.length; i++) bytes[i] = head.charCodeAt(i);
  return bytes;
}

/** A database holding one tip with `files` uploaded and attached; returns the bundle path. */
async function bundleWith(t: Test, files: Attachment[], options: { skipUpload?: number } = {}): Promise<{ bundle: string; dir: string }> {
  const dir = tempDir(t);
  const db = openDatabase(join(dir, DATABASE_FILE));
  const tips = new TipStore(db);
  const uploads = new UploadStore(db);
  const refs: FileRef[] = [];
  const ids: string[] = [];
  for (const [i, file] of files.entries()) {
    const key = generateFileKey();
    const chunks = await encryptFile(key, file.bytes);
    const id = uploads.create(chunks.length, chunks.at(-1)!.length);
    chunks.forEach((c, index) => {
      t.equal(uploads.put(id, index, c), 'stored');
    });
    refs.push({ upload: id, name: file.name, type: file.type ?? 'application/octet-stream', size: file.bytes.length, key: toBase64Url(key), cipher: FILE_CIPHER, chunkSize: C });
    if (options.skipUpload !== i) ids.push(id);
  }
  const body = encodeBody({ v: 1, message: 'files attached', clientTime: '2026-03-01T10:00:00.000Z', files: refs });
  await tips.add(await sealEnvelope({ kind: 'tip', recipients: [editor.publicKey], body }), ids);
  db.close();
  const bundle = join(dir, 'tips.bundle');
  await exportDatabase(join(dir, DATABASE_FILE), bundle);
  return { bundle, dir };
}

async function decrypt(t: Test, bundle: string) {
  const out = join(tempDir(t), 'out');
  const summary = await decryptBundle({ bundlePath: bundle, outDir: out, key: editor });
  const folder = summary.decrypted[0] ?? summary.already[0];
  const tipDir = folder ? join(out, folder) : '';
  const tip = folder && existsSync(join(tipDir, 'tip.json')) ? (JSON.parse(readFileSync(join(tipDir, 'tip.json'), 'utf8')) as TipJson) : undefined;
  const files = folder && existsSync(join(tipDir, 'files')) ? readdirSync(join(tipDir, 'files')).sort() : [];
  return { summary, out, tipDir, tip, files };
}

/** Rewrites the bundle's lines with `edit` (header, records, manifest as text lines). */
function editBundle(path: string, edit: (lines: string[]) => string[]): void {
  const lines = readFileSync(path, 'utf8').split('\n');
  lines.pop();
  writeFileSync(path, edit(lines).join('\n') + '\n');
}

/** The video's upload id: its file line is the one with 4 chunks. */
const videoUpload = (lines: string[]) => (JSON.parse(lines.find((l) => l.startsWith('{"type":"file"') && l.includes('"chunks":4,'))!) as { upload: string }).upload;
/** Line numbers (0-based) of the video's chunk lines, in order. */
const chunkLines = (lines: string[]) => {
  const upload = videoUpload(lines);
  return lines
    .map((l, i) => [l, i] as const)
    .filter(([l]) => l.startsWith('{"type":"chunk"') && l.includes(upload))
    .map(([, i]) => i);
};

t.test('export → decrypt: every file byte-identical, linked from index.html', async (t) => {
  const files: Attachment[] = [
    { name: 'ballots.jpg', type: 'image/jpeg', bytes: withHead(JPEG_MAGIC, pattern(3 * C + 777, 1)) },
    { name: 'protocol.pdf', type: 'application/pdf', bytes: withHead('%PDF-1.7\n', pattern(5000, 2)) },
    { name: 'empty.txt', type: 'text/plain', bytes: new Uint8Array(0) },
    { name: 'ballots.jpg', type: 'image/jpeg', bytes: withHead(JPEG_MAGIC, pattern(C, 3)) },
  ];
  const { bundle } = await bundleWith(t, files);
  const { summary, out, tipDir, tip, files: written } = await decrypt(t, bundle);
  t.ok(summaryOk(summary), JSON.stringify(summary.skipped));
  t.same(written, ['ballots (2).jpg', 'ballots.jpg', 'empty.txt', 'protocol.pdf'], 'duplicates numbered, nothing incomplete');
  const saved = ['files/ballots.jpg', 'files/protocol.pdf', 'files/empty.txt', 'files/ballots (2).jpg'];
  files.forEach((f, i) => {
    const got = readFileSync(join(tipDir, saved[i]!));
    t.equal(createHash('sha256').update(got).digest('hex'), createHash('sha256').update(f.bytes).digest('hex'), `${saved[i]} byte-identical`);
    t.equal(tip!.files![i]!.saved, saved[i]);
    t.equal(tip!.files![i]!.complete, true);
  });
  t.equal(lstatSync(join(tipDir, 'files', 'ballots.jpg')).mode & 0o777, 0o600);
  const html = readFileSync(join(out, 'index.html'), 'utf8');
  t.match(html, /<img [^>]*src="[^"]*files\/ballots\.jpg"/, 'an image thumbnail');
  t.match(html, /href="[^"]*files\/protocol\.pdf"/, 'a link to the pdf');
  t.notMatch(html, /<img [^>]*protocol\.pdf/, 'no thumbnail for a pdf');
});

t.test('files a browser would run as a page are listed, not linked', async (t) => {
  const enc = (text: string) => new TextEncoder().encode(text);
  const script = '<script>document.title="PWNED"</script>';
  const files: Attachment[] = [
    { name: 'results.html', type: 'text/html', bytes: enc(script) },
    // Hostile: an active extension declared as a harmless type.
    { name: 'chart.svg', type: 'image/png', bytes: enc(`<svg xmlns="http://www.w3.org/2000/svg">${script}</svg>`) },
    { name: 'page.html', type: 'image/png', bytes: enc(`<html>${script}</html>`) },
    { name: 'notes.xhtml', type: 'text/plain', bytes: enc(`<html xmlns="http://www.w3.org/1999/xhtml">${script}</html>`) },
    { name: 'page.bin', type: 'application/xhtml+xml', bytes: enc('<html/>') },
    // Hostile: a harmless extension declared as text/html, and harmless-looking pairs whose bytes are markup.
    { name: 'holiday.jpg', type: 'text/html', bytes: withHead(JPEG_MAGIC, pattern(100, 8)) },
    { name: 'readme.txt', type: 'text/plain', bytes: enc(`\ufeff  <html>${script}</html>`) },
    { name: 'fake.jpg', type: 'image/jpeg', bytes: enc(`<svg xmlns="http://www.w3.org/2000/svg">${script}</svg>`) },
    // Not on the allow-list at all (an office document, no extension).
    { name: 'minutes.docx', type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', bytes: withHead('PK\x03\x04', pattern(64, 9)) },
    { name: 'noextension', type: 'text/plain', bytes: enc('plain words') },
    // Inert and consistent: linked.
    { name: 'photo.jpg', type: 'image/jpeg', bytes: withHead(JPEG_MAGIC, pattern(100, 6)) },
    { name: 'statement.txt', type: 'text/plain; charset=utf-8', bytes: enc('Ballots were carried out at 19:40.') },
    // Labels: a right-to-left override that would disguise .txt as .jpg (and reverse the warning), invisibles, a device name.
    { name: 'photo\u202Egpj.txt\u2800\u3164\u00AD\u180E\u{E0041}', type: 'text/plain', bytes: enc('words') },
    { name: 'CON.txt', type: 'text/plain', bytes: enc('words') },
  ];
  const { bundle } = await bundleWith(t, files);
  const { summary, out, files: written } = await decrypt(t, bundle);
  t.ok(summaryOk(summary), JSON.stringify(summary.skipped));
  t.same(written, [...files.slice(0, -2).map((f) => f.name), 'photogpj.txt', 'CON_.txt'].sort(), 'all are written, names cleaned');
  const html = readFileSync(join(out, 'index.html'), 'utf8');
  const esc = (name: string) => name.replace(/\./g, '\\.');
  for (const { name } of files.slice(0, 10)) {
    t.notMatch(html, new RegExp(`href="[^"]*files/${esc(name)}"`), `${name}: no link`);
    t.notMatch(html, new RegExp(`src="[^"]*files/${esc(name)}"`), `${name}: no thumbnail`);
    t.match(html, new RegExp(`<bdi>${esc(name)}</bdi> <span class="problem">not linked: only images, PDF, plain text, audio and video`), `${name}: says why`);
  }
  t.match(html, /<img [^>]*src="[^"]*files\/photo\.jpg"/, 'the photo keeps its thumbnail');
  t.match(html, /href="[^"]*files\/statement\.txt"/, 'plain text is linked');
  t.notMatch(html, /<img [^>]*statement\.txt/, 'no thumbnail for text');
  t.notMatch(html, /[\u202A-\u202E\u2066-\u2069\u200B-\u200F\u2800\u3164\u115F\u1160\uFFA0\u00AD\u180E\u{E0000}-\u{E007F}]/u, 'no bidi or invisible character anywhere on the page');
  t.match(html, /<a href="[^"]*files\/photogpj\.txt"><bdi>photogpj\.txt<\/bdi><\/a>/, 'the label is the cleaned name');
  t.match(html, /<a href="[^"]*files\/CON_\.txt"><bdi>CON_\.txt<\/bdi><\/a>/, 'a device name is renamed, on disk and on the page');

  // In Chromium, from disk: the page links exactly the two inert files, and no script ran.
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  t.teardown(() => browser.close());
  const page = await browser.newPage();
  await page.goto(`file://${join(out, 'index.html')}`);
  const links = await page.$$eval('a[href*="/files/"], img[src]', (els) => els.map((el) => decodeURIComponent((el.getAttribute('href') ?? el.getAttribute('src'))!.split('/files/')[1]!)));
  t.same([...new Set(links)].sort(), ['CON_.txt', 'photo.jpg', 'photogpj.txt', 'statement.txt']);
  t.not(await page.title(), 'PWNED');
});

t.test('damage is named per file and never presented as complete', async (t) => {
  const files: Attachment[] = [
    { name: 'video.mp4', bytes: pattern(3 * C + 10, 4) },
    { name: 'note.txt', bytes: pattern(100, 5) },
  ];
  const cases: [string, (lines: string[]) => string[], RegExp][] = [
    [
      'truncated stream (last chunk lines cut)',
      (lines) => {
        const c = chunkLines(lines);
        return lines.filter((_, i) => i !== c[3]);
      },
      /attachment 1 of 2: truncated: 3 of 4 chunks/,
    ],
    [
      'tampered chunk',
      (lines) => {
        const i = chunkLines(lines)[1]!;
        const l = lines[i]!;
        const at = l.indexOf('"data":"') + 20;
        const flipped = l[at] === 'A' ? 'B' : 'A';
        lines[i] = l.slice(0, at) + flipped + l.slice(at + 1);
        return lines;
      },
      /attachment 1 of 2: chunk 1 does not authenticate/,
    ],
    [
      'swapped chunks',
      (lines) => {
        const [a, b] = chunkLines(lines) as [number, number];
        [lines[a], lines[b]] = [lines[b]!, lines[a]!];
        return lines;
      },
      /attachment 1 of 2: chunks reordered: position 0 holds chunk 1/,
    ],
    [
      'wrong chunk count in the file line',
      (lines) => lines.map((l) => (l.startsWith('{"type":"file"') && l.includes('"chunks":4,') ? l.replace('"chunks":4,', '"chunks":5,') : l)),
      /attachment 1 of 2: the upload has 5 chunks, a file of this size needs 4/,
    ],
    [
      'file missing from the bundle',
      (lines) => {
        const upload = videoUpload(lines);
        return lines.filter((l) => !(l.startsWith('{"type":"') && !l.startsWith('{"type":"tip"') && l.includes(upload)));
      },
      /attachment 1 of 2: the bundle does not carry this file/,
    ],
  ];
  const { bundle } = await bundleWith(t, files);
  const original = readFileSync(bundle);
  for (const [what, edit, expected] of cases) {
    writeFileSync(bundle, original);
    editBundle(bundle, edit);
    const { summary, tip, out, files: written } = await decrypt(t, bundle);
    t.notOk(summaryOk(summary), `${what}: the run is not ok`);
    t.notMatch(readFileSync(join(out, 'index.html'), 'utf8'), /href="[^"]*\.INCOMPLETE"/, `${what}: an incomplete part is never linked`);
    const reasons = summary.skipped.map((s) => s.reason).join('\n');
    t.match(reasons, expected, `${what}: ${reasons}`);
    t.notMatch(reasons, /video|note\.txt/, `${what}: names stay out of the summary`);
    t.notOk(written.includes('video.mp4'), `${what}: the damaged file is not presented as complete`);
    t.ok(
      written.every((f) => f === 'note.txt' || f.endsWith(INCOMPLETE_SUFFIX)),
      `${what}: ${written.join(', ')}`,
    );
    const damaged = tip!.files!.find((f) => f.name === 'video.mp4')!;
    t.equal(damaged.complete, false);
    t.type(damaged.problem, 'string');
    if (what !== 'file missing from the bundle') t.equal(tip!.files!.find((f) => f.name === 'note.txt')!.complete, true, `${what}: the other file is fine`);
  }
});

t.test('an upload the tip names but the server never linked is reported missing', async (t) => {
  const { bundle } = await bundleWith(t, [{ name: 'a.bin', bytes: pattern(10, 6) }], { skipUpload: 0 });
  const { summary, files } = await decrypt(t, bundle);
  t.match(summary.skipped.map((s) => s.reason).join('\n'), /attachment 1 of 1: the bundle does not carry this file/);
  t.same(files, []);
});

t.test('hostile names stay inside files/ and never overwrite', async (t) => {
  const names = [
    '../../etc/passwd',
    '..',
    '.',
    '/abs/path.txt',
    'a\\b.txt',
    'evil\u0000.txt',
    'ctl\u0007\u001b[31m.txt',
    'rtl\u202egnp.exe',
    '.hidden',
    'x.INCOMPLETE',
    '',
    'dup.txt',
    'dup.txt',
    'é'.repeat(300) + '.png',
  ];
  const files = names.map((name, i) => ({ name, bytes: pattern(10 + i, 7 + i) }));
  const { bundle } = await bundleWith(t, files.slice(0, 10));
  const { summary, tipDir, out, files: written } = await decrypt(t, bundle);
  t.ok(summaryOk(summary), JSON.stringify(summary.skipped));
  t.same(readdirSync(out).sort(), ['index.html', tipDir.split('/').pop()!].sort(), 'nothing written outside the tip folder');
  t.same(readdirSync(tipDir).sort(), ['files', 'message.txt', 'tip.json']);
  for (const name of written) {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters in a saved name are what this looks for
    t.notMatch(name, /[/\\\u0000-\u001f\u202e]/, `${JSON.stringify(name)} is clean`);
    t.notOk(name.startsWith('.'), `${JSON.stringify(name)} is not hidden`);
    t.notOk(name.endsWith(INCOMPLETE_SUFFIX), `${JSON.stringify(name)} is not marked incomplete`);
  }
  t.equal(written.length, 10);

  t.equal(sanitiseFileName('../../etc/passwd'), 'etc_passwd');
  t.equal(sanitiseFileName('..'), 'attachment');
  t.equal(sanitiseFileName(''), 'attachment');
  t.equal(sanitiseFileName(42), 'attachment');
  t.equal(sanitiseFileName('rtl\u202egnp.exe'), 'rtlgnp.exe');
  t.equal(sanitiseFileName('x.INCOMPLETE'), 'x_INCOMPLETE');
  const long = sanitiseFileName('é'.repeat(300) + '.png');
  t.ok(Buffer.byteLength(long) <= 180 && long.endsWith('.png'), 'long names are cut, the extension kept');
  const taken = new Set(['dup.txt', 'dup (2).txt']);
  t.equal(
    numberedName('dup.txt', (c) => taken.has(c)),
    'dup (3).txt',
  );
});
