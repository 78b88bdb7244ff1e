// A desk export for a colleague (docs/BUNDLE.md, "Seed record"): the vector rebuilt byte by byte
// from the document's rules with libsodium's primitives (the envelope has its own vectors), the
// library's writer checked against it, and the vector file imported by a real desk of the colleague.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { concat, fromHex, fromUtf8, toBase64Url, toHex, utf8, writeU32 } from '../../src/crypto/bytes.js';
import { bundleLines, parseBundleStrict } from '../../src/crypto/bundle.js';
import { sealEnvelope } from '../../src/crypto/envelope.js';
import { editorKeyPairFromSeed, encodePublicKey, fingerprint } from '../../src/crypto/keys.js';
import { loadSodium } from '../../src/crypto/sodium.js';
import { openDesk } from '../../src/desk/desk.js';
import { seedItems } from '../../src/desk/seed.js';
import { decryptBundle } from '../../src/offline/decrypt.js';
import { ROOT } from '../helpers/client-build.js';
import { tempDir } from '../helpers/fixtures.js';

const sodium = await loadSodium();
const v = JSON.parse(readFileSync(join(ROOT, 'test/vectors/desk-seed-v1.json'), 'utf8'));
const i = v.inputs;
const exporter = await editorKeyPairFromSeed(fromHex(i.exporterSeed));
const colleague = await editorKeyPairFromSeed(fromHex(i.colleagueSeed));

t.test("the vector rebuilt from the document's rules", async (t) => {
  t.equal(await fingerprint(colleague), i.colleagueId, "`for` is the colleague's fingerprint");
  const head = `{"v":1,"export":"${i.exportId}"`;
  const f = i.file;
  const parts: { json: string; data: Uint8Array }[] = [
    {
      json: `${head},"t":"item","item":${JSON.stringify(i.item)},"files":[{"n":${f.n},"name":${JSON.stringify(f.name)},"type":${JSON.stringify(f.type)},"size":${f.size},"complete":true,"pieces":1}]}`,
      data: new Uint8Array(0),
    },
    { json: `${head},"t":"piece","tip":"${i.item.id}","n":1,"i":0}`, data: fromHex(f.data) },
    { json: `${head},"t":"events","records":${JSON.stringify(i.events)}}`, data: new Uint8Array(0) },
  ];
  const lines: string[] = [];
  const hashes: Uint8Array[] = [];
  const seal = async (k: number, body: Uint8Array) => {
    // body = u32be(len(json)) || json || data, sealed (kind 0x05) to the colleague alone.
    const envelope = await sealEnvelope(
      { kind: 'deskSeed', recipients: [colleague.publicKey], body },
      { contentKey: fromHex(i.contentKeys[k]), encapsulationSeeds: [fromHex(i.encapsulationSeeds[k])] },
    );
    t.equal(envelope[1], 5, 'kind byte 0x05');
    const line = `{"type":"seed","id":"${i.lineIds[k]}","received":"${i.created}","envelope":"${toBase64Url(envelope)}"}`;
    lines.push(line);
    hashes.push(sodium.crypto_generichash(32, utf8(line), null));
  };
  for (const [k, p] of parts.entries()) await seal(k, concat(writeU32(utf8(p.json).length), utf8(p.json), p.data));
  const hash = toHex(sodium.crypto_generichash(32, concat(...hashes), null));
  const signKey = sodium.crypto_sign_seed_keypair(sodium.crypto_generichash(32, utf8('tipline editor v1 sign'), fromHex(i.exporterSeed)));
  const unsigned = `${head},"t":"seal","from":"${toBase64Url(signKey.publicKey)}","for":"${i.colleagueId}","created":"${i.created}","count":3,"hash":"${hash}"}`;
  const signature = sodium.crypto_sign_detached(concat(utf8('tipline desk seed v1'), Uint8Array.of(0), utf8(unsigned)), signKey.privateKey);
  const signed = utf8(`${unsigned.slice(0, -1)},"signature":"${toBase64Url(signature)}"}`);
  await seal(3, concat(writeU32(signed.length), signed));
  const manifest = `{"type":"manifest","count":4,"hash":"blake2b-256","records":[${hashes.map((h, k) => `{"id":"${i.lineIds[k]}","hash":"${toHex(h)}"}`).join(',')}]}`;
  const expected = [`{"format":"tipline-bundle","version":1,"created":"${i.created}"}`, ...lines, manifest];
  t.same(v.lines, expected, 'every line of the vector');
  const text = utf8(expected.map((l) => `${l}\n`).join(''));
  t.equal(text.length, v.fileLength);
  t.equal(toHex(sodium.crypto_generichash(32, text, null)), v.fileHash);

  // The library writes the same bytes from the same inputs.
  let k = 0;
  let s = 0;
  const written = seedItems(
    sodium,
    { items: [{ item: i.item, files: [{ ...f, bytes: () => [fromHex(f.data)] }] }], events: i.events },
    {
      exportId: i.exportId,
      created: i.created,
      recipient: { publicKey: colleague.publicKey, id: i.colleagueId },
      signer: exporter,
      fixed: { id: () => i.lineIds[k++], seal: () => ({ contentKey: fromHex(i.contentKeys[s]), encapsulationSeeds: [fromHex(i.encapsulationSeeds[s++])] }) },
    },
  );
  t.same([...bundleLines(sodium, written, i.created)], expected, 'src/desk/seed.ts writes the vector');

  // The document shows the seal, H and the file's hash.
  const doc = readFileSync(join(ROOT, 'docs/BUNDLE.md'), 'utf8');
  t.ok(doc.includes(unsigned), 'BUNDLE.md shows the unsigned seal');
  t.ok(doc.includes(toHex(signature).slice(0, 64)), 'and its signature');
  t.ok(doc.includes(v.fileHash), "and the file's hash");
  t.equal(fromUtf8(signed).length, unsigned.length + 101, 'the signature member adds 101 bytes');
  // Carried by hand only: the server's strict reader (every upload) refuses it.
  await t.rejects(parseBundleStrict(text, { events: true, files: true }), /carried by hand, never uploaded/);
});

t.test("the vector imported by the colleague's real desk", async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'usb', 'inbox'), { recursive: true });
  writeFileSync(join(dir, 'usb', 'inbox', 'desk-export.bundle'), v.lines.map((l: string) => `${l}\n`).join(''));
  const recipients = `${encodePublicKey({ ...exporter, name: 'Exporter' })}\n${encodePublicKey({ ...colleague, name: 'Colleague' })}\n`;
  const desk = await openDesk({ key: colleague, recipients, usb: join(dir, 'usb'), deskDir: join(dir, 'desk'), exportDir: join(dir, 'export') });
  t.teardown(() => desk.close());
  const p = await desk.importInbox();
  t.same(p.refused, []);
  t.match(p, { records: 2, imported: 2 });
  const thread = desk.thread(i.item.id)!;
  t.same(thread.labels, ['вброс']);
  const tip = thread.items[0]!;
  t.match(tip, { kind: 'tip', message: i.item.body.message, seeded: { from: await fingerprint(exporter), date: i.created } });
  const files = tip.kind === 'tip' ? tip.files : [];
  t.equal(readFileSync(await desk.exportFile(files[0]!.id), 'utf8'), 'hello');
  // The command-line decrypt does not read it, and says where it goes.
  const summary = await decryptBundle({ bundlePath: join(dir, 'usb', 'inbox', 'desk-export.bundle'), outDir: join(dir, 'decrypted'), key: colleague });
  t.same(summary.decrypted, []);
  t.match(summary.skipped, [{ reason: /desk export for a colleague: decrypt does not read it; put it in the inbox\/ folder/ }]);
});
