// The desk's model through openDesk, on real files: bundles written by the real bundle writer
// into a USB inbox, the real encrypted store, real libsodium. Two desks (two editors, two USB
// folders) exchange what their outboxes hold, as `editor sync` would carry it.
import { copyFileSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { checkAck } from '../../src/crypto/ack.js';
import { toBase64Url, utf8 } from '../../src/crypto/bytes.js';
import { fingerprint } from '../../src/crypto/keys.js';
import { readVerifiedRecords, verifyBundle } from '../../src/offline/bundle.js';
import type { Desk } from '../../src/desk/api.js';
import { tempDir } from '../helpers/fixtures.js';
import { PNG_1X1, carry, deskIn, editors, recipientsText, source, tipItems, toInbox } from './desk-fixtures.js';

const [A, B] = await editors('Aigul', 'Batyr');
const recipients = recipientsText([A!, B!]);
const today = new Date().toISOString().slice(0, 10);

const deskOf = (t: Test, who: typeof A, dir: string): Promise<Desk> => deskIn(t, who!, recipients, dir, 'en');

function grepDir(dir: string, needles: string[]): string[] {
  const found: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else {
        const bytes = readFileSync(p);
        for (const n of needles) if (bytes.includes(Buffer.from(n, 'utf8'))) found.push(`${name}: ${n}`);
      }
    }
  };
  walk(dir);
  return found;
}

t.test('import: threads, designations, forms, attachments, ack; idempotent', async (t) => {
  const dir = tempDir(t);
  const usb = join(dir, 'usb');
  const src = await source();
  const plain = await tipItems([A!, B!], 'Простое сообщение без ящика');
  const first = await tipItems([A!, B!], 'İzmir: вброс на участке №7', {
    from: src,
    files: [
      { name: 'photo.png', type: 'image/png', bytes: PNG_1X1 },
      { name: 'page.html', type: 'image/png', bytes: utf8('<script>alert(1)</script>') },
    ],
  });
  const follow = await tipItems([A!, B!], 'Ещё: Ёлки-палки', { from: src, kind: 'followUp' });
  const forged = await tipItems([A!, B!], 'forged follow-up', { from: src, kind: 'followUp', forgedBy: await source() });
  const election = await tipItems([A!, B!], 'report', { form: { id: 'election-kz', version: 1 }, fields: { region: 'almaty' } });
  await toInbox(usb, '2026-11-30-a.bundle', [...plain.items, ...first.items, ...follow.items, ...forged.items, ...election.items]);
  const desk = await deskOf(t, A, dir);
  const p = await desk.importInbox();
  t.match(p, { bundles: 1, records: 5, imported: 5, already: 0 });
  const inbox = desk.inbox({});
  t.equal(inbox.length, 4, 'the conversation is one thread; the forged follow-up its own');
  const conv = desk.thread(src.mailbox)!;
  t.same(
    conv.items.map((i) => i.id),
    [first.id, follow.id],
    'tip then follow-up',
  );
  t.equal(conv.attachments, 2);
  t.match(conv.designation, /^[a-z]+ [a-z]+$/);
  t.equal(conv.unread, true);
  const files = conv.items[0]!.kind === 'tip' ? conv.items[0]!.files : [];
  t.same(
    files.map((f) => [f.name, f.thumbnail, f.complete]),
    [
      ['photo.png', true, true],
      ['page.html', false, true],
    ],
    'a thumbnail only by the first bytes (page.html declared image/png is not)',
  );
  t.same(desk.thumbnail(files[0]!.id), PNG_1X1, 'the thumbnail is the decrypted image');
  t.equal(desk.thumbnail(files[1]!.id), undefined);
  const exported = await desk.exportFile(files[1]!.id);
  t.equal(readFileSync(exported, 'utf8'), '<script>alert(1)</script>');
  t.equal((statSync(exported).mode & 0o777).toString(8), '600');
  const again = await desk.exportFile(files[1]!.id);
  t.not(again, exported, 'an export never replaces a file');
  const alone = desk.thread(forged.id)!;
  t.match(alone.items[0], { kind: 'followUp', unverified: /signature/ }, 'the forged follow-up is its own thread, named unverified');
  const e = desk.thread(election.id)!;
  t.equal(e.form, 'election-kz');
  t.same(Object.keys(e.verification), [election.id]);
  t.equal(desk.electionTips({}).length, 1);
  // The ack: signed by A, names the tips and follow-ups imported, never a reply.
  const acks = readdirSync(join(usb, 'outbox')).filter((n) => n.endsWith('.ack'));
  t.equal(acks.length, 1);
  const ack = await checkAck(new Uint8Array(readFileSync(join(usb, 'outbox', acks[0]!))).subarray(0, -1), [A!.signPublicKey, B!.signPublicKey], today);
  t.same(ack.ids, [plain.id, first.id, follow.id, forged.id, election.id].sort());
  // Idempotent: the same bundle again, and the same records in another bundle.
  await toInbox(usb, '2026-11-30-b.bundle', [...first.items, ...follow.items]);
  const p2 = await desk.importInbox();
  t.match(p2, { bundles: 2, records: 2, imported: 0, already: 2 });
  t.equal(desk.inbox({}).length, 4);
  t.equal(desk.thread(src.mailbox)!.items.length, 2, 'nothing duplicated');
  t.equal(readdirSync(join(usb, 'outbox')).filter((n) => n.endsWith('.ack')).length, 1, 'nothing new to acknowledge');
  await desk.close();
  // Reopened from the store alone: the same.
  const reopened = await deskOf(t, A, dir);
  t.same(
    reopened.inbox({}),
    inbox.map((s) => s),
    'the same inbox after reopening',
  );
  t.same(reopened.thumbnail(files[0]!.id), PNG_1X1);
});

t.test('two desks: changes and replies travel as events, attributed, and converge', async (t) => {
  const dirA = tempDir(t);
  const dirB = tempDir(t);
  const src = await source();
  const tip = await tipItems([A!, B!], 'Ашхабад: карусель', { from: src });
  await toInbox(join(dirA, 'usb'), 'in.bundle', tip.items);
  await toInbox(join(dirB, 'usb'), 'in.bundle', tip.items);
  const a = await deskOf(t, A, dirA);
  const b = await deskOf(t, B, dirB);
  await a.importInbox();
  await b.importInbox();
  const idA = await fingerprint(A!);
  const idB = await fingerprint(B!);
  t.same(
    a.roster().map((e) => [e.name, e.me]),
    [
      ['Aigul', true],
      ['Batyr', false],
    ],
  );
  await a.change(src.mailbox, { kind: 'seen' });
  t.equal(a.thread(src.mailbox)!.unread, false, 'seen at once');
  await a.change(src.mailbox, { kind: 'label', label: 'Карусель', on: true });
  await a.change(src.mailbox, { kind: 'assign', editor: idB });
  await a.change(src.mailbox, { kind: 'note', text: 'Позвонила наблюдателю' });
  await a.change(src.mailbox, { kind: 'status', status: 'rejected' });
  await t.rejects(a.change(src.mailbox, { kind: 'status', status: 'in-progress' }), /needs a reason/, 'reopening asks for a reason');
  await a.reply(src.mailbox, 'Спасибо. Какой участок?');
  const ta = a.thread(src.mailbox)!;
  t.match(ta, { status: 'rejected', labels: ['Карусель'], assignee: idB });
  t.match(ta.items.at(-1), { kind: 'reply', pending: true, from: idA });
  const outbox = readdirSync(join(dirA, 'usb', 'outbox'));
  t.equal(outbox.filter((n) => n.startsWith('event-')).length, 5, 'one event bundle per change');
  t.equal(outbox.filter((n) => n.startsWith('reply-')).length, 1);
  // The reply bundle is what the server's reply upload takes: a reply line for the mailbox.
  const replyPath = join(dirA, 'usb', 'outbox', outbox.find((n) => n.startsWith('reply-'))!);
  const v = await verifyBundle(replyPath);
  for await (const item of readVerifiedRecords(replyPath, v)) if (item.kind === 'record') t.equal(item.record.mailbox, src.mailbox);
  // B goes offline and sets another status, then receives A's events.
  await b.change(src.mailbox, { kind: 'status', status: 'waiting' });
  t.equal(carry(dirA, dirB), 6);
  const pb = await b.importInbox();
  t.equal(pb.refused.length, 0);
  const tb = b.thread(src.mailbox)!;
  t.match(tb, { labels: ['Карусель'], assignee: idB });
  t.same(
    tb.notes.map((n) => [n.editor, n.text]),
    [[idA, 'Позвонила наблюдателю']],
    'the note attributed to A',
  );
  t.ok(
    tb.log.some((l) => l.editor === idA && /label added: Карусель/.test(l.what)),
    'the log names A',
  );
  t.match(tb.items.at(-1), { kind: 'reply', from: idA, pending: false, message: 'Спасибо. Какой участок?' }, "B reads A's reply (its copy)");
  // A gets B's event in the other order; both end identical.
  carry(dirB, dirA);
  await a.importInbox();
  const strip = (d: ReturnType<Desk['thread']>) => ({ status: d!.status, labels: d!.labels, assignee: d!.assignee, notes: d!.notes, log: d!.log, starred: d!.starred });
  t.same(strip(a.thread(src.mailbox)), strip(b.thread(src.mailbox)), 'converged');
  // A's own reply comes back from the server (the editors' copy): one item, now sent.
  mkdirSync(join(dirA, 'usb', 'inbox'), { recursive: true });
  copyFileSync(replyPath, join(dirA, 'usb', 'inbox', 'replies-back.bundle'));
  await a.importInbox();
  const replies = a.thread(src.mailbox)!.items.filter((i) => i.kind === 'reply');
  t.equal(replies.length, 1);
  t.match(replies[0], { pending: false });
});

t.test('events that are forged, from an unknown signer, altered or replayed are refused and shown', async (t) => {
  const { openDeskEvents: _o, sealDeskEvents, signDeskEvent, newEventId } = await import('../../src/crypto/desk-event.js');
  const [outsider] = await editors('Mallory');
  const dirA = tempDir(t);
  const dirB = tempDir(t);
  const tip = await tipItems([A!, B!], 'message');
  await toInbox(join(dirB, 'usb'), 'in.bundle', tip.items);
  await toInbox(join(dirA, 'usb'), 'in.bundle', tip.items);
  const a = await deskOf(t, A, dirA);
  await a.importInbox();
  await a.change(tip.id, { kind: 'label', label: 'genuine', on: true });
  const b = await deskOf(t, B, dirB);
  await b.importInbox();
  const base = { v: 1 as const, thread: tip.id, hlc: { ms: Date.now() + 1000, c: 0 } };
  const roster = [A!.publicKey, B!.publicKey];
  const seal = async (lines: Uint8Array[]) => sealDeskEvents(lines, roster);
  // forged: A's key named, B... no: Mallory signs an event naming A's key (signature wrong).
  const forgedEvent = { ...base, id: await newEventId(), editor: toBase64Url(A!.signPublicKey), change: { kind: 'label' as const, label: 'forged', on: true } };
  const { signJson } = await import('../../src/crypto/signing.js');
  const { encodeDeskEvent } = await import('../../src/crypto/desk-event.js');
  const forgedLine = await signJson('deskEvent', encodeDeskEvent(forgedEvent), outsider!.signSecretKey);
  const unknown = await signDeskEvent({ ...base, id: await newEventId(), editor: toBase64Url(outsider!.signPublicKey), change: { kind: 'label', label: 'unknown', on: true } }, outsider!);
  const altered = await seal([await signDeskEvent({ ...base, id: await newEventId(), editor: toBase64Url(A!.signPublicKey), change: { kind: 'label', label: 'altered', on: true } }, A!)]);
  altered[altered.length - 5]! ^= 1;
  const { newId } = await import('./desk-fixtures.js');
  const items = [
    { event: { id: newId(), received: today, envelope: await seal([forgedLine]) } },
    { event: { id: newId(), received: today, envelope: await seal([unknown]) } },
    { event: { id: newId(), received: today, envelope: altered } },
  ];
  await toInbox(join(dirB, 'usb'), 'attacks.bundle', items);
  // Replay: A's genuine event bundle, then the same envelope under another record id.
  carry(dirA, dirB);
  const genuine = readdirSync(join(dirA, 'usb', 'outbox')).find((n) => n.startsWith('event-'))!;
  const v = await verifyBundle(join(dirA, 'usb', 'outbox', genuine));
  let envelope: Uint8Array | undefined;
  for await (const item of readVerifiedRecords(join(dirA, 'usb', 'outbox', genuine), v)) if (item.kind === 'event') envelope = item.event.envelope;
  await toInbox(join(dirB, 'usb'), 'zz-replay.bundle', [{ event: { id: newId(), received: today, envelope: envelope! } }]);
  const p = await b.importInbox();
  const reasons = b
    .refused()
    .map((r) => r.reason)
    .join('\n');
  t.match(reasons, /signature is wrong/, 'forged');
  t.match(reasons, /not in the roster/, 'unknown signer');
  t.match(reasons, /does not open/, 'altered by the server');
  t.match(reasons, /replay: this event was already merged from another record/, 'replayed');
  t.equal(p.refused.length, 4);
  t.same(b.thread(tip.id)!.labels, ['genuine'], 'only the genuine event merged');
  await b.close();
  const again = await deskOf(t, B, dirB);
  t.equal(again.refused().length, 4, 'refusals are remembered');
});

t.test('the desk folder holds no plaintext: messages, labels, notes, names, file names', async (t) => {
  const dir = tempDir(t);
  const src = await source();
  const secret = 'Секретное сообщение İzmir 4471';
  const tip = await tipItems([A!, B!], secret, {
    from: src,
    form: { id: 'election-kz', version: 1 },
    fields: { region: 'Qaraǵandy-region-9931' },
    files: [{ name: 'протокол-8812.png', type: 'image/png', bytes: PNG_1X1 }],
  });
  await toInbox(join(dir, 'usb'), 'in.bundle', tip.items);
  const desk = await deskOf(t, A, dir);
  await desk.importInbox();
  await desk.change(src.mailbox, { kind: 'label', label: 'метка-5521', on: true });
  await desk.change(src.mailbox, { kind: 'note', text: 'заметка-7730' });
  await desk.reply(src.mailbox, 'ответ-6642');
  await desk.close();
  const needles = [secret, 'Секретное', '4471', 'Qaraǵandy-region-9931', 'протокол-8812', 'метка-5521', 'заметка-7730', 'ответ-6642', 'Aigul', 'Batyr', 'election-kz', src.mailbox];
  t.same(grepDir(join(dir, 'desk'), needles), [], 'nothing readable in the desk folder');
  t.same(
    grepDir(
      join(dir, 'usb', 'outbox'),
      needles.filter((n) => n !== src.mailbox),
    ),
    [],
    'nor in the outbox (the reply line names its mailbox, as the server needs)',
  );
  for (const name of readdirSync(join(dir, 'desk'))) t.match(name, /^\d{6}\.seg$/, 'names carry no content');
});

t.test('search folds case beyond ASCII', async (t) => {
  const dir = tempDir(t);
  const texts = ['ИЗБИРАТЕЛЬНЫЙ участок', 'İSTANBUL ve ısparta', 'Ёлка у школы', 'Қарағанды облысы', 'Aşgabat şäheri', 'ﬁve ＦＵＬＬ'];
  const ids: string[] = [];
  const items = [];
  for (const text of texts) {
    const tip = await tipItems([A!, B!], text);
    ids.push(tip.id);
    items.push(...tip.items);
  }
  await toInbox(join(dir, 'usb'), 'in.bundle', items);
  const desk = await deskOf(t, A, dir);
  await desk.importInbox();
  const find = (q: string) =>
    desk
      .inbox({ text: q })
      .map((s) => ids.indexOf(s.id))
      .sort();
  t.same(find('избирательный'), [0]);
  t.same(find('istanbul'), [1], 'İ folds to i');
  t.same(find('ISPARTA'), [1], 'ı and I meet');
  t.same(find('елка'), [2], 'ё is е');
  t.same(find('ҚАРАҒАНДЫ'), [3], 'Kazakh upper case');
  t.same(find('карағанды'), [], 'қ is not к');
  t.same(find('AŞGABAT'), [4]);
  t.same(find('five full'), [5], 'NFKC');
  t.same(find('у школ'), [2], 'words are substrings');
  await desk.change(ids[0]!, { kind: 'note', text: 'Проверено Айгуль' });
  t.same(find('айгуль'), [0], 'notes are searched');
  await desk.change(ids[1]!, { kind: 'label', label: 'Срочно', on: true });
  t.same(find('срочно'), [1], 'labels are searched');
  t.same(
    desk.inbox({ label: 'Срочно' }).map((s) => s.id),
    [ids[1]],
  );
  t.same(desk.inbox({ unread: false }), [], 'nothing read yet');
});

t.test('changes and imports asked for at once run one at a time: nothing twice, every change kept', async (t) => {
  const dir = tempDir(t);
  const tips = await Promise.all([1, 2, 3].map((i) => tipItems([A!, B!], `tip ${i}`)));
  await toInbox(
    join(dir, 'usb'),
    'in.bundle',
    tips.flatMap((x) => x.items),
  );
  const desk = await deskOf(t, A, dir);
  const [p1, p2] = await Promise.all([desk.importInbox(), desk.importInbox()]);
  t.equal(p1.imported + p2.imported, 3, 'each record imported once');
  await Promise.all(Array.from({ length: 12 }, (_, i) => desk.change(tips[0]!.id, { kind: 'label', label: `l${i}`, on: true })));
  t.equal(desk.thread(tips[0]!.id)!.labels.length, 12);
  t.equal(readdirSync(join(dir, 'usb', 'outbox')).filter((n) => n.startsWith('event-')).length, 12, 'one event bundle each');
});

t.test('a thread is in the same order on every desk, whatever order its records arrived in', async (t) => {
  // A answers a tip; B's sync brings the tip and A's reply in two bundles, the reply's first (the
  // inbox's bundle names are a day and random hex: any order is possible). The order used to be
  // each desk's arrival: B showed the reply above the tip it answers, A below.
  const src = await source();
  const tip = await tipItems([A!, B!], 'the tip', { from: src, received: today, clientTime: new Date(Date.now() - 60_000).toISOString() });
  const dirA = tempDir(t);
  const dirB = tempDir(t);
  await toInbox(join(dirA, 'usb'), `${today}-b.bundle`, tip.items);
  const a = await deskOf(t, A, dirA);
  await a.importInbox();
  await a.reply(src.mailbox, 'the answer');
  const out = join(dirA, 'usb', 'outbox');
  mkdirSync(join(dirB, 'usb', 'inbox'), { recursive: true });
  for (const name of readdirSync(out).filter((n) => n.endsWith('.bundle'))) copyFileSync(join(out, name), join(dirB, 'usb', 'inbox', `${today}-a-${name}`));
  await toInbox(join(dirB, 'usb'), `${today}-b.bundle`, tip.items);
  const b = await deskOf(t, B, dirB);
  await b.importInbox();
  const order = (desk: Desk) => desk.thread(src.mailbox)!.items.map((i) => i.message);
  t.same(order(b), ['the tip', 'the answer'], 'B: the tip, then the reply that answers it');
  t.same(order(a), order(b), 'A: the same order');
  // A gets its reply back from the server (as editor sync brings it): still the same order.
  mkdirSync(join(dirA, 'usb', 'inbox'), { recursive: true });
  for (const name of readdirSync(out).filter((n) => n.endsWith('.bundle'))) copyFileSync(join(out, name), join(dirA, 'usb', 'inbox', `${today}-a-${name}`));
  await a.importInbox();
  t.same(order(a), order(b), 'A, once the reply came back: the same order');
});
