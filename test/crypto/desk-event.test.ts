// Desk events (docs/PROTOCOL.md, "Desk events"): the vectors rebuilt from the document's inputs
// with libsodium's primitives, and every refusal performed as an attack: a forged signature, an
// unknown signer, a server-side alteration of the ciphertext, a replay, malformed statements.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { concat, fromHex, fromUtf8, toBase64Url, toHex, utf8 } from '../../src/crypto/bytes.js';
import { compareEvents, encodeDeskEvent, newEventId, observeHlc, openDeskEvents, replayVerdict, sealDeskEvents, signDeskEvent, tickHlc, type DeskEvent } from '../../src/crypto/desk-event.js';
import { sealEnvelope } from '../../src/crypto/envelope.js';
import { editorKeyPairFromSeed, generateEditorKeyPair } from '../../src/crypto/keys.js';
import { signJson } from '../../src/crypto/signing.js';
import { loadSodium } from '../../src/crypto/sodium.js';
import { ROOT } from '../helpers/client-build.js';

const sodium = await loadSodium();
const v = JSON.parse(readFileSync(join(ROOT, 'test/vectors/desk-event-v1.json'), 'utf8'));

t.test("vectors: each event rebuilt from the document's inputs with the primitives", async (t) => {
  const seed = fromHex(v.editor.seed);
  const signSeed = sodium.crypto_generichash(32, utf8('tipline editor v1 sign'), seed);
  const pair = sodium.crypto_sign_seed_keypair(signSeed);
  t.equal(toHex(pair.publicKey), v.editor.signPublicKey);
  const lines: Uint8Array[] = [];
  for (const e of v.events) {
    const i = e.input;
    // The document's rule: members in order, JSON.stringify's strings, no spaces.
    const change =
      i.change.kind === 'status'
        ? `{"kind":"status","status":${JSON.stringify(i.change.status)}${i.change.reason === undefined ? '' : `,"reason":${JSON.stringify(i.change.reason)}`}}`
        : i.change.kind === 'label'
          ? `{"kind":"label","label":${JSON.stringify(i.change.label)},"on":${i.change.on}}`
          : `{"kind":"note","text":${JSON.stringify(i.change.text)}}`;
    const unsigned = `{"v":1,"id":"${i.id}","editor":"${toBase64Url(pair.publicKey)}","thread":"${i.thread}","hlc":{"ms":${i.hlc.ms},"c":${i.hlc.c}},"change":${change}}`;
    t.equal(unsigned, e.unsigned, `event ${i.id}: the unsigned text`);
    t.equal(fromUtf8(encodeDeskEvent(i)), unsigned, 'the library writes the same bytes');
    const message = concat(utf8('tipline desk event v1'), Uint8Array.of(0), utf8(unsigned));
    t.equal(toHex(message), e.message, 'message = context || 00 || unsigned');
    const signature = sodium.crypto_sign_detached(message, pair.privateKey);
    t.equal(toHex(signature), e.signature, 'Ed25519 signature');
    const signed = unsigned.slice(0, -1) + ',"signature":"' + toBase64Url(signature) + '"}';
    t.equal(signed, e.signed, 'signed = unsigned without "}" || ,"signature":"…"}');
    t.equal(fromUtf8(await signDeskEvent(i, await editorKeyPairFromSeed(seed))), signed, 'the library signs the same');
    lines.push(utf8(signed + '\n'));
  }
  const body = concat(...lines);
  t.equal(toHex(body), v.body, 'body = every signed event followed by 0a');
  t.equal(body.length, v.bodyLength);
  // The envelope is the envelope format's (its own vectors check it), with kind 0x04.
  const editor = await editorKeyPairFromSeed(seed);
  const envelope = await sealEnvelope({ kind: 'deskEvent', recipients: [editor.publicKey], body }, { contentKey: fromHex(v.contentKey), encapsulationSeeds: [fromHex(v.encapsulationSeed)] });
  t.equal(toHex(envelope), v.envelope, 'the sealed envelope');
  t.equal(envelope[1], 4, 'kind byte 0x04');
  t.equal(envelope.length, v.envelopeLength);
  t.equal(toHex(sodium.crypto_generichash(32, envelope, null)), v.envelopeHash);
  const opened = await openDeskEvents(envelope, seed, [editor.signPublicKey]);
  t.ok(opened.ok);
  if (opened.ok) {
    t.same(
      opened.events.map((e) => e.event),
      v.events.map((e: { input: DeskEvent }) => e.input),
      'opens to the inputs',
    );
    t.same(opened.refused, []);
  }
});

t.test('vectors: the block in docs/PROTOCOL.md matches the file', async (t) => {
  const doc = readFileSync(join(ROOT, 'docs/PROTOCOL.md'), 'utf8');
  const block = /<!-- desk-event-vector begin -->\s*```text\n([\s\S]*?)```\s*<!-- desk-event-vector end -->/.exec(doc)?.[1] ?? '';
  const flat = block.replace(/\n(?=[0-9a-f]{64}\n|[0-9a-f]{64}$)/g, '');
  t.ok(block.length > 0, 'the block is there');
  for (const value of [
    v.editor.seed,
    v.editor.signPublicKey,
    ...v.events.flatMap((e: { unsigned: string; signature: string }) => [e.unsigned, e.signature]),
    v.contentKey,
    v.envelopeHash,
    String(v.envelopeLength),
    String(v.bodyLength),
  ]) {
    t.ok(flat.includes(value), `PROTOCOL.md shows ${value.slice(0, 24)}…`);
  }
});

const A = await generateEditorKeyPair();
const B = await generateEditorKeyPair();
const outsider = await generateEditorKeyPair();
const roster = [A.signPublicKey, B.signPublicKey];
const recipients = [A.publicKey, B.publicKey];
const thread = 'ab'.repeat(16);
const eventBy = async (who: typeof A, change: DeskEvent['change'], hlc = { ms: 1_764_500_000_000, c: 0 }): Promise<DeskEvent> => ({
  v: 1,
  id: await newEventId(),
  editor: toBase64Url(who.signPublicKey),
  thread,
  hlc,
  change,
});

t.test('an honest record opens for every editor of the roster', async (t) => {
  const e1 = await eventBy(A, { kind: 'label', label: 'Ашхабад', on: true });
  const e2 = await eventBy(A, { kind: 'assign', editor: 'A8C0 931F 38F7 DEF5 06DE D23F B20B DF29' });
  const envelope = await sealDeskEvents([await signDeskEvent(e1, A), await signDeskEvent(e2, A)], recipients);
  for (const who of [A, B]) {
    const opened = await openDeskEvents(envelope, who.seed, roster);
    t.ok(opened.ok && opened.events.length === 2 && opened.refused.length === 0);
  }
  const notMine = await openDeskEvents(envelope, outsider.seed, roster);
  t.notOk(notMine.ok, 'an outsider cannot open it');
});

t.test('attack: a forged event (signature of another statement, or altered after signing) is refused alone', async (t) => {
  const honest = await signDeskEvent(await eventBy(A, { kind: 'status', status: 'verified' }), A);
  const text = fromUtf8(honest);
  // The server (or anyone with the public keys) seals a record where the status was changed after signing.
  const altered = utf8(text.replace('"verified"', '"rejected"'));
  const envelope = await sealDeskEvents([honest, altered], recipients);
  const opened = await openDeskEvents(envelope, B.seed, roster);
  t.ok(opened.ok);
  if (!opened.ok) return;
  t.equal(opened.events.length, 1, 'the honest event stays');
  t.equal(opened.refused.length, 1);
  t.match(opened.refused[0]!.reason, /signature is wrong/);
  // A signature made for another purpose (a reply's context) over the same bytes.
  const e = await eventBy(A, { kind: 'star', on: true });
  const otherContext = await signJson('reply', encodeDeskEvent(e), A.signSecretKey);
  const o2 = await openDeskEvents(await sealDeskEvents([otherContext], recipients), B.seed, roster);
  t.ok(o2.ok && o2.events.length === 0 && /signature is wrong/.test(o2.refused[0]!.reason), 'another context does not verify');
});

t.test('attack: an event signed by a key outside the roster is refused', async (t) => {
  const e = await eventBy(outsider, { kind: 'assign', editor: null });
  const opened = await openDeskEvents(await sealDeskEvents([await signDeskEvent(e, outsider)], recipients), A.seed, roster);
  t.ok(opened.ok && opened.events.length === 0);
  if (opened.ok) t.match(opened.refused[0]!.reason, /not in the roster/);
});

t.test('attack: the server alters the ciphertext: the whole record is refused', async (t) => {
  const e = await eventBy(A, { kind: 'note', text: 'secret note' });
  const envelope = await sealDeskEvents([await signDeskEvent(e, A)], recipients);
  for (const at of [envelope.length - 1, envelope.length - 40, 3 + 1168 * 2 + 2]) {
    const altered = Uint8Array.from(envelope);
    altered[at]! ^= 1;
    const opened = await openDeskEvents(altered, B.seed, roster);
    t.notOk(opened.ok, `a flipped bit at ${at} is refused`);
    if (!opened.ok) t.match(opened.reason, /does not open/);
  }
  // A reply envelope holding the same lines is not a desk event record.
  const asReply = await sealEnvelope({ kind: 'reply', recipients, body: utf8(fromUtf8(await signDeskEvent(e, A)) + '\n') });
  t.notOk((await openDeskEvents(asReply, B.seed, roster)).ok, 'another kind is refused');
  // Body that is not lines.
  const notLines = await sealEnvelope({ kind: 'deskEvent', recipients, body: utf8('{"v":1}') });
  t.notOk((await openDeskEvents(notLines, B.seed, roster)).ok);
});

t.test('attack: replays are recognised', async (t) => {
  const e = await eventBy(A, { kind: 'status', status: 'closed' });
  const signed = await signDeskEvent(e, A);
  const opened = await openDeskEvents(await sealDeskEvents([signed, signed], recipients), B.seed, roster);
  t.ok(opened.ok && opened.events.length === 1 && /twice in one record/.test(opened.refused[0]!.reason), 'the same event twice in one record');
  const hash = opened.ok ? opened.events[0]!.hash : '';
  const record1 = 'aa'.repeat(16);
  t.equal(replayVerdict(undefined, record1, hash), 'new');
  t.equal(replayVerdict({ record: record1, hash }, record1, hash), 'already', 'the same record imported again is not a replay');
  t.match(replayVerdict({ record: record1, hash }, 'bb'.repeat(16), hash), { refused: /another record/ }, 'the same event in another record');
  t.match(replayVerdict({ record: record1, hash }, record1, 'ff'.repeat(32)), { refused: /other content/ }, 'the same id with other content');
});

t.test('malformed events are refused: not canonical, unknown members, bad values', async (t) => {
  const good = await eventBy(A, { kind: 'label', label: 'x', on: true });
  const bad: [string, unknown][] = [
    ['control in a label', { ...good, change: { kind: 'label', label: 'a\u0007', on: true } }],
    ['empty label', { ...good, change: { kind: 'label', label: '', on: true } }],
    ['unknown kind', { ...good, change: { kind: 'delete' } }],
    ['extra member', { ...good, change: { kind: 'star', on: true, extra: 1 } }],
    ['bad status', { ...good, change: { kind: 'status', status: 'done' } }],
    ['bad thread', { ...good, thread: 'XYZ' }],
    ['bad hlc', { ...good, hlc: { ms: -1, c: 0 } }],
    ['counter too big', { ...good, hlc: { ms: 1, c: 70000 } }],
    ['bad assignee', { ...good, change: { kind: 'assign', editor: 'someone' } }],
    ['huge note', { ...good, change: { kind: 'note', text: 'x'.repeat(20_001) } }],
  ];
  for (const [what, event] of bad) t.throws(() => encodeDeskEvent(event as DeskEvent), { code: 'malformed' }, what);
  await t.rejects(signDeskEvent({ ...good, editor: toBase64Url(B.signPublicKey) }, A), /another editor/, 'one signs only as oneself');
  // Valid signatures over non-canonical texts (spaces, reordered members) are still refused.
  const canonical = fromUtf8(encodeDeskEvent(good));
  const variants = [canonical.replace('"v":1,', '"v": 1,'), canonical.replace('{"v":1,"id"', '{"id"').replace(`"${good.id}",`, '').replace('"editor"', `"v":1,"id":"${good.id}","editor"`)];
  const lines = await Promise.all(variants.map((text) => signJson('deskEvent', utf8(text), A.signSecretKey)));
  const opened = await openDeskEvents(await sealDeskEvents(lines, recipients), B.seed, roster);
  t.ok(opened.ok && opened.events.length === 0 && opened.refused.length === 2, 'both refused');
});

t.test('HLC: ticks move forward, observation never goes back, the order is total', async (t) => {
  t.same(tickHlc({ ms: 10, c: 3 }, 20), { ms: 20, c: 0 });
  t.same(tickHlc({ ms: 10, c: 3 }, 5), { ms: 10, c: 4 }, 'a clock that went back does not move time back');
  t.same(tickHlc({ ms: 10, c: 0xffff }, 5), { ms: 11, c: 0 });
  t.same(observeHlc({ ms: 10, c: 0 }, { ms: 12, c: 5 }), { ms: 12, c: 5 });
  t.same(observeHlc({ ms: 12, c: 6 }, { ms: 12, c: 5 }), { ms: 12, c: 6 });
  const h = { ms: 5, c: 0 };
  const x = { hlc: h, editor: 'A', id: '1' };
  t.ok(compareEvents(x, { hlc: h, editor: 'B', id: '0' }) < 0, 'editor breaks ties');
  t.ok(compareEvents(x, { hlc: h, editor: 'A', id: '2' }) < 0, 'then the id');
  t.equal(compareEvents(x, { ...x }), 0);
});
