// The published client manifest, and `npm run verify-client` against real running servers:
// one serving this source's build (MATCH, exit 0) and one whose stylesheet was altered, with a
// build manifest made consistent so the server starts (a compromised server) (MISMATCH, exit 1).
import t from 'tap';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildClient } from '../../scripts/build-client.js';
import { CLIENT_MANIFEST_PATH } from '../../src/server/plugins/client-manifest.js';
import { ROOT } from '../helpers/client-build.js';
import { childEnv } from '../helpers/child-env.js';
import { tempDir, testApp } from '../helpers/fixtures.js';
import { startServer } from '../helpers/server-process.js';

const run = promisify(execFile);

async function verify(server: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'scripts/verify-client.ts', '--server', server], { cwd: ROOT, env: childEnv() });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

t.test('the manifest lists every served asset with the SHA-256 and size of the bytes served', async (t) => {
  const { app } = await testApp(t);
  const res = await app.inject({ method: 'GET', url: CLIENT_MANIFEST_PATH });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^application\/json/);
  t.match(res.headers['content-security-policy'], /default-src 'none'/);
  t.match(res.headers['content-security-policy'], /worker-src 'self'/);
  const manifest = res.json();
  t.equal(manifest.v, 1);
  t.match(manifest.covers, /not the page HTML/);
  t.equal(manifest.assets.length, 4, 'script, stylesheet, proof-of-work worker and attachment worker');
  t.ok(
    manifest.assets.some((a: { path: string }) => /^\/assets\/upload-worker\.[0-9a-f]{16}\.js$/.test(a.path)),
    'the attachment worker is listed',
  );
  t.ok(
    manifest.assets.some((a: { path: string }) => /^\/assets\/pow-worker\.[0-9a-f]{16}\.js$/.test(a.path)),
    'the worker is listed',
  );
  for (const asset of manifest.assets) {
    const served = await app.inject({ method: 'GET', url: asset.path });
    t.equal(served.statusCode, 200, `${asset.path} is served`);
    t.equal(asset.sha256, createHash('sha256').update(served.rawPayload).digest('hex'), `${asset.path}: sha256`);
    t.equal(asset.size, served.rawPayload.length, `${asset.path}: size`);
  }
  // The page script names the worker it starts, by its content-hashed path.
  const script = manifest.assets.find((a: { path: string }) => a.path.startsWith('/assets/app.') && a.path.endsWith('.js'));
  const worker = manifest.assets.find((a: { path: string }) => a.path.startsWith('/assets/pow-worker.'));
  t.ok((await app.inject({ method: 'GET', url: script.path })).body.includes(worker.path), 'the page script references the worker by its hashed path');
  const uploadWorker = manifest.assets.find((a: { path: string }) => a.path.startsWith('/assets/upload-worker.'));
  t.ok((await app.inject({ method: 'GET', url: script.path })).body.includes(uploadWorker.path), 'and the attachment worker the same way');
});

t.test('verify-client: MATCH against a server running this source, MISMATCH against an altered one', async (t) => {
  const dir = tempDir(t, 'tipline-verify-test-');
  const honestDir = (await buildClient({ outDir: join(dir, 'honest') })).outDir;
  const honest = await startServer(t, { TIPLINE_DATA_DIR: join(dir, 'data-honest'), TIPLINE_CLIENT_DIR: honestDir });
  const good = await verify(honest.url);
  t.equal(good.code, 0, 'exit 0');
  t.match(good.stdout, /verdict: MATCH/);
  t.notMatch(good.stdout, /FAIL/);
  t.match(good.stdout, /page: identical to the page this source renders/);

  // A server whose stylesheet was altered, with a consistent build manifest (as an attacker
  // who controls the server would make it), so that the server itself starts and serves it.
  const alteredDir = join(dir, 'altered');
  cpSync(honestDir, alteredDir, { recursive: true });
  const manifestPath = join(alteredDir, 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const [cssPath, css] = Object.entries(manifest.assets).find(([, a]) => (a as { type: string }).type === 'text/css') as [string, { file: string }];
  const bytes = Buffer.concat([readFileSync(join(alteredDir, css.file)), Buffer.from('\nbody{background:url(/x)}\n')]);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const file = `app.${sha256.slice(0, 16)}.css`;
  writeFileSync(join(alteredDir, css.file), bytes);
  renameSync(join(alteredDir, css.file), join(alteredDir, file));
  delete manifest.assets[cssPath];
  manifest.assets[`/assets/${file}`] = { file, type: 'text/css', sha256, integrity: `sha384-${createHash('sha384').update(bytes).digest('base64')}` };
  writeFileSync(manifestPath, JSON.stringify(manifest));
  const altered = await startServer(t, { TIPLINE_DATA_DIR: join(dir, 'data-altered'), TIPLINE_CLIENT_DIR: alteredDir });
  const bad = await verify(altered.url);
  t.equal(bad.code, 1, 'exit 1');
  t.match(bad.stdout, /verdict: MISMATCH/);
  t.match(bad.stdout, new RegExp(`FAIL  manifest: ${cssPath.replace(/\./g, '\\.')} \\(built from source\\) is not listed`));
  t.match(bad.stdout, /FAIL {2}page: <link rel="stylesheet">/);
  t.match(bad.stdout, /ok {4}asset \/assets\/pow-worker\./, 'what did not change still matches');

  const usage = await verify('not a url');
  t.equal(usage.code, 2, 'usage error: exit 2');
  t.match(usage.stderr, /^tipline verify-client: /);
});
