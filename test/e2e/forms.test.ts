// The election form end to end, in Debian's Chromium: the real server runs with
// TIPLINE_FORM=election-tm; the Turkmen form is filled in Turkmen and in Russian, each with an
// evidence file, and sent (sealed in the browser). Then the real export, decrypt and report
// commands: each CSV row equals what was typed, the HTML counts are right, nothing in the report
// loads from outside, and screenshots of the form and the report are kept in test-artifacts/.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { ROOT } from '../helpers/client-build.js';
import { axe, describeViolations } from '../helpers/axe.js';
import { checkNoPlaintext, launchChromium, openSession, runScript, tiplineServer } from '../helpers/e2e.js';
import { exportAndDecrypt } from '../helpers/editor-commands.js';
import { SubmissionPage } from '../helpers/navigators/submission.js';
import { parseCsv } from '../helpers/cli.js';

const ARTIFACTS = join(ROOT, 'test-artifacts');

interface Typed {
  lang: 'tk' | 'ru';
  regionLabel: string;
  region: string;
  pollingStation: string;
  date: string;
  time: string;
  stage: string;
  category: string[];
  role: string;
  message: string;
  evidence: { name: string; body: string };
}

const TYPED: Typed[] = [
  {
    lang: 'tk',
    regionLabel: 'Welaýat ýa-da şäher',
    region: 'lebap',
    pollingStation: '1207',
    date: '2025-03-09',
    time: '09:15',
    stage: 'election-day',
    category: ['coercion', 'official-campaigning'],
    role: 'voter',
    message: 'Mugallymlary we talyplary irden ses bermäge mejbur etdiler; sanawlary barladylar.',
    evidence: { name: 'sanaw.txt', body: 'list of names photographed at the school\n' },
  },
  {
    lang: 'ru',
    regionLabel: 'Велаят или город',
    region: 'ashgabat',
    pollingStation: '12',
    date: '2025-03-09',
    time: '19:40',
    stage: 'counting',
    category: ['ballot-stuffing', 'observers', 'falsified-protocol'],
    role: 'observer',
    message: 'Урны вынесли в 19:40, наблюдателя не пустили к подсчёту. Протокол подписали заранее.',
    evidence: { name: 'протокол.txt', body: 'photo of the protocol, as text for the test\n' },
  },
];

t.test('the Turkmen election form, filled in Turkmen and in Russian, to the offline report', async (t) => {
  const server = await tiplineServer(t, { env: { TIPLINE_FORM: 'election-tm' } });
  mkdirSync(ARTIFACTS, { recursive: true });

  const browser = await launchChromium(t);
  for (const typed of TYPED) {
    const { context, page, problems } = await openSession(t, browser);
    const submission = await new SubmissionPage(page, server.url).visit(typed.lang);
    t.equal(await page.locator('html').getAttribute('lang'), typed.lang);
    t.equal(await page.locator('label[for="field-region"]').textContent(), typed.regionLabel, `the form speaks ${typed.lang}`);
    await submission.ready();
    t.same(describeViolations(await axe(page)), [], `no WCAG 2.1 AA violation on the ${typed.lang} form`);

    // Required fields are checked in the browser before anything is sealed.
    await submission.fillMessage(typed.message);
    await submission.confirmPassphrase();
    await page.evaluate(() =>
      document.querySelectorAll('[required]').forEach((el) => {
        el.removeAttribute('required');
      }),
    ); // reach our own check past the browser's
    await submission.submitRefused();
    t.equal(await page.locator('#error p').count(), 3, 'region, stage and category are required');
    t.equal(await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name), 'field.region', 'focus goes to the first missing field');

    await page.selectOption('#field-region', typed.region);
    await page.fill('#field-pollingStation', typed.pollingStation);
    await page.fill('#field-date', typed.date);
    await page.fill('#field-time', typed.time);
    await page.check(`#field-stage-${typed.stage}`);
    for (const c of typed.category) await page.check(`#field-category-${c}`);
    await page.check(`#field-role-${typed.role}`);
    await submission.attach([{ name: typed.evidence.name, mimeType: 'text/plain', buffer: Buffer.from(typed.evidence.body) }]);
    await page.screenshot({ path: join(ARTIFACTS, `form-election-tm-${typed.lang}.png`), fullPage: true });
    t.match(await submission.submit(), /^[0-9A-F]{4}(-[0-9A-F]{4}){3}$/, `sent (${typed.lang})`);
    t.same(problems, [], 'no script or CSP error');
    await context.close();
  }

  // The server learned nothing about the fields: not even the region values are in its files.
  checkNoPlaintext(t, server.dataDir, ['ashgabat', 'lebap', 'ballot-stuffing', 'election-tm', 'Урны']);

  // Export, decrypt and report with the real commands.
  const { out: decrypted, decrypt } = await exportAndDecrypt(t, server);
  t.match(decrypt.stdout, /^decrypted 2, already decrypted 0, skipped 0\n/);
  const reportDir = join(server.dir, 'report');
  const r = await runScript('report', ['--in', decrypted, '--out', reportDir]);
  t.match(r.stdout, /^2 reports: 0 verified, 2 unverified, 0 rejected\n/);

  const [header, ...rows] = parseCsv(readFileSync(join(reportDir, 'reports.csv'), 'utf8').replace(/^\uFEFF/, ''));
  t.equal(rows.length, 2);
  for (const typed of TYPED) {
    const cells = rows.find((row) => row[header!.indexOf('message')] === typed.message);
    if (!t.ok(cells, `a CSV row holds the ${typed.lang} message exactly`)) continue;
    const row = Object.fromEntries(header!.map((h, i) => [h, cells![i]]));
    t.match(
      row,
      {
        form: 'election-tm',
        form_version: '1',
        region: typed.region,
        pollingStation: typed.pollingStation,
        date: typed.date,
        time: typed.time,
        stage: typed.stage,
        category: typed.category.join('; '),
        role: typed.role,
        files: typed.evidence.name,
        problems: '',
      },
      `the ${typed.lang} row equals what was typed`,
    );
    const folder = row.folder!;
    const body = JSON.parse(readFileSync(join(decrypted, folder, 'tip.json'), 'utf8')).body as { files: { upload: string }[]; fields: Record<string, unknown> };
    t.same(body.fields.evidence, [body.files[0]!.upload], 'the evidence field names its upload');
    // An upload id may start with "-": the CSV cell then carries the anti-formula apostrophe.
    t.equal(row.evidence, body.files[0]!.upload.replace(/^-/, "'-"));
    t.equal(readFileSync(join(decrypted, folder, 'files', typed.evidence.name), 'utf8'), typed.evidence.body, 'the evidence file decrypted');
  }

  const html = readFileSync(join(reportDir, 'report.html'), 'utf8');
  const count = (key: string, label: string) =>
    new RegExp(`<table id="count-${key}">[\\s\\S]*?<tr><td>${label}</td><td class="n">(\\d+)</td><td class="n">(\\d+)</td>`).exec(html)?.slice(1).map(Number);
  t.same(count('region', 'Lebap velayat'), [0, 1]);
  t.same(count('region', 'Ashgabat \\(city\\)'), [0, 1]);
  t.same(count('region', 'Mary velayat'), [0, 0]);
  t.same(count('category', 'Ballot stuffing'), [0, 1]);
  t.same(count('stage', 'Counting'), [0, 1]);
  t.same(count('day', '2025-03-09'), [0, 2]);
  const loads = [...html.matchAll(/\b(?:src|href)\s*=\s*"([^"]*)"/g)].map((m) => m[1]!).filter((v) => /^[a-z][a-z0-9+.-]*:|^\/\//i.test(v));
  t.same(loads, [], 'no src/href leaves the report folder');
  t.notMatch(html, /url\s*\(|@import|<link\b|<img\b|<iframe\b|<script\s[^>]*src/i, 'and nothing else loads');

  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const requests: string[] = [];
  page.on('request', (req) => requests.push(req.url()));
  await page.goto(`file://${join(reportDir, 'report.html')}`);
  await page.screenshot({ path: join(ARTIFACTS, 'report-election-tm.png'), fullPage: true });
  t.same(requests, [`file://${join(reportDir, 'report.html')}`], 'opening the report requests nothing else');
});
