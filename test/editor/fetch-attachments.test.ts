// Attachments through the editor API, end to end through real processes: a real server
// (scripts/start.ts) receives a tip with two encrypted files over HTTP (one of three 1 MiB
// chunks), the real `scripts/editor.ts fetch` writes a bundle — the same lines `npm run export`
// writes — and the real `scripts/decrypt.ts` gives back both files byte for byte. Then through a
// TCP relay that cuts the attachment transfer: once (fetch resumes at the first incomplete chunk),
// and every time (fetch fails with one clear line, writes no bundle and leaves no spool behind).
import t, { type Test } from 'tap';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FILE_CHUNK_CIPHERTEXT_BYTES, FILE_CHUNK_SIZE, FILE_CIPHER, encryptFile, generateFileKey } from '../../src/crypto/attachment.js';
import { encodeBody, type FileRef } from '../../src/crypto/body.js';
import { toBase64Url } from '../../src/crypto/bytes.js';
import { sealEnvelope } from '../../src/crypto/envelope.js';
import { decodePublicKey } from '../../src/crypto/keys.js';
import { DATABASE_FILE } from '../../src/server/store/db.js';
import { httpCreateUpload, httpPutChunk, solvedPow, tempDir } from '../helpers/fixtures.js';
import { startServer } from '../helpers/server-process.js';
import { LOW_POW, keygenEditor, runScript } from '../helpers/e2e.js';

const run = runScript;

function pattern(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/**
 * A TCP relay to `target` that cuts, `cuts` times, an upload answer after its first `at` bytes
 * (smaller answers pass); `at` may depend on the request line. Records each upload request line.
 */
async function relay(t: Test, target: URL, at: number | ((requestLine: string) => number), cuts: number): Promise<{ url: string; uploadRequests: () => number; lines: string[] }> {
  let uploads = 0;
  let cutsLeft = cuts;
  const lines: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(upstream);
    let budget = Infinity;
    let first = true;
    client.on('data', (data) => {
      if (first && data.toString('latin1').startsWith('GET /api/editor/uploads/')) {
        uploads++;
        const line = data.toString('latin1').split('\r\n')[0]!;
        lines.push(line);
        budget = typeof at === 'number' ? at : at(line);
      }
      first = false;
      upstream.write(data);
    });
    upstream.on('data', (data: Buffer) => {
      if (data.length < budget || cutsLeft <= 0) {
        budget -= data.length;
        return void client.write(data);
      }
      cutsLeft--;
      client.end(data.subarray(0, budget), () => {
        client.destroy();
        upstream.destroy();
      });
    });
    for (const s of [client, upstream]) s.on('error', () => undefined);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  const address = server.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}`, uploadRequests: () => uploads, lines };
}

t.test('editor fetch carries attachments: same bundle as export, files byte-identical, resumes, fails cleanly', async (t) => {
  const dir = tempDir(t);
  const p = (name: string) => join(dir, name);
  const editorFiles = await keygenEditor(t, dir, 'correct horse battery staple');
  const server = await startServer(t, { TIPLINE_DATA_DIR: p('data'), ...editorFiles.env, ...LOW_POW });
  const editorKey = decodePublicKey(
    readFileSync(editorFiles.recipients, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('tipline-editor-2:'))!,
  ).publicKey;

  // The source's side, over HTTP: two encrypted uploads, then a tip naming them.
  const files = [
    { name: 'ledger.bin', bytes: pattern(2 * FILE_CHUNK_SIZE + 300_000, 7) }, // three chunks
    { name: 'note.txt', bytes: new TextEncoder().encode('the second file\n') },
  ];
  const refs: FileRef[] = [];
  for (const file of files) {
    const key = generateFileKey();
    const chunks = await encryptFile(key, file.bytes);
    const created = await httpCreateUpload(server.url, chunks.length, chunks.at(-1)!.length);
    t.equal(created.status, 201);
    const { upload } = (await created.json()) as { upload: string };
    for (const [i, chunk] of chunks.entries()) {
      const put = await httpPutChunk(server.url, upload, i, chunk);
      t.equal(put.status, 204);
    }
    refs.push({ upload, name: file.name, type: 'application/octet-stream', size: file.bytes.length, key: toBase64Url(key), cipher: FILE_CIPHER, chunkSize: FILE_CHUNK_SIZE });
  }
  t.equal(refs.filter((r) => r.size > FILE_CHUNK_SIZE).length, 1, 'one file spans several chunks');
  const envelope = toBase64Url(
    await sealEnvelope({ kind: 'tip', recipients: [editorKey], body: encodeBody({ v: 1, message: 'two files attached', clientTime: new Date().toISOString(), files: refs }) }),
  );
  const tip = await fetch(`${server.url}/api/tips`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ envelope, pow: await solvedPow(server.url, envelope), uploads: refs.map((r) => r.upload) }),
  });
  t.equal(tip.status, 201);

  const editorArgs = (url: string) => ['--server', url, '--key', p('fetch.key')];
  const decryptedFiles = async (bundle: string, out: string) => {
    const decrypt = await run('decrypt', ['--key', p('editor.key'), '--passphrase-file', p('pass'), '--in', bundle, '--out', out]);
    t.equal(decrypt.code, 0, decrypt.stderr);
    const folder = readdirSync(out).find((name) => existsSync(join(out, name, 'files')))!;
    t.ok(folder, 'the tip has a files folder');
    return Object.fromEntries(readdirSync(join(out, folder, 'files')).map((name) => [name, readFileSync(join(out, folder, 'files', name))]));
  };
  const checkFiles = (got: Record<string, Buffer>, what: string) => {
    t.same(Object.keys(got).sort(), files.map((f) => f.name).sort(), `${what}: both files`);
    for (const file of files) t.ok(got[file.name]?.equals(Buffer.from(file.bytes)), `${what}: ${file.name} byte-identical`);
  };

  // Directly: fetch → decrypt; the bundle holds the same lines as the server host's export.
  const fetched = await run('editor', ['fetch', ...editorArgs(server.url), '--out', p('fetched.bundle')]);
  t.equal(fetched.code, 0, fetched.stderr);
  t.match(fetched.stdout, /fetched 1 new record with 2 attachments into/);
  t.match(fetched.stderr, /fetching attachment 1 of 2 .*\nfetching attachment 2 of 2 /);
  checkFiles(await decryptedFiles(p('fetched.bundle'), p('out1')), 'fetched');
  const exported = await run('export', ['--db', join(p('data'), DATABASE_FILE), '--out', p('exported.bundle')]);
  t.equal(exported.code, 0, exported.stderr);
  const body = (path: string) => readFileSync(path, 'utf8').split('\n').slice(1); // all but the header (its date)
  t.ok(body(p('fetched.bundle')).join('\n') === body(p('exported.bundle')).join('\n'), 'fetch wrote exactly the lines export writes');
  t.equal(
    readFileSync(p('fetched.bundle'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('{"type":"chunk"')).length,
    4,
    'four chunk lines',
  );

  // A connection cut in the middle of the big file (after 1.5 MiB): fetch resumes at chunk 2.
  const once = await relay(t, new URL(server.url), 1_500_000, 1);
  const resumed = await run('editor', ['fetch', ...editorArgs(once.url), '--out', p('resumed.bundle')]);
  t.equal(resumed.code, 0, resumed.stderr);
  t.equal(once.uploadRequests(), 3, 'one request cut short, one resumed, one for the second file');
  t.equal(readFileSync(p('resumed.bundle'), 'utf8'), readFileSync(p('fetched.bundle'), 'utf8'), 'the resumed bundle is the same bundle');
  checkFiles(await decryptedFiles(p('resumed.bundle'), p('out2')), 'resumed');

  // The big file's first answer cut after 1.5 MiB (one whole chunk), every later one before a
  // whole chunk came: a clear error, no bundle; the spool keeps what came.
  const bigId = refs[0]!.upload;
  let bigAnswers = 0;
  const never = await relay(t, new URL(server.url), (line) => (line.includes(bigId) ? (bigAnswers++ === 0 ? 1_500_000 : 4096) : Infinity), Infinity);
  // Attachments come in upload id order (random): the big file is the first or the second.
  const bigIndex = refs[0]!.upload < refs[1]!.upload ? 1 : 2;
  const broken = await run('editor', ['fetch', ...editorArgs(never.url), '--out', p('broken.bundle')]);
  t.equal(broken.code, 1);
  t.match(
    broken.stderr,
    new RegExp(
      String.raw`^tipline editor: the connection broke while fetching attachment ${bigIndex} of 2 \(tip [0-9a-f]{32}\) at chunk 2 of 3, 3 times in a row; no bundle was written: run fetch again with the same --out to continue from there\n$`,
      'm',
    ),
  );
  t.equal(bigAnswers, 4, 'one answer that brought a chunk, then three tries that brought none');
  t.notOk(existsSync(p('broken.bundle')), 'no bundle');
  const spool = p('.broken.bundle.fetching');
  t.equal(statSync(spool).mode & 0o777, 0o700, 'the spool is a private folder');
  t.ok(statSync(join(spool, bigId)).size >= FILE_CHUNK_CIPHERTEXT_BYTES, 'it holds the chunk that came');

  // The next fetch to the same --out continues the big file at chunk 2 and writes the same bundle.
  const again = await relay(t, new URL(server.url), Infinity, 0);
  const continued = await run('editor', ['fetch', ...editorArgs(again.url), '--out', p('broken.bundle')]);
  t.equal(continued.code, 0, continued.stderr);
  t.match(continued.stderr, /1\.0 MiB already fetched by an earlier run/);
  const bigLines = again.lines.filter((line) => line.includes(bigId));
  t.same(
    bigLines.map((line) => /from=(\d+)/.exec(line)?.[1]),
    ['1'],
    'one request for the big file, from its second chunk',
  );
  t.equal(readFileSync(p('broken.bundle'), 'utf8'), readFileSync(p('fetched.bundle'), 'utf8'), 'the continued bundle is the same bundle');
  t.same(
    readdirSync(dir).filter((name) => name.startsWith('.')),
    [],
    'the spool is gone once the bundle is written',
  );
  const logged = server
    .output()
    .split('\n')
    .filter((line) => !/listening (on|at) http/i.test(line))
    .join('\n');
  t.notMatch(logged, /127\.0\.0\.1|upload/i, 'the cut transfers left no address or upload id in the server log');
});
