// The container image, built and run for real with rootful podman: build the unchanged
// Dockerfile on a local node:20-slim stand-in (scripts/container-base.sh), run it with a
// read-only root filesystem, a data volume and the recipients file mounted read-only, submit a
// sealed tip over loopback, then read the database back out and decrypt it with the real export
// and decrypt commands on the host. Fails (never skips) when podman is missing: .ci/run
// installs it.
import t from 'tap';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, cpSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { childEnv } from '../helpers/child-env.js';
import { ROOT } from '../helpers/client-build.js';
import { TEST_POW_BITS, solvedPow, tempDir } from '../helpers/fixtures.js';
import { toBase64Url } from '../../src/crypto/bytes.js';
import { encodeBody } from '../../src/crypto/body.js';
import { sealEnvelope } from '../../src/crypto/envelope.js';
import { encodePublicKey, generateEditorKeyPair } from '../../src/crypto/keys.js';
import { encryptKeyFile } from '../../src/crypto/keyfile.js';

const IMAGE = 'localhost/tipline:test';
const CONTAINERS_CONF = process.env.CONTAINERS_CONF ?? join(ROOT, 'test/container/containers.conf');
const PASSPHRASE = 'container test passphrase';
// libsodium's minimum Argon2id costs: the key file format is tested elsewhere.
const FAST_KDF = { opslimit: 1, memlimit: 8192 };

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, env: childEnv({ CONTAINERS_CONF, ...env }), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (err) => resolve({ code: null, stdout, stderr: String(err) }));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const podman = (...args: string[]) => run('podman', args);
const tail = (r: Run) => (r.stderr || r.stdout).trim().split('\n').slice(-15).join('\n');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function waitForServer(url: string, container: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    const state = await podman('inspect', '--format', '{{.State.Status}}', container);
    if (state.stdout.trim() !== 'running') {
      const logs = await podman('logs', container);
      throw new Error(`the container stopped (${state.stdout.trim()}): ${logs.stderr.trim()}`);
    }
    if (Date.now() > deadline) throw new Error(`the server did not answer at ${url} within 60 s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

// The whole file: a first run builds the base image (~40 s) and the app image (~2 min).
t.setTimeout(20 * 60_000);

t.test('the image builds, runs read-only as non-root, stores a tip that export + decrypt read back', async (t) => {
  t.setTimeout(15 * 60_000);
  const version = await podman('--version');
  if (version.code !== 0) {
    t.fail(`podman is required for the container test (install podman runc debootstrap; see .ci/run): ${version.stderr.trim()}`);
    return;
  }

  let started = Date.now();
  const base = await run('bash', [join(ROOT, 'scripts/container-base.sh')]);
  if (!t.equal(base.code, 0, `the local base image builds: ${tail(base)}`)) return;
  t.comment(`base image: ${seconds(Date.now() - started)} (${base.stdout.trim()})`);

  started = Date.now();
  // --format docker: the OCI image format has no HEALTHCHECK, podman would drop it.
  const build = await podman('build', '--pull=never', '--format', 'docker', '--tag', IMAGE, '.');
  if (!t.equal(build.code, 0, `podman build succeeds: ${tail(build)}`)) return;
  const size = Number((await podman('image', 'inspect', '--format', '{{.Size}}', IMAGE)).stdout.trim());
  t.comment(`image build: ${seconds(Date.now() - started)}; image size ${(size / 1e6).toFixed(0)} MB`);
  const healthcheck = (await podman('image', 'inspect', '--format', '{{json .Config.Healthcheck}}', IMAGE)).stdout;
  t.match(healthcheck, /robots\.txt/, 'the image carries its HEALTHCHECK');
  const user = (await podman('image', 'inspect', '--format', '{{.Config.User}}', IMAGE)).stdout.trim();
  t.equal(user, 'node', 'the image runs as the unprivileged user node');

  const dir = tempDir(t, 'tipline-container-');
  const key = await generateEditorKeyPair();
  const recipients = join(dir, 'recipients.txt');
  writeFileSync(recipients, `${encodePublicKey(key)}\n`);
  chmodSync(recipients, 0o644); // readable by the container's user, uid 1000
  const keyFile = join(dir, 'editor.key');
  writeFileSync(keyFile, JSON.stringify(await encryptKeyFile(key, PASSPHRASE, FAST_KDF)), { mode: 0o600 });

  const suffix = randomBytes(6).toString('hex');
  const name = `tipline-test-${suffix}`;
  const volume = `tipline-test-data-${suffix}`;
  t.teardown(async () => {
    await podman('rm', '--force', '--time', '2', name);
    await podman('volume', 'rm', '--force', volume);
  });
  t.equal((await podman('volume', 'create', volume)).code, 0, 'volume created');

  const port = await freePort();
  started = Date.now();
  const runResult = await podman(
    'run',
    '--detach',
    '--name',
    name,
    // Read-only root filesystem, and no writable /tmp either (as with `docker run --read-only`).
    '--read-only',
    '--read-only-tmpfs=false',
    '--volume',
    `${volume}:/data`,
    '--volume',
    `${recipients}:/etc/tipline/recipients.txt:ro`,
    '--publish',
    `127.0.0.1:${port}:3000`,
    // A low proof-of-work difficulty keeps the test quick (the default would take seconds).
    '--env',
    `TIPLINE_POW_MIN_BITS=${TEST_POW_BITS}`,
    '--env',
    `TIPLINE_POW_MAX_BITS=${TEST_POW_BITS}`,
    IMAGE,
  );
  if (!t.equal(runResult.code, 0, `podman run succeeds: ${tail(runResult)}`)) return;
  await waitForServer(`http://127.0.0.1:${port}/robots.txt`, name);
  t.comment(`container start to first answer: ${seconds(Date.now() - started)}`);

  const health = await podman('healthcheck', 'run', name);
  t.equal(health.code, 0, `the image's HEALTHCHECK passes: ${tail(health)}`);
  const uid = await podman('exec', name, 'id', '-u');
  t.equal(uid.code, 0);
  t.not(uid.stdout.trim(), '0', 'the server does not run as root');
  for (const path of ['/app/written-by-test', '/etc/written-by-test', '/tmp/written-by-test']) {
    const write = await podman('exec', name, 'sh', '-c', `echo x > ${path}`);
    t.not(write.code, 0, `writing ${path} fails`);
    t.match(write.stderr, /Read-only file system/, `${path}: the root filesystem is read-only`);
  }

  const page = await fetch(`http://127.0.0.1:${port}/`);
  t.equal(page.status, 200, 'the tip page is served');
  t.notMatch(await page.text(), /DEMO MODE/i, 'not in demo mode: the mounted recipients file is used');

  const message = `a tip through the container ${suffix}`;
  const envelope = await sealEnvelope({ kind: 'tip', recipients: [key.publicKey], body: encodeBody({ v: 1, message, clientTime: new Date().toISOString() }) });
  const sent = toBase64Url(envelope);
  const pow = await solvedPow(`http://127.0.0.1:${port}`, sent);
  const post = await fetch(`http://127.0.0.1:${port}/api/tips`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ envelope: sent, pow }),
  });
  t.equal(post.status, 201, 'the tip is accepted');

  // Stop the server cleanly (SIGTERM closes the database), then copy the data volume out.
  const stop = await podman('stop', '--time', '10', name);
  t.equal(stop.code, 0, `the container stops on SIGTERM: ${tail(stop)}`);
  const exit = (await podman('inspect', '--format', '{{.State.ExitCode}}', name)).stdout.trim();
  t.equal(exit, '0', 'the server exits 0 on SIGTERM');
  // Rootful podman keeps a named volume in a host folder: copy it (as an operator's backup would).
  const mountpoint = await podman('volume', 'inspect', '--format', '{{.Mountpoint}}', volume);
  if (!t.equal(mountpoint.code, 0, `podman volume inspect: ${tail(mountpoint)}`)) return;
  const copied = join(dir, 'data');
  cpSync(mountpoint.stdout.trim(), copied, { recursive: true });
  t.ok(existsSync(join(copied, 'tipline.sqlite')), 'the database is in the volume');
  t.ok(existsSync(join(copied, 'tipline-chunks.sqlite')), 'and so is its attachment chunks file');

  const bundle = join(dir, 'tips.bundle');
  const exported = await run(process.execPath, ['--import', 'tsx', 'scripts/export.ts', '--db', join(copied, 'tipline.sqlite'), '--out', bundle]);
  t.equal(exported.code, 0, `export: ${tail(exported)}`);
  t.match(exported.stdout, /^exported 1 tip to /);
  const out = join(dir, 'decrypted');
  const decrypted = await run(process.execPath, ['--import', 'tsx', 'scripts/decrypt.ts', '--key', keyFile, '--in', bundle, '--out', out], { TIPLINE_PASSPHRASE: PASSPHRASE });
  t.equal(decrypted.code, 0, `decrypt: ${tail(decrypted)}`);
  const folders = readdirSync(out).filter((f) => /^\d{4}-\d{2}-\d{2}_[0-9a-f]{32}$/.test(f));
  t.equal(folders.length, 1, 'one tip decrypted');
  t.equal(readFileSync(join(out, folders[0]!, 'message.txt'), 'utf8'), message, 'the plaintext is the tip that was sent');
});

t.test('NODE_ENV=production without editor keys refuses to start with a clear line', async (t) => {
  t.setTimeout(5 * 60_000);
  const exists = await podman('image', 'exists', IMAGE);
  if (!t.equal(exists.code, 0, `the image ${IMAGE} was built by the test above`)) return;
  const name = `tipline-test-${randomBytes(6).toString('hex')}`;
  t.teardown(async () => {
    await podman('rm', '--force', '--volumes', name);
  });

  // No recipients file mounted at the image's default path.
  const missing = await podman('run', '--name', name, '--read-only', IMAGE);
  t.equal(missing.code, 1, 'exit 1 when the recipients file is not mounted');
  t.match(missing.stderr, /^tipline: TIPLINE_RECIPIENTS: cannot read \/etc\/tipline\/recipients\.txt \(ENOENT\)$/m);
  await podman('rm', '--force', '--volumes', name);

  // TIPLINE_RECIPIENTS emptied: the production guard itself.
  const unset = await podman('run', '--name', name, '--read-only', '--env', 'TIPLINE_RECIPIENTS=', IMAGE);
  t.equal(unset.code, 1, 'exit 1 without TIPLINE_RECIPIENTS');
  t.match(unset.stderr, /^tipline: TIPLINE_RECIPIENTS: required when NODE_ENV=production/m);
  t.notMatch(unset.stdout, /DEMO MODE/, 'no demo key is made in production');
});
