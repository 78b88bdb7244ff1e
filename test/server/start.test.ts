// Start-up configuration: one clear line per mistake, and the demo default.
import t from 'tap';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { editorKeys, tempDir } from '../helpers/fixtures.js';
import { runStart, startServer } from '../helpers/server-process.js';
import { clientDir } from '../helpers/client-build.js';
import { encodePublicKey } from '../../src/crypto/keys.js';
import { decryptKeyFile } from '../../src/crypto/keyfile.js';

t.before(clientDir);

async function startFails(env: Record<string, string>): Promise<string> {
  const proc = runStart(env);
  const { code } = await proc.exited;
  if (code !== 1) throw new Error(`expected exit 1, got ${code}: ${proc.output()}`);
  return proc.output();
}

t.test('configuration mistakes are reported one line each', async (t) => {
  const dir = tempDir(t);
  const badKey = join(dir, 'bad.txt');
  writeFileSync(badKey, '# editors\ntipline-editor-2:AAAA\n');
  const out = await startFails({ TIPLINE_DATA_DIR: join(dir, 'd'), TIPLINE_RECIPIENTS: badKey, TIPLINE_PORT: 'eighty' });
  t.match(out, /tipline: TIPLINE_PORT: "eighty" is not a port number/);
  t.match(out, /tipline: TIPLINE_RECIPIENTS: .*bad\.txt line 2: the editor public key is 3 bytes, expected 1248/);
  t.equal(out.trim().split('\n').length, 2, 'one line per mistake');
  const oldKey = join(dir, 'old.txt');
  writeFileSync(oldKey, 'tipline-editor-1:AAAA\n');
  t.match(
    await startFails({ TIPLINE_DATA_DIR: join(dir, 'd'), TIPLINE_RECIPIENTS: oldKey }),
    /old\.txt line 1: this is an old one-key editor line .*npm run keygen -- --public --key <key file>/,
    'an old one-key line is refused with the way to print the new one',
  );

  t.match(await startFails({ TIPLINE_DATA_DIR: join(dir, 'd'), TIPLINE_RECIPIENTS: join(dir, 'missing.txt') }), /TIPLINE_RECIPIENTS: cannot read .*missing\.txt \(ENOENT\)/);
  const file = join(dir, 'a-file');
  writeFileSync(file, '');
  t.match(await startFails({ TIPLINE_DATA_DIR: join(file, 'sub') }), /TIPLINE_DATA_DIR: .* is not a writable directory/);
  t.match(await startFails({ NODE_ENV: 'production', TIPLINE_DATA_DIR: join(dir, 'p') }), /TIPLINE_RECIPIENTS: required when NODE_ENV=production/);
  t.notOk(existsSync(join(dir, 'p', 'demo')), 'production never makes a demo key');
});

t.test('a port in use is one clear line', async (t) => {
  const dir = tempDir(t);
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  t.teardown(() => blocker.close());
  const port = (blocker.address() as { port: number }).port;
  const keys = await editorKeys(1);
  writeFileSync(join(dir, 'r.txt'), encodePublicKey(keys[0]!) + '\n');
  const out = await startFails({ TIPLINE_DATA_DIR: join(dir, 'd'), TIPLINE_RECIPIENTS: join(dir, 'r.txt'), TIPLINE_PORT: String(port) });
  t.match(out, new RegExp(`TIPLINE_PORT: port ${port} on 127\\.0\\.0\\.1 is already in use`));
});

t.test('with no recipients outside production, a labelled demo key is made and used', async (t) => {
  const dir = tempDir(t);
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir);
  const server = await startServer(t, { TIPLINE_DATA_DIR: dataDir });
  t.match(server.output(), /DEMO MODE/);
  t.match(server.output(), /"level":40.*DEMO MODE/, 'the log says DEMO too');
  const keyFile = join(dataDir, 'demo', 'editor.key');
  t.equal(statSync(keyFile).mode & 0o777, 0o600, 'demo key file is 0600');
  t.equal(statSync(join(dataDir, 'tipline.sqlite')).mode & 0o777, 0o600, 'database is 0600');
  const passphrase = readFileSync(join(dataDir, 'demo', 'passphrase.txt'), 'utf8').trim();
  t.match(server.output(), passphrase, 'the passphrase is printed for the newcomer');
  const pair = await decryptKeyFile(readFileSync(keyFile, 'utf8'), passphrase);
  const page = await (await fetch(server.url + '/')).text();
  t.match(page, /DEMO/, 'the page says DEMO');
  t.match(readFileSync(join(dataDir, 'demo', 'recipients.txt'), 'utf8'), encodePublicKey(pair));
  chmodSync(dataDir, 0o700);
});
