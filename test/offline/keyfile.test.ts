// Editor key files (docs/PROTOCOL.md, "Editor key file"). The KDF limits here are libsodium's
// minimum so the tests stay fast; the MODERATE default is exercised by test/offline/keygen.test.ts.
import t, { type Test } from 'tap';
import sodium from 'libsodium-wrappers-sumo';
import { concat, fromBase64Url, toBase64Url, utf8 } from '../../src/crypto/bytes.js';
import { encodePublicKey, generateEditorKeyPair } from '../../src/crypto/keys.js';
import { KEY_FILE_TYPE, KeyFileError, decryptKeyFile, defaultKdfLimits, encryptKeyFile, type KeyFile } from '../../src/crypto/keyfile.js';

await sodium.ready;
const LIMITS = { opslimit: sodium.crypto_pwhash_OPSLIMIT_MIN, memlimit: sodium.crypto_pwhash_MEMLIMIT_MIN };
const PASSPHRASE = 'seven horses cross the Amu Darya';
const pair = await generateEditorKeyPair();
const other = await generateEditorKeyPair();
const file = await encryptKeyFile(pair, PASSPHRASE, LIMITS);
const text = JSON.stringify(file);

/** A copy of the key file with `edit` applied, as text. */
function altered(edit: (f: any) => void): string {
  const copy = JSON.parse(text);
  edit(copy);
  return JSON.stringify(copy);
}

async function refused(t: Test, input: string, message: RegExp, what: string, passphrase = PASSPHRASE) {
  try {
    await decryptKeyFile(input, passphrase);
    t.fail(`${what}: accepted`);
  } catch (err) {
    t.ok(err instanceof KeyFileError, `${what}: a KeyFileError`);
    t.match((err as Error).message, message, what);
    t.notMatch((err as Error).message, /\n/, `${what}: one line`);
  }
}

t.test('round trip', async (t) => {
  t.equal(file.type, KEY_FILE_TYPE);
  t.equal(file.version, 1);
  t.equal(file.publicKey, encodePublicKey(pair));
  t.match(file.fingerprint, /^[0-9A-F]{4}( [0-9A-F]{4}){7}$/);
  t.same(file.kdf, { algorithm: 'argon2id13', opslimit: LIMITS.opslimit, memlimit: LIMITS.memlimit, salt: file.kdf.salt });
  t.equal(fromBase64Url(file.kdf.salt)!.length, 16);
  t.equal(fromBase64Url(file.cipher.nonce)!.length, 24);
  t.equal(fromBase64Url(file.cipher.ciphertext)!.length, 48);
  t.notMatch(text, toBase64Url(pair.seed), 'the seed is not in the file in the clear');
  const opened = await decryptKeyFile(text, PASSPHRASE);
  t.same(opened.seed, pair.seed);
  t.same(opened.publicKey, pair.publicKey);
  const again = await encryptKeyFile(pair, PASSPHRASE, LIMITS);
  t.not(again.kdf.salt, file.kdf.salt, 'a fresh salt each time');
  t.not(again.cipher.nonce, file.cipher.nonce, 'a fresh nonce each time');
});

t.test('the default limits are MODERATE', async (t) => {
  t.same(await defaultKdfLimits(), { opslimit: sodium.crypto_pwhash_OPSLIMIT_MODERATE, memlimit: sodium.crypto_pwhash_MEMLIMIT_MODERATE });
  t.ok(sodium.crypto_pwhash_MEMLIMIT_MODERATE >= 256 * 1024 * 1024);
});

t.test('passphrases are compared after NFC normalisation', async (t) => {
  const composed = 'Türkmenbaşy köçesi 12'.normalize('NFC');
  const decomposed = composed.normalize('NFD');
  t.not(composed, decomposed);
  const f = await encryptKeyFile(pair, decomposed, LIMITS);
  t.same((await decryptKeyFile(JSON.stringify(f), composed)).seed, pair.seed);
});

t.test('a wrong passphrase is one clear line', async (t) => {
  await refused(t, text, /^wrong passphrase \(or the key file was altered\)$/, 'wrong passphrase', PASSPHRASE + ' ');
  await refused(t, text, /^wrong passphrase/, 'empty passphrase', '');
  await t.rejects(encryptKeyFile(pair, '', LIMITS), { name: 'KeyFileError', message: /empty/ });
});

t.test('altered files are refused', async (t) => {
  const flipLast = (b64: string) => {
    const bytes = fromBase64Url(b64)!;
    bytes[bytes.length - 1]! ^= 1;
    return toBase64Url(bytes);
  };
  await refused(
    t,
    altered((f) => (f.cipher.ciphertext = flipLast(f.cipher.ciphertext))),
    /^wrong passphrase \(or the key file was altered\)$/,
    'ciphertext bit',
  );
  await refused(
    t,
    altered((f) => (f.cipher.nonce = flipLast(f.cipher.nonce))),
    /^wrong passphrase/,
    'nonce bit',
  );
  await refused(
    t,
    altered((f) => (f.kdf.salt = flipLast(f.kdf.salt))),
    /^wrong passphrase/,
    'salt bit',
  );
  await refused(
    t,
    altered((f) => (f.kdf.opslimit = LIMITS.opslimit + 1)),
    /^wrong passphrase/,
    'opslimit changed within bounds',
  );
  await refused(
    t,
    altered((f) => (f.publicKey = encodePublicKey(other))),
    /^wrong passphrase/,
    'public key swapped (it is associated data)',
  );
  await refused(
    t,
    altered((f) => (f.publicKey = f.publicKey.slice(0, -4))),
    /public key is malformed/,
    'public key truncated',
  );
  await refused(
    t,
    altered((f) => delete f.publicKey),
    /has no public key/,
    'public key missing',
  );
  await refused(
    t,
    altered((f) => (f.cipher.ciphertext = f.cipher.ciphertext.slice(0, -2))),
    /ciphertext is malformed/,
    'ciphertext truncated',
  );
  await refused(
    t,
    altered((f) => (f.cipher.nonce = f.cipher.nonce + '=')),
    /nonce is malformed/,
    'nonce not base64url',
  );
  await refused(
    t,
    altered((f) => (f.kdf.salt = 42)),
    /has no salt/,
    'salt not a string',
  );
});

t.test('KDF bounds stop absurd work', async (t) => {
  for (const opslimit of [0, sodium.crypto_pwhash_OPSLIMIT_SENSITIVE + 1, 1.5, '3', null, 2 ** 60]) {
    await refused(
      t,
      altered((f) => (f.kdf.opslimit = opslimit)),
      /out-of-range opslimit/,
      `opslimit ${opslimit}`,
    );
  }
  for (const memlimit of [sodium.crypto_pwhash_MEMLIMIT_MIN - 1, sodium.crypto_pwhash_MEMLIMIT_SENSITIVE + 1, 16 * 2 ** 30, '8192', undefined]) {
    await refused(
      t,
      altered((f) => (f.kdf.memlimit = memlimit)),
      /out-of-range memlimit/,
      `memlimit ${memlimit}`,
    );
  }
  await refused(
    t,
    altered((f) => (f.kdf.algorithm = 'scrypt')),
    /unknown key derivation/,
    'another KDF',
  );
  await refused(
    t,
    altered((f) => delete f.kdf),
    /unknown key derivation/,
    'no kdf',
  );
  await refused(
    t,
    altered((f) => (f.cipher.algorithm = 'aes256gcm')),
    /unknown cipher/,
    'another cipher',
  );
});

t.test('not a key file', async (t) => {
  await refused(t, 'not json', /not a Tipline key file \(not JSON\)/, 'not JSON');
  await refused(t, '', /not JSON/, 'empty');
  await refused(t, 'null', /not a Tipline editor secret key file/, 'null');
  await refused(t, '[]', /not a Tipline editor secret key file/, 'a list');
  await refused(t, encodePublicKey(pair), /not JSON/, 'a public key line');
  await refused(
    t,
    altered((f) => (f.type = 'tipline-bundle')),
    /not a Tipline editor secret key file/,
    'another type',
  );
  await refused(
    t,
    altered((f) => (f.version = 2)),
    /unsupported key file version 2/,
    'version 2',
  );
});

t.test('a file whose secret does not match its public key is refused', async (t) => {
  // Correctly encrypted, with the right associated data, but the seed of another key.
  const salt = sodium.randombytes_buf(16);
  const nonce = sodium.randombytes_buf(24);
  const key = sodium.crypto_pwhash(32, utf8(PASSPHRASE), salt, LIMITS.opslimit, LIMITS.memlimit, sodium.crypto_pwhash_ALG_ARGON2ID13);
  const ciphertext = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(other.seed, concat(utf8('tipline editor secret key v1'), pair.publicKey), null, nonce, key);
  const forged: KeyFile = { ...file, kdf: { ...file.kdf, salt: toBase64Url(salt) }, cipher: { ...file.cipher, nonce: toBase64Url(nonce), ciphertext: toBase64Url(ciphertext) } };
  await refused(t, JSON.stringify(forged), /inconsistent: its secret does not match its public key/, 'mismatched seed');
});

t.test('fixed randomness is for test vectors only, and checked', async (t) => {
  const salt = new Uint8Array(16).fill(7);
  const nonce = new Uint8Array(24).fill(9);
  const a = await encryptKeyFile(pair, PASSPHRASE, LIMITS, { salt, nonce });
  const b = await encryptKeyFile(pair, PASSPHRASE, LIMITS, { salt, nonce });
  t.same(a, b, 'deterministic with fixed salt and nonce');
  t.same((await decryptKeyFile(JSON.stringify(a), PASSPHRASE)).seed, pair.seed);
  await t.rejects(encryptKeyFile(pair, PASSPHRASE, LIMITS, { salt: new Uint8Array(15), nonce }), { name: 'KeyFileError' });
  await t.rejects(encryptKeyFile(pair, PASSPHRASE, LIMITS, { salt, nonce: new Uint8Array(12) }), { name: 'KeyFileError' });
});

t.test('reader rules: a byte-order mark or a repeated member is refused (docs/PROTOCOL.md, "Reader rules")', async (t) => {
  await refused(t, '\ufeff' + text, /byte-order mark/, 'a leading BOM');
  // The same member twice: which publicKey would count depends on the parser.
  await refused(t, text.replace(/^\{/, `{"publicKey":"tipline-editor-1:AAAA",`), /"publicKey" appears twice/, 'publicKey twice');
});
