// The one-file offline toolkit as an editor carries it: build dist/tipline-offline.mjs, copy
// ONLY that file (and its .sha256) into an empty folder with no node_modules anywhere above it,
// check the hash with the real sha256sum, then run keygen, decrypt and verify inside a network
// namespace with no interfaces but loopback (`unshare -n`; the test fails if that is missing).
import t from 'tap';
import { checkAck } from '../../src/crypto/ack.js';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runChild, runWithoutNetwork } from '../helpers/cli.js';
import { encodeBody } from '../../src/crypto/body.js';
import { sealEnvelope } from '../../src/crypto/envelope.js';
import { decodePublicKey, generateEditorKeyPair } from '../../src/crypto/keys.js';
import type { TipRecord } from '../../src/crypto/bundle.js';
import { writeBundle } from '../../src/files/bundle.js';
import { buildOffline, foreignImports } from '../../scripts/build-offline.js';

const PASSPHRASE = 'offline toolkit passphrase';

/** Runs a command in `cwd` with no NODE_OPTIONS/NODE_PATH that could reach the project's node_modules. */
const run = (command: string, args: string[], cwd: string, env: Record<string, string | undefined> = {}) => runChild(command, args, env, { cwd, bare: true });

/** Runs `node tipline-offline.mjs <args>` inside a fresh network namespace; the namespace's interface list comes back too. */
const offline = (dir: string, args: string[], env: Record<string, string | undefined> = {}) => runWithoutNetwork(['tipline-offline.mjs', ...args], env, { cwd: dir, bare: true });

let counter = 0;
const newId = () => createHash('sha256').update(`toolkit ${process.pid} ${counter++} ${Math.random()}`).digest('hex').slice(0, 32);

t.test('the one-file toolkit runs keygen, decrypt and verify with no node_modules and no network', async (t) => {
  const buildDir = mkdtempSync(join(tmpdir(), 'tipline-toolkit-build-'));
  const dir = mkdtempSync(join(tmpdir(), 'tipline-toolkit-'));
  t.teardown(() => {
    rmSync(buildDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  // Build: one file plus its hash.
  const built = await buildOffline(join(buildDir, 'tipline-offline.mjs'));
  t.comment(`tipline-offline.mjs: ${(built.bytes / 1024).toFixed(0)} KiB`);
  const code = readFileSync(built.file, 'utf8');
  t.match(code, /^#!\/usr\/bin\/env node\n/, 'the file starts with a node shebang');
  t.same(foreignImports({ inputs: {}, outputs: {} }, code), [], 'nothing but node: built-ins is imported or required');
  t.match(code, /AGFzbQ/, 'libsodium’s WebAssembly is inlined (base64 of the \\0asm magic)');

  // Copy ONLY the file and its hash into an empty folder with no node_modules above it.
  t.same(readdirSync(dir), [], 'the target folder starts empty');
  for (const f of ['tipline-offline.mjs', 'tipline-offline.mjs.sha256']) copyFileSync(join(buildDir, f), join(dir, f));
  for (let p = dir; ; p = dirname(p)) {
    t.notOk(existsSync(join(p, 'node_modules')), `no node_modules in ${p}`);
    if (dirname(p) === p) break;
  }
  const check = await run('sha256sum', ['-c', 'tipline-offline.mjs.sha256'], dir);
  t.equal(check.code, 0, `sha256sum -c passes: ${check.stderr}`);
  t.equal(check.stdout, 'tipline-offline.mjs: OK\n');
  t.equal(
    readFileSync(join(dir, 'tipline-offline.mjs.sha256'), 'utf8'),
    `${createHash('sha256')
      .update(readFileSync(join(dir, 'tipline-offline.mjs')))
      .digest('hex')}  tipline-offline.mjs\n`,
  );

  // help, and the usage conventions.
  const help = await offline(dir, ['help']);
  t.equal(help.code, 0, `unshare -n must work here (we run as root): ${help.stderr}`);
  t.same(help.interfaces, ['lo'], 'only the loopback interface exists in the namespace');
  for (const command of ['keygen', 'decrypt', 'verify', 'report']) t.match(help.stdout, `node tipline-offline.mjs ${command} --`);
  const unknown = await offline(dir, ['frobnicate']);
  t.equal(unknown.code, 2, 'an unknown command is a usage error');
  t.match(unknown.stderr, /^tipline: unknown command "frobnicate"\n/);
  const missing = await offline(dir, ['decrypt', '--key', 'editor.key']);
  t.equal(missing.code, 2);
  t.equal(missing.stderr, 'tipline decrypt: usage: node tipline-offline.mjs decrypt --key <key file> --in <bundle> --out <folder> [--ack <file>] [--passphrase-file <file>]\n');

  // keygen, with the real (MODERATE) Argon2id costs.
  const keygen = await offline(dir, ['keygen', '--out', 'editor.key'], { TIPLINE_PASSPHRASE: PASSPHRASE });
  t.equal(keygen.code, 0, `keygen: ${keygen.stderr}`);
  t.same(keygen.interfaces, ['lo']);
  const publicLine = keygen.stdout.split('\n').find((l) => l.startsWith('tipline-editor-2:'));
  if (!t.ok(publicLine, 'keygen prints the public key line')) return;
  t.match(keygen.stderr, /node tipline-offline\.mjs keygen --out FILE > editor\.pub/, 'the next steps name the toolkit, not npm');
  const publicKey = decodePublicKey(publicLine!).publicKey;

  // A real bundle of tips sealed to the new key.
  const messages = ['first tip, carried on a USB stick', 'второй: Привет & <b>not html</b>'];
  const records: TipRecord[] = [];
  for (const message of messages) {
    // The second tip is a structured election report (the report command reads it below).
    const form = message === messages[1] ? { form: { id: 'election-kz', version: 1 }, fields: { region: 'ulytau', stage: 'counting', category: ['vote-buying'] } } : {};
    const envelope = await sealEnvelope({ kind: 'tip', recipients: [publicKey], body: encodeBody({ v: 1, message, clientTime: '2024-05-01T10:00:00.000Z', ...form }) });
    records.push({ id: newId(), received: '2024-05-01', envelope });
  }
  const bundlePath = join(dir, 'tips.bundle');
  await writeBundle(bundlePath, records, { created: '2024-05-02' });

  const verified = await offline(dir, ['verify', '--in', 'tips.bundle']);
  t.equal(verified.code, 0, `verify of a sound bundle: ${verified.stderr}`);
  t.equal(verified.stdout, 'bundle of 2024-05-02: 2 listed in the manifest, 2 sound, 0 problems\n');

  const decrypted = await offline(dir, ['decrypt', '--key', 'editor.key', '--in', 'tips.bundle', '--out', 'tips'], { TIPLINE_PASSPHRASE: PASSPHRASE });
  t.equal(decrypted.code, 0, `decrypt: ${decrypted.stderr}`);
  t.same(decrypted.interfaces, ['lo']);
  t.match(decrypted.stdout, /^decrypted 2, already decrypted 0, skipped 0\n/);
  records.forEach((r, i) => {
    t.equal(readFileSync(join(dir, 'tips', `${r.received}_${r.id}`, 'message.txt'), 'utf8'), messages[i], `tip ${i + 1} decrypts to what was sealed`);
  });
  t.ok(existsSync(join(dir, 'tips', 'index.html')));
  // The signed acknowledgement, made with no network beside the bundle: both ids, the editor's signing key.
  t.match(decrypted.stdout, /signed an acknowledgement of 2 records into .*tips\.bundle\.ack/);
  const ack = await checkAck(new Uint8Array(readFileSync(join(dir, 'tips.bundle.ack'))).subarray(0, -1), [decodePublicKey(publicLine!).signPublicKey], new Date().toISOString().slice(0, 10));
  t.same(ack.ids, records.map((r) => r.id).sort(), 'the acknowledgement names both tips and verifies under the editor signing key');

  // report: the built-in form schemas and their words are inside the one file too.
  const report = await offline(dir, ['report', '--in', 'tips', '--out', 'report', '--lang', 'kk']);
  t.equal(report.code, 0, `report: ${report.stderr}`);
  t.same(report.interfaces, ['lo']);
  t.match(report.stdout, /^2 reports: 0 verified, 2 unverified, 0 rejected\n/);
  t.match(readFileSync(join(dir, 'report', 'reports.csv'), 'utf8'), /^\uFEFF"folder",.*,"region",/);
  t.match(readFileSync(join(dir, 'report', 'report.html'), 'utf8'), /<td>Ұлытау облысы<\/td><td class="n">0<\/td><td class="n">1<\/td>/);

  const wrong = await offline(dir, ['decrypt', '--key', 'editor.key', '--in', 'tips.bundle', '--out', 'tips2'], { TIPLINE_PASSPHRASE: 'not the passphrase' });
  t.equal(wrong.code, 1);
  t.equal(wrong.stderr, 'tipline decrypt: wrong passphrase (or the key file was altered)\n');

  // Tamper with the second record's envelope (still canonical JSON, still base64url): verify names it.
  const lines = readFileSync(bundlePath, 'utf8').split('\n');
  const target = lines[2]!;
  const at = target.indexOf('"envelope":"') + '"envelope":"'.length + 40;
  lines[2] = target.slice(0, at) + (target[at] === 'A' ? 'B' : 'A') + target.slice(at + 1);
  writeFileSync(join(dir, 'tampered.bundle'), lines.join('\n'));
  const tampered = await offline(dir, ['verify', '--in', 'tampered.bundle']);
  t.equal(tampered.code, 1, 'verify fails on a tampered bundle');
  t.equal(tampered.stdout, `bundle of 2024-05-02: 2 listed in the manifest, 1 sound, 1 problem\nproblem: line 3, tip ${records[1]!.id}: the line differs from its manifest hash: it was altered\n`);
});

t.test('the command table in-process: help, usage errors, verify', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tipline-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const { COMMANDS, main } = await import('../../src/offline/cli.js');
  const { Writable } = await import('node:stream');
  const call = async (argv: string[]) => {
    let stdout = '';
    let stderr = '';
    const sink = (append: (s: string) => void) =>
      new Writable({
        write: (chunk, _e, done) => {
          append(String(chunk));
          done();
        },
      });
    const code = await main(argv, {
      invocation: (c) => `tool ${c}`,
      stdout: sink((s) => (stdout += s)),
      stderr: sink((s) => (stderr += s)),
      env: {},
    });
    return { code, stdout, stderr };
  };
  t.same(Object.keys(COMMANDS).sort(), ['decrypt', 'desk', 'keygen', 'reply', 'report', 'results', 'verify']);
  const none = await call([]);
  t.equal(none.code, 2);
  t.match(none.stderr, /^usage: tool <command> \[options\]/);
  const help = await call(['help', 'verify']);
  t.equal(help.code, 0);
  t.match(help.stdout, /^usage: tool verify --in <bundle>\nReads the whole bundle/);
  t.equal((await call(['--help'])).code, 0);
  const bad = await call(['verify', '--in']);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /^tipline verify: .*; usage: tool verify --in <bundle>\n$/);
  const noPass = await call(['keygen', '--out', join(dir, 'k.key')]);
  t.equal(noPass.code, 1, 'no passphrase and no terminal is a failure, not a crash');
  t.match(noPass.stderr, /^tipline keygen: .*TIPLINE_PASSPHRASE/);
  t.notOk(existsSync(join(dir, 'k.key')));

  const path = join(dir, 'cut.bundle');
  const envelope = await sealEnvelope({ kind: 'tip', recipients: [(await generateEditorKeyPair()).publicKey], body: encodeBody({ v: 1, message: 'x', clientTime: '2024-05-01T10:00:00.000Z' }) });
  await writeBundle(join(dir, 'whole.bundle'), [{ id: newId(), received: '2024-05-01', envelope }], { created: '2024-05-02' });
  const whole = readFileSync(join(dir, 'whole.bundle'), 'utf8').split('\n');
  writeFileSync(path, whole.slice(0, 2).join('\n') + '\n'); // header and the tip, no manifest
  const cut = await call(['verify', '--in', path]);
  t.equal(cut.code, 1, 'a bundle without its manifest fails verification');
  t.match(cut.stdout, /^bundle of 2024-05-02: no manifest, 1 sound, 1 problem\nproblem: the bundle ends without its manifest/);
});
