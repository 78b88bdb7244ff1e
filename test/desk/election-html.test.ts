// The publication's HTML file and the desk's election section in real Chromium, with hostile
// content everywhere a source, an operator's form file or a colleague can put text: markup and
// script in messages, answers, unknown choice values, form labels, notes and editors' names.
// Checked: no script runs (the payloads set a global and load an image), no request leaves the
// page (every request captured), no console error; every chart is an SVG with role="img" named
// by its own title and description, and the table beside it holds the same numbers; the
// free-text choice is on the page; axe (WCAG 2.1 A and AA) finds nothing. A screenshot is kept.
import t, { type Test } from 'tap';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { capture, launchChromium } from '../helpers/e2e.js';
import { tempDir } from '../helpers/fixtures.js';
import { axe, describeViolations } from '../helpers/axe.js';
import { ROOT } from '../helpers/client-build.js';
import type { ElectionTip } from '../../src/desk/api.js';
import { summarise } from '../../src/desk/election.js';
import { electionSection, importResultHtml, publicationHtml } from '../../src/desk/views/reports.js';
import { importVerification } from '../../src/desk/election.js';
import { validateSchema } from '../../src/forms/schema.js';

t.setTimeout(600_000);

const ATTACK = (tag: string) =>
  `<script>window.__ran="${tag}"</script><img src="http://attacker.example/${tag}.png" onerror="window.__ran='${tag}'"><svg onload="window.__ran='${tag}'"></svg>\u202Egpj.exe`;

const CUSTOM = validateSchema({
  id: 'hostile-form',
  version: 1,
  fields: [
    { name: 'region', type: 'region', label: { en: ATTACK('region-label') }, choices: [{ value: 'north', label: { en: ATTACK('choice-label') } }] },
    { name: 'pollingStation', type: 'number', label: { en: 'Station' }, integer: true, min: 1, max: 99999 },
    {
      name: 'category',
      type: 'multiple-choice',
      label: { en: 'Category' },
      choices: [
        { value: 'stuffing', label: { en: 'Stuffing' } },
        { value: 'other', label: { en: 'Other' } },
      ],
    },
    { name: 'what', type: 'text', label: { en: ATTACK('text-label') } },
  ],
});

const hex = (n: number) => n.toString(16).padStart(32, '0');
function tips(): ElectionTip[] {
  const out: ElectionTip[] = [];
  const add = (o: Partial<ElectionTip>) => {
    const id = hex(out.length + 1);
    out.push({
      id,
      thread: id,
      received: '2026-03-15',
      form: { id: 'hostile-form', version: 1 },
      fields: {},
      message: ATTACK('message'),
      verification: { state: 'verified', note: ATTACK('note'), editor: 'ab'.repeat(16) },
      ...o,
    });
  };
  add({ fields: { region: 'north', pollingStation: 3, category: ['stuffing'], what: ATTACK('what') } });
  add({ fields: { region: ATTACK('unknown-region'), pollingStation: 3, category: ['stuffing', 'other'] } });
  add({ fields: { region: 'north', pollingStation: 3, category: ['stuffing'] }, verification: { state: 'rejected', note: ATTACK('rejected-note'), editor: 'cd'.repeat(16) } });
  add({ fields: { region: 'north', pollingStation: 4, category: ['other'] }, verification: { state: 'unverified', note: '' } });
  add({ form: { id: 'election-kz', version: 1 }, fields: { region: 'astana', pollingStation: 9, stage: 'election-day', date: '2026-03-15', category: ['carousel', 'vote-buying'] } });
  add({ form: { id: 'protocol-kz', version: 1 }, fields: { region: 'almaty' }, protocol: { v: 1, election: 'kz-2026', station: '12', items: { valid: 620 }, votes: { 'party-a': 620 }, failed: [] } });
  add({ form: { id: 'protocol-kz', version: 1 }, fields: { region: 'almaty' }, protocol: { v: 1, election: 'kz-2026', station: '12', items: { valid: 720 }, votes: { 'party-a': 720 }, failed: [] } });
  return out;
}

/** What the page shows of its charts: per chart, its accessible name and description, its bar totals, and the totals of the table beside it. */
async function charts(page: Page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('div.dim')].map((dim) => {
      const svg = dim.querySelector('svg')!;
      const ids = (svg.getAttribute('aria-labelledby') ?? '').split(' ');
      const text = (id: string | undefined) => (id ? (document.getElementById(id)?.textContent ?? null) : null);
      return {
        role: svg.getAttribute('role'),
        name: text(ids[0]),
        desc: text(ids[1]),
        titleInside: svg.querySelector(':scope > title')?.id === ids[0] && svg.querySelector(':scope > desc')?.id === ids[1],
        bars: [...svg.querySelectorAll(':scope > text:not([text-anchor])')].map((x) => Number(x.textContent)),
        table: [...dim.querySelectorAll('table tbody tr')].map((tr) => Number(tr.querySelector('td:last-child')!.textContent)),
      };
    }),
  );
}

async function open(t: Test, path: string) {
  const browser = await launchChromium(t);
  const context = await browser.newContext();
  const page = await context.newPage();
  const seen = capture(context, page);
  await page.goto(`file://${path}`);
  await page.waitForLoadState('load');
  return { page, seen };
}

t.test('the publication HTML in Chromium: inert, nothing requested, charts named and matched by their tables, the choice visible, axe clean', async (t) => {
  const work = tempDir(t, 'tipline-desk-html-');
  for (const includeFreeText of [false, true]) {
    const path = join(work, `publication-${includeFreeText}.html`);
    const html = publicationHtml(tips(), { date: '2026-03-17', forms: [CUSTOM], includeFreeText, lang: 'en' });
    t.notMatch(html, /<script/i, 'no script element');
    t.notMatch(html, /\sstyle=/i, 'no inline style attribute');
    t.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; style-src &#39;sha256-/);
    writeFileSync(path, html);
    const { page, seen } = await open(t, path);
    t.equal(await page.evaluate(() => (window as unknown as { __ran?: string }).__ran), undefined, 'no payload ran');
    t.equal(await page.evaluate(() => document.scripts.length), 0);
    t.same(seen.requests, [`GET file://${path}`], 'the page requested nothing but itself');
    t.same(seen.problems, [], 'no console error');
    t.same(
      await page.evaluate(() =>
        [...document.querySelectorAll('*')].flatMap((el) => [...el.attributes].map((a) => a.name)).filter((n) => n.startsWith('on') || n === 'style' || n === 'href' || n === 'src'),
      ),
      [],
      'no event handler, style, link or source attribute on any element',
    );
    const choice = (await page.locator('#free-text-choice').textContent()) ?? '';
    t.match(choice, includeFreeText ? /Free text is INCLUDED/ : /Free text is LEFT OUT/, 'the choice stands on the page');
    const body = (await page.locator('body').textContent()) ?? '';
    t.equal(body.includes('window.__ran="message"'), includeFreeText, 'the message (as inert text) only when included');
    t.notOk(/[\u202A-\u202E\u2066-\u2069\u200B-\u200F]/.test(body), 'no bidi or invisible control character from any text');
    t.notOk(body.includes('abababab') || body.includes('cdcdcdcd'), 'no editor');
    t.notOk(body.includes('rejected-note'), 'nothing of the rejected report');
    const cs = await charts(page);
    t.ok(cs.length >= 4, `${cs.length} charts`);
    for (const c of cs) {
      t.equal(c.role, 'img');
      t.ok(c.name && c.desc && c.titleInside, `named by its own title and desc: ${c.name}`);
      t.same(c.bars, c.table, `${c.name}: the bars and the table beside show the same numbers`);
    }
    const a = await axe(page, false);
    t.same(describeViolations(a), [], 'axe: no WCAG 2.1 A/AA violation');
    if (!includeFreeText) {
      mkdirSync(join(ROOT, 'test-artifacts', 'screenshots'), { recursive: true });
      await page.screenshot({ path: join(ROOT, 'test-artifacts', 'screenshots', 'desk-publication.png'), fullPage: true });
    }
  }
});

t.test("the desk's election section in Chromium (under a CSP without script or style): inert, conflicts named, import result says the file can go, axe clean", async (t) => {
  const work = tempDir(t, 'tipline-desk-section-');
  const all = tips();
  const summary = summarise(all, 'ru', [CUSTOM]);
  const result = importVerification(new TextEncoder().encode(`${all[3]!.id}\tverified\t${ATTACK('tsv-note')}\n`), all);
  t.equal(result.changes.length, 1);
  const roster = [{ id: 'ab'.repeat(16), name: ATTACK('editor'), me: true }];
  const section =
    electionSection(summary, { lang: 'ru', query: { form: 'hostile-form', text: ATTACK('query') }, forms: [CUSTOM], roster, threadHref: (id) => `#thread-${id}` }) + importResultHtml(result, 'ru');
  const page = `<!doctype html><html lang="ru"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; base-uri 'none'; form-action 'none'"><title>desk</title></head><body><main>${section}</main></body></html>`;
  t.notMatch(section, /<script|\sstyle=/i, 'no script element, no inline style');
  const path = join(work, 'section.html');
  writeFileSync(path, page);
  const { page: p, seen } = await open(t, path);
  t.equal(await p.evaluate(() => (window as unknown as { __ran?: string }).__ran), undefined, 'no payload ran');
  t.same(seen.requests, [`GET file://${path}`], 'nothing requested');
  t.same(seen.problems, [], 'no console error');
  t.same(
    await p.evaluate(() => [...document.querySelectorAll('*')].flatMap((el) => [...el.attributes].map((a) => a.name)).filter((n) => n.startsWith('on') || n === 'style')),
    [],
    'no event handler or style attribute on any element',
  );
  t.same(await p.evaluate(() => [...document.querySelectorAll('[href]')].map((el) => el.getAttribute('href')!).filter((h) => !h.startsWith('#'))), [], 'every link stays on the page');
  const text = (await p.locator('main').textContent()) ?? '';
  t.match(text, /Расходящиеся сообщения/);
  t.match(text, /удалите verification\.tsv/, 'the desk says the file can be deleted');
  t.ok(text.includes(ATTACK('editor').replace('\u202E', '')), "an editor's name from the roster, shown as text");
  t.notOk(/[\u202A-\u202E\u2066-\u2069\u200B-\u200F]/.test(text), 'no bidi or invisible control character from any text');
  t.ok(text.includes('cd'.repeat(8)), 'an editor the roster does not list: the start of the id');
  const conflicts = await p
    .locator('li.conflict')
    .evaluateAll((els) => els.map((el) => ({ kind: el.getAttribute('data-kind'), tips: [...el.querySelectorAll('a[href^="#tip-"]')].map((a) => a.getAttribute('href')) })));
  t.same(
    conflicts,
    [
      { kind: 'protocol', tips: [`#tip-${all[5]!.id}`, `#tip-${all[6]!.id}`] },
      { kind: 'verdict', tips: [`#tip-${all[0]!.id}`, `#tip-${all[2]!.id}`] },
    ],
    'both conflicts, each naming both reports (linked to their rows)',
  );
  for (const c of await charts(p)) t.same(c.bars, c.table, `${c.name}: the same numbers`);
  const a = await axe(p, false);
  t.same(describeViolations(a), [], 'axe: no WCAG 2.1 A/AA violation');
});
