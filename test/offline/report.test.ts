// The offline report from a folder made by the real path: tips sealed with the real envelope,
// submitted to the real app (proof of work and all), exported from the real SQLite file and
// decrypted by the real decrypt; then reports.csv and report.html checked value by value, the
// counts, the verified-only counts, that nothing in report.html loads from outside, and the
// page itself in Chromium (its filter script runs under its own CSP; a screenshot is kept).
import t, { type Test } from 'tap';
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { ROOT } from '../helpers/client-build.js';
import { solvedTipRequest, tempDir, testApp } from '../helpers/fixtures.js';
import { encodeBody, type Body } from '../../src/crypto/body.js';
import { sealEnvelope } from '../../src/crypto/envelope.js';
import { exportDatabase } from '../../src/server/store/export.js';
import { decryptBundle } from '../../src/offline/decrypt.js';
import { ReportError, csvCell, parseSidecar, writeReport } from '../../src/offline/report.js';
import type { FieldValues } from '../../src/forms/fields.js';
import { parseCsv, runTsx, type Run } from '../helpers/cli.js';

const ARTIFACTS = join(ROOT, 'test-artifacts');
const CHROMIUM = '/usr/bin/chromium';

interface Sent {
  message: string;
  fields?: FieldValues;
  form?: { id: string; version: number };
  kind?: 'tip' | 'followUp';
}

const TM = { id: 'election-tm', version: 1 };
const SENT: Sent[] = [
  {
    form: TM,
    message: 'Урны вынесли в 19:40; наблюдателя не пустили.',
    fields: { region: 'ashgabat', pollingStation: 12, date: '2025-03-09', time: '19:40', stage: 'counting', category: ['ballot-stuffing', 'observers'], role: 'observer' },
  },
  { form: TM, message: 'Talyplary ses bermäge mejbur etdiler.', fields: { region: 'lebap', date: '2025-03-09', stage: 'election-day', category: ['coercion'], role: 'voter' } },
  { form: TM, message: '=HYPERLINK("http://example.invalid","click")', fields: { region: 'ashgabat', date: '2025-03-08', stage: 'early-voting', category: ['vote-buying'] } },
  { form: TM, message: 'Одна и та же группа голосовала трижды.', fields: { region: 'mary', stage: 'election-day', category: ['carousel', 'other'], pollingStation: 2501 } },
  { form: TM, message: 'spam spam spam', fields: { region: 'ashgabat', stage: 'campaign', category: ['other'] } },
  // An old tip from before the forms: no form, no fields. It still decrypts and is listed.
  { message: 'A tip from the generic form, before any election form existed.' },
  // A tip made with an older version of the form (here: a region value that version had).
  { form: { id: 'election-tm', version: 0 }, message: 'An older form version.', fields: { region: 'old-district', stage: 'counting' } },
  // A follow-up belongs to a conversation, not to the counts.
  { kind: 'followUp', message: 'follow-up text', form: TM, fields: { region: 'balkan', stage: 'counting', category: ['other'] } },
];

async function decryptedFolder(t: Test): Promise<{ dir: string; folders: string[] }> {
  const { app, keys, dbPath, store } = await testApp(t, { editors: 1 });
  const work = tempDir(t, 'tipline-report-');
  for (const s of SENT) {
    const body: Body = { v: 1, message: s.message, clientTime: '2025-03-09T20:00:00.000Z', lang: 'ru', ...(s.form ? { form: s.form } : {}), ...(s.fields ? { fields: s.fields } : {}) };
    const envelope = await sealEnvelope({ kind: s.kind ?? 'tip', recipients: [keys[0]!.publicKey], body: encodeBody(body) });
    if ((s.kind ?? 'tip') === 'tip') {
      const res = await app.inject(await solvedTipRequest(app, envelope));
      t.equal(res.statusCode, 201, `submitted: ${res.body}`);
    } else {
      await store.add(envelope); // as the mailbox plugin stores a follow-up: the kind is in the envelope
    }
  }
  const bundle = join(work, 'tips.bundle');
  await exportDatabase(dbPath, bundle);
  const dir = join(work, 'decrypted');
  const summary = await decryptBundle({ bundlePath: bundle, outDir: dir, key: keys[0]! });
  t.equal(summary.decrypted.length, SENT.length, `every record decrypted: ${JSON.stringify(summary.skipped)}`);
  return { dir, folders: summary.decrypted };
}

/** The folder of the tip whose message is `message`. */
const folderOf = (dir: string, message: string): string => readdirSync(dir).find((f) => existsSync(join(dir, f, 'message.txt')) && readFileSync(join(dir, f, 'message.txt'), 'utf8') === message)!;

/** The count table of a dimension as {label: [verified, unverified, total]}. */
function countTable(html: string, key: string): Record<string, number[]> {
  const table = new RegExp(`<table id="count-${key}">([\\s\\S]*?)</table>`).exec(html)?.[1] ?? '';
  const out: Record<string, number[]> = {};
  for (const m of table.matchAll(/<tr><td>([^<]*)<\/td><td class="n">(\d+)<\/td><td class="n">(\d+)<\/td><td class="n">(\d+)<\/td><\/tr>/g)) out[m[1]!] = [Number(m[2]), Number(m[3]), Number(m[4])];
  return out;
}

/** Everything in the HTML that could make a browser fetch something. */
function externalLoads(html: string): string[] {
  const found: string[] = [];
  for (const m of html.matchAll(/\b(src|href|action|formaction|poster|data|srcset|background)\s*=\s*"([^"]*)"/gi)) {
    const value = m[2]!;
    if (m[1]!.toLowerCase() === 'href' && !/^[a-z][a-z0-9+.-]*:|^\/\//i.test(value)) continue; // a relative link to a local file
    found.push(`${m[1]}=${value}`);
  }
  for (const m of html.matchAll(/url\s*\(|@import|<link\b|<iframe\b|<object\b|<embed\b|<img\b|<video\b|<audio\b|<source\b|\bfetch\s*\(|XMLHttpRequest|<script\s+[^>]*src/gi)) found.push(m[0]);
  return found;
}

t.test('reports.csv and report.html from a really decrypted folder', async (t) => {
  const { dir } = await decryptedFolder(t);
  const work = join(dir, '..');
  const f = (i: number) => folderOf(dir, SENT[i]!.message);
  // Evidence decrypted beside a tip (as decrypt writes attachments: <folder>/files/).
  // Hostile evidence too: an active extension declared as a harmless type, and a harmless
  // extension declared text/html. tip.json's files list what decrypt wrote and the declared types.
  mkdirSync(join(dir, f(0), 'files'));
  const script = '<script>document.title="PWNED"</script>';
  const evidence: [string, string, string][] = [
    ['урна 1.jpg', 'image/jpeg', '\xff\xd8\xff\xe0 jpeg bytes'],
    ['chart.svg', 'image/png', `<svg xmlns="http://www.w3.org/2000/svg">${script}</svg>`],
    ['count.html', 'text/plain', `<html>${script}</html>`],
    ['protocol.xhtml', 'image/png', `<html xmlns="http://www.w3.org/1999/xhtml">${script}</html>`],
    ['photo.jpg', 'text/html', '\xff\xd8\xff\xe0 jpeg bytes'],
  ];
  for (const [name, , bytes] of evidence) writeFileSync(join(dir, f(0), 'files', name), Buffer.from(bytes, 'latin1'));
  const tip0 = JSON.parse(readFileSync(join(dir, f(0), 'tip.json'), 'utf8'));
  tip0.files = evidence.map(([name, type, bytes], i) => ({ number: i + 1, name, type, size: bytes.length, saved: `files/${name}`, complete: true }));
  writeFileSync(join(dir, f(0), 'tip.json'), JSON.stringify(tip0));

  const out = join(work, 'report');
  const first = writeReport({ inDir: dir, outDir: out });
  t.same(readdirSync(out).sort(), ['report.html', 'reports.csv', 'verification-template.tsv']);
  t.equal(first.reports, 7, 'five form tips and two old ones; the follow-up is not a report');
  const template = readFileSync(join(out, 'verification-template.tsv'), 'utf8');
  t.equal(template.split('\n').filter((l) => l.endsWith('\tunverified')).length, 7);

  // The CSV: BOM, one row per report, one column per field, values as sent.
  const csvText = readFileSync(join(out, 'reports.csv'), 'utf8');
  t.ok(csvText.startsWith('\uFEFF'), 'UTF-8 with a BOM');
  const [header, ...rows] = parseCsv(csvText.slice(1));
  t.same(header, [
    'folder',
    'received',
    'receipt',
    'status',
    'note',
    'form',
    'form_version',
    'region',
    'pollingStation',
    'date',
    'time',
    'stage',
    'category',
    'role',
    'evidence',
    'message',
    'files',
    'problems',
  ]);
  t.equal(rows.length, 7);
  const row = (i: number) => Object.fromEntries(header!.map((h, j) => [h, rows.find((r) => r[0] === f(i))![j]]));
  t.match(row(0), {
    form: 'election-tm',
    form_version: '1',
    region: 'ashgabat',
    pollingStation: '12',
    date: '2025-03-09',
    time: '19:40',
    stage: 'counting',
    category: 'ballot-stuffing; observers',
    role: 'observer',
    message: SENT[0]!.message,
    files: 'chart.svg; count.html; photo.jpg; protocol.xhtml; урна 1.jpg',
    problems: '',
    status: 'unverified',
  });
  t.match(row(1), { region: 'lebap', message: SENT[1]!.message, pollingStation: '' });
  t.equal(row(2).message, `'${SENT[2]!.message}`, 'a formula-looking cell is prefixed with an apostrophe');
  t.match(row(5), { form: '', region: '', message: SENT[5]!.message }, 'the old tip without a form is a row too');
  t.match(row(6), { form: 'election-tm', form_version: '0', region: 'old-district', stage: 'counting', problems: '' }, 'an older form version is read as it is, not judged by the current one');
  t.match(readFileSync(join(dir, f(5), 'tip.json'), 'utf8'), /"message": "A tip from the generic form/, 'the old tip decrypts as before');
  t.same(JSON.parse(readFileSync(join(dir, f(0), 'tip.json'), 'utf8')).body.form, TM, 'tip.json keeps the form id and version');

  // The HTML: counts (unverified at first), links to evidence, nothing loaded from outside.
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  t.same(countTable(html, 'region'), {
    'Ahal velayat': [0, 0, 0],
    'Balkan velayat': [0, 0, 0],
    'Dashoguz velayat': [0, 0, 0],
    'Lebap velayat': [0, 1, 1],
    'Mary velayat': [0, 1, 1],
    'Ashgabat (city)': [0, 3, 3],
    'Arkadag (city)': [0, 0, 0],
    '(not given)': [0, 1, 1],
    'old-district': [0, 1, 1],
  });
  t.match(countTable(html, 'category'), { 'Ballot stuffing': [0, 1, 1], Other: [0, 2, 2], 'Pressure on or exclusion of observers': [0, 1, 1] });
  t.match(countTable(html, 'stage'), { 'Election day': [0, 2, 2], Counting: [0, 2, 2], Campaign: [0, 1, 1] });
  t.same(countTable(html, 'day'), { '2025-03-08': [0, 1, 1], '2025-03-09': [0, 2, 2], '(not given)': [0, 4, 4] });
  t.match(html, `href="../decrypted/${encodeURIComponent(f(0))}/files/${encodeURIComponent('урна 1.jpg')}"`, 'evidence is linked relatively');
  for (const name of ['chart.svg', 'count.html', 'protocol.xhtml', 'photo.jpg']) {
    t.notMatch(html, new RegExp(`href="[^"]*${name.replace('.', '\\.')}"`), `${name}: not linked`);
    t.match(html, `<bdi>${name}</bdi> (not linked: only images`, `${name}: listed, and why`);
  }
  t.same(externalLoads(html), [], 'nothing in report.html loads from outside');
  t.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; style-src &#39;sha256-[^"]+; script-src &#39;sha256-/);
  t.notMatch(html, /<b>|=HYPERLINK\("http/, 'tip text is escaped');
  t.match(html, /&lt;|=HYPERLINK\(&quot;/);

  // The sidecar: verified / rejected, by folder, id or receipt; counts restricted to verified.
  const receipt1 = JSON.parse(readFileSync(join(dir, f(1), 'tip.json'), 'utf8')).receipt as string;
  writeFileSync(join(dir, 'verification.tsv'), ['# checked by the desk', `${f(0)}\tverified\ttwo witnesses`, `${receipt1}\tVerified`, `${f(4).slice(11)}\trejected\tspam`, ''].join('\n'));
  const out2 = join(work, 'report-2');
  const second = writeReport({ inDir: dir, outDir: out2, lang: 'ru' });
  t.same(second.counted, { verified: 2, unverified: 4, rejected: 1 });
  const html2 = readFileSync(join(out2, 'report.html'), 'utf8');
  t.match(countTable(html2, 'region'), { 'город Ашхабад': [1, 1, 2], 'Лебапский велаят': [1, 0, 1] }, 'rejected reports are never counted; labels in Russian');
  t.notOk(existsSync(join(out2, 'verification-template.tsv')), 'no template once a sidecar exists');
  const csv2 = parseCsv(readFileSync(join(out2, 'reports.csv'), 'utf8').slice(1));
  t.same(csv2.find((r) => r[0] === f(0))!.slice(3, 5), ['verified', 'two witnesses']);

  const out3 = join(work, 'report-verified');
  const third = writeReport({ inDir: dir, outDir: out3, verifiedOnly: true });
  t.equal(third.reports, 2);
  const html3 = readFileSync(join(out3, 'report.html'), 'utf8');
  t.match(countTable(html3, 'region'), { 'Ashgabat (city)': [1, 0, 1], 'Lebap velayat': [1, 0, 1], 'Mary velayat': [0, 0, 0] });
  t.equal(parseCsv(readFileSync(join(out3, 'reports.csv'), 'utf8').slice(1)).length, 3, 'header and two verified rows');

  // Refuses to overwrite; never follows a link out.
  t.throws(() => writeReport({ inDir: dir, outDir: out }), ReportError, 'an existing report folder is refused');
  t.equal(readFileSync(join(out, 'reports.csv'), 'utf8'), csvText, 'and left untouched');
  const link = join(work, 'link');
  symlinkSync(join(work, 'elsewhere'), link);
  t.throws(() => writeReport({ inDir: dir, outDir: link }), ReportError, 'a dangling symbolic link as --out is refused');
  t.notOk(existsSync(join(work, 'elsewhere')));

  // Chromium: the page opens from disk, its filter script runs under its CSP, and a screenshot.
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  t.teardown(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const requests: string[] = [];
  const problems: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => problems.push(m.text()));
  page.on('pageerror', (err) => problems.push(err.message));
  await page.goto(`file://${join(out2, 'report.html')}`);
  t.equal(await page.locator('#filters').isVisible(), true, 'the inline script ran (the filters show)');
  t.equal(await page.locator('#reports tbody tr:visible').count(), 7);
  await page.selectOption('#filters select[name=region]', 'ashgabat');
  t.equal(await page.locator('#reports tbody tr:visible').count(), 3, 'filter by region');
  await page.selectOption('#filters select[name=category]', 'other');
  t.equal(await page.locator('#reports tbody tr:visible').count(), 1, 'and by category');
  t.equal(await page.locator('#shown').textContent(), '1');
  await page.selectOption('#filters select[name=region]', '');
  await page.selectOption('#filters select[name=category]', '');
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });
  t.same(
    requests.filter((u) => u !== `file://${join(out2, 'report.html')}`),
    [],
    'the page requested nothing else',
  );
  t.same(problems, [], 'no CSP violation or script error');
  const linked = await page.$$eval('a[href*="/files/"]', (els) => els.map((el) => decodeURIComponent(el.getAttribute('href')!.split('/files/')[1]!)));
  t.same(linked, ['урна 1.jpg'], 'in Chromium: only the inert, consistent file is linked');
});

t.test('csv cells and the sidecar, by example', async (t) => {
  t.equal(csvCell('=1+1'), `"'=1+1"`);
  t.equal(csvCell('+7 999'), `"'+7 999"`);
  t.equal(csvCell('-5'), `"'-5"`);
  t.equal(csvCell('@SUM(A1)'), `"'@SUM(A1)"`);
  t.equal(csvCell('\tx'), `"'\tx"`);
  t.equal(csvCell('\rx'), `"'\rx"`);
  t.equal(csvCell(' \u3000=1'), `"' \u3000=1"`, 'blanks before the formula sign');
  t.equal(csvCell('\uff1d1+1'), `"'\uff1d1+1"`, 'full-width equals sign');
  t.equal(csvCell('a;=1'), '"a;=1"', 'every cell quoted, so ; and tab never split it');
  t.equal(csvCell('a, "b"\nc'), '"a, ""b""\nc"');
  t.equal(csvCell('Ашхабад'), '"Ашхабад"');
  const rows = [{ folder: '2025-03-09_' + 'a'.repeat(32), id: 'a'.repeat(32), receipt: '6536-4B9A-4D32-EC2A' }];
  t.same(parseSidecar(`6536-4b9a-4d32-ec2a\trejected\tdup\n${'b'.repeat(32)}\tverified\n`, rows).warnings, [`verification.tsv line 2 names no report in this folder (${'b'.repeat(32)})`]);
  t.throws(() => parseSidecar(`${rows[0]!.id} verified\n`, rows), { message: 'verification.tsv line 1: the status must be verified, unverified or rejected, separated from the report by a tab' });
  t.throws(() => parseSidecar(`${rows[0]!.id}\tverified\n${rows[0]!.folder}\trejected\n`, rows), { message: /line 2: .* is marked more than once/ });
  t.throws(() => parseSidecar(`${rows[0]!.id}\tverified\tok\u001b[8m hidden\n`, rows), { message: 'verification.tsv line 1: holds a control character' });
  t.throws(() => parseSidecar(`\tverified\n`, rows), { message: 'verification.tsv line 1: names no report before the tab' });
});

function reportCli(args: string[]): Promise<Run> {
  return runTsx('report', args);
}

t.test('npm run report: usage, success, failures', async (t) => {
  const work = tempDir(t, 'tipline-report-cli-');
  const usage = await reportCli(['--in', work]);
  t.equal(usage.code, 2);
  t.equal(usage.stderr, 'tipline report: usage: npm run report -- --in <decrypted folder> --out <new report folder> [--verified-only] [--lang en|ru|tk|kk] [--form <schema.json>]\n');
  const missing = await reportCli(['--in', join(work, 'nope'), '--out', join(work, 'out')]);
  t.equal(missing.code, 1);
  t.match(missing.stderr, /^tipline report: .*nope is not a folder \(give the output folder of decrypt\)\n$/);
  const badLang = await reportCli(['--in', work, '--out', join(work, 'out'), '--lang', 'de']);
  t.equal(badLang.code, 1);
  t.equal(badLang.stderr, 'tipline report: --lang must be en, ru, tk or kk, not "de"\n');
  const badForm = await reportCli(['--in', work, '--out', join(work, 'out'), '--form', join(work, 'none.json')]);
  t.equal(badForm.code, 1);
  t.match(badForm.stderr, /^tipline report: --form cannot read .*none\.json \(ENOENT\)\n$/);
  const empty = await reportCli(['--in', work, '--out', join(work, 'out')]);
  t.equal(empty.code, 0, empty.stderr);
  t.match(empty.stdout, /^0 reports: 0 verified, 0 unverified, 0 rejected\nwrote .*reports\.csv\n/);
  const again = await reportCli(['--in', work, '--out', join(work, 'out')]);
  t.equal(again.code, 1);
  t.match(again.stderr, /^tipline report: .*out is not empty; refusing to overwrite: give a new folder for the report\n$/);
});

t.test('a receipt two reports share is refused in the sidecar, not applied to one of them', async (t) => {
  // The cheapest way to two records with one receipt: the same envelope sent twice (each time
  // with a fresh proof of work). A crafted collision of the 64-bit receipt costs ~2^32 hashes.
  const { app, keys, dbPath } = await testApp(t, { editors: 1 });
  const work = tempDir(t, 'tipline-report-receipt-');
  const body: Body = { v: 1, message: 'Дважды отправлено.', clientTime: '2025-03-09T20:00:00.000Z', form: TM, fields: { region: 'mary', stage: 'counting', category: ['other'] } };
  const envelope = await sealEnvelope({ kind: 'tip', recipients: [keys[0]!.publicKey], body: encodeBody(body) });
  const receipts: string[] = [];
  for (let i = 0; i < 2; i++) {
    const res = await app.inject(await solvedTipRequest(app, envelope));
    t.equal(res.statusCode, 201);
    receipts.push(JSON.parse(res.body).receipt);
  }
  t.equal(receipts[0], receipts[1], 'one receipt for two stored records');
  const bundle = join(work, 'tips.bundle');
  await exportDatabase(dbPath, bundle);
  const dir = join(work, 'decrypted');
  const summary = await decryptBundle({ bundlePath: bundle, outDir: dir, key: keys[0]! });
  t.equal(summary.decrypted.length, 2, 'decrypt keeps both, in two folders');
  writeFileSync(join(dir, 'verification.tsv'), `${receipts[0]}\trejected\tspam\n`);
  t.throws(() => writeReport({ inDir: dir, outDir: join(work, 'report1') }), { name: 'ReportError', message: /receipt .* belongs to more than one report here.*name the folder or the record id/ });
  writeFileSync(join(dir, 'verification.tsv'), `${summary.decrypted[0]}\trejected\tspam\n`);
  const report = writeReport({ inDir: dir, outDir: join(work, 'report2') });
  t.ok(report, 'by folder name, the same line is applied');
});
