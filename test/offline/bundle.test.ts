// Bundle format v1: the writer and the streaming reader/verifier, on real files.
import t from 'tap';
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/fixtures.js';
import { toBase64Url, utf8 } from '../../src/crypto/bytes.js';
import {
  BundleError,
  MAX_LINE_BYTES,
  MAX_TIP_LINE_BYTES,
  describeProblem,
  headerLine,
  manifestLine,
  parseBundleLine,
  parseHeaderLine,
  fileLine,
  chunkLine,
  eventLine,
  tipLine,
  type BundleItem,
  type ProblemCode,
  type TipRecord,
} from '../../src/crypto/bundle.js';
import { readVerifiedRecords, verifyBundle, type BundleVerification } from '../../src/offline/bundle.js';
import { writeBundle } from '../../src/files/bundle.js';

function makeRecords(n: number, received = '2024-05-01'): TipRecord[] {
  return Array.from({ length: n }, () => ({ id: randomBytes(16).toString('hex'), received, envelope: new Uint8Array(randomBytes(200 + Math.floor(Math.random() * 300))) }));
}

async function writeFixture(dir: string, records: TipRecord[], name = 'tips.bundle'): Promise<string> {
  const path = join(dir, name);
  await writeBundle(path, records, { created: '2024-05-02' });
  return path;
}

async function readAll(path: string, v: BundleVerification) {
  const records: TipRecord[] = [];
  const problems = [];
  for await (const item of readVerifiedRecords(path, v)) {
    if (item.kind === 'record') records.push(item.record);
    else if (item.kind === 'problem') problems.push(item.problem);
  }
  return { records, problems };
}

const codes = (v: BundleVerification) => v.problems.map((p) => p.code);
const acceptedIds = (v: BundleVerification) => [...v.accepted.values()].map((a) => a.id).sort();
const lines = (path: string) => readFileSync(path, 'utf8').split('\n');

/** Damage for the property tests: one to four bytes overwritten, and maybe the file cut short. */
const DAMAGE = [fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), fc.option(fc.nat())] as const;

/** Writes `original` with that damage to `p` and verifies it: the verification, or null when
 * verifyBundle refused the whole file with a BundleError (only a broken header may); any other
 * error is thrown, and fails the property. */
async function verifyDamaged(p: string, original: Buffer, flips: [number, number][], cut: number | null): Promise<BundleVerification | null> {
  const bytes = Buffer.from(original);
  for (const [pos, value] of flips) bytes[pos % bytes.length] = value;
  writeFileSync(p, cut === null ? bytes : bytes.subarray(0, cut % bytes.length));
  try {
    return await verifyBundle(p);
  } catch (err) {
    if (err instanceof BundleError) return null;
    throw err;
  }
}

/**
 * The damage property over the bundle at `path` (150 damaged copies in `dir`): whatever `read`
 * gets out of a copy that verifies is, with a manifest, only what was written (`written`, byte for
 * byte); without one, the envelope's own AEAD is the check (the decrypt tests cover that), so
 * only as many items as the verification accepted.
 */
async function damagedReads<T>(dir: string, path: string, read: (p: string, v: BundleVerification) => Promise<T[]>, written: (item: T) => boolean): Promise<void> {
  const original = readFileSync(path);
  let n = 0;
  await fc.assert(
    fc.asyncProperty(...DAMAGE, async (flips, cut) => {
      const p = join(dir, `m${n++}`);
      const v = await verifyDamaged(p, original, flips, cut);
      if (!v) return true;
      const out = await read(p, v);
      return v.manifest ? out.every(written) : out.length === v.accepted.size;
    }),
    { numRuns: 150 },
  );
}

t.test('round trip: the writer writes, the reader verifies and streams the same records back', async (t) => {
  const dir = tempDir(t);
  const records = makeRecords(5).sort((a, b) => a.id.localeCompare(b.id));
  const path = await writeFixture(dir, records);
  t.equal(statSync(path).mode & 0o777, 0o600, 'the bundle is mode 0600');
  t.same(readdirSync(dir), ['tips.bundle'], 'no temporary file is left behind');
  const text = readFileSync(path, 'utf8');
  t.ok(text.endsWith('\n'), 'every line ends with LF');
  const ls = text.slice(0, -1).split('\n');
  t.equal(ls.length, 7, 'header, five records, manifest');
  t.equal(ls[0], '{"format":"tipline-bundle","version":1,"created":"2024-05-02"}');
  t.equal(ls[1], `{"type":"tip","id":"${records[0]!.id}","received":"2024-05-01","envelope":"${toBase64Url(records[0]!.envelope)}"}`);
  t.match(ls[6], /^\{"type":"manifest","count":5,"hash":"blake2b-256","records":\[\{"id":"[0-9a-f]{32}","hash":"[0-9a-f]{64}"\}/);

  const v = await verifyBundle(path);
  t.same(v.problems, []);
  t.equal(v.header.created, '2024-05-02');
  t.equal(v.manifest?.count, 5);
  const { records: back, problems } = await readAll(path, v);
  t.same(problems, []);
  t.same(
    back.map((r) => [r.id, r.received, Buffer.from(r.envelope).toString('hex')]),
    records.map((r) => [r.id, r.received, Buffer.from(r.envelope).toString('hex')]),
  );

  const empty = await writeFixture(dir, [], 'empty.bundle');
  const ve = await verifyBundle(empty);
  t.same(ve.problems, []);
  t.equal(ve.manifest?.count, 0);
  t.same((await readAll(empty, ve)).records, []);
});

t.test('the writer refuses to overwrite, to write where it cannot, and records it would not read back', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'tips.bundle');
  writeFileSync(path, 'precious');
  await t.rejects(writeBundle(path, makeRecords(1)), { name: 'BundleError', message: /already exists; refusing to overwrite/ });
  t.equal(readFileSync(path, 'utf8'), 'precious');
  await t.rejects(writeBundle(join(dir, 'no-such-dir', 'x.bundle'), []), { message: /cannot write in .*no-such-dir \(ENOENT\)/ });
  await t.rejects(writeBundle(join(path, 'x.bundle'), []), { message: /cannot write in .* \(ENOTDIR\)/ });
  const bad: TipRecord[][] = [
    [{ id: '../x', received: '2024-05-01', envelope: new Uint8Array(10) }],
    [{ id: 'a'.repeat(32), received: '../x', envelope: new Uint8Array(10) }],
    [{ id: 'a'.repeat(32), received: '2024-02-30', envelope: new Uint8Array(10) }],
    [{ id: 'a'.repeat(32), received: '2024-05-01', envelope: new Uint8Array(0) }],
    [
      { id: 'a'.repeat(32), received: '2024-05-01', envelope: new Uint8Array(10) },
      { id: 'a'.repeat(32), received: '2024-05-01', envelope: new Uint8Array(10) },
    ],
    [{ id: 'a'.repeat(32), received: '2024-05-01', envelope: new Uint8Array(MAX_TIP_LINE_BYTES) }],
  ];
  for (const records of bad) {
    await t.rejects(writeBundle(join(dir, 'bad.bundle'), records), BundleError);
    t.notOk(existsSync(join(dir, 'bad.bundle')), 'nothing is left at the target');
  }
  await t.rejects(writeBundle(join(dir, 'bad.bundle'), [], { created: 'yesterday' }), BundleError);
  t.same(readdirSync(dir), ['tips.bundle'], 'and no temporary file either');
});

t.test('a file that is not a bundle is refused as a whole', async (t) => {
  const dir = tempDir(t);
  const file = (name: string, content: string | Buffer) => {
    writeFileSync(join(dir, name), content);
    return join(dir, name);
  };
  await t.rejects(verifyBundle(join(dir, 'missing')), { name: 'BundleError', message: /cannot read the bundle .*missing \(ENOENT\)/ });
  await t.rejects(verifyBundle(dir), { message: /is not a file/ });
  await t.rejects(verifyBundle(file('empty', '')), { message: 'the bundle is empty' });
  await t.rejects(verifyBundle(file('text', 'hello\nworld\n')), { message: /not a Tipline bundle/ });
  await t.rejects(verifyBundle(file('v2', '{"format":"tipline-bundle","version":2,"created":"2024-05-01"}\n')), { message: /unsupported bundle version 2/ });
  await t.rejects(verifyBundle(file('spaced', '{"format":"tipline-bundle", "version":1,"created":"2024-05-01"}\n')), { message: /header is malformed/ });
  await t.rejects(verifyBundle(file('cut', '{"format":"tipline-bundle","version":1,"created":"2024-05-01"}')), { message: /ends inside its header/ });
  await t.rejects(verifyBundle(file('huge', Buffer.alloc(MAX_LINE_BYTES + 10, 0x41))), { message: /not a Tipline bundle/ });
});

t.test('truncation at several points is named; every complete record before the cut is still read', async (t) => {
  const dir = tempDir(t);
  const records = makeRecords(4).sort((a, b) => a.id.localeCompare(b.id));
  const path = await writeFixture(dir, records);
  const full = readFileSync(path);
  const ls = lines(path);
  const offsetOfLine = (n: number) => ls.slice(0, n - 1).reduce((sum, l) => sum + Buffer.byteLength(l) + 1, 0);

  // Mid-line in the third record (line 4).
  const mid = join(dir, 'mid.bundle');
  writeFileSync(mid, full.subarray(0, offsetOfLine(4) + 150));
  let v = await verifyBundle(mid);
  t.same(codes(v), ['truncated-line', 'no-manifest']);
  t.equal(v.problems[0]!.line, 4);
  t.equal(v.problems[0]!.id, records[2]!.id, 'the cut record is named by the id at its start');
  t.match(describeProblem(v.problems[0]!), new RegExp(`^line 4, tip ${records[2]!.id}: the line is cut short`));
  t.same(acceptedIds(v), [records[0]!.id, records[1]!.id].sort());
  t.equal((await readAll(mid, v)).records.length, 2);

  // Right before the manifest: every record is complete, the manifest is gone.
  const before = join(dir, 'before.bundle');
  writeFileSync(before, full.subarray(0, offsetOfLine(6)));
  v = await verifyBundle(before);
  t.same(codes(v), ['no-manifest']);
  t.equal(v.accepted.size, 4);

  // In the middle of the manifest.
  const inManifest = join(dir, 'in-manifest.bundle');
  writeFileSync(inManifest, full.subarray(0, offsetOfLine(6) + 80));
  v = await verifyBundle(inManifest);
  t.same(codes(v), ['truncated-line', 'no-manifest']);
  t.equal(v.problems[0]!.line, 6);
  t.equal(v.accepted.size, 4);

  // Only the very last line end is missing: strict, the manifest line counts as cut.
  const lastLf = join(dir, 'last-lf.bundle');
  writeFileSync(lastLf, full.subarray(0, full.length - 1));
  v = await verifyBundle(lastLf);
  t.same(codes(v), ['truncated-line', 'no-manifest']);

  // Right after the header: nothing to read, and that is said.
  const headerOnly = join(dir, 'header-only.bundle');
  writeFileSync(headerOnly, full.subarray(0, offsetOfLine(2)));
  v = await verifyBundle(headerOnly);
  t.same(codes(v), ['no-manifest']);
  t.equal(v.accepted.size, 0);
});

t.test('altered, deleted, duplicated, unlisted, unknown and misplaced lines are each named', async (t) => {
  const dir = tempDir(t);
  const records = makeRecords(4).sort((a, b) => a.id.localeCompare(b.id));
  const path = await writeFixture(dir, records);
  const ls = lines(path); // [header, r0, r1, r2, r3, manifest, '']
  const variant = (name: string, edit: (ls: string[]) => string[]) => {
    const p = join(dir, name);
    writeFileSync(p, edit([...ls]).join('\n'));
    return p;
  };

  // One character of the second record's envelope changed.
  const altered = variant('altered', (l) => {
    const line = l[2]!;
    const at = line.length - 10;
    l[2] = line.slice(0, at) + (line[at] === 'A' ? 'B' : 'A') + line.slice(at + 1);
    return l;
  });
  let v = await verifyBundle(altered);
  t.same(codes(v), ['hash-mismatch']);
  t.same([v.problems[0]!.line, v.problems[0]!.id], [3, records[1]!.id]);
  t.same(acceptedIds(v), [records[0]!.id, records[2]!.id, records[3]!.id].sort());

  // A record line deleted: the manifest names it as missing.
  v = await verifyBundle(
    variant('deleted', (l) => {
      l.splice(3, 1);
      return l;
    }),
  );
  t.same(codes(v), ['missing']);
  t.equal(v.problems[0]!.id, records[2]!.id);
  t.equal(v.accepted.size, 3);

  // A second line with the same id but another envelope: the one the manifest lists wins.
  const forged = tipLine({ ...records[0]!, envelope: new Uint8Array(randomBytes(64)) });
  v = await verifyBundle(
    variant('dup-before', (l) => {
      l.splice(1, 0, forged);
      return l;
    }),
  );
  t.same(codes(v), ['duplicate-id']);
  t.same([v.problems[0]!.line, v.problems[0]!.id], [2, records[0]!.id]);
  t.same(acceptedIds(v), records.map((r) => r.id).sort());
  const dupBefore = join(dir, 'dup-before');
  const read = await readAll(dupBefore, v);
  t.equal(Buffer.from(read.records.find((r) => r.id === records[0]!.id)!.envelope).toString('hex'), Buffer.from(records[0]!.envelope).toString('hex'));

  // An exact copy of a line: the copy is named, the original read once.
  v = await verifyBundle(
    variant('dup-copy', (l) => {
      l.splice(3, 0, l[2]!);
      return l;
    }),
  );
  t.same(codes(v), ['duplicate-id']);
  t.equal(v.problems[0]!.line, 4);
  t.equal(v.accepted.size, 4);

  // A record the manifest does not list.
  const extra = makeRecords(1)[0]!;
  v = await verifyBundle(
    variant('unlisted', (l) => {
      l.splice(5, 0, tipLine(extra));
      return l;
    }),
  );
  t.same(codes(v), ['not-in-manifest']);
  t.same([v.problems[0]!.line, v.problems[0]!.id], [6, extra.id]);
  t.equal(v.accepted.size, 4);

  // A later version's line type, and a line after the manifest.
  v = await verifyBundle(
    variant('unknown', (l) => {
      l.splice(2, 0, '{"type":"signature","of":"x"}');
      return l;
    }),
  );
  t.same(codes(v), ['unknown-type']);
  t.equal(v.accepted.size, 4);
  v = await verifyBundle(
    variant('after', (l) => {
      l.splice(6, 0, tipLine(extra));
      return l;
    }),
  );
  t.same(codes(v), ['after-manifest']);
  t.equal(v.accepted.size, 4);

  // Lines that try to name a path, and lines not in canonical form.
  const escapes = [
    `{"type":"tip","id":"../x","received":"2024-05-01","envelope":"AAAA"}`,
    `{"type":"tip","id":"${extra.id}","received":"../x","envelope":"AAAA"}`,
    `{"type":"tip","id":"${extra.id}","received":"2024-05-01","envelope":"AAAA","path":"../x"}`,
    `{"type":"tip", "id":"${extra.id}","received":"2024-05-01","envelope":"AAAA"}`,
    `{"type":"tip","id":"${extra.id.toUpperCase()}","received":"2024-05-01","envelope":"AAAA"}`,
    `{"type":"tip","id":"${extra.id}","received":"2024-05-01","envelope":"AA=="}`,
    '',
    'not json',
  ];
  v = await verifyBundle(
    variant('escapes', (l) => {
      l.splice(1, 0, ...escapes);
      return l;
    }),
  );
  t.same(
    codes(v),
    escapes.map(() => 'malformed'),
  );
  t.equal(v.accepted.size, 4, 'the good records are untouched');
});

t.test('lines longer than allowed are named without being buffered whole', async (t) => {
  const dir = tempDir(t);
  const records = makeRecords(2);
  const path = await writeFixture(dir, records);
  const ls = lines(path);
  const longTip = `{"type":"tip","id":"${'b'.repeat(32)}","received":"2024-05-01","envelope":"${'A'.repeat(MAX_TIP_LINE_BYTES)}"}`;
  const huge = `{"type":"tip","id":"${'c'.repeat(32)}",` + 'x'.repeat(MAX_LINE_BYTES);
  const p = join(dir, 'long');
  writeFileSync(p, [ls[0], longTip, huge, ...ls.slice(1)].join('\n'));
  const v = await verifyBundle(p);
  t.same(codes(v), ['too-long', 'too-long']);
  t.same(
    v.problems.map((x) => x.id),
    ['b'.repeat(32), 'c'.repeat(32)],
  );
  t.equal(v.accepted.size, 2);
  t.same(acceptedIds(await verifyBundle(path)), acceptedIds(v));
});

t.test('a file changed between the check and the read is caught on the second pass', async (t) => {
  const dir = tempDir(t);
  const records = makeRecords(3).sort((a, b) => a.id.localeCompare(b.id));
  const path = await writeFixture(dir, records);
  const v = await verifyBundle(path);
  const ls = lines(path);
  const line = ls[2]!;
  ls[2] = line.slice(0, -5) + (line.at(-5) === 'A' ? 'B' : 'A') + line.slice(-4);
  writeFileSync(path, ls.join('\n'));
  const { records: read, problems } = await readAll(path, v);
  t.equal(read.length, 2);
  t.same(
    problems.map((p) => [p.code, p.line, p.id]),
    [['changed', 3, records[1]!.id]],
  );

  // Cut short after the check: the records no longer there are named too.
  writeFileSync(path, ls.slice(0, 2).join('\n') + '\n');
  const after = await readAll(path, v);
  t.equal(after.records.length, 1);
  t.same(
    after.problems.map((p) => p.code),
    ['changed', 'changed'],
  );
});

const PARSE_CODES: ProblemCode[] = ['malformed', 'unknown-type', 'too-long'];

function checkParse(bytes: Uint8Array): boolean {
  const r = parseBundleLine(bytes);
  if (r.ok) {
    // Whatever parses is in canonical form: writing it again gives the very same bytes.
    const again =
      r.type === 'manifest'
        ? manifestLine(r.manifest.entries)
        : r.type === 'file'
          ? fileLine(r.file)
          : r.type === 'chunk'
            ? chunkLine(r.chunk)
            : r.type === 'event'
              ? eventLine(r.event)
              : r.type === 'seed'
                ? eventLine(r.seed, 'seed')
                : tipLine(r.record);
    return Buffer.from(utf8(again)).equals(Buffer.from(bytes));
  }
  return PARSE_CODES.includes(r.code) && typeof r.message === 'string' && r.message.length > 0;
}

t.test('property: the line parser never throws, it parses canonical lines or names the problem', async (t) => {
  const records = makeRecords(3);
  const valid = [...records.map(tipLine), ...records.map((r) => eventLine(r)), manifestLine(records.map((r) => ({ id: r.id, hash: randomBytes(32).toString('hex') }))), headerLine('2024-05-01')].map(
    (l) => utf8(l),
  );
  const mutated = fc
    .tuple(fc.constantFrom(...valid), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('flip', 'insert', 'delete', 'cut')), { minLength: 1, maxLength: 6 }))
    .map(([line, edits]) => {
      let bytes = Array.from(line);
      for (const [pos, value, op] of edits) {
        const at = bytes.length ? pos % bytes.length : 0;
        if (op === 'flip') bytes[at] = value;
        else if (op === 'insert') bytes.splice(at, 0, value);
        else if (op === 'delete') bytes.splice(at, 1);
        else bytes = bytes.slice(0, at);
      }
      return Uint8Array.from(bytes);
    });
  const jsonish = fc.oneof(
    fc.jsonValue().map((v) => utf8(JSON.stringify(v) ?? '')),
    fc
      .record(
        {
          type: fc.constantFrom('tip', 'event', 'manifest', 'chunk'),
          id: fc.oneof(
            fc.string(),
            fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString('hex')),
          ),
          received: fc.string(),
          envelope: fc.string(),
          count: fc.integer(),
          hash: fc.string(),
          records: fc.array(fc.anything()),
        },
        { requiredKeys: ['type'] },
      )
      .map((v) => utf8(JSON.stringify(v))),
  );
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), checkParse), { numRuns: 500 });
  fc.assert(fc.property(mutated, checkParse), { numRuns: 1000 });
  fc.assert(fc.property(jsonish, checkParse), { numRuns: 500 });
  t.pass('no input made the parser throw');
});

t.test('property: a mutated bundle file is read without crashing, and only sound lines are accepted', async (t) => {
  const dir = tempDir(t);
  const records = makeRecords(3);
  const path = await writeFixture(dir, records);
  const byId = new Map(records.map((r) => [r.id, tipLine(r)]));
  await damagedReads(
    dir,
    path,
    async (p, v) => (await readAll(p, v)).records,
    (r) => byId.get(r.id) === tipLine(r),
  );
  t.pass('every mutation was read or refused with a BundleError');
});

t.test('the example in docs/BUNDLE.md is exactly what the writer writes, and it verifies', async (t) => {
  const dir = tempDir(t);
  const doc = readFileSync(join(import.meta.dirname, '../../docs/BUNDLE.md'), 'utf8');
  const example = /```jsonl\n([\s\S]*?)```/.exec(doc)?.[1];
  if (!example) throw new Error('docs/BUNDLE.md has no jsonl example');
  const path = join(dir, 'example.bundle');
  writeFileSync(path, example);
  const v = await verifyBundle(path);
  t.same(v.problems, []);
  const items: BundleItem[] = [];
  for await (const item of readVerifiedRecords(path, v)) {
    if (item.kind === 'record') items.push(item.record);
    else if (item.kind === 'file') items.push({ file: item.file });
    else if (item.kind === 'chunk') items.push({ chunk: item.chunk });
    else if (item.kind === 'event') items.push({ event: item.event });
    else if (item.kind === 'seed') items.push({ seed: item.seed });
    else t.fail(item.problem.message);
  }
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
  const upload = Buffer.from('an upload id: 32 random bytes !!').toString('base64url');
  t.same(
    items.map((i) =>
      'file' in i
        ? ['file', i.file.tip, i.file.upload, i.file.chunks, i.file.lastChunkBytes]
        : 'chunk' in i
          ? ['chunk', i.chunk.tip, i.chunk.upload, i.chunk.index, hex(i.chunk.data)]
          : 'event' in i
            ? ['event', i.event.id, i.event.received, hex(i.event.envelope)]
            : 'seed' in i
              ? ['seed', i.seed.id]
              : [i.id, i.received, i.mailbox, hex(i.envelope)],
    ),
    [
      ['0f1e2d3c4b5a69788796a5b4c3d2e1f0', '2024-05-01', undefined, Buffer.from('example envelope bytes').toString('hex')],
      ['file', '0f1e2d3c4b5a69788796a5b4c3d2e1f0', upload, 1, 17],
      ['chunk', '0f1e2d3c4b5a69788796a5b4c3d2e1f0', upload, 0, '000102030405060708090a0b0c0d0e0f10'],
      ['a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5', '2024-05-02', undefined, '010101fffe'],
      ['c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9', '2024-05-03', '5d4c3b2a19087f6e5d4c3b2a19087f6e', Buffer.from('reply').toString('hex')],
      ['event', 'e0d1c2b3a4958677685a4b3c2d1e0f01', '2024-05-03', Buffer.from('desk event').toString('hex')],
    ],
  );
  const written = join(dir, 'written.bundle');
  await writeBundle(written, items, { created: '2024-05-03' });
  t.equal(readFileSync(written, 'utf8'), example, 'byte for byte');
});

t.test('reader rules: BOM, repeated members and lone surrogates in bundle lines (docs/PROTOCOL.md, "Reader rules")', async (t) => {
  const [record] = makeRecords(1);
  const line = tipLine(record!);
  const bom = parseBundleLine(utf8('\ufeff' + line));
  t.notOk(bom.ok);
  if (!bom.ok) t.match(bom.message, /byte-order mark/);
  const twice = parseBundleLine(utf8(line.replace(/^\{/, `{"id":"${'0'.repeat(32)}",`)));
  t.notOk(twice.ok);
  if (!twice.ok) t.match(twice.message, /"id" appears twice/);
  const surrogate = parseBundleLine(utf8(line.replace(/^\{/, '{"x":"\\ud800",')));
  t.notOk(surrogate.ok);
  if (!surrogate.ok) t.match(surrogate.message, /lone surrogate/);
  t.throws(() => parseHeaderLine(utf8('\ufeff' + headerLine('2024-05-01'))), /byte-order mark/, 'a bundle whose first line starts with a BOM');
});

// ---------------------------------------------------------------------------------------------
// Event records (desk events: docs/BUNDLE.md, "Event record")

t.test('event records: written in the manifest beside tips, verified and read back as events', async (t) => {
  const dir = tempDir(t);
  const [tip, other] = makeRecords(2);
  const events = makeRecords(3, '2024-05-02').map((r) => ({ id: r.id, received: r.received, envelope: r.envelope }));
  const path = join(dir, 'mixed.bundle');
  const items: BundleItem[] = [tip!, { event: events[0]! }, { event: events[1]! }, other!, { event: events[2]! }];
  await writeBundle(path, items, { created: '2024-05-02' });
  const ls = lines(path);
  t.equal(ls[2], `{"type":"event","id":"${events[0]!.id}","received":"2024-05-02","envelope":"${toBase64Url(events[0]!.envelope)}"}`);
  t.equal(ls[2], eventLine(events[0]!));
  const v = await verifyBundle(path);
  t.same(v.problems, []);
  t.equal(v.manifest?.count, 5, 'events are listed in the manifest like tips');
  const out: string[] = [];
  for await (const item of readVerifiedRecords(path, v)) {
    if (item.kind === 'event') out.push(`event ${item.event.id} ${item.event.received} ${Buffer.from(item.event.envelope).toString('hex')}`);
    else if (item.kind === 'record') out.push(`tip ${item.record.id}`);
    else t.fail(`unexpected ${item.kind}`);
  }
  const ev = (e: TipRecord) => `event ${e.id} ${e.received} ${Buffer.from(e.envelope).toString('hex')}`;
  t.same(out, [`tip ${tip!.id}`, ev(events[0]!), ev(events[1]!), `tip ${other!.id}`, ev(events[2]!)]);

  // An altered event line, a dropped one, an unlisted one: named like tips, the others still read.
  const altered = join(dir, 'altered.bundle');
  const copy = [...ls];
  copy[3] = eventLine({ ...events[1]!, received: '2024-05-01' });
  writeFileSync(altered, copy.join('\n'));
  const va = await verifyBundle(altered);
  t.same(codes(va), ['hash-mismatch']);
  t.equal(va.problems[0]!.id, events[1]!.id, 'the altered event is named by its id');
  t.equal(va.accepted.size, 4);
  const dropped = join(dir, 'dropped.bundle');
  writeFileSync(dropped, [...ls.slice(0, 2), ...ls.slice(3)].join('\n'));
  t.same(codes(await verifyBundle(dropped)), ['missing']);
});

t.test('event records: the writer refuses what a reader would refuse', async (t) => {
  const dir = tempDir(t);
  const [tip] = makeRecords(1);
  const event = { id: randomBytes(16).toString('hex'), received: '2024-05-02', envelope: new Uint8Array([1, 2, 3]) };
  const upload = toBase64Url(randomBytes(32));
  const cases: [string, BundleItem[], RegExp][] = [
    ['an id shared with a tip', [tip!, { event: { ...event, id: tip!.id } }], /appears twice/],
    ['an event id twice', [{ event }, { event }], /appears twice/],
    ['a bad id', [{ event: { ...event, id: 'ABC' } }], /id is not 32 lowercase hex/],
    ['a bad date', [{ event: { ...event, received: '2024-02-30' } }], /received date/],
    ['an empty envelope', [{ event: { ...event, envelope: new Uint8Array() } }], /envelope is empty/],
    ['a file line after an event', [tip!, { event }, { file: { tip: tip!.id, upload, chunks: 1, lastChunkBytes: 17 } }], /does not follow its tip/],
    ['an event too large for a line', [{ event: { ...event, envelope: new Uint8Array(MAX_TIP_LINE_BYTES) } }], /too large/],
  ];
  for (const [name, items, message] of cases) {
    await t.rejects(writeBundle(join(dir, 'bad.bundle'), items), { name: 'BundleError', message }, name);
    t.notOk(existsSync(join(dir, 'bad.bundle')), `${name}: nothing written`);
  }
});

t.test('event lines: the parser accepts only the canonical form', async (t) => {
  const event = { id: 'e0d1c2b3a4958677685a4b3c2d1e0f01', received: '2024-05-03', envelope: utf8('desk event') };
  const line = eventLine(event);
  const ok = parseBundleLine(utf8(line));
  t.ok(ok.ok && ok.type === 'event' && ok.event.id === event.id);
  const refused: [string, string, RegExp][] = [
    ['extra member', line.replace('}', ',"mailbox":"' + '0'.repeat(32) + '"}'), /canonical/],
    ['other order', `{"id":"${event.id}","type":"event","received":"2024-05-03","envelope":"ZGVzayBldmVudA"}`, /canonical/],
    ['upper-case id', line.replace(event.id, event.id.toUpperCase()), /event id/],
    ['a time of day', line.replace('2024-05-03', '2024-05-03T10:00'), /received date/],
    ['padded base64', line.replace('ZGVzayBldmVudA', 'ZGVzayBldmVudA=='), /base64url/],
    ['no envelope', `{"type":"event","id":"${event.id}","received":"2024-05-03","envelope":""}`, /no envelope/],
  ];
  for (const [name, bad, message] of refused) {
    const r = parseBundleLine(utf8(bad));
    t.notOk(r.ok, name);
    if (!r.ok) t.match(r.message, message, name);
  }
  const long = parseBundleLine(utf8(eventLine({ ...event, envelope: new Uint8Array(MAX_TIP_LINE_BYTES) })));
  t.ok(!long.ok && long.code === 'too-long', 'an event line over 2 MiB is too long');
});

t.test('event records in memory (the editor API): refused unless asked for, checked against the manifest', async (t) => {
  const { bundleText, parseBundleStrict } = await import('../../src/crypto/bundle.js');
  const events = makeRecords(2, '2024-05-02');
  const text = await bundleText(
    events.map((e) => ({ event: e })),
    '2024-05-02',
  );
  await t.rejects(parseBundleStrict(utf8(text)), /desk events are not accepted here/);
  const parsed = await parseBundleStrict(utf8(text), { events: true });
  t.same(
    parsed.events.map((e) => e.id),
    events.map((e) => e.id),
  );
  t.same(parsed.records, []);
  const altered = text.replace(toBase64Url(events[1]!.envelope), toBase64Url(randomBytes(events[1]!.envelope.length)));
  await t.rejects(parseBundleStrict(utf8(altered), { events: true }), /differs from its manifest entry/);
});

t.test('property: a mutated event bundle is read without crashing, and only events written come out', async (t) => {
  const dir = tempDir(t);
  const events = makeRecords(3).map((e) => ({ event: e }));
  const path = join(dir, 'events.bundle');
  await writeBundle(path, events, { created: '2024-05-02' });
  const byId = new Map(events.map((e) => [e.event.id, eventLine(e.event)]));
  const readEvents = async (p: string, v: BundleVerification) => {
    const read = [];
    for await (const item of readVerifiedRecords(p, v)) if (item.kind === 'event') read.push(item.event);
    return read;
  };
  await damagedReads(dir, path, readEvents, (e) => byId.get(e.id) === eventLine(e));
  t.pass('every mutation was read or refused with a BundleError');
});
