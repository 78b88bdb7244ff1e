// Editor API authentication, the attacks of findings 5 and 13 performed for real:
// - a request signed for server A, replayed to server B that lists the same fetch key;
// - 40 unauthenticated requests that declare 16 MiB bodies (half of them sent halfway and left
//   hanging, half sent in full) to a real server process: each is refused with 401 and the
//   connection closed before its body is read, and the server's memory does not grow with them.
import { readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import t from 'tap';
import { encodeFetchPublicKey, signRequest } from '../../src/crypto/editor-request.js';
import { encodePublicKey } from '../../src/crypto/keys.js';
import { loadSodium } from '../../src/crypto/sodium.js';
import { UNAUTHORIZED } from '../../src/server/plugins/editor-api.js';
import { conversationApp, editorRequest } from '../helpers/conversation.js';
import { editorKeys, tempDir } from '../helpers/fixtures.js';
import { startServer } from '../helpers/server-process.js';

const A = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.onion';
const B = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.onion';

t.test('a request signed for server A is refused by server B with the same fetch key', async (t) => {
  const sodium = await loadSodium();
  const fetchKey = sodium.crypto_sign_keypair();
  const a = await conversationApp(t, { fetchKey, serverNames: [A] });
  const b = await conversationApp(t, { fetchKey, serverNames: [B] });
  const forA = await editorRequest(a.app, fetchKey.privateKey, 'GET', '/api/editor/records', undefined, { server: A });
  // B's operator relays it, under any Host header it likes.
  for (const host of [A, B]) {
    const relayed = await b.app.inject({ ...forA.request, headers: { ...forA.request.headers, host } });
    t.equal(relayed.statusCode, 401, `relayed to B with Host: ${host.slice(0, 4)}…`);
    t.same(JSON.parse(relayed.body), { error: UNAUTHORIZED });
  }
  t.equal((await forA.send()).statusCode, 200, 'the same request is accepted by A, the server it was signed for');
  const forB = await editorRequest(b.app, fetchKey.privateKey, 'GET', '/api/editor/records', undefined, { server: B });
  t.equal((await forB.send()).statusCode, 200, 'B accepts requests signed for B');
  const upper = await editorRequest(b.app, fetchKey.privateKey, 'GET', '/api/editor/records', undefined, { server: B.toUpperCase() });
  t.equal((await upper.send()).statusCode, 200, 'names compare in lower case');

  // Without TIPLINE_SERVER_NAMES the name is the Host header: a request signed for one name
  // does not pass under another.
  const open = await conversationApp(t, { fetchKey });
  const signed = await editorRequest(open.app, fetchKey.privateKey, 'GET', '/api/editor/records', undefined, { server: A });
  t.equal((await open.app.inject({ ...signed.request, headers: { ...signed.request.headers, host: B } })).statusCode, 401, 'Host differs from the signed name');
  t.equal((await signed.send()).statusCode, 200, 'Host equal to the signed name');
});

t.test('the signed body: declared length and hash, checked before and after reading', async (t) => {
  const { app, fetchKey } = await conversationApp(t);
  const body = '{"ids":[]}';
  const ok = await editorRequest(app, fetchKey.privateKey, 'POST', '/api/editor/ack', body);
  const swapped = await app.inject({ ...ok.request, payload: '{"ids":[ ]}' });
  t.equal(swapped.statusCode, 401, 'a body of the same length with another hash');
  const headers = await signRequest(fetchKey.privateKey, 'localhost:80', 'GET', '/api/editor/records', new TextEncoder().encode('x'));
  const getWithBody = await app.inject({ method: 'GET', url: '/api/editor/records', headers: { ...headers, host: 'localhost:80', 'content-length': '1' }, payload: 'x' });
  t.equal(getWithBody.statusCode, 413, 'a GET that signs a body is refused');
  const big = 'x'.repeat(9 * 1024 * 1024 + 1);
  const ack = await editorRequest(app, fetchKey.privateKey, 'POST', '/api/editor/ack', big);
  const tooBig = await ack.send();
  t.equal(tooBig.statusCode, 413, 'an ack above its 9 MiB limit, even signed');
  const unsignedHash = { ...ok.request.headers };
  delete unsignedHash['tipline-body-hash'];
  t.equal((await app.inject({ ...ok.request, headers: unsignedHash })).statusCode, 401, 'no body hash header');
});

/** VmRSS of a process, in bytes. */
function rss(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

interface Outcome {
  answer: string;
  closed: boolean;
  /** The server reset the connection while we were still writing (it stopped reading). */
  reset: boolean;
}

/** Sends the head of an unauthenticated 16 MiB request and `sent` bytes of its body; resolves when the server closes. */
function attack(port: number, headers: string, sent: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    let reset = false;
    socket.on('data', (d) => (answer += d.toString('latin1')));
    // EPIPE/ECONNRESET while we still write: the server closed without reading, as it should
    // (the kernel may then drop its 401 before we read it).
    socket.on('error', () => (reset = true));
    socket.on('close', () => resolve({ answer, closed: true, reset }));
    socket.on('connect', () => {
      socket.write(`POST /api/editor/replies HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/x-ndjson\r\nContent-Length: ${16 * 1024 * 1024}\r\n${headers}\r\n`);
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      let left = sent;
      const pump = () => {
        while (left > 0 && !socket.destroyed) {
          left -= chunk.length;
          if (!socket.write(chunk)) return void socket.once('drain', pump);
        }
      };
      pump();
    });
  });
}

t.test('40 unauthenticated half-sent or huge requests are refused before their bodies are read', async (t) => {
  const dir = tempDir(t, 'tipline-editor-auth-');
  const sodium = await loadSodium();
  const [editor] = await editorKeys(1);
  writeFileSync(join(dir, 'recipients'), `${encodePublicKey(editor!)}\n`);
  const fetchKey = sodium.crypto_sign_keypair();
  writeFileSync(join(dir, 'editors'), `${encodeFetchPublicKey(fetchKey.publicKey)}\n`);
  const server = await startServer(t, { TIPLINE_DATA_DIR: join(dir, 'data'), TIPLINE_RECIPIENTS: join(dir, 'recipients'), TIPLINE_EDITORS: join(dir, 'editors') });
  const port = Number(new URL(server.url).port);
  const pid = server.child.pid!;
  const before = rss(pid);

  // Forged headers that look right (a listed key, a fresh time, a random signature), and none at all.
  const stranger = sodium.crypto_sign_keypair();
  const forged = await signRequest(stranger.privateKey, `127.0.0.1:${port}`, 'POST', '/api/editor/replies', new Uint8Array(16 * 1024 * 1024));
  forged['tipline-key'] = Buffer.from(fetchKey.publicKey).toString('base64url');
  const forgedHead = Object.entries(forged)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  const attacks: Promise<Outcome>[] = [];
  for (let i = 0; i < 40; i++) {
    const headers = i % 2 === 0 ? forgedHead : '';
    // Half hang after 256 KiB; half send all 16 MiB.
    attacks.push(attack(port, headers, i < 20 ? 256 * 1024 : 16 * 1024 * 1024));
  }
  const outcomes = await Promise.all(attacks);
  const after = rss(pid);
  for (const [i, o] of outcomes.entries()) {
    t.ok(o.closed, `request ${i + 1}: the server closed the connection`);
    if (i < 20 || !o.reset) {
      t.match(o.answer, /^HTTP\/1\.1 401 /, `request ${i + 1}: 401`);
      t.match(o.answer, /\r\nconnection: close\r\n/i, `request ${i + 1}: Connection: close`);
    } else t.ok(o.answer === '' || /^HTTP\/1\.1 401 /.test(o.answer), `request ${i + 1}: reset while sending its body, or 401`);
  }
  t.ok(after - before < 100 * 1024 * 1024, `RSS grew by ${Math.round((after - before) / 1048576)} MiB (< 100 MiB)`);
  t.comment(`server RSS before ${Math.round(before / 1048576)} MiB, after ${Math.round(after / 1048576)} MiB`);
});
