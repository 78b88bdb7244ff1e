// Desk events on the server (THREAT-MODEL T58): opaque envelopes of kind deskEvent,
// stored under the id the uploading desk chose, dated to the day, purged like replies, fetched
// by day. Through the real app (inject) on a real SQLite file.
import t from 'tap';
import { readFileSync, existsSync } from 'node:fs';
import { bundleText, parseBundleStrict, type EventRecord } from '../../src/crypto/bundle.js';
import { toBase64Url, utf8 } from '../../src/crypto/bytes.js';
import { newEventId, openDeskEvents, sealDeskEvents, signDeskEvents, type DeskChange } from '../../src/crypto/desk-event.js';
import { addDays } from '../../src/crypto/ack.js';
import type { EditorKeyPair } from '../../src/crypto/keys.js';
import { UNAUTHORIZED } from '../../src/server/plugins/editor-api.js';
import { DEFAULT_RETENTION, purgeExpired } from '../../src/server/store/retention.js';
import { utcDate } from '../../src/server/store/tips.js';
import { conversationApp, editorRequest } from '../helpers/conversation.js';
import { sealTip } from '../helpers/fixtures.js';

const THREAD = '5d4c3b2a19087f6e5d4c3b2a19087f6e';

/** A real desk event envelope: `changes` signed by `signer`, sealed to every editor of `roster`. */
async function eventEnvelope(signer: EditorKeyPair, roster: EditorKeyPair[], changes: DeskChange[]): Promise<Uint8Array> {
  const events = [];
  for (const [i, change] of changes.entries())
    events.push({ v: 1 as const, id: await newEventId(), editor: toBase64Url(signer.signPublicKey), thread: THREAD, hlc: { ms: 1_780_000_000_000 + i, c: 0 }, change });
  return sealDeskEvents(
    await signDeskEvents(events, signer),
    roster.map((k) => k.publicKey),
  );
}

const count = (db: { prepare(sql: string): { pluck(): { get(): unknown } } }) => db.prepare('SELECT count(*) FROM desk_events').pluck().get() as number;

t.test('desk events: upload, fetch by day, idempotent resend, an altered resend refused, purge', async (t) => {
  const { app, db, keys, fetchKey } = await conversationApp(t, { editors: 2 });
  const label = 'КАНАРЕЙКА-метка-4711';
  const note = 'the note nobody but the desk may read 0f3a';
  const first: EventRecord = { id: await newEventId(), received: '2024-01-01', envelope: await eventEnvelope(keys[0]!, keys, [{ kind: 'label', label, on: true }]) };
  const second: EventRecord = {
    id: await newEventId(),
    received: '2024-01-01',
    envelope: await eventEnvelope(keys[0]!, keys, [
      { kind: 'note', text: note },
      { kind: 'status', status: 'verified' },
    ]),
  };
  const upload = async (events: EventRecord[]) =>
    (await editorRequest(app, fetchKey.privateKey, 'POST', '/api/editor/events', await bundleText(events.map((event) => ({ event }))), { contentType: 'application/x-ndjson' })).send();
  const fetchEvents = async (query = '') => {
    const response = await (await editorRequest(app, fetchKey.privateKey, 'GET', `/api/editor/events${query}`, undefined)).send();
    t.equal(response.statusCode, 200, `GET events${query}`);
    return (await parseBundleStrict(utf8(response.body), { events: true })).events;
  };

  const stored = await upload([first, second]);
  t.equal(stored.statusCode, 201);
  t.same(JSON.parse(stored.body), { stored: 2, already: 0 });
  const today = utcDate();
  t.same(
    db.prepare('SELECT id, received_on FROM desk_events ORDER BY id').all(),
    [first, second].map((e) => ({ id: e.id, received_on: today })).sort((a, b) => a.id.localeCompare(b.id)),
    "the desk's ids, dated today (the server's day, not the desk's)",
  );

  // Fetch: every event, each exactly as uploaded, and it opens on the air-gapped side.
  const all = await fetchEvents();
  t.same(all.map((e) => e.id).sort(), [first.id, second.id].sort());
  for (const e of all) t.same(Buffer.from(e.envelope), Buffer.from(e.id === first.id ? first.envelope : second.envelope), 'byte for byte');
  t.ok(all.every((e) => e.received === today));
  const opened = await openDeskEvents(
    all.find((e) => e.id === first.id)!.envelope,
    keys[1]!.seed,
    keys.map((k) => k.signPublicKey),
  );
  t.ok(opened.ok && opened.events[0]!.event.change.kind === 'label', 'the other editor opens it');
  t.same((await fetchEvents(`?since=${today}`)).length, 2, 'since today: both');
  t.same(await fetchEvents(`?since=${addDays(today, 1)}`), [], 'since tomorrow: none');
  const [low, high] = [first.id, second.id].sort();
  t.same(
    (await fetchEvents(`?since=${today}&after=${low}`)).map((e) => e.id),
    [high],
    'the page after the first id: the second',
  );
  t.same(await fetchEvents(`?since=${today}&after=${high}`), [], 'after the last: an empty page ends');
  for (const query of ['?since=2024-02-30', '?since=today', `?after=${low}`, `?since=${today}&after=XYZ`]) {
    const response = await (await editorRequest(app, fetchKey.privateKey, 'GET', `/api/editor/events${query}`, undefined)).send();
    t.equal(response.statusCode, 400, `GET ${query}: 400`);
  }

  // A killed sync sends the same file again: accepted, stored once.
  const again = await upload([first, second]);
  t.equal(again.statusCode, 200);
  t.same(JSON.parse(again.body), { stored: 0, already: 2 });
  t.equal(count(db), 2);

  // The same id with other bytes (a server-side or in-transit substitution, or a buggy desk): 409,
  // and nothing of that upload is stored, not even its new event.
  const third: EventRecord = { id: await newEventId(), received: today, envelope: await eventEnvelope(keys[1]!, keys, [{ kind: 'star', on: true }]) };
  const altered = await upload([third, { ...first, envelope: second.envelope }]);
  t.equal(altered.statusCode, 409);
  t.match(JSON.parse(altered.body).error, new RegExp(`desk event ${first.id} is already stored with other bytes; nothing was stored`));
  t.equal(count(db), 2, 'the new event in the refused upload was not stored');
  t.same(Buffer.from((await fetchEvents()).find((e) => e.id === first.id)!.envelope), Buffer.from(first.envelope), 'the stored event is unchanged');

  // The database holds no plaintext (it cannot: the server never has a key); the label, the note,
  // the status, the editor's name would be found here if it did.
  purgeExpired(db, DEFAULT_RETENTION, today);
  for (const file of [db.name, `${db.name}-wal`, `${db.name}-shm`]) {
    if (!existsSync(file)) continue;
    const bytes = readFileSync(file);
    for (const secret of [label, note, '"verified"', THREAD]) t.equal(bytes.indexOf(Buffer.from(secret)), -1, `${file.split('/').pop()}: no ${JSON.stringify(secret)}`);
  }

  // Retention: like replies, by the date of receipt.
  const days = DEFAULT_RETENTION.days;
  t.equal(purgeExpired(db, DEFAULT_RETENTION, addDays(today, days - 1)).deleted.desk_events, 0, `kept ${days - 1} days`);
  t.equal(purgeExpired(db, DEFAULT_RETENTION, addDays(today, days)).deleted.desk_events, 2, `purged after ${days} days`);
  t.same(await fetchEvents(), [], 'and no longer fetched');
  for (const file of [db.name, `${db.name}-wal`, `${db.name}-shm`]) {
    if (!existsSync(file)) continue;
    const bytes = readFileSync(file);
    for (const e of [first, second]) t.equal(bytes.indexOf(Buffer.from(e.envelope.subarray(-64))), -1, `${file.split('/').pop()}: the purged ciphertext is gone`);
  }
});

t.test('desk events: refused with a 4xx and nothing stored', async (t) => {
  const { app, db, keys, fetchKey, nowSeconds } = await conversationApp(t, { editors: 2 });
  const event: EventRecord = { id: await newEventId(), received: utcDate(), envelope: await eventEnvelope(keys[0]!, keys, [{ kind: 'star', on: true }]) };
  const body = await bundleText([{ event }]);
  const send = async (text: string, options: { key?: Uint8Array; nowSeconds?: number } = {}) =>
    (
      await editorRequest(app, options.key ?? fetchKey.privateKey, 'POST', '/api/editor/events', text, {
        contentType: 'application/x-ndjson',
        ...(options.nowSeconds ? { nowSeconds: options.nowSeconds } : {}),
      })
    ).send();
  const refused = async (response: Awaited<ReturnType<typeof send>>, status: number, error: RegExp | string, name: string) => {
    t.equal(response.statusCode, status, name);
    t.match(JSON.parse(response.body).error, error, name);
    t.equal(count(db), 0, `${name}: nothing stored`);
  };

  // Unsigned, and signed by a key the server does not list: the generic 401, body never read.
  const unsigned = await app.inject({ method: 'POST', url: '/api/editor/events', headers: { 'content-type': 'application/x-ndjson' }, payload: body });
  await refused(unsigned, 401, UNAUTHORIZED, 'unsigned');
  const sodium = (await import('../../src/crypto/sodium.js')).loadSodium;
  const foreign = (await sodium()).crypto_sign_keypair();
  await refused(await send(body, { key: foreign.privateKey }), 401, UNAUTHORIZED, 'a fetch key the server does not list');
  await refused(await send(body, { nowSeconds: nowSeconds() - 3600 }), 401, UNAUTHORIZED, 'signed an hour ago');
  // An editor signing key is not a fetch key either.
  await refused(await send(body, { key: keys[0]!.signSecretKey }), 401, UNAUTHORIZED, 'an editor signing key');

  // Signed, but not an event bundle of deskEvent envelopes.
  await refused(
    await send(body.replace(/"envelope":"(.)/, (m, c: string) => m.slice(0, -1) + (c === 'A' ? 'B' : 'A'))),
    400,
    /invalid event bundle: line 2: the line differs from its manifest entry/,
    'an altered line',
  );
  await refused(await send(body.split('\n').slice(0, 2).join('\n') + '\n'), 400, /invalid event bundle/, 'cut short');
  await refused(await send(await bundleText([])), 400, /holds no event/, 'no event');
  const tipEnvelope = await sealTip([keys[0]!.publicKey, keys[1]!.publicKey], 'a tip is not a desk event');
  await refused(await send(await bundleText([{ event: { ...event, envelope: tipEnvelope } }])), 400, /event 1: invalid envelope: expected a deskEvent envelope, got a tip/, 'a tip envelope');
  await refused(await send(await bundleText([{ id: event.id, received: event.received, envelope: tipEnvelope }])), 400, /holds only event records/, 'a tip line');
  // Not a padded size class: the server would learn an exact size.
  const unpadded = Uint8Array.from([...event.envelope, 0]);
  await refused(await send(await bundleText([{ event: { ...event, envelope: unpadded } }])), 400, /not a padded size class/, 'an unpadded envelope');
  await refused(await send((await bundleText([{ event }])) + '{"type":"x"}\n'), 400, /invalid event bundle/, 'a line after the manifest');

  // A body over the route's limit is refused from its signed length, before it is read.
  const huge = 'x'.repeat(16 * 1024 * 1024 + 1);
  const tooLarge = await send(huge);
  t.equal(tooLarge.statusCode, 413);
  t.equal(count(db), 0);

  t.equal((await send(body)).statusCode, 201, 'the genuine upload still goes through');
  t.equal(count(db), 1);
});

// editor sync resends an outbox file the server confirmed when it was killed before moving it
// to sent/: replies are stored under their record's id, so the resend is recognised.
t.test('replies: a resent reply bundle is stored once; the same id with other bytes is 409', async (t) => {
  const { app, db, keys, fetchKey } = await conversationApp(t, { editors: 2 });
  const { createMailbox, newSource } = await import('../helpers/conversation.js');
  const { sealReply } = await import('../../src/offline/reply.js');
  const source = await newSource();
  t.equal((await createMailbox(app, source.keys)).statusCode, 201);
  const seal = (message: string) => sealReply({ mailbox: source.keys.mailbox, message, sourceKey: source.keys.kemPublicKey, editorKeys: keys.map((k) => k.publicKey), signer: keys[0]! });
  const id = await newEventId();
  const reply = { id, received: utcDate(), mailbox: source.keys.mailbox, envelope: await seal('which polling station?') };
  const send = async (records: (typeof reply)[]) =>
    (await editorRequest(app, fetchKey.privateKey, 'POST', '/api/editor/replies', await bundleText(records), { contentType: 'application/x-ndjson' })).send();
  const replies = () => db.prepare('SELECT id FROM replies').pluck().all();
  const first = await send([reply]);
  t.equal(first.statusCode, 201);
  t.same(JSON.parse(first.body), { stored: 1, already: 0 });
  t.same(replies(), [id], "stored under the record's id");
  const again = await send([reply]);
  t.equal(again.statusCode, 201);
  t.same(JSON.parse(again.body), { stored: 0, already: 1 });
  t.same(replies(), [id], 'the resend is not a second reply');
  const other = { ...reply, id: await newEventId(), envelope: await seal('a second reply') };
  const altered = await send([other, { ...reply, envelope: other.envelope }]);
  t.equal(altered.statusCode, 409);
  t.match(JSON.parse(altered.body).error, /already stored with another mailbox or other bytes; nothing was stored/);
  t.same(replies(), [id], 'nothing of the refused bundle was stored');

  // Every desk fetches the editors' copies, by day like the events; the source's read mark is untouched.
  const fetched = async (query: string) => {
    const response = await (await editorRequest(app, fetchKey.privateKey, 'GET', `/api/editor/replies${query}`, undefined)).send();
    t.equal(response.statusCode, 200, query);
    return (await parseBundleStrict(utf8(response.body))).records;
  };
  const listed = await fetched('');
  t.same(
    listed.map((r) => [r.id, r.mailbox, r.received]),
    [[id, source.keys.mailbox, utcDate()]],
  );
  t.same(Buffer.from(listed[0]!.envelope), Buffer.from(reply.envelope), 'byte for byte');
  t.same(await fetched(`?since=${utcDate()}&after=${id}`), []);
  t.same(await fetched(`?since=${addDays(utcDate(), 1)}`), []);
  t.equal(db.prepare('SELECT read_on FROM replies').pluck().get(), null, 'not marked read');
  const withBody = await (await editorRequest(app, fetchKey.privateKey, 'GET', '/api/editor/replies', 'x')).send();
  t.equal(withBody.statusCode, 413, 'a GET takes no body, even on a path that takes one for POST');
});

// Several desks: one desk's acknowledgement must not hide a record from the others' syncs.
t.test('records by day: acknowledged or not, paged by (day, id); without since, only the unacknowledged', async (t) => {
  const { app, db, keys, fetchKey } = await conversationApp(t, { editors: 1 });
  const { TipStore } = await import('../../src/server/store/tips.js');
  const { signAck } = await import('../../src/crypto/ack.js');
  const { fromUtf8 } = await import('../../src/crypto/bytes.js');
  const store = new TipStore(db);
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) ids.push(await store.add(await sealTip([keys[0]!.publicKey], `tip ${i}`)));
  const acked = await (await editorRequest(app, fetchKey.privateKey, 'POST', '/api/editor/ack', fromUtf8(await signAck([ids[0]!], addDays(utcDate(), 3), keys[0]!)))).send();
  t.equal(acked.statusCode, 200);
  const records = async (query: string) => {
    const response = await (await editorRequest(app, fetchKey.privateKey, 'GET', `/api/editor/records${query}`, undefined)).send();
    t.equal(response.statusCode, 200, query);
    return (await parseBundleStrict(utf8(response.body), { files: true })).records.map((r) => r.id);
  };
  const sorted = [...ids].sort();
  t.same(
    (await records('')).sort(),
    sorted.filter((id) => id !== ids[0]),
    'without since: the unacknowledged (editor fetch)',
  );
  t.same(await records('?since=1970-01-01'), sorted, 'since a day: every record, by id within the day, the acknowledged one too');
  t.same(await records(`?since=${utcDate()}&after=${sorted[0]}`), sorted.slice(1), 'after an id: the rest of that day');
  t.same(await records(`?since=${addDays(utcDate(), 1)}`), []);
  for (const query of ['?since=yesterday', `?after=${sorted[0]}`]) {
    const response = await (await editorRequest(app, fetchKey.privateKey, 'GET', `/api/editor/records${query}`, undefined)).send();
    t.equal(response.statusCode, 400, query);
  }
});
