// Byte helpers: strict base64url (one text per byte string), hex, UTF-8, u32.
import t from 'tap';
import fc from 'fast-check';
import { concat, equalBytes, fromBase64Url, fromBase64UrlPortable, fromHex, fromUtf8, readU32, toBase64Url, toHex, utf8, writeU32 } from '../../src/crypto/bytes.js';

t.test('base64url: RFC 4648 §5 test vectors without padding', async (t) => {
  const cases: [string, string][] = [
    ['', ''],
    ['f', 'Zg'],
    ['fo', 'Zm8'],
    ['foo', 'Zm9v'],
    ['foob', 'Zm9vYg'],
    ['fooba', 'Zm9vYmE'],
    ['foobar', 'Zm9vYmFy'],
  ];
  for (const [plain, encoded] of cases) {
    t.equal(toBase64Url(utf8(plain)), encoded);
    t.same(fromBase64Url(encoded), utf8(plain));
  }
  t.equal(toBase64Url(Uint8Array.of(0xfb, 0xff)), '-_8', 'the URL alphabet');
});

t.test('base64url: non-canonical text is refused', async (t) => {
  // 'Zh' and 'Zm9' decode to the bytes of 'Zg' and 'Zm8' with non-zero unused bits.
  for (const text of ['Zg==', 'Zg=', 'Zm9v\n', ' Zm9v', 'Zm9+', 'Zm9/', 'Z', 'Zm9vY', 'Zh', 'Zm9', 'Zm\u00e9v']) {
    t.equal(fromBase64Url(text), undefined, JSON.stringify(text));
  }
  t.same(fromBase64Url('Zg'), utf8('f'));
  t.same(fromBase64Url('Zm8'), utf8('fo'));
});

t.test('property: decode(encode(x)) = x', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (x) => {
      const back = fromBase64Url(toBase64Url(x));
      return back !== undefined && toHex(back) === toHex(x);
    }),
    { numRuns: 2000 },
  );
  t.pass('property held');
});

t.test('property: every accepted text is the canonical encoding of its bytes', async (t) => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/= \n';
  const text = fc.array(fc.constantFrom(...alphabet), { maxLength: 40 }).map((chars) => chars.join(''));
  let accepted = 0;
  fc.assert(
    fc.property(text, (s) => {
      const bytes = fromBase64Url(s);
      if (bytes === undefined) return true;
      accepted++;
      return toBase64Url(bytes) === s;
    }),
    { numRuns: 3000 },
  );
  t.ok(accepted > 0, `some texts were accepted (${accepted})`);
});

t.test('hex, utf8, u32, concat', async (t) => {
  t.equal(toHex(Uint8Array.of(0, 15, 255)), '000fff');
  fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), (x) => toHex(x) === Buffer.from(x).toString('hex')));
  t.same(fromHex('000fff'), Uint8Array.of(0, 15, 255));
  t.throws(() => fromHex('0'), /invalid hex/);
  t.throws(() => fromHex('0G'), /invalid hex/);
  t.throws(() => fromHex('AB'), /invalid hex/, 'lower case only');
  t.equal(fromUtf8(utf8('Ашхабад')), 'Ашхабад');
  t.throws(() => fromUtf8(Uint8Array.of(0xc3)), 'truncated UTF-8 is an error, not U+FFFD');
  t.same(writeU32(0x01020304), Uint8Array.of(1, 2, 3, 4));
  t.equal(readU32(Uint8Array.of(9, 0xff, 0xff, 0xff, 0xff), 1), 0xffffffff);
  t.equal(readU32(concat(Uint8Array.of(7), writeU32(1234)).subarray(1), 0), 1234, 'works on a subarray');
  t.same(concat(), new Uint8Array(0));
});

t.test('the portable decoder (browsers) and the native one (Node) accept and refuse exactly the same texts', async (t) => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/= \n';
  const texts = fc.oneof(
    fc.string({ unit: fc.constantFrom(...alphabet.split('')), maxLength: 40 }),
    fc.uint8Array({ maxLength: 64 }).map((b) => toBase64Url(b)),
    fc.string({ maxLength: 20 }),
  );
  fc.assert(
    fc.property(texts, (text) => {
      const native = fromBase64Url(text);
      const portable = fromBase64UrlPortable(text);
      return native === undefined ? portable === undefined : portable !== undefined && toHex(native) === toHex(portable);
    }),
    { numRuns: 5000 },
  );
  t.equal(fromBase64UrlPortable('QQ=='), undefined, 'padding refused');
  // Node's decoder reads U+0141 as 'A' (it keeps the low byte): the strict one must not.
  t.equal(fromBase64Url('\u0141QQQ'), undefined, 'a character beyond ASCII refused, not mapped into the alphabet');
  t.equal(fromBase64Url('+/8'), undefined, 'the base64 alphabet refused');
  t.same(fromBase64UrlPortable('-_8'), Uint8Array.of(0xfb, 0xff));
});

t.test('equalBytes: same length and same bytes', async (t) => {
  t.ok(equalBytes(Uint8Array.of(1, 2, 3), Uint8Array.of(1, 2, 3)));
  t.notOk(equalBytes(Uint8Array.of(1, 2, 3), Uint8Array.of(1, 2, 4)), 'one byte differs');
  t.notOk(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 2, 3)), 'a prefix is not equal');
  t.notOk(equalBytes(new Uint8Array(0), Uint8Array.of(0)), 'empty against one byte');
  t.ok(equalBytes(new Uint8Array(0), new Uint8Array(0)));
});
