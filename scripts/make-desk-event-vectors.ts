// Writes test/vectors/desk-event-v1.json: the desk events of docs/PROTOCOL.md ("Desk events"),
// signed and sealed from fixed inputs. Run once and commit (`tsx scripts/make-desk-event-vectors.ts`);
// test/crypto/desk-event.test.ts recomputes every value from libsodium's primitives.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromUtf8, toBase64Url, toHex } from '../src/crypto/bytes.js';
import { encodeDeskEventsBody, sealDeskEvents, signDeskEvent, type DeskEvent } from '../src/crypto/desk-event.js';
import { editorKeyPairFromSeed } from '../src/crypto/keys.js';
import { signingMessage, splitSignedJson } from '../src/crypto/signing.js';
import { loadSodium } from '../src/crypto/sodium.js';

const sodium = await loadSodium();
const seed = new Uint8Array(32).fill(1);
const editor = await editorKeyPairFromSeed(seed);
const thread = '0de8a32c626d25c85801382cb5242f35'; // the conversation vector's mailbox
const base = { v: 1 as const, editor: toBase64Url(editor.signPublicKey), thread };
const events: DeskEvent[] = [
  { ...base, id: '00112233445566778899aabbccddeeff', hlc: { ms: 1741600800000, c: 0 }, change: { kind: 'status', status: 'closed' } },
  { ...base, id: '0123456789abcdef0123456789abcdef', hlc: { ms: 1741600800000, c: 1 }, change: { kind: 'status', status: 'in-progress', reason: 'The source wrote again.' } },
  { ...base, id: 'fedcba9876543210fedcba9876543210', hlc: { ms: 1741600801234, c: 0 }, change: { kind: 'label', label: 'Балкан İı', on: true } },
  { ...base, id: 'ffeeddccbbaa99887766554433221100', hlc: { ms: 1741600802000, c: 0 }, change: { kind: 'note', text: 'Called the "observer".\nConfirmed.' } },
];
const signed = await Promise.all(events.map((e) => signDeskEvent(e, editor)));
const contentKey = new Uint8Array(32).fill(0x42);
const encapsulationSeed = new Uint8Array(64).fill(0x43);
const body = encodeDeskEventsBody(signed);
const envelope = await sealDeskEvents(signed, [editor.publicKey], { contentKey, encapsulationSeeds: [encapsulationSeed] });
const vectors = {
  comment: 'Tipline desk event v1 vectors (docs/PROTOCOL.md, "Desk events"). Written by scripts/make-desk-event-vectors.ts, checked by test/crypto/desk-event.test.ts.',
  editor: { seed: toHex(seed), signPublicKey: toHex(editor.signPublicKey), publicKey: toHex(editor.publicKey) },
  events: signed.map((s, i) => {
    const { unsigned, signature } = splitSignedJson(s)!;
    return { input: events[i], unsigned: fromUtf8(unsigned), message: toHex(signingMessage('deskEvent', unsigned)), signature: toHex(signature), signed: fromUtf8(s) };
  }),
  contentKey: toHex(contentKey),
  encapsulationSeed: toHex(encapsulationSeed),
  body: toHex(body),
  bodyLength: body.length,
  envelope: toHex(envelope),
  envelopeLength: envelope.length,
  envelopeHash: toHex(sodium.crypto_generichash(32, envelope, null)),
};
const out = join(import.meta.dirname, '..', 'test', 'vectors', 'desk-event-v1.json');
writeFileSync(out, JSON.stringify(vectors, null, 2) + '\n');
process.stdout.write(`wrote ${out}\n`);
