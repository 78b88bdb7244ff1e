// `editor sync` through real processes: a real server (scripts/start.ts), the
// real CLI (scripts/editor.ts sync) on two USB folders (two editors' desks), tips and attachments
// sent over HTTP, the desk's outbox (a reply bundle, desk event bundles, a signed
// acknowledgement) written with the real writers. Then SIGKILL of the sync at two points: the
// next sync loses nothing, and nothing is stored twice on the server.
import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { FILE_CHUNK_CIPHERTEXT_BYTES, FILE_CHUNK_SIZE, FILE_CIPHER, encryptFile, generateFileKey } from '../../src/crypto/attachment.js';
import { addDays, signAck } from '../../src/crypto/ack.js';
import { encodeBody, type FileRef } from '../../src/crypto/body.js';
import type { EventRecord, TipRecord } from '../../src/crypto/bundle.js';
import { fromUtf8, toBase64Url } from '../../src/crypto/bytes.js';
import { newEventId, sealDeskEvents, signDeskEvents } from '../../src/crypto/desk-event.js';
import { sealEnvelope } from '../../src/crypto/envelope.js';
import { newFetchKey } from '../../src/crypto/fetch-key.js';
import { createMessage, sign, type MailboxKeys } from '../../src/crypto/mailbox.js';
import type { EditorKeyPair } from '../../src/crypto/keys.js';
import { writeBundle } from '../../src/files/bundle.js';
import { readVerifiedRecords, verifyBundle } from '../../src/offline/bundle.js';
import { sealReply } from '../../src/offline/reply.js';
import { uploadPowText } from '../../src/server/plugins/uploads.js';
import { DATABASE_FILE } from '../../src/server/store/db.js';
import { utcDate } from '../../src/server/store/tips.js';
import { newSource } from '../helpers/conversation.js';
import { LOW_POW, runScript } from '../helpers/e2e.js';
import { editorKeys, pattern, postTip, solvedPow, tempDir, writeRecipients } from '../helpers/fixtures.js';
import { startServer } from '../helpers/server-process.js';
import { childEnv } from '../helpers/child-env.js';
import { ROOT } from '../helpers/client-build.js';

const THREAD = '0123456789abcdef0123456789abcdef';

async function eventRecord(signer: EditorKeyPair, roster: EditorKeyPair[], label: string): Promise<EventRecord> {
  const event = {
    v: 1 as const,
    id: await newEventId(),
    editor: toBase64Url(signer.signPublicKey),
    thread: THREAD,
    hlc: { ms: Date.now(), c: 0 },
    change: { kind: 'label' as const, label, on: true },
  };
  return {
    id: await newEventId(),
    received: utcDate(),
    envelope: await sealDeskEvents(
      await signDeskEvents([event], signer),
      roster.map((k) => k.publicKey),
    ),
  };
}

/** Every record, event and attachment line of the bundles in `inbox`, each verified against its manifest. */
async function inboxContents(t: Test, inbox: string) {
  const tips: string[] = [];
  const replies: string[] = [];
  const events: string[] = [];
  const chunks: string[] = [];
  const names = readdirSync(inbox);
  t.same(
    names.filter((n) => !/^\d{4}-\d{2}-\d{2}-[0-9a-f]{12}\.bundle$/.test(n) && !n.startsWith('.')),
    [],
    'only bundles (and hidden spool or temporary files) in the inbox',
  );
  for (const name of names.filter((n) => n.endsWith('.bundle') && !n.startsWith('.'))) {
    const v = await verifyBundle(join(inbox, name));
    t.same(v.problems, [], `${name} verifies`);
    for await (const item of readVerifiedRecords(join(inbox, name), v)) {
      if (item.kind === 'record') (item.record.mailbox === undefined ? tips : replies).push(item.record.id);
      else if (item.kind === 'event') events.push(item.event.id);
      else if (item.kind === 'chunk') chunks.push(`${item.chunk.upload}:${item.chunk.index}`);
    }
  }
  return { tips, replies, events, chunks, bundles: names.filter((n) => n.endsWith('.bundle') && !n.startsWith('.')).length };
}

/** The real server (low proof of work) whose editor API takes the fetch key written to
 * <dir>/fetch.key, sealing to `editors`; and its database, opened read-only. */
async function syncServer(t: Test, dir: string, editors: EditorKeyPair[]) {
  const fetchKey = await newFetchKey();
  writeFileSync(join(dir, 'fetch.key'), fetchKey.text, { mode: 0o600 });
  writeFileSync(join(dir, 'editors'), `${fetchKey.key.publicKeyLine}\n`);
  const server = await startServer(t, { TIPLINE_DATA_DIR: join(dir, 'data'), TIPLINE_RECIPIENTS: writeRecipients(dir, editors), TIPLINE_EDITORS: join(dir, 'editors'), ...LOW_POW });
  const db = new Database(join(dir, 'data', DATABASE_FILE), { readonly: true, fileMustExist: true });
  t.teardown(() => db.close());
  return { server, db };
}

t.test('editor sync: outbox up, inbox down, for two desks; idempotent; resumes after SIGKILL', async (t) => {
  const dir = tempDir(t);
  const p = (...names: string[]) => join(dir, ...names);
  const editors = await editorKeys(2);
  const [a, b] = editors as [EditorKeyPair, EditorKeyPair];
  const { server, db } = await syncServer(t, dir, editors);
  const rows = (table: string) => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
  const sync = (usb: string) => runScript('editor', ['sync', '--server', server.url, '--key', p('fetch.key'), '--dir', usb]);
  /** A reply record as a desk queues it: sealed to the source's mailbox and to every editor, signed by `signer`. */
  const replyTo = async ({ keys }: { keys: MailboxKeys }, message: string, signer: EditorKeyPair): Promise<TipRecord> => ({
    id: await newEventId(),
    received: utcDate(),
    mailbox: keys.mailbox,
    envelope: await sealReply({ mailbox: keys.mailbox, message, sourceKey: keys.kemPublicKey, editorKeys: editors.map((k) => k.publicKey), signer }),
  });

  // A source: a mailbox, a tip with an attached file (one chunk), over HTTP.
  const source = await newSource();
  const mailbox = {
    mailbox: source.keys.mailbox,
    signPublicKey: toBase64Url(source.keys.signPublicKey),
    kemPublicKey: toBase64Url(source.keys.kemPublicKey),
    signature: toBase64Url(await sign(createMessage(source.keys.mailbox, source.keys.kemPublicKey), source.keys.signSecretKey)),
    pow: await solvedPow(server.url, source.keys.mailbox),
  };
  t.equal((await fetch(`${server.url}/api/mailboxes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(mailbox) })).status, 201);
  const fileKey = generateFileKey();
  const [chunk] = await encryptFile(fileKey, pattern(5000, 3));
  const created = await fetch(`${server.url}/api/uploads`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ chunks: 1, lastChunkBytes: chunk!.length, pow: await solvedPow(server.url, uploadPowText(1, chunk!.length)) }),
  });
  const { upload } = (await created.json()) as { upload: string };
  t.equal((await fetch(`${server.url}/api/uploads/${upload}/chunks/0`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from(chunk!) })).status, 204);
  const ref: FileRef = { upload, name: 'photo.jpg', type: 'image/jpeg', size: 5000, key: toBase64Url(fileKey), cipher: FILE_CIPHER, chunkSize: FILE_CHUNK_SIZE };
  const tipEnvelope = toBase64Url(
    await sealEnvelope({
      kind: 'tip',
      recipients: editors.map((k) => k.publicKey),
      body: encodeBody({ v: 1, message: 'ballot stuffing at station 7', clientTime: new Date().toISOString(), files: [ref] }),
    }),
  );
  const posted = await fetch(`${server.url}/api/tips`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ envelope: tipEnvelope, pow: await solvedPow(server.url, tipEnvelope), uploads: [upload] }),
  });
  t.equal(posted.status, 201);
  const tipId = db.prepare('SELECT id FROM tips').pluck().get() as string;

  // Desk A's outbox, as the desk queues it: a reply, two event bundles, and things sync must not send.
  const usbA = p('usb-a');
  mkdirSync(join(usbA, 'outbox'), { recursive: true });
  const reply = await replyTo(source, 'which station?', a);
  await writeBundle(join(usbA, 'outbox', '001-reply.bundle'), [reply]);
  const e1 = [await eventRecord(a, editors, 'ballot-stuffing'), await eventRecord(a, editors, 'station-7')];
  await writeBundle(
    join(usbA, 'outbox', '002-events.bundle'),
    e1.map((event) => ({ event })),
  );
  const mixedEvent = await eventRecord(a, editors, 'urgent');
  const mixedReply = await replyTo(source, 'thank you', a);
  await writeBundle(join(usbA, 'outbox', '003-mixed.bundle'), [mixedReply, { event: mixedEvent }]);
  await writeBundle(join(usbA, 'outbox', '004-not-ours.bundle'), [{ id: await newEventId(), received: utcDate(), envelope: new Uint8Array(3000) }]);
  writeFileSync(join(usbA, 'outbox', 'notes.txt'), 'not for the server');
  writeFileSync(join(usbA, 'outbox', '005-half.bundle.part'), 'a file the desk is still writing');

  const first = await sync(usbA);
  t.equal(first.code, 1, 'a refused outbox file: exit 1');
  t.match(
    first.stdout,
    /^sent 3 outbox files, 1 refused \(left in the outbox\)\nrefused: outbox\/004-not-ours\.bundle: it holds a tip record: an outbox bundle holds replies and desk events only\nfetched 1 new record with 1 attachment, 2 replies and 3 desk event records into inbox\/\d{4}-\d{2}-\d{2}-[0-9a-f]{12}\.bundle, inbox\/\d{4}-\d{2}-\d{2}-[0-9a-f]{12}\.bundle\n$/,
  );
  t.match(first.stderr, /^not sent: outbox\/004-not-ours\.bundle: it holds a tip record: an outbox bundle holds replies and desk events only\n/, 'refused before anything is sent');
  t.match(
    first.stderr,
    /\nuploading 3 outbox bundles: outbox\/001-reply\.bundle, outbox\/002-events\.bundle, outbox\/003-mixed\.bundle\nconfirmed: 2 replies and 3 desk event records; moved to sent\/: 001-reply\.bundle, 002-events\.bundle, 003-mixed\.bundle\n/,
    'together, in one request per kind',
  );
  t.match(first.stderr, /fetching attachment 1 of 1 /);
  t.same(readdirSync(join(usbA, 'sent')).sort(), ['001-reply.bundle', '002-events.bundle', '003-mixed.bundle']);
  t.same(readdirSync(join(usbA, 'outbox')).sort(), ['004-not-ours.bundle', '005-half.bundle.part', 'notes.txt'], 'what was not sent stays');
  t.equal(rows('replies'), 2);
  t.equal(rows('desk_events'), 3);
  let inboxA = await inboxContents(t, join(usbA, 'inbox'));
  t.same(inboxA.tips, [tipId]);
  t.same(inboxA.replies.sort(), [reply.id, mixedReply.id].sort(), "the replies (the desk's copies), under the ids the desk chose");
  t.same(inboxA.events.sort(), [...e1.map((e) => e.id), mixedEvent.id].sort());
  t.same(inboxA.chunks, [`${upload}:0`], 'the attachment is in the bundle');
  const state = readFileSync(join(usbA, 'sync-state.json'), 'utf8');
  t.notMatch(state, /station|ballot|envelope/, 'the state holds ids, a day and file names only');

  // Again: nothing new, nothing resent.
  const second = await sync(usbA);
  t.equal(second.code, 1);
  t.match(second.stdout, /sent 0 outbox files, 1 refused[\s\S]*nothing new to fetch\n$/);
  t.equal((await inboxContents(t, join(usbA, 'inbox'))).bundles, 2, 'no new bundle');

  // Desk B, a fresh USB folder: everything the server holds (tip, attachment, every event).
  const usbB = p('usb-b');
  mkdirSync(usbB);
  const firstB = await sync(usbB);
  t.equal(firstB.code, 0, firstB.stderr);
  t.match(firstB.stdout, /^sent 0 outbox files\nfetched 1 new record with 1 attachment, 2 replies and 3 desk event records into/);
  const inboxB = await inboxContents(t, join(usbB, 'inbox'));
  t.same(inboxB.tips, [tipId]);
  t.same(inboxB.replies.sort(), inboxA.replies.sort(), "B gets A's replies");
  t.same(inboxB.events.sort(), inboxA.events.sort());

  // A file the server confirmed but sync did not move (killed in between): sent again, stored once.
  copyFileSync(join(usbA, 'sent', '002-events.bundle'), join(usbA, 'outbox', '002-events.bundle'));
  copyFileSync(join(usbA, 'sent', '001-reply.bundle'), join(usbA, 'outbox', '001-reply.bundle'));
  const resent = await sync(usbA);
  t.match(resent.stderr, /confirmed: 1 reply and 2 desk event records; moved to sent\/: 2-001-reply\.bundle, 2-002-events\.bundle\n/);
  t.equal(rows('replies'), 2, 'the resent reply is stored once');
  t.equal(rows('desk_events'), 3, 'the resent events are stored once');

  // B acknowledges the tip (signed on its air-gapped machine) and labels something.
  mkdirSync(join(usbB, 'outbox'), { recursive: true });
  writeFileSync(join(usbB, 'outbox', 'import.ack'), fromUtf8(await signAck([tipId], addDays(utcDate(), 3), b)) + '\n');
  const e2 = await eventRecord(b, editors, 'verified-by-b');
  await writeBundle(join(usbB, 'outbox', 'b-events.bundle'), [{ event: e2 }]);
  // And a reply to a mailbox retention removed meanwhile: its batch is refused, then each file is sent alone.
  const gone = await newSource();
  const stale = await replyTo(gone, 'too late', b);
  await writeBundle(join(usbB, 'outbox', 'b-reply.bundle'), [stale]);
  const secondB = await sync(usbB);
  t.equal(secondB.code, 1, 'one file refused');
  t.match(
    secondB.stderr,
    /uploading 2 outbox bundles: outbox\/b-events\.bundle, outbox\/b-reply\.bundle\nrefused together \(the server refused: there is no mailbox [0-9a-f]{32} on this server .*; nothing was stored \(HTTP 404\)\): sending them one by one\nconfirmed: 1 desk event record; moved to sent\/: b-events\.bundle\nnot sent: outbox\/b-reply\.bundle: the server refused: there is no mailbox/,
  );
  t.match(secondB.stderr, /confirmed: acknowledgement of 1 record \(1 newly acknowledged\); moved to sent\/: import\.ack/);
  t.same(readdirSync(join(usbB, 'outbox')), ['b-reply.bundle'], 'the refused reply stays in the outbox');
  unlinkSync(join(usbB, 'outbox', 'b-reply.bundle'));
  t.match(secondB.stdout, /fetched 0 new records, 0 replies and 1 desk event record into/, 'B gets back its own event, and only that');
  t.ok(db.prepare('SELECT acked_on FROM tips WHERE id = ?').pluck().get(tipId), 'the tip is acknowledged');

  // A third desk that syncs only now still gets the tip B acknowledged: one desk's
  // acknowledgement hides nothing from the others (it only shortens retention).
  const usbC = p('usb-c');
  mkdirSync(usbC);
  const firstC = await sync(usbC);
  t.equal(firstC.code, 0, firstC.stderr);
  const inboxC = await inboxContents(t, join(usbC, 'inbox'));
  t.same(inboxC.tips, [tipId], 'C gets the acknowledged tip');
  t.same(inboxC.chunks, [`${upload}:0`], 'with its attachment');
  t.equal(inboxC.events.length, 4);

  // SIGKILL during uploads and during the fetch: the next sync completes, nothing twice on the server.
  unlinkSync(join(usbA, 'outbox', '004-not-ours.bundle'));
  const more = [];
  for (let i = 0; i < 6; i++) {
    const event = await eventRecord(a, editors, `batch-${i}`);
    more.push(event);
    await writeBundle(join(usbA, 'outbox', `1${i}-events.bundle`), [{ event }]);
  }
  await postTip(
    server.url,
    await sealEnvelope({ kind: 'tip', recipients: editors.map((k) => k.publicKey), body: encodeBody({ v: 1, message: 'a second tip', clientTime: new Date().toISOString() }) }),
  );
  for (const trigger of [/uploading 6 outbox bundles/, /fetching desk events/]) {
    const killed = await killedAt(usbA, server.url, p('fetch.key'), trigger);
    t.ok(killed, `killed at ${trigger}`);
  }
  const after = await sync(usbA);
  t.equal(after.code, 0, after.stderr);
  t.same(readdirSync(join(usbA, 'outbox')).sort(), ['005-half.bundle.part', 'notes.txt'], 'every outbox bundle was sent');
  t.equal(rows('desk_events'), 3 + 1 + 6, 'each event stored once');
  inboxA = await inboxContents(t, join(usbA, 'inbox'));
  const allEvents = db.prepare('SELECT id FROM desk_events').pluck().all() as string[];
  t.same([...new Set(inboxA.events)].sort(), [...allEvents].sort(), 'every event on the server reached the inbox');
  t.same([...new Set(inboxA.tips)].sort(), (db.prepare('SELECT id FROM tips').pluck().all() as string[]).sort(), 'and every tip');
  t.same([...new Set(inboxA.replies)].sort(), (db.prepare('SELECT id FROM replies').pluck().all() as string[]).sort(), 'and every reply');
  t.same(
    readdirSync(usbA).filter((n) => n.endsWith('.part')),
    [],
    'no half-written state',
  );
  const last = await sync(usbA);
  t.match(last.stdout, /nothing new to fetch/);
});

/** Runs `editor sync` and SIGKILLs it as soon as its progress output matches `trigger`; true if it was killed. */
function killedAt(usb: string, server: string, key: string, trigger: RegExp): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/editor.ts', 'sync', '--server', server, '--key', key, '--dir', usb], {
      cwd: ROOT,
      env: childEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
      if (trigger.test(err)) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('exit', (_code, signal) => resolve(signal === 'SIGKILL'));
  });
}

t.test('editor sync: bad input gives one clear line and a non-zero exit, and changes nothing', async (t) => {
  const dir = tempDir(t);
  const fetchKey = await newFetchKey();
  writeFileSync(join(dir, 'fetch.key'), fetchKey.text, { mode: 0o600 });
  // Nothing listens here: every case below must be decided before any request.
  const args = (usb: string) => ['sync', '--server', 'http://127.0.0.1:9', '--key', join(dir, 'fetch.key'), '--dir', usb];
  const usage = await runScript('editor', ['sync', '--server', 'http://127.0.0.1:9', '--key', join(dir, 'fetch.key')]);
  t.equal(usage.code, 2, 'no --dir: usage');
  t.match(usage.stderr, /sync +--server <url> --key <fetch key> --dir <usb folder>/);
  const missing = await runScript('editor', args(join(dir, 'no-such-usb')));
  t.equal(missing.code, 1);
  t.equal(missing.stderr, `tipline editor: --dir ${join(dir, 'no-such-usb')} is not a folder (the USB stick's desk folder)\n`);
  const usb = join(dir, 'usb');
  mkdirSync(join(usb, 'outbox'), { recursive: true });
  writeFileSync(join(usb, 'outbox', 'r.bundle'), 'queued');
  for (const state of [
    '{"version":1',
    '{"version":2,"pending":null,"records":{},"replies":{"since":null,"seen":{}},"events":{"since":null,"seen":{}}}',
    '{"version":1,"pending":"../../etc/passwd","records":{},"replies":{"since":null,"seen":{}},"events":{"since":null,"seen":{}}}',
  ]) {
    writeFileSync(join(usb, 'sync-state.json'), state);
    const bad = await runScript('editor', args(usb));
    t.equal(bad.code, 1, state);
    t.match(bad.stderr, /^tipline editor: .*sync-state\.json is not a sync state this tool wrote: remove it \(the next sync then fetches every record and event the server still holds\)\n$/, state);
    t.same(readdirSync(join(usb, 'outbox')), ['r.bundle'], 'the outbox is untouched');
    t.same(readdirSync(join(usb, 'sent')), [], 'nothing sent');
  }
  // Not a bundle in the outbox, and a server that cannot be reached: the file is named and stays,
  // the fetch fails with one line, and no state is written.
  unlinkSync(join(usb, 'sync-state.json'));
  const unreachable = await runScript('editor', args(usb));
  t.equal(unreachable.code, 1);
  t.match(
    unreachable.stderr,
    /^not sent: outbox\/r\.bundle: the bundle is empty or cut short \(it must end with a line end\)\nfetching every record the server holds\ntipline editor: cannot reach http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\)\n$/,
  );
  t.same(readdirSync(join(usb, 'outbox')), ['r.bundle']);
  t.same(readdirSync(usb).sort(), ['inbox', 'outbox', 'sent']);
});

t.test('editor sync: killed while it fetches an attachment, the next sync continues it from the spool', async (t) => {
  const dir = tempDir(t);
  const p = (...names: string[]) => join(dir, ...names);
  const editors = await editorKeys(1);
  const { server } = await syncServer(t, dir, editors);

  // A tip with a three-chunk attachment.
  const fileKey = generateFileKey();
  const chunks = await encryptFile(fileKey, pattern(2 * FILE_CHUNK_SIZE + 1000, 5));
  const last = chunks.at(-1)!.length;
  const created = await fetch(`${server.url}/api/uploads`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ chunks: 3, lastChunkBytes: last, pow: await solvedPow(server.url, uploadPowText(3, last)) }),
  });
  const { upload } = (await created.json()) as { upload: string };
  for (const [i, chunk] of chunks.entries()) {
    t.equal((await fetch(`${server.url}/api/uploads/${upload}/chunks/${i}`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from(chunk) })).status, 204);
  }
  const ref: FileRef = { upload, name: 'video.mp4', type: 'video/mp4', size: 2 * FILE_CHUNK_SIZE + 1000, key: toBase64Url(fileKey), cipher: FILE_CIPHER, chunkSize: FILE_CHUNK_SIZE };
  const envelope = toBase64Url(
    await sealEnvelope({ kind: 'tip', recipients: editors.map((k) => k.publicKey), body: encodeBody({ v: 1, message: 'a video', clientTime: new Date().toISOString(), files: [ref] }) }),
  );
  t.equal(
    (
      await fetch(`${server.url}/api/tips`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ envelope, pow: await solvedPow(server.url, envelope), uploads: [upload] }),
      })
    ).status,
    201,
  );

  // A relay that passes 1.5 MiB of the attachment and then holds the connection open, silent.
  const target = new URL(server.url);
  const sockets = new Set<Socket>();
  const relay = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    let budget = Infinity;
    client.on('data', (data) => {
      if (data.toString('latin1').startsWith('GET /api/editor/uploads/')) budget = 1_500_000;
      upstream.write(data);
    });
    upstream.on('data', (data: Buffer) => {
      if (budget <= 0) return;
      client.write(budget >= data.length ? data : data.subarray(0, budget));
      budget -= data.length;
    });
    for (const s of [client, upstream]) s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    relay.close();
  });
  const relayUrl = `http://127.0.0.1:${(relay.address() as { port: number }).port}`;

  // Killed once the spool holds the first chunk (a condition on the disk, not a delay).
  const usb = p('usb');
  mkdirSync(usb);
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/editor.ts', 'sync', '--server', relayUrl, '--key', p('fetch.key'), '--dir', usb], { cwd: ROOT, env: childEnv(), stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  let spool = '';
  for (;;) {
    if (child.exitCode !== null) break;
    try {
      const pending = (JSON.parse(readFileSync(join(usb, 'sync-state.json'), 'utf8')) as { pending: string | null }).pending;
      spool = join(usb, 'inbox', `.${pending}.fetching`, upload);
      if (pending && statSync(spool).size >= FILE_CHUNK_CIPHERTEXT_BYTES) break;
    } catch {
      // not there yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill('SIGKILL');
  t.equal(await exited, 'SIGKILL', 'killed in the middle of the attachment');
  t.same(
    readdirSync(join(usb, 'inbox')).filter((n) => !n.startsWith('.')),
    [],
    'no bundle yet',
  );

  const resumed = await runScript('editor', ['sync', '--server', server.url, '--key', p('fetch.key'), '--dir', usb]);
  t.equal(resumed.code, 0, resumed.stderr);
  t.match(resumed.stderr, /fetching attachment 1 of 1 \(2\.1 MiB of ciphertext, 1\.0 MiB already fetched by an earlier run\)/);
  t.same(
    readdirSync(join(usb, 'inbox')).filter((n) => n.startsWith('.')),
    [],
    'the spool is gone',
  );
  const [bundle] = readdirSync(join(usb, 'inbox'));
  const v = await verifyBundle(join(usb, 'inbox', bundle!));
  t.same(v.problems, []);
  const got: Buffer[] = [];
  for await (const item of readVerifiedRecords(join(usb, 'inbox', bundle!), v)) if (item.kind === 'chunk') got.push(Buffer.from(item.chunk.data));
  t.same(
    got.map((c) => c.toString('hex')),
    chunks.map((c) => Buffer.from(c).toString('hex')),
    'every chunk byte for byte, in order',
  );
});
