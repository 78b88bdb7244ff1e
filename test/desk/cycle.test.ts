// The desk's headline test: two editors' desks against one real server, through the real chain.
// The real server (scripts/start.ts, the election form election-tm) with two editors made by the
// real keygen (display names, one recipients file: the roster) and one fetch key; two USB
// folders; `editor sync` (scripts/editor.ts) and `desk` (scripts/desk.ts, --passphrase-file) run
// as child processes; one Debian Chromium drives the source's pages and both desks (separate
// contexts), through the page navigators. Every wait is on real state: the line a command prints,
// a page that loaded, an element's text.
//  1. A syncs, opens the desk, reads the source's thread, labels it, assigns it to B, writes a
//     note, verifies the election report, replies; quits; syncs (replies, events, ack go up).
//  2. B syncs, opens the desk: each change is there, attributed to A.
//  3. A and B change the same thread's status offline; they sync in one order, then the other;
//     both desks end identical.
//  4. The source reads A's reply in the mailbox (signature checked in the page) and answers; the
//     follow-up lands in the same thread on both desks.
//  5. The server's database files hold nothing readable of what the editors wrote; the desks'
//     stores hold nothing readable of the messages, labels or notes.
import t, { type Test } from 'tap';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildClient } from '../../scripts/build-client.js';
import { LOW_POW, checkNoPlaintext, launchChromium, openSession, runScript } from '../helpers/e2e.js';
import { tempDir } from '../helpers/fixtures.js';
import { startServer, type ServerKind, type ServerProcess } from '../helpers/server-process.js';
import { DeskPage, type ThreadView } from '../helpers/navigators/desk.js';
import { MailboxPage } from '../helpers/navigators/mailbox.js';
import { SubmissionPage } from '../helpers/navigators/submission.js';

const REPORT = 'Urns carried out at 19:40; the observer was kept away from the count at station 1207.';
const OTHER = 'Teachers were told to vote before nine or lose their bonus.';
const LABEL = 'ballot-carousel-7Q';
const NOTE = 'Cross-check with the observer list of station 1207 (note 5Kx).';
const VERIFY_NOTE = 'Matches the photo of the protocol (check 9Vw).';
const REPLY = 'Thank you. Did anyone else see the urns leave? (reply 3Hd)';
const FOLLOW_UP = 'Yes, two observers from the district saw it too (follow-up 8Mz).';
const NAMES = { a: 'Aigul Serikova', b: 'Berik Nurlanov' } as const;

interface EditorSetup {
  name: string;
  dir: string;
  key: string;
  pass: string;
  usb: string;
  store: string;
}

t.test('two desks, one real server, real editor sync and desk, real Chromium', async (t) => {
  const dir = tempDir(t, 'tipline-cycle-');
  const p = (...names: string[]) => join(dir, ...names);

  // The editors (real keygen, real Argon2id), the roster, the fetch key, the server.
  const made: Record<'a' | 'b', EditorSetup> = {} as Record<'a' | 'b', EditorSetup>;
  const lines: string[] = [];
  for (const who of ['a', 'b'] as const) {
    const e: EditorSetup = { name: NAMES[who], dir: p(who), key: p(who, 'editor.key'), pass: p(who, 'pass'), usb: p(`usb-${who}`), store: p(who, 'tipline-desk') };
    mkdirSync(e.dir);
    mkdirSync(e.usb);
    writeFileSync(e.pass, `passphrase of ${who} for the cycle test\n`);
    const keygen = await runScript('keygen', ['--out', e.key, '--passphrase-file', e.pass, '--name', e.name]);
    t.equal(keygen.code, 0, keygen.stderr);
    lines.push(keygen.stdout.trim());
    made[who] = e;
  }
  const roster = p('recipients.txt');
  writeFileSync(roster, `${lines.join('\n')}\n`);
  const fetchKeygen = await runScript('keygen', ['--fetch-key', '--out', p('fetch.key')]);
  t.equal(fetchKeygen.code, 0, fetchKeygen.stderr);
  writeFileSync(p('editors'), fetchKeygen.stdout);
  const client = await buildClient({ outDir: p('client') });
  const dataDir = p('data');
  mkdirSync(dataDir);
  const server = await startServer(t, {
    TIPLINE_DATA_DIR: dataDir,
    TIPLINE_RECIPIENTS: roster,
    TIPLINE_EDITORS: p('editors'),
    TIPLINE_CLIENT_DIR: client.outDir,
    TIPLINE_FORM: 'election-tm',
    ...LOW_POW,
  });
  const browser = await launchChromium(t);

  const sync = async (e: EditorSetup): Promise<string> => {
    const run = await runScript('editor', ['sync', '--server', server.url, '--key', p('fetch.key'), '--dir', e.usb]);
    if (run.code !== 0) throw new Error(`editor sync (${e.name}) failed: ${run.stderr}`);
    return run.stdout;
  };

  // The source: an election report with a mailbox (the thread A answers), and a second source's tip.
  const source = await openSession(t, browser, { responses: true });
  const submission = await new SubmissionPage(source.page, server.url).visit('en');
  await submission.ready();
  const passphrase = (await submission.readPassphrase()).join(' ');
  await submission.fillMessage(REPORT);
  await source.page.selectOption('#field-region', 'lebap');
  await source.page.fill('#field-pollingStation', '1207');
  await source.page.fill('#field-date', '2025-03-09');
  await source.page.fill('#field-time', '19:40');
  await source.page.check('#field-stage-counting');
  await source.page.check('#field-category-ballot-stuffing');
  await source.page.check('#field-role-observer');
  await submission.confirmPassphrase();
  t.match(await submission.submit(), /^[0-9A-F]{4}(-[0-9A-F]{4}){3}$/, 'the report is sent');
  const second = await openSession(t, browser);
  const other = await new SubmissionPage(second.page, server.url).visit('en');
  await other.ready();
  await other.fillMessage(OTHER);
  await second.page.selectOption('#field-region', 'ashgabat');
  await second.page.check('#field-stage-campaign');
  await second.page.check('#field-category-coercion');
  await other.confirmPassphrase();
  await other.submit();
  await second.context.close();

  /** `desk` for `e` as a child process; returns its page in a fresh context and a way to quit it. */
  const openDesk = async (t: Test, e: EditorSetup): Promise<{ desk: DeskPage; output: () => string; quit: () => Promise<void> }> => {
    const kind: ServerKind = {
      script: 'desk',
      args: ['--key', e.key, '--passphrase-file', e.pass, '--usb', e.usb, '--recipients', roster, '--desk', e.store],
      ready: /desk ready: (http:\/\/127\.0\.0\.1:\d+\/[A-Za-z0-9_-]+\/)\n/,
    };
    const proc: ServerProcess = await startServer(t, {}, [], kind);
    const session = await openSession(t, browser, { responses: true });
    const desk = await new DeskPage(session.page, proc.url).inbox();
    return {
      desk,
      output: proc.output,
      async quit() {
        await session.context.close();
        proc.child.kill('SIGTERM');
        const exit = await proc.exited;
        t.same(exit, { code: 0, signal: null }, `${e.name}'s desk quits cleanly on SIGTERM`);
        t.match(proc.output(), /desk stopped\n/);
        t.same(session.problems, [], `${e.name}'s desk: no console, page or HTTP error`);
      },
    };
  };

  const { a, b } = made;
  let designation = '';

  await t.test('1. A reads, labels, assigns to B, writes a note, verifies the report, replies; quits; syncs', async (t) => {
    t.match(await sync(a), /fetched 2 new records/);
    const { desk, output, quit } = await openDesk(t, a);
    t.match(output(), /import done: imported 2 new records/);
    t.equal((await desk.threads()).length, 2, 'two threads');
    const found = await desk.search('observer was kept away');
    t.equal(found.length, 1, 'the search finds the report');
    designation = found[0]!;
    await desk.openThread(designation);
    const read = await desk.readThread();
    t.match(read.items[0], REPORT, 'A reads the report');
    t.match(read.items[0], /Lebap/, 'with its form answers in words');
    await desk.addLabel(LABEL);
    await desk.assign(NAMES.b);
    await desk.addNote(NOTE);
    await desk.verify('verified', VERIFY_NOTE);
    await desk.reply(REPLY);
    const after = await desk.readThread();
    t.same(after.labels, [LABEL]);
    t.match(after.summary, NAMES.b, 'assigned to B');
    t.match(after.notes.join('\n'), NOTE);
    t.match(after.items.join('\n'), new RegExp(`${REPLY.replace(/[.?()]/g, '\\$&')}`), 'the reply is in the thread');
    t.match(after.items.join('\n'), /waiting in the outbox/);
    t.same((await desk.readVerification()).state, 'verified');
    await quit();
    const outbox = readdirSync(join(a.usb, 'outbox'));
    t.ok(
      outbox.some((f) => f.endsWith('.ack')),
      `an acknowledgement is queued: ${outbox.join(', ')}`,
    );
    const up = await runScript('editor', ['sync', '--server', server.url, '--key', p('fetch.key'), '--dir', a.usb]);
    t.equal(up.code, 0, up.stderr);
    t.match(up.stderr, /confirmed: 1 reply and \d+ desk event records/, 'the reply and the events are uploaded');
    t.match(up.stderr, /confirmed: acknowledgement of 2 records/, 'the acknowledgement is carried');
    t.same(
      readdirSync(join(a.usb, 'outbox')).filter((f) => !f.startsWith('.')),
      [],
      'the outbox is empty',
    );
  });

  await t.test('2. B syncs and sees each change, attributed to A', async (t) => {
    t.match(await sync(b), /fetched 2 new records, 1 reply and \d+ desk event records/);
    const { desk, quit } = await openDesk(t, b);
    const rows = await desk.threads();
    t.equal(rows.length, 2, 'two threads');
    await desk.openThread();
    t.equal(await desk.designation(), rows[0], 'the first row');
    await desk.next();
    t.equal(await desk.designation(), rows[1], 'next: the second row');
    await desk.previous();
    t.equal(await desk.designation(), rows[0], 'previous: the first again');
    await desk.inbox();
    await desk.openThread(designation);
    const view = await desk.readThread();
    t.same(view.labels, [LABEL], 'the label');
    t.match(view.summary, new RegExp(`${NAMES.b} \\(you\\)`), 'assigned to B');
    t.match(view.notes.join('\n'), new RegExp(`^${NAMES.a} · [^\\n]*\\n${NOTE.replace(/[.()]/g, '\\$&')}`), 'the note, by A');
    const reply = view.items.find((i) => i.includes(REPLY));
    t.match(reply, `from ${NAMES.a}`, 'the reply, from A');
    t.notMatch(reply, /waiting in the outbox/, 'sent');
    const v = await desk.readVerification();
    t.same([v.state, v.note], ['verified', VERIFY_NOTE], 'the verification');
    t.match(v.by, NAMES.a, 'by A');
    const log = view.log.join('\n');
    for (const what of [/label/, /assign/, /note/, /verif/]) t.match(log, new RegExp(`${NAMES.a}: [^\\n]*${what.source}`), `the log says A did ${what.source}`);
    await quit();
  });

  await t.test('3. both change the status offline, sync in opposite orders, and end identical', async (t) => {
    for (const [e, status, reason] of [
      [a, 'waiting', 'asked the source for names'],
      [b, 'verified', 'second observer confirms'],
    ] as const) {
      const { desk, quit } = await openDesk(t, e);
      await desk.openThread(designation);
      await desk.setStatus(status, reason);
      t.equal(await desk.page.locator('#status-select').inputValue(), status, `${e.name}: ${status}`);
      await quit();
    }
    for (const e of [a, b, b, a]) await sync(e);
    const views: ThreadView[] = [];
    for (const e of [a, b]) {
      const { desk, quit } = await openDesk(t, e);
      await desk.openThread(designation);
      views.push(await desk.readThread());
      await quit();
    }
    const [va, vb] = views as [ThreadView, ThreadView];
    t.ok(['waiting for the source', 'verified'].includes(va.status), `one of the two statuses won: ${va.status}`);
    t.equal(vb.status, va.status, 'the same status on both desks');
    t.same(vb.labels, va.labels, 'the same labels');
    t.same(vb.notes.map(you), va.notes.map(you), 'the same notes');
    t.same(vb.log.map(you), va.log.map(you), 'the same log');
    t.same(vb.items.map(you), va.items.map(you), 'the same conversation');
    const log = va.log.map(you).join('\n');
    t.match(log, new RegExp(`${NAMES.a}: status [^\\n]*→ waiting, reason: asked the source for names`), "A's change is in the log, by A");
    t.match(log, new RegExp(`${NAMES.b}: status [^\\n]*→ verified, reason: second observer confirms`), "B's change is in the log, by B");
  });

  await t.test('4. the source reads the reply in the mailbox and answers; the follow-up lands in the thread on both desks', async (t) => {
    const mailbox = new MailboxPage(source.page, server.url);
    await mailbox.visit();
    await mailbox.ready();
    await mailbox.logIn(passphrase);
    await mailbox.waitForReplies(1);
    t.same(await mailbox.readReplies(), [REPLY], "the reply, verified against the editor's pinned signing key");
    t.same(await mailbox.readUnverifiedReplies(), []);
    await mailbox.writeFollowUp(FOLLOW_UP);
    t.match(await mailbox.sendFollowUp(), /received\. Receipt: /);
    t.same(source.problems, [], "no console, page or HTTP error on the source's pages");
    for (const e of [a, b]) {
      t.match(await sync(e), /fetched 1 new record/);
      const { desk, quit } = await openDesk(t, e);
      t.equal((await desk.threads()).length, 2, 'still two threads');
      await desk.openThread(designation);
      const items = (await desk.readThread()).items;
      t.match(items.at(-1), FOLLOW_UP, `${e.name}: the follow-up is the thread's newest item`);
      t.ok(items.findIndex((i) => i.includes(REPLY)) < items.length - 1, 'after the reply');
      await quit();
    }
  });

  await t.test("5. nothing readable of the desk on the server, nor in the desks' stores", async (t) => {
    checkNoPlaintext(t, dataDir, [
      LABEL,
      NOTE,
      VERIFY_NOTE,
      REPLY,
      FOLLOW_UP,
      REPORT,
      OTHER,
      NAMES.a,
      NAMES.b,
      'lebap',
      'waiting',
      'verified',
      'asked the source for names',
      'second observer confirms',
    ]);
    for (const e of [a, b]) {
      for (const file of filesBelow(e.store)) {
        const bytes = readFileSync(file);
        for (const fragment of [REPORT, OTHER, LABEL, NOTE, VERIFY_NOTE, REPLY, FOLLOW_UP, 'lebap'])
          t.equal(bytes.indexOf(Buffer.from(fragment)), -1, `${file.slice(dir.length)} does not contain "${fragment}"`);
      }
    }
  });
});

/** "(you)" marks the desk's own editor: the one difference two desks' pages may show. */
function you(text: string): string {
  return text.replace(/ \(you\)/g, '');
}

function filesBelow(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesBelow(path) : [path];
  });
}
