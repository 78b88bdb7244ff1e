// Writes test/vectors/desk-seed-v1.json: a desk export for a colleague (docs/BUNDLE.md, "Seed
// record") made from fixed inputs: one tip with a five-byte file, one desk event record, the
// seal. Run once and commit (`tsx scripts/make-desk-seed-vectors.ts`); test/crypto/desk-seed.test.ts
// rebuilds every byte from the document's rules and libsodium's primitives.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleLines } from '../src/crypto/bundle.js';
import { fromHex, fromUtf8, toBase64Url, toHex, utf8 } from '../src/crypto/bytes.js';
import { signDeskEvent } from '../src/crypto/desk-event.js';
import { editorKeyPairFromSeed, fingerprint } from '../src/crypto/keys.js';
import { loadSodium } from '../src/crypto/sodium.js';
import { seedItems, type SeedItem } from '../src/desk/seed.js';

const sodium = await loadSodium();
const exporter = await editorKeyPairFromSeed(new Uint8Array(32).fill(1));
const colleague = await editorKeyPairFromSeed(new Uint8Array(32).fill(2));
const tip = 'a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5';
const file = utf8('hello');
const item: SeedItem = {
  id: tip,
  kind: 'tip',
  received: '2026-11-20',
  thread: tip,
  receipt: 'K7QX-2M9P-WD4R-H8TN',
  eh: 'ee'.repeat(32),
  body: {
    v: 1,
    message: 'Участок 7: вброс.',
    clientTime: '2026-11-20T08:00:00.000Z',
    files: [
      {
        upload: 'YW4gdXBsb2FkIGlkOiAzMiByYW5kb20gYnl0ZXMgISE',
        name: 'note.txt',
        type: 'text/plain',
        size: file.length,
        key: toBase64Url(new Uint8Array(32).fill(7)),
        cipher: 'aes-256-gcm-chunked-1',
        chunkSize: 1048576,
      },
    ],
  },
};
const event = await signDeskEvent(
  { v: 1, id: '00112233445566778899aabbccddeeff', editor: toBase64Url(exporter.signPublicKey), thread: tip, hlc: { ms: 1764489600000, c: 0 }, change: { kind: 'label', label: 'вброс', on: true } },
  exporter,
);
const inputs = {
  exporterSeed: '01'.repeat(32),
  colleagueSeed: '02'.repeat(32),
  colleagueId: await fingerprint(colleague),
  exportId: '5eed'.repeat(8),
  created: '2026-11-30',
  item,
  file: { n: 1, name: 'note.txt', type: 'text/plain', size: file.length, complete: true, data: toHex(file) },
  events: [{ id: 'e0d1c2b3a4958677685a4b3c2d1e0f01', received: '2026-11-21', lines: [fromUtf8(event)] }],
  lineIds: [1, 2, 3, 4].map((n) => n.toString(16).padStart(32, '0')),
  contentKeys: [0x50, 0x51, 0x52, 0x53].map((b) => toHex(new Uint8Array(32).fill(b))),
  encapsulationSeeds: [0x60, 0x61, 0x62, 0x63].map((b) => toHex(new Uint8Array(64).fill(b))),
};
let k = 0;
let s = 0;
const items = seedItems(
  sodium,
  { items: [{ item, files: [{ ...inputs.file, bytes: () => [file] }] }], events: inputs.events },
  {
    exportId: inputs.exportId,
    created: inputs.created,
    recipient: { publicKey: colleague.publicKey, id: inputs.colleagueId },
    signer: exporter,
    fixed: {
      id: () => inputs.lineIds[k++]!,
      seal: () => ({ contentKey: fromHex(inputs.contentKeys[s]!), encapsulationSeeds: [fromHex(inputs.encapsulationSeeds[s++]!)] }),
    },
  },
);
const lines = [...bundleLines(sodium, items, inputs.created)];
const text = utf8(lines.map((l) => `${l}\n`).join(''));
const vectors = {
  comment: 'Tipline desk export (seed) v1 vector (docs/BUNDLE.md, "Seed record"). Written by scripts/make-desk-seed-vectors.ts, checked by test/crypto/desk-seed.test.ts.',
  inputs,
  lines,
  fileLength: text.length,
  fileHash: toHex(sodium.crypto_generichash(32, text, null)),
};
const out = join(import.meta.dirname, '..', 'test', 'vectors', 'desk-seed-v1.json');
writeFileSync(out, JSON.stringify(vectors, null, 2) + '\n');
process.stdout.write(`wrote ${out}\n`);
