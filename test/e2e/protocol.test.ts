// The results protocol form end to end, in Debian's Chromium, with the real server running
// TIPLINE_FORM=protocol-kz and the shipped example election file (TIPLINE_ELECTION): in every
// page language the observer types a protocol that adds up (nothing shown), then one with 20
// ballots stuffed (the failed relations shown and explained in that language, with their two
// sums), and sends it; with JavaScript (normally and with --js-flags=--jitless) and without
// (the server computes the failed relations, the receipt page explains them). axe on every
// protocol page. Then the real export and decrypt commands: every body holds the `protocol`
// member with the right `failed` list, and the photo of the protocol decrypts.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import type { Page } from 'playwright-core';
import { relationMessage, relationTextName } from '../../src/forms/protocol-form.js';
import { uiText } from '../../src/forms/schema.js';
import { ROOT } from '../helpers/client-build.js';
import { axe, describeViolations } from '../helpers/axe.js';
import { checkNoPlaintext, launchChromium, openSession, tiplineServer } from '../helpers/e2e.js';
import { exportAndDecrypt } from '../helpers/editor-commands.js';
import { SubmissionPage } from '../helpers/navigators/submission.js';
import { NoJsSubmissionPage } from '../helpers/navigators/nojs.js';

const ELECTION = join(ROOT, 'docs', 'examples', 'election-kz-example.json');
type Lang = 'en' | 'ru' | 'tk' | 'kk';
const LANGS: Lang[] = ['en', 'ru', 'tk', 'kk'];

// Adds up: 600 issued of 800 received, 590 found, 580 valid = 400 + 100 + 50 + 30 against all.
const GOOD: Record<string, string> = {
  registered: '1000',
  received: '800',
  issuedEarly: '50',
  issuedStation: '500',
  issuedOutside: '50',
  cancelled: '200',
  foundMobile: '45',
  foundStationary: '545',
  invalid: '10',
  valid: '580',
  againstAll: '30',
  'vote-example-party-a': '400',
  'vote-example-party-b': '100',
  'vote-example-party-c': '50',
};
// 20 ballots for party A stuffed into the stationary box, the valid count left as signed.
const STUFFED: Record<string, string> = { ...GOOD, foundStationary: '565', 'vote-example-party-a': '430' };
const FAILED = ['found-le-issued', 'found-balance', 'votes-balance'];
const SUMS: Record<string, { left: number; right: number }> = { 'found-le-issued': { left: 610, right: 600 }, 'found-balance': { left: 590, right: 610 }, 'votes-balance': { left: 610, right: 580 } };
const explained = (lang: Lang) => FAILED.map((id) => relationMessage(uiText(relationTextName(id, true), lang), SUMS[id]!));

async function fill(page: Page, figures: Record<string, string>): Promise<void> {
  for (const [id, value] of Object.entries(figures)) await page.fill(`#field-protocol-${id}`, value);
}

t.test('the Kazakh results protocol form, in four languages, with and without JavaScript, to the decrypted body', async (t) => {
  const server = await tiplineServer(t, { env: { TIPLINE_FORM: 'protocol-kz', TIPLINE_ELECTION: ELECTION } });
  const sent: { lang: Lang; js: boolean; message: string; failed: string[]; photo?: string }[] = [];

  // With JavaScript: every language normally and with --jitless (no JIT, no WebAssembly); with
  // --jitless only the Russian page sends (the slow asm.js fallback once), the others check.
  for (const mode of ['normal', 'jitless'] as const) {
    const langs = LANGS;
    const browser = await launchChromium(t, mode);
    for (const [i, lang] of langs.entries()) {
      const { context, page, problems } = await openSession(t, browser);
      const submission = await new SubmissionPage(page, server.url).visit(lang);
      const sends = mode === 'normal' || lang === 'ru';
      if (sends) await submission.ready();
      if (mode === 'normal') t.same(describeViolations(await axe(page)), [], `no WCAG 2.1 AA violation on the ${lang} protocol form`);
      const relations = page.locator('#field-protocol-relations');
      t.equal(await relations.getAttribute('aria-live'), 'polite');
      await page.selectOption('#field-region', 'almaty');
      await page.fill('#field-protocol-station', '1204');
      await fill(page, GOOD);
      t.equal((await relations.textContent())?.trim(), '', `${mode} ${lang}: nothing shown when the protocol adds up`);
      await fill(page, STUFFED);
      await relations.locator('li').nth(2).waitFor({ timeout: 120_000 });
      t.same(await relations.locator('li').allTextContents(), explained(lang), `${mode} ${lang}: each failed relation explained with its two sums`);
      t.equal(await relations.locator('p').textContent(), uiText('protocol.mismatch', lang), 'and that sending is still possible');
      if (mode === 'normal' && lang === 'en') {
        t.same(describeViolations(await axe(page)), [], 'no violation with the mismatch shown');
        mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
        await page.screenshot({ path: join(ROOT, 'test-artifacts', 'form-protocol-kz-mismatch-en.png'), fullPage: true });
      }
      // Half the languages go back to the signed figures: the explanation goes away.
      const good = mode === 'normal' && i % 2 === 1;
      if (good) {
        await fill(page, GOOD);
        await page.waitForFunction(() => document.querySelector('#field-protocol-relations')!.textContent!.trim() === '');
      }
      if (!sends) {
        t.same(problems, [], 'no script or CSP error');
        await context.close();
        continue;
      }
      const photo = lang === 'kk' && mode === 'normal' ? 'protocol-photo.jpg' : undefined;
      if (photo) await submission.attach([{ name: photo, mimeType: 'application/octet-stream', buffer: Buffer.from('not really a jpeg: the photo of the protocol\n') }]);
      await submission.fillMessage(`Protocol ${mode} ${lang}`);
      await submission.confirmPassphrase();
      t.match(await submission.submit(), /^[0-9A-F]{4}(-[0-9A-F]{4}){3}$/, `${mode} ${lang}: sent`);
      t.same(problems, [], 'no script or CSP error');
      sent.push({ lang, js: true, message: `Protocol ${mode} ${lang}`, failed: good ? [] : FAILED, ...(photo ? { photo } : {}) });
      await context.close();
    }
    await browser.close();
  }

  // Without JavaScript (Tor Browser "Safest"): the server seals and explains.
  const browser = await launchChromium(t);
  const { context } = await openSession(t, browser, { javaScript: false });
  for (const [i, lang] of LANGS.entries()) {
    const page = await context.newPage();
    const submission = await new NoJsSubmissionPage(page, server.url).visit(lang);
    t.same(describeViolations(await axe(page, false)), [], `no WCAG 2.1 AA violation on the ${lang} protocol form without JavaScript`);
    await page.selectOption('#field-region', 'almaty');
    await page.fill('#field-protocol-station', '1204');
    const good = i % 2 === 0;
    await fill(page, good ? GOOD : STUFFED);
    const photo = lang === 'tk' ? 'teswirnama.jpg' : undefined;
    if (photo) await submission.attach([{ name: photo, mimeType: 'image/jpeg', buffer: Buffer.from('the photo of the protocol, without JavaScript\n') }]);
    await submission.fillMessage(`Protocol no-JS ${lang}`);
    const { receipt } = await submission.send();
    t.match(receipt, /^[0-9A-F]{4}(-[0-9A-F]{4}){3}$/, `no-JS ${lang}: sent`);
    if (good) t.equal(await page.locator('#relations').count(), 0, `no-JS ${lang}: nothing to explain`);
    else {
      t.same(await page.locator('#relations li').allTextContents(), explained(lang), `no-JS ${lang}: the receipt explains each failed relation`);
      t.equal(await page.locator('#relations p').textContent(), uiText('protocol.sentMismatch', lang));
      t.same(describeViolations(await axe(page, false)), [], `no violation on the ${lang} receipt page`);
    }
    sent.push({ lang, js: false, message: `Protocol no-JS ${lang}`, failed: good ? [] : FAILED, ...(photo ? { photo } : {}) });
    await page.close();
  }
  await context.close();

  // The server's files hold no figure of any protocol and no candidate id.
  checkNoPlaintext(t, server.dataDir, ['example-party-a', 'foundStationary', 'kz-example-2026']);

  // Export and decrypt with the real commands.
  const { decrypt: d, records } = await exportAndDecrypt(t, server);
  t.match(d.stdout, new RegExp(`^decrypted ${sent.length}, already decrypted 0, skipped 0\\n`));
  t.equal(records.length, sent.length);
  for (const s of sent) {
    const record = records.find((r) => r.json.body.message === s.message)?.json;
    if (!t.ok(record, `"${s.message}" is decrypted`)) continue;
    const protocol = record!.body.protocol as Record<string, unknown>;
    t.match(protocol, { v: 1, election: 'kz-example-2026', station: '1204', region: 'almaty' }, 'the protocol member');
    t.equal(record!.body.sealedByServer === true, !s.js);
    t.same(protocol.failed, s.failed, `${s.message}: failed = ${s.failed.join(', ') || 'none'}`);
    t.same(protocol.votes, s.failed.length ? { 'example-party-a': 430, 'example-party-b': 100, 'example-party-c': 50 } : { 'example-party-a': 400, 'example-party-b': 100, 'example-party-c': 50 });
    t.equal((protocol.items as Record<string, number>).againstAll, 30);
    if (s.photo) {
      const files = record!.body.files as { name: string; upload: string }[];
      t.equal(files?.[0]?.name, s.photo, 'the photo of the protocol is attached');
      t.same((record!.body.fields as Record<string, unknown>).photo, [files[0]!.upload], 'named by the photo field');
    }
  }
});
