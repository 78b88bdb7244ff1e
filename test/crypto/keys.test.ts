// Editor keys: public key lines, the recipients file, fingerprints, receipts.
import t from 'tap';
import { toBase64Url } from '../../src/crypto/bytes.js';
import { PUBLIC_KEY_PREFIX, XWING_PUBLIC_KEY_BYTES, decodePublicKey, editorKeyPairFromSeed, encodePublicKey, fingerprint, generateEditorKeyPair, parseRecipients } from '../../src/crypto/keys.js';
import { receiptFor } from '../../src/crypto/receipt.js';

const [a, b] = await Promise.all([generateEditorKeyPair(), generateEditorKeyPair()]);
const lineA = encodePublicKey(a!);
const lineB = encodePublicKey(b!);

t.test('key pairs', async (t) => {
  t.equal(a!.publicKey.length, XWING_PUBLIC_KEY_BYTES);
  t.equal(a!.seed.length, 32);
  t.notSame(a!.seed, b!.seed, 'fresh seeds');
  const again = await editorKeyPairFromSeed(a!.seed);
  t.same(again.publicKey, a!.publicKey, 'the public key follows from the seed');
  t.not(again.seed, a!.seed, 'the pair holds its own copy of the seed');
  await t.rejects(editorKeyPairFromSeed(new Uint8Array(31)), /32 bytes/);
  t.same(again.signPublicKey, a!.signPublicKey, 'the signing key follows from the seed');
  t.notSame(a!.signPublicKey, b!.signPublicKey);
  t.throws(() => encodePublicKey({ publicKey: new Uint8Array(1215), signPublicKey: a!.signPublicKey }), /1216 bytes/);
  t.throws(() => encodePublicKey({ publicKey: a!.publicKey, signPublicKey: new Uint8Array(31) }), /32 bytes/);
});

t.test('public key lines', async (t) => {
  t.ok(lineA.startsWith(PUBLIC_KEY_PREFIX));
  t.equal(lineA.length, PUBLIC_KEY_PREFIX.length + 1664);
  t.same(decodePublicKey(lineA), { publicKey: a!.publicKey, signPublicKey: a!.signPublicKey });
  t.same(decodePublicKey(`  ${lineA}\r\n`).publicKey, a!.publicKey, 'surrounding whitespace is ignored');
  t.throws(() => decodePublicKey(lineA.slice(PUBLIC_KEY_PREFIX.length)), /starts with "tipline-editor-2:"/);
  t.throws(() => decodePublicKey('tipline-editor-1:' + toBase64Url(a!.publicKey)), /old one-key editor line .*keygen -- --public --key/, 'an old one-key line is refused with the way out');
  t.throws(() => decodePublicKey('tipline-editor-3:' + lineA.slice(PUBLIC_KEY_PREFIX.length)), /starts with/);
  const named = encodePublicKey({ ...a!, name: 'Айгуль, desk' });
  t.equal(decodePublicKey(named).name, 'Айгуль, desk', 'a display name travels in the line');
  t.equal(await fingerprint(decodePublicKey(named)), await fingerprint(a!), 'the fingerprint covers the keys, not the name');
  t.throws(() => encodePublicKey({ ...a!, name: 'bad\u202ename' }), /editor name/);
  t.throws(() => decodePublicKey(`${lineA}:${toBase64Url(new Uint8Array([0xff]))}`), /not base64url of UTF-8/);
  t.throws(() => decodePublicKey(lineA + '='), /not valid base64url/, 'padding is refused');
  t.throws(() => decodePublicKey(PUBLIC_KEY_PREFIX + '+' + lineA.slice(PUBLIC_KEY_PREFIX.length + 1)), /not valid base64url/, 'the standard alphabet is refused');
  t.throws(() => decodePublicKey(PUBLIC_KEY_PREFIX + toBase64Url(new Uint8Array(1215))), /1215 bytes, expected 1248/);
  t.throws(() => decodePublicKey(PUBLIC_KEY_PREFIX + toBase64Url(new Uint8Array(1249))), /1249 bytes, expected 1248/);
  t.throws(() => decodePublicKey(PUBLIC_KEY_PREFIX), /0 bytes/);
});

t.test('recipients file: comments, blank lines, order', async (t) => {
  const text = ['# Tipline editors', '', `${lineA} # Aylar, desk`, '   ', `  ${lineB}`, '#' + lineA, ''].join('\r\n');
  const keys = parseRecipients(text);
  t.equal(keys.length, 2);
  t.same(keys[0]!.publicKey, a!.publicKey, 'in file order');
  t.same(keys[1]!.signPublicKey, b!.signPublicKey);
  t.same(parseRecipients(''), [], 'an empty file has no keys (the server decides what that means)');
  t.same(parseRecipients('# only a comment\n'), []);
});

t.test('recipients file: errors name the line', async (t) => {
  t.throws(() => parseRecipients(`${lineA}\n${lineB}\n${lineA}\n`), { message: 'line 3: the same key is listed twice' });
  t.throws(() => parseRecipients(`# c\n\n${lineA.slice(0, PUBLIC_KEY_PREFIX.length + 80)}\n`), { message: 'line 3: the editor public key is 60 bytes, expected 1248' });
  t.throws(() => parseRecipients(`${lineA}\nnot a key\n`), { message: /^line 2: an editor public key starts with/ });
  t.throws(() => parseRecipients(`${lineA}#comment without a space\n`), { message: /^line 1: the editor public key is not valid base64url$/ });
});

t.test('fingerprints and receipts', async (t) => {
  const fp = await fingerprint(a!);
  t.match(fp, /^[0-9A-F]{4}( [0-9A-F]{4}){7}$/);
  t.equal(await fingerprint(a!), fp, 'stable');
  t.not(await fingerprint(b!), fp, 'differs between keys');
  t.not(await fingerprint({ publicKey: a!.publicKey, signPublicKey: b!.signPublicKey }), fp, 'covers the signing key too');
  const receipt = await receiptFor(Uint8Array.of(1, 2, 3));
  t.match(receipt, /^[0-9A-F]{4}(-[0-9A-F]{4}){3}$/);
  t.not(await receiptFor(Uint8Array.of(1, 2, 4)), receipt);
});
