// Body v1 (docs/PROTOCOL.md, "Body v1"): strict on the members it knows, ignores the others.
import t from 'tap';
import fc from 'fast-check';
import { BodyError, MAX_MESSAGE_CHARS, TEXT_FLOOR_BYTES, decodeBody, encodeBody, textBytes, validateBody, type Body } from '../../src/crypto/body.js';
import { concat, utf8 } from '../../src/crypto/bytes.js';

const base = { v: 1, message: 'hello', clientTime: '2025-03-09T08:15:00.000Z' };

t.test('a minimal body and a body with every member round-trip', async (t) => {
  t.same(decodeBody(encodeBody(base as Body)), base);
  const full: Body = {
    ...base,
    v: 1,
    lang: 'ru',
    form: { id: 'election-violation-tm', version: 2 },
    fields: { region: 'Ahal', station: 12, kinds: ['ballot-stuffing', 'observers-removed'] },
    sealedByServer: true,
    reply: { mailbox: 'b7c1e0', kemPublicKey: 'AAAA' },
    files: [{ upload: 'u1', name: 'protocol.jpg', type: 'image/jpeg', size: 12345, key: 'a2V5', cipher: 'secretstream-xchacha20poly1305', chunkSize: 65536, metadataStripped: ['gps'] }],
  };
  t.same(decodeBody(encodeBody(full)), full);
});

t.test('unknown members are kept and ignored', async (t) => {
  const body = decodeBody(utf8(JSON.stringify({ ...base, futureMember: { anything: [1, 2] } })));
  t.same(body.futureMember, { anything: [1, 2] });
  t.equal(body.message, 'hello');
});

t.test('the message limit is exact', async (t) => {
  t.ok(validateBody({ ...base, message: 'я'.repeat(MAX_MESSAGE_CHARS) }));
  t.ok(validateBody({ ...base, message: '' }), 'an empty message is allowed');
  t.throws(() => validateBody({ ...base, message: 'я'.repeat(MAX_MESSAGE_CHARS + 1) }), BodyError);
});

t.test('invalid bodies are refused with a BodyError naming the problem', async (t) => {
  const bad: [unknown, RegExp][] = [
    [null, /not a JSON object/],
    [[base], /not a JSON object/],
    ['text', /not a JSON object/],
    [{ ...base, v: 2 }, /unsupported body version 2/],
    [{ ...base, v: '1' }, /unsupported body version/],
    [{ message: 'x', clientTime: 'y' }, /unsupported body version undefined/],
    [{ ...base, message: undefined }, /message must be a string/],
    [{ ...base, message: 5 }, /message must be a string/],
    [{ ...base, clientTime: undefined }, /clientTime/],
    [{ ...base, clientTime: 'x'.repeat(65) }, /clientTime/],
    [{ ...base, lang: 'Russian' }, /lang/],
    [{ ...base, lang: 'ru_RU' }, /lang/],
    [{ ...base, lang: 7 }, /lang/],
    [{ ...base, form: 'tm' }, /form must be/],
    [{ ...base, form: { id: 'tm' } }, /form must be/],
    [{ ...base, form: { id: 'tm', version: -1 } }, /form must be/],
    [{ ...base, form: { id: 'tm', version: 1.5 } }, /form must be/],
    [{ ...base, fields: [] }, /fields must be an object/],
    [{ ...base, fields: { a: { nested: true } } }, /field "a"/],
    [{ ...base, fields: { a: [1, 2] } }, /field "a"/],
    [{ ...base, fields: { a: null } }, /field "a"/],
    [{ ...base, fields: { a: Infinity } }, /field "a"/],
    [{ ...base, sealedByServer: 'yes' }, /sealedByServer/],
    [{ ...base, reply: { mailbox: 'm' } }, /reply must be/],
    [{ ...base, reply: 'm' }, /reply must be/],
    [{ ...base, files: {} }, /files must be a list/],
    [{ ...base, files: [{ upload: 'u', name: 'n', type: 't', size: -1, key: 'k', cipher: 'c', chunkSize: 1 }] }, /each file/],
    [{ ...base, files: [{ upload: 'u', name: 'n', type: 't', size: 1, key: 'k', cipher: 'c' }] }, /each file/],
  ];
  for (const [value, message] of bad) {
    t.throws(() => validateBody(value), { name: 'BodyError', message }, JSON.stringify(value) ?? String(value));
  }
  t.throws(() => encodeBody({ ...base, v: 2 } as unknown as Body), BodyError, 'encodeBody validates too');
});

t.test('decoding: not JSON, not UTF-8', async (t) => {
  t.throws(() => decodeBody(utf8('{"v":1,')), { name: 'BodyError', message: /not UTF-8 JSON/ });
  t.throws(() => decodeBody(Uint8Array.of(0x7b, 0xff, 0x7d)), { name: 'BodyError', message: /not UTF-8 JSON/ }, 'invalid UTF-8 is refused, not replaced');
  t.throws(() => decodeBody(new Uint8Array(0)), BodyError);
  t.throws(() => decodeBody(utf8('1')), { message: /not a JSON object/ });
});

t.test('property: any valid body survives encode and decode unchanged', async (t) => {
  const text = fc.string({ unit: 'binary', maxLength: 200 });
  const body = fc.record(
    {
      v: fc.constant(1 as const),
      message: fc.string({ unit: 'binary', maxLength: 2000 }),
      clientTime: fc.string({ maxLength: 64 }),
      lang: fc.constantFrom('ru', 'tk', 'kk', 'en', 'en-GB'),
      form: fc.record({ id: text, version: fc.nat() }),
      fields: fc.dictionary(text, fc.oneof(text, fc.double({ noNaN: true, noDefaultInfinity: true }), fc.array(text, { maxLength: 5 }))),
      sealedByServer: fc.boolean(),
      reply: fc.record({ mailbox: text, kemPublicKey: text }),
    },
    { requiredKeys: ['v', 'message', 'clientTime'] },
  );
  fc.assert(
    fc.property(body, (b) => {
      const decoded = decodeBody(encodeBody(b as Body));
      // JSON has no negative zero; everything else must come back exactly.
      return JSON.stringify(decoded) === JSON.stringify(b) && Object.keys(decoded).length === Object.keys(b).length;
    }),
    { numRuns: 1000 },
  );
  t.pass('property held');
});

t.test('text floor: every text up to 2 KiB gives the same body length', async (t) => {
  const reply = { mailbox: '0de8a32c626d25c85801382cb5242f35', kemPublicKey: 'A'.repeat(1622), signPublicKey: 'B'.repeat(43) };
  const lengths = new Set<number>();
  for (const n of [0, 1, 50, 150, 300, 1000]) {
    for (const message of ['x'.repeat(n), 'Ж'.repeat(n), 'a"\\\n'.repeat(Math.floor(n / 4))]) {
      if (utf8(JSON.stringify(message)).length - 2 > TEXT_FLOOR_BYTES) continue;
      const bytes = encodeBody({ ...base, message, reply } as Body);
      lengths.add(bytes.length);
      t.equal(decodeBody(bytes).message, message, 'the filler does not change what is read');
    }
  }
  t.equal(lengths.size, 1, `one body length for every text up to ${TEXT_FLOOR_BYTES} bytes: ${[...lengths].join(', ')}`);
  // Form fields are text too: a short answer and a long one give the same length.
  const form = (region: string) => encodeBody({ ...base, message: '', form: { id: 'f', version: 1 }, fields: { region, kinds: ['a', region] } } as Body).length;
  t.equal(form('Ahal'), form('Ahal velayat, Ashgabat, polling station 12 of the Bagtyyarlyk district'));
  // Above the floor the body is bare JSON, and its length follows the text.
  const long = 'x'.repeat(TEXT_FLOOR_BYTES + 1);
  t.equal(encodeBody({ ...base, message: long } as Body).length, utf8(JSON.stringify({ ...base, message: long })).length);
  t.equal(textBytes({ ...base, message: 'Ж\n' } as Body), 4, 'text is counted as encoded: 2 bytes for Ж, 2 for \\n');
});

t.test('reader rules: byte-order mark, repeated members, lone surrogates', async (t) => {
  const json = JSON.stringify(base);
  t.throws(() => decodeBody(concat(Uint8Array.of(0xef, 0xbb, 0xbf), utf8(json))), { name: 'BodyError', message: /byte-order mark/ }, 'a leading BOM is refused, not dropped');
  t.throws(() => decodeBody(utf8('{"v":1,"message":"hello","message":"forged","clientTime":""}')), { name: 'BodyError', message: /"message" appears twice/ });
  t.throws(() => decodeBody(utf8('{"v":1,"message":"x","clientTime":"","fields":{"a":"1","\\u0061":"2"}}')), { message: /"a" appears twice/ }, 'names compare after unescaping, at any depth');
  t.same(decodeBody(utf8('{"v":1,"message":"x","clientTime":"","fields":{"a":"1"},"reply2":{"a":"2"}}')).fields, { a: '1' }, 'the same name in two objects is fine');
  t.same(decodeBody(utf8('{"v":1,"message":"\\"a\\":","clientTime":""}')).message, '"a":', 'a string that looks like a member name is not one');
  t.throws(() => decodeBody(utf8('{"v":1,"message":"\\ud800","clientTime":""}')), { message: /lone surrogate/ });
  t.throws(() => decodeBody(utf8('{"v":1,"message":"x\\udc00y","clientTime":""}')), { message: /lone surrogate/ });
  t.equal(decodeBody(utf8('{"v":1,"message":"\\ud83d\\uddf3","clientTime":""}')).message, '🗳', 'a surrogate pair is one character');
  // Senders never write one: a lone surrogate typed into the page becomes U+FFFD.
  t.equal(decodeBody(encodeBody({ ...base, message: 'a\ud800b' } as Body)).message, 'a\ufffdb');
  t.equal(decodeBody(concat(utf8(json), utf8(' \n\t\r '))).message, 'hello', 'whitespace after the JSON (the text floor) is JSON');
});

t.test('reader rules: reply without signPublicKey is read (the reply tool refuses to answer it)', async (t) => {
  const reply = { mailbox: '0de8a32c626d25c85801382cb5242f35', kemPublicKey: 'AAAA' };
  t.same(decodeBody(utf8(JSON.stringify({ ...base, reply }))).reply, reply);
  t.throws(() => decodeBody(utf8(JSON.stringify({ ...base, reply: { ...reply, signPublicKey: 7 } }))), { message: /signPublicKey must be a string/ });
});

t.test('reader rules: clientTime is an opaque string of at most 64 characters', async (t) => {
  for (const clientTime of ['', '2025-03-09T08:15:00.000Z', 'Mon Mar 09 2025', 'x'.repeat(64)]) t.equal(decodeBody(utf8(JSON.stringify({ ...base, clientTime }))).clientTime, clientTime);
  t.throws(() => decodeBody(utf8(JSON.stringify({ ...base, clientTime: 'x'.repeat(65) }))), { message: /clientTime/ });
  t.throws(() => decodeBody(utf8(JSON.stringify({ ...base, clientTime: 1741508100000 }))), { message: /clientTime/ }, 'a number (e.g. milliseconds) is not a clientTime');
});
