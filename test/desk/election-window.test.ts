// The election page of the real desk in Debian's Chromium: openDesk on a real bundle of
// election-form and protocol tips (markup in a message and an answer), the real loopback
// server. Reached from the header's link; the counts beside their charts, the two observers'
// conflicting protocols named; an old verification.tsv pasted once (applied, attributed to the
// editor, "delete it" said; a second import applies nothing; a file with a control character
// refused with its line, nothing applied; a POST without the desk's Origin refused); the export
// for publication written into the export folder, free text left out unless ticked. No request
// leaves the desk's origin, no script of the tips runs, axe finds nothing.
import t from 'tap';
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { openDesk } from '../../src/desk/desk.js';
import { folderName } from '../../src/desk/election.js';
import { startDeskServer } from '../../src/desk/server.js';
import { buildDeskClient } from '../../scripts/build-desk-client.js';
import { axe, describeViolations } from '../helpers/axe.js';
import { capture, checkSameOrigin, launchChromium } from '../helpers/e2e.js';
import { tempDir } from '../helpers/fixtures.js';
import { ROOT } from '../helpers/client-build.js';
import { editors, protocolTip, recipientsText, tipItems, toInbox } from './desk-fixtures.js';

t.setTimeout(600_000);

const [A, B] = await editors('Aigul', 'Batyr');
const KZ = { id: 'election-kz', version: 1 };
const HOSTILE = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">';

t.test('the election page of the real desk: conflicts, verification.tsv once, export for publication', async (t) => {
  const dir = tempDir(t, 'tipline-election-window-');
  const r1 = await tipItems([A!, B!], `Карусель у школы №5, я живу напротив ${HOSTILE}`, {
    form: KZ,
    fields: { region: 'astana', pollingStation: 5, stage: 'election-day', date: '2026-11-29', category: ['carousel'] },
  });
  const r2 = await tipItems([A!, B!], 'Вброс', { form: KZ, fields: { region: 'astana', pollingStation: 5, stage: 'counting', category: ['ballot-stuffing'] } });
  const p1 = await protocolTip([A!, B!], `observer ${HOSTILE}`, '12', 620);
  const p2 = await protocolTip([A!, B!], `observer ${HOSTILE}`, '12', 720);
  await toInbox(join(dir, 'usb'), 'night.bundle', [...r1.items, ...r2.items, ...p1.items, ...p2.items]);
  const desk = await openDesk({ key: A!, recipients: recipientsText([A!, B!]), usb: join(dir, 'usb'), deskDir: join(dir, 'desk'), exportDir: join(dir, 'exports'), lang: 'ru' });
  t.teardown(() => desk.close());
  await desk.importInbox();
  const [browser, script] = await Promise.all([launchChromium(t), buildDeskClient()]);
  const server = await startDeskServer({ desk, script, lang: 'ru', exportDir: join(dir, 'exports') });
  t.teardown(() => server.close());
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  t.teardown(() => context.close());
  const page = await context.newPage();
  const seen = capture(context, page, { responses: true });

  await page.goto(server.url);
  await Promise.all([page.waitForURL(/\/election$/), page.click('header a.election')]);
  t.match(await page.locator('#election-totals').textContent(), /Сообщений: 4; проверено 0, не проверено 4, отклонено 0/);
  const conflicts = await page
    .locator('li.conflict')
    .evaluateAll((els) => els.map((el) => [el.getAttribute('data-kind'), [...el.querySelectorAll('a[href^="#tip-"]')].map((a) => a.getAttribute('href')!.slice(5)).sort()]));
  t.same(conflicts, [['protocol', [p1.id, p2.id].sort()]], 'the two observers of station 12, both named');
  const charts = await page.locator('div.dim').evaluateAll((dims) =>
    dims.map((d) => ({
      role: d.querySelector('svg')?.getAttribute('role'),
      bars: [...d.querySelectorAll('svg > text:not([text-anchor])')].map((x) => Number(x.textContent)),
      table: [...d.querySelectorAll('tbody tr td:last-child')].map((x) => Number(x.textContent)),
    })),
  );
  t.ok(charts.length >= 4, `${charts.length} charts`);
  for (const c of charts) t.same([c.role, c.bars], ['img', c.table], 'a chart beside its table, the same numbers');
  t.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined, 'no script of a tip ran');
  t.same(describeViolations(await axe(page)), [], 'axe: no WCAG 2.1 A/AA violation');
  // The screenshot of docs/EDITORS.md's "Election reports on the desk", written by this test.
  mkdirSync(join(ROOT, 'docs', 'screenshots'), { recursive: true });
  await page.screenshot({ path: join(ROOT, 'docs', 'screenshots', 'desk-election.png'), fullPage: true });

  // An old verification.tsv, pasted.
  const tips = desk.electionTips({});
  const tsv = `# from report\n${folderName(tips.find((x) => x.id === r1.id)!)}\tverified\ttwo witnesses\n${p2.id}\trejected\tnot the photo\n`;
  await page.fill('#verification-tsv', tsv);
  await Promise.all([page.waitForURL(/\/election\/import$/), page.click('#election-actions form[action$="election/import"] button')]);
  const result = (await page.locator('#verification-import').textContent()) ?? '';
  t.match(result, /установлено проверок 2/);
  t.match(result, /удалите verification\.tsv/, 'the desk says the file can be deleted');
  t.same(
    desk
      .electionTips({})
      .filter((x) => x.verification.state !== 'unverified')
      .map((x) => [x.id, x.verification.state, x.verification.editor])
      .sort(),
    [
      [r1.id, 'verified', desk.me.id],
      [p2.id, 'rejected', desk.me.id],
    ].sort(),
  );
  await Promise.all([page.waitForURL(/\/election$/), page.click('main a[href$="/election"]')]);
  t.match(await page.locator('#election-totals').textContent(), /проверено 1, не проверено 2, отклонено 1/);
  t.same(await page.locator('li.conflict').count(), 0, 'the rejected copy is no longer compared');
  t.match(await page.locator(`#tip-${r1.id}`).textContent(), /two witnesses[\s\S]*Aigul/, "the note and the editor's name");
  await page.fill('#verification-tsv', tsv);
  await Promise.all([page.waitForURL(/\/election\/import$/), page.click('#election-actions form[action$="election/import"] button')]);
  t.match(await page.locator('#verification-import').textContent(), /установлено проверок 0, уже было так 2/, 'applied once');
  await page.goto(`${server.url}election`);
  await page.fill('#verification-tsv', `${r2.id}\tverified\tok\u0007\n`);
  const [refused] = await Promise.all([page.waitForResponse(/election\/import$/), page.click('#election-actions form[action$="election/import"] button')]);
  t.equal(refused.status(), 400);
  t.match(await page.locator('#message').textContent(), /verification\.tsv line 1: holds a control character/);
  t.equal(desk.electionTips({}).find((x) => x.id === r2.id)!.verification.state, 'unverified', 'nothing applied');
  seen.problems.splice(0); // the 400 above is expected
  const forged = await fetch(`${server.url}election/import`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: `tsv=${encodeURIComponent(`${r2.id}\tverified\n`)}`,
  });
  t.equal(forged.status, 403, "a POST without the desk's Origin is refused");
  t.equal(desk.electionTips({}).find((x) => x.id === r2.id)!.verification.state, 'unverified');

  // Export for publication: free text left out, then included on request.
  await page.goto(`${server.url}election`);
  await Promise.all([page.waitForURL(/\/election\/export$/), page.click('#election-actions form[action*="election/export"] button')]);
  t.match(await page.locator('#publication-written').textContent(), /НЕ ВКЛЮЧЁН/);
  const written = readdirSync(join(dir, 'exports')).sort();
  t.equal(written.length, 2, `two files: ${written.join(', ')}`);
  const csv = readFileSync(join(dir, 'exports', written.find((n) => n.endsWith('.csv'))!), 'utf8');
  t.equal(csv.trim().split('\r\n').length, 2, 'the header and the one verified report');
  t.notOk(csv.includes('напротив') || csv.includes('two witnesses') || csv.includes('Aigul'), 'no free text, no editor');
  await page.goto(`${server.url}election`);
  await page.check('#free-text');
  await Promise.all([page.waitForURL(/\/election\/export$/), page.click('#election-actions form[action*="election/export"] button')]);
  t.match(await page.locator('#publication-written').textContent(), /Свободный текст ВКЛЮЧЁН/);
  const withText = readdirSync(join(dir, 'exports')).filter((n) => n.includes('-with-free-text'));
  t.equal(withText.length, 2);
  t.ok(readFileSync(join(dir, 'exports', withText.find((n) => n.endsWith('.csv'))!), 'utf8').includes('напротив'), 'included when ticked');
  checkSameOrigin(t, seen.requests, server.origin);
  t.same(seen.problems, [], 'no console error, no other HTTP error');
});
