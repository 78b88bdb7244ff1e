// Attachment cipher aes-256-gcm-chunked-1: round trips, the docs/PROTOCOL.md test vector, an
// independent check against node:crypto's AES-GCM, and every kind of damage named.
import t, { type Test } from 'tap';
import fc from 'fast-check';
import { createCipheriv, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  AttachmentError,
  FILE_CHUNK_CIPHERTEXT_BYTES,
  FILE_CHUNK_SIZE,
  FILE_CIPHER,
  FileDecryptor,
  FileStreamEncryptor,
  chunkCiphertextLength,
  chunkNonce,
  chunkSourceRange,
  decryptChunk,
  decryptFile,
  encryptChunk,
  encryptFile,
  encryptFileChunk,
  fileChunkCount,
  fileCiphertextLength,
  generateFileKey,
  lastChunkCiphertextLength,
  padChunk,
  uploadCiphertextLength,
  type AttachmentErrorCode,
} from '../../src/crypto/attachment.js';
import { toHex, utf8 } from '../../src/crypto/bytes.js';
import { paddedLength } from '../../src/crypto/padding.js';

const C = FILE_CHUNK_SIZE;

async function rejectsWith(t: Test, promise: Promise<unknown>, code: AttachmentErrorCode, what: string) {
  try {
    await promise;
    t.fail(`${what}: accepted`);
  } catch (err) {
    t.ok(err instanceof AttachmentError, `${what}: AttachmentError`);
    t.equal((err as AttachmentError).code, code, `${what}: ${(err as Error).message}`);
  }
}

function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let o = 0; o < n; o += 65536) globalThis.crypto.getRandomValues(out.subarray(o, Math.min(n, o + 65536)));
  return out;
}

t.test('one encryptor: streamed in any pieces (the no-JS path) or asked for by index (the browser worker), the same chunks', async (t) => {
  const key = generateFileKey();
  // Sizes around the chunk boundary and the padding class edges, fed in uneven pieces.
  for (const size of [0, 1, 4096, FILE_CHUNK_SIZE - 1, FILE_CHUNK_SIZE, FILE_CHUNK_SIZE + 1, 3 * FILE_CHUNK_SIZE + 12345]) {
    const file = Uint8Array.from({ length: size }, (_, i) => (i * 131 + 7) & 0xff);
    const expected = await encryptFile(key, file);
    const byIndex: Uint8Array[] = [];
    for (let i = 0; i < fileChunkCount(size); i++) {
      const { start, end } = chunkSourceRange(size, i);
      byIndex.push(await encryptFileChunk(key, size, i, file.subarray(start, end)));
    }
    const streamed: Uint8Array[] = [];
    const encryptor = new FileStreamEncryptor(key);
    const put = (index: number, c: Uint8Array) => {
      t.equal(index, streamed.length, 'chunks come in index order');
      streamed.push(c);
    };
    for (let at = 0, step = 1; at < size; at += step, step = step * 7 + 3) await encryptor.push(file.subarray(at, Math.min(size, at + step)), put);
    let lastSeen = -1;
    const chunks = await encryptor.finish((index, c, last) => {
      put(index, c);
      if (last) lastSeen = index;
    });
    encryptor.wipe();
    t.equal(chunks, expected.length, `${size} bytes: the chunk count`);
    t.equal(lastSeen, expected.length - 1, `${size} bytes: only the final chunk is marked last`);
    t.same(byIndex.map(toHex), expected.map(toHex), `${size} bytes: by index`);
    t.same(streamed.map(toHex), expected.map(toHex), `${size} bytes: streamed`);
  }
});

t.test('the docs/PROTOCOL.md test vector', async (t) => {
  const key = Uint8Array.from({ length: 32 }, (_, i) => i);
  const file = utf8('tipline');
  t.equal(fileChunkCount(file.length), 1);
  t.equal(lastChunkCiphertextLength(file.length), 1040);
  t.equal(toHex(chunkNonce(0, true)), '000000000000000000000001');
  t.equal(toHex(chunkNonce(258, false)), '000000000000010200000000');
  t.equal(toHex(chunkNonce(2 ** 32 + 1, false)), '000000010000000100000000');
  const [chunk, ...rest] = await encryptFile(key, file);
  t.equal(rest.length, 0);
  t.equal(chunk!.length, 1040);
  t.equal(toHex(chunk!.subarray(0, 16)), '61bfcf902d9a551e0e2e5139eca63af7', 'first 16 ciphertext bytes');
  t.equal(toHex(chunk!.subarray(1024)), '235a830bd9809c8ead33b6d1b3170dc0', 'tag');
  t.equal(createHash('sha256').update(chunk!).digest('hex'), '957de2946cfc7182de99ec967d1f6bc0495c0efa214a79dd4d341aaa6291571d', 'SHA-256 of the chunk');
});

t.test('docs/PROTOCOL.md states the same vector', async (t) => {
  const doc = readFileSync(new URL('../../docs/PROTOCOL.md', import.meta.url), 'utf8');
  const key = Uint8Array.from({ length: 32 }, (_, i) => i);
  const [chunk] = await encryptFile(key, utf8('tipline'));
  const section = doc.slice(doc.indexOf('## Attachments'));
  t.match(section, `first 16 ciphertext bytes  ${toHex(chunk!.subarray(0, 16))}`);
  t.match(section, `tag (last 16 bytes)        ${toHex(chunk!.subarray(1024))}`);
  t.match(section, `SHA-256 of the 1040 bytes  ${createHash('sha256').update(chunk!).digest('hex')}`);
  t.match(section, `chunk 258, not last: \`${toHex(chunkNonce(258, false))}\``);
});

t.test('agrees with node:crypto AES-256-GCM (an independent implementation)', async (t) => {
  const key = generateFileKey();
  const file = randomBytes(C + 5000);
  const chunks = await encryptFile(key, file);
  const n = fileChunkCount(file.length);
  t.equal(chunks.length, n);
  const padded = new Uint8Array(paddedLength(file.length));
  padded.set(file);
  for (let i = 0; i < n; i++) {
    const cipher = createCipheriv('aes-256-gcm', key, chunkNonce(i, i === n - 1));
    cipher.setAAD(utf8('tipline-file-1'));
    const body = Buffer.concat([cipher.update(padded.subarray(i * C, Math.min((i + 1) * C, padded.length))), cipher.final(), cipher.getAuthTag()]);
    t.equal(Buffer.compare(body, chunks[i]!), 0, `chunk ${i} identical`);
  }
});

t.test('sizes: chunk counts, lengths and the upload total', async (t) => {
  t.equal(FILE_CIPHER, 'aes-256-gcm-chunked-1');
  t.equal(fileChunkCount(0), 1);
  t.equal(lastChunkCiphertextLength(0), 1024 + 16);
  t.equal(fileChunkCount(C), 1);
  t.equal(fileChunkCount(C + 1), 2);
  const twoGiB = 2 ** 31;
  t.equal(fileChunkCount(twoGiB), 2048);
  t.equal(fileCiphertextLength(twoGiB), 2048 * FILE_CHUNK_CIPHERTEXT_BYTES);
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 36 }), (size) => {
      const n = fileChunkCount(size);
      const m = lastChunkCiphertextLength(size);
      const total = uploadCiphertextLength(n, m);
      return n === Math.ceil(paddedLength(size) / C) && m >= 17 && m <= FILE_CHUNK_CIPHERTEXT_BYTES && total === paddedLength(size) + 16 * n && chunkSourceRange(size, n - 1).end === size;
    }),
    { numRuns: 2000 },
  );
});

t.test('round trip: any content and size (fast-check)', async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 3000 }), async (file) => {
      const key = generateFileKey();
      const chunks = await encryptFile(key, file);
      const back = await decryptFile(key, file.length, chunks);
      return Buffer.compare(Buffer.from(back), Buffer.from(file)) === 0;
    }),
    { numRuns: 100 },
  );
  // Sizes around chunk boundaries, where padding may span whole chunks.
  for (const size of [C - 1, C, C + 1, 3 * C + 12345]) {
    const key = generateFileKey();
    const file = randomBytes(size);
    const chunks = await encryptFile(key, file);
    t.equal(chunks.length, fileChunkCount(size));
    for (let i = 0; i < chunks.length; i++) t.equal(chunks[i]!.length, chunkCiphertextLength(size, i));
    const back = await decryptFile(key, size, chunks);
    t.equal(Buffer.compare(Buffer.from(back), Buffer.from(file)), 0, `${size} bytes round trip`);
  }
});

t.test('any single flipped bit is detected (fast-check)', async (t) => {
  const key = generateFileKey();
  const file = randomBytes(2000);
  const [chunk] = await encryptFile(key, file);
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 0, max: chunk!.length * 8 - 1 }), async (bit) => {
      const bad = chunk!.slice();
      bad[bit >> 3]! ^= 1 << (bit & 7);
      try {
        await decryptFile(key, file.length, [bad]);
        return false;
      } catch (err) {
        return err instanceof AttachmentError && err.code === 'tampered';
      }
    }),
    { numRuns: 200 },
  );
  t.pass('every flipped bit rejected');
});

t.test('damage is detected and named', async (t) => {
  const key = generateFileKey();
  const size = 4 * C + 100;
  const file = randomBytes(size);
  const chunks = await encryptFile(key, file);
  t.equal(chunks.length, 5);

  // Truncated: the stream stops early.
  await rejectsWith(t, decryptFile(key, size, chunks.slice(0, 3)), 'truncated', 'missing chunks at the end');
  // Truncated and spliced: the final chunk moved up, chunks in between missing.
  await rejectsWith(t, decryptFile(key, size, [chunks[0]!, chunks[1]!, chunks[4]!]), 'reordered', 'final chunk early');
  // Swapped chunks.
  await rejectsWith(t, decryptFile(key, size, [chunks[0]!, chunks[2]!, chunks[1]!, chunks[3]!, chunks[4]!]), 'reordered', 'swapped chunks');
  // Tampered chunk.
  const tampered = chunks.map((c) => c.slice());
  tampered[2]![10]! ^= 0x80;
  await rejectsWith(t, decryptFile(key, size, tampered), 'tampered', 'a flipped byte');
  // Wrong key.
  await rejectsWith(t, decryptFile(generateFileKey(), size, chunks), 'tampered', 'another key');
  // A chunk of the wrong length.
  await rejectsWith(t, decryptFile(key, size, [chunks[0]!.subarray(0, 1000), ...chunks.slice(1)]), 'length', 'short chunk');
  // Extra chunks.
  await rejectsWith(t, decryptFile(key, size, [...chunks, chunks[4]!]), 'extra', 'one chunk too many');
  // Wrong count declared by the upload.
  t.throws(() => new FileDecryptor(key, size, { chunks: 4 }), { code: 'count' });
  // A size that does not match the chunks (the final-flag and lengths no longer line up).
  await rejectsWith(t, decryptFile(key, size + C, chunks), 'truncated', 'claims one more chunk');
  // Unknown cipher and chunk size.
  t.throws(() => new FileDecryptor(key, size, { cipher: 'xchacha' }), { code: 'cipher' });
  t.throws(() => new FileDecryptor(key, size, { chunkSize: 65536 }), { code: 'cipher' });
  // A key of the wrong length.
  await rejectsWith(t, decryptChunk(new Uint8Array(16), 0, true, chunks[4]!), 'key', 'a 16-byte key');
});

t.test('non-zero padding is refused', async (t) => {
  const key = generateFileKey();
  const size = 10;
  // Encrypt a chunk whose padding is not zero, as a hostile sender could.
  const q = new Uint8Array(1024);
  q.fill(7, size);
  const chunk = await encryptChunk(key, 0, true, q);
  await rejectsWith(t, decryptFile(key, size, [chunk]), 'padding', 'non-zero padding');
  // The same chunk read as a longer file is fine, which shows the check looks at the padding only.
  const back = await decryptFile(key, 1024, [chunk]);
  t.equal(back[1023], 7);
});

t.test('padChunk checks its input and pads with zeros', async (t) => {
  const size = C + 3;
  t.equal(padChunk(new Uint8Array(C), size, 0).length, C);
  const last = padChunk(Uint8Array.of(1, 2, 3), size, 1);
  t.equal(last.length, paddedLength(size) - C);
  t.same([...last.subarray(0, 4)], [1, 2, 3, 0]);
  t.throws(() => padChunk(new Uint8Array(2), size, 1), { code: 'length' });
  t.throws(() => padChunk(new Uint8Array(0), size, 2), { code: 'count' });
});
