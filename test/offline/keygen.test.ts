// `npm run keygen`, run for real as a child process (tsx scripts/keygen.ts), with the real
// Argon2id MODERATE costs; plus the library functions behind it.
import t, { type Test } from 'tap';
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sodium from 'libsodium-wrappers-sumo';
import { toBase64Url } from '../../src/crypto/bytes.js';
import { decodePublicKey, encodePublicKey, fingerprint, parseRecipients } from '../../src/crypto/keys.js';
import { decryptKeyFile } from '../../src/crypto/keyfile.js';
import { KeygenError, checkCanCreate, checkNewPassphrase, createKeyFile, nextSteps, publicKeyOutput } from '../../src/offline/keygen.js';
import { createFetchKeyFile } from '../../src/offline/fetch-key.js';
import { readFetchKeyFile } from '../../src/editor/fetch-key.js';
import { runTsx, type Run } from '../helpers/cli.js';

const PASSPHRASE = 'ballot box under the bridge';

function tempDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'tipline-keygen-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function keygen(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  // stdin is not a terminal: the passphrase must come from the environment or a file.
  return runTsx('keygen', args, env);
}

const mode = (p: string) => lstatSync(p).mode & 0o777;
const oneLine = (t: Test, stderr: string) => {
  const lines = stderr.trim().split('\n');
  t.equal(lines.length, 1, `one line on stderr: ${JSON.stringify(stderr)}`);
  t.match(lines[0], /^tipline keygen: /);
};

t.test('keygen writes a 0600 key file that the passphrase opens, and prints its public key line', async (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'editor.key');
  const run = await keygen(['--out', out], { TIPLINE_PASSPHRASE: PASSPHRASE });
  t.equal(run.code, 0, run.stderr);
  t.equal(mode(out), 0o600, 'mode 0600');
  const keyLines = run.stdout.split('\n').filter((line) => line.startsWith('tipline-editor-2:'));
  t.equal(keyLines.length, 1, 'one public key line on stdout');
  const publicKey = decodePublicKey(keyLines[0]!);
  const pair = await decryptKeyFile(readFileSync(out, 'utf8'), PASSPHRASE);
  t.same({ publicKey: pair.publicKey, signPublicKey: pair.signPublicKey }, publicKey, 'the key file holds the printed key (both keys)');
  const fp = await fingerprint(publicKey);
  t.match(run.stdout, fp, 'stdout shows the fingerprint');
  t.same(parseRecipients(run.stdout), [publicKey], 'stdout is a valid recipients file fragment');
  t.match(run.stderr, /recipients file/, 'stderr says what to do next');

  // A key file from before signing keys (its line the one-key form) still opens, and
  // `--public --key` prints its two-key line: the same as a new file's.
  const old = JSON.parse(readFileSync(out, 'utf8'));
  old.publicKey = 'tipline-editor-1:' + toBase64Url(publicKey.publicKey);
  const oldPath = join(dir, 'old.key');
  writeFileSync(oldPath, JSON.stringify(old), { mode: 0o600 });
  t.same((await decryptKeyFile(readFileSync(oldPath, 'utf8'), PASSPHRASE)).signPublicKey, publicKey.signPublicKey, 'an old key file gives the same signing key');
  const printed = await keygen(['--public', '--key', oldPath], { TIPLINE_PASSPHRASE: PASSPHRASE });
  t.equal(printed.code, 0, printed.stderr);
  t.equal(printed.stdout, run.stdout, '--public --key prints the same recipients entry');
  t.equal((await keygen(['--public'], { TIPLINE_PASSPHRASE: PASSPHRASE })).code, 2, '--public without --key is a usage error');
  t.match(run.stderr, fp);
  t.notMatch(run.stdout + run.stderr, PASSPHRASE, 'the passphrase is never printed');
  t.notMatch(run.stdout + run.stderr, JSON.parse(readFileSync(out, 'utf8')).cipher.ciphertext, 'nor the encrypted seed');
  t.rejects(decryptKeyFile(readFileSync(out, 'utf8'), PASSPHRASE + '!'), { name: 'KeyFileError' }, 'another passphrase does not open it');
  const file = JSON.parse(readFileSync(out, 'utf8'));
  t.ok(file.kdf.opslimit >= 3 && file.kdf.memlimit >= 256 * 1024 * 1024, 'at least the MODERATE limits');

  // A second run refuses to overwrite, before asking for anything, and leaves the file alone.
  const before = readFileSync(out);
  const again = await keygen(['--out', out], { TIPLINE_PASSPHRASE: 'a different passphrase' });
  t.equal(again.code, 1);
  oneLine(t, again.stderr);
  t.match(again.stderr, /already exists; refusing to overwrite/);
  t.equal(again.stdout, '', 'nothing on stdout');
  t.same(readFileSync(out), before, 'the existing file is unchanged');
  t.equal(mode(out), 0o600);
});

t.test('keygen reads the passphrase from --passphrase-file', async (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'k.json');
  const pass = join(dir, 'pass.txt');
  writeFileSync(pass, 'пароль из файла, длинный\nsecond line ignored\n');
  const run = await keygen(['--out', out, '--passphrase-file', pass], { TIPLINE_PASSPHRASE: 'the environment loses to the file' });
  t.equal(run.code, 0, run.stderr);
  const pair = await decryptKeyFile(readFileSync(out, 'utf8'), 'пароль из файла, длинный');
  t.equal(
    encodePublicKey(pair),
    run.stdout.split('\n').find((l) => l.startsWith('tipline-editor-2:')),
  );
});

t.test('keygen usage errors exit 2', async (t) => {
  for (const args of [[], ['--passphrase-file', 'x'], ['--out'], ['--out', 'a', '--bogus'], ['--out', 'a', 'positional']]) {
    const run = await keygen(args, { TIPLINE_PASSPHRASE: PASSPHRASE });
    t.equal(run.code, 2, `args ${JSON.stringify(args)}`);
    oneLine(t, run.stderr);
    t.match(run.stderr, /usage: npm run keygen -- --out <key file>/);
  }
  const help = await keygen(['--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, /usage: npm run keygen/);
});

t.test('keygen failures exit 1 with one line and leave no file', async (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'editor.key');
  const short = await keygen(['--out', out], { TIPLINE_PASSPHRASE: 'short' });
  t.equal(short.code, 1);
  oneLine(t, short.stderr);
  t.match(short.stderr, /the passphrase has 5 characters; use at least 8/);
  t.notOk(existsSync(out), 'no file for a refused passphrase');

  const none = await keygen(['--out', out]);
  t.equal(none.code, 1);
  oneLine(t, none.stderr);
  t.match(none.stderr, /TIPLINE_PASSPHRASE|--passphrase-file/);
  t.notOk(existsSync(out));

  const noFolder = await keygen(['--out', join(dir, 'missing', 'editor.key')], { TIPLINE_PASSPHRASE: PASSPHRASE });
  t.equal(noFolder.code, 1);
  oneLine(t, noFolder.stderr);
  t.match(noFolder.stderr, /does not exist/);

  const missingPassFile = await keygen(['--out', out, '--passphrase-file', join(dir, 'nope')]);
  t.equal(missingPassFile.code, 1);
  oneLine(t, missingPassFile.stderr);
  t.notOk(existsSync(out));
});

t.test('checkNewPassphrase counts characters, not bytes', async (t) => {
  t.throws(() => checkNewPassphrase(''), KeygenError);
  t.throws(() => checkNewPassphrase('1234567'), { message: /has 7 characters/ });
  t.doesNotThrow(() => checkNewPassphrase('12345678'));
  t.throws(() => checkNewPassphrase('жжжжжжж'), { message: /has 7 characters/ }, '14 bytes of UTF-8, 7 characters');
  t.throws(() => checkNewPassphrase('😀😀😀😀'), { message: /has 4 characters/ }, 'astral characters count once');
});

t.test('checkCanCreate and createKeyFile never overwrite, not even through a symbolic link', async (t) => {
  const dir = tempDir(t);
  const limits = { opslimit: 1, memlimit: 8192 };
  await sodium.ready;
  const existing = join(dir, 'existing');
  writeFileSync(existing, 'keep me');
  t.throws(() => checkCanCreate(existing), { message: /already exists/ });
  await t.rejects(createKeyFile(existing, PASSPHRASE, limits), { message: /already exists/ });
  t.equal(readFileSync(existing, 'utf8'), 'keep me');
  const target = join(dir, 'target');
  const link = join(dir, 'link');
  symlinkSync(target, link); // dangling: following it would create `target`
  t.throws(() => checkCanCreate(link), { message: /already exists/ });
  await t.rejects(createKeyFile(link, PASSPHRASE, limits), { message: /already exists/ });
  t.notOk(existsSync(target), 'nothing created through the link');
  t.throws(() => checkCanCreate(join(existing, 'below-a-file')), { message: /does not exist/ });

  const made = await createKeyFile(join(dir, 'new.key'), PASSPHRASE, limits);
  t.equal(mode(made.path), 0o600);
  const pair = await decryptKeyFile(readFileSync(made.path, 'utf8'), PASSPHRASE);
  t.equal(encodePublicKey(pair), made.publicKeyLine);
  t.equal(made.fingerprint, await fingerprint(pair));
  t.same(
    parseRecipients(publicKeyOutput(made)).map((k) => k.publicKey),
    [pair.publicKey],
  );
  t.match(nextSteps(made), made.path);
  await t.rejects(createKeyFile(join(dir, 'weak.key'), 'weak', limits), KeygenError);
  t.notOk(existsSync(join(dir, 'weak.key')));
});

t.test('fetch key file: UTF-8 JSON without a byte-order mark or repeated members (docs/PROTOCOL.md, "Reader rules")', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tipline-fetch-key-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'fetch.key');
  const made = await createFetchKeyFile(path);
  t.equal((await readFetchKeyFile(path)).publicKeyLine, made.publicKeyLine, 'the file as written reads back');
  const text = readFileSync(path, 'utf8');
  writeFileSync(path, '\ufeff' + text);
  await t.rejects(readFetchKeyFile(path), /byte-order mark/, 'a BOM (e.g. after an editor program re-saved it) is refused by name');
  writeFileSync(path, text.replace(/^\{/, '{"seed":"AAAA",'));
  await t.rejects(readFetchKeyFile(path), /"seed" appears twice/);
  writeFileSync(path, Buffer.concat([Buffer.from(text.slice(0, -3)), Buffer.from([0xff]), Buffer.from(text.slice(-3))]));
  await t.rejects(readFetchKeyFile(path), /not valid UTF-8/);
});
