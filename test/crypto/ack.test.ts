// Signed acknowledgements (docs/PROTOCOL.md, "Signed acknowledgements"; src/crypto/ack.ts): the
// exact form, and every acknowledgement a server must refuse (the vector is checked in
// test/crypto/signing.test.ts).
import t from 'tap';
import { ACK_MAX_DAYS_AHEAD, AckError, addDays, checkAck, encodeAckStatement, parseAck, signAck } from '../../src/crypto/ack.js';
import { fromUtf8, toBase64Url, utf8 } from '../../src/crypto/bytes.js';
import { generateEditorKeyPair } from '../../src/crypto/keys.js';
import { signJson } from '../../src/crypto/signing.js';

const A = 'a'.repeat(32);
const B = 'b'.repeat(32);
const C = 'c'.repeat(32);
const TODAY = '2026-02-27';

t.test('dates: calendar days, no time of day', async (t) => {
  t.equal(addDays('2026-02-27', 3), '2026-03-02');
  t.equal(addDays('2024-02-28', 1), '2024-02-29');
  t.equal(addDays('2025-12-31', 1), '2026-01-01');
  t.throws(() => addDays('2026-02-30', 1), AckError);
});

t.test('a genuine acknowledgement verifies; its exact form', async (t) => {
  const editor = await generateEditorKeyPair();
  const signed = await signAck([B, A, B], addDays(TODAY, 3), editor);
  const text = fromUtf8(signed);
  t.ok(text.startsWith(`{"v":1,"expires":"2026-03-02","editor":"${toBase64Url(editor.signPublicKey)}","ids":["${A}","${B}"],"signature":"`), 'sorted, unique ids; members in order');
  t.same(await checkAck(signed, [editor.signPublicKey], TODAY), { ids: [A, B], editor: editor.signPublicKey, expires: '2026-03-02' });
  t.same((await checkAck(signed, [editor.signPublicKey], '2026-03-02')).ids, [A, B], 'valid through its expiry date');
  t.throws(() => encodeAckStatement({ expires: TODAY, editor: editor.signPublicKey, ids: [] }), /1 to/, 'an empty acknowledgement is not made');
  t.throws(() => encodeAckStatement({ expires: TODAY, editor: editor.signPublicKey, ids: ['../x'] }), /32 lowercase hex/);
});

t.test('what a server refuses', async (t) => {
  const editor = await generateEditorKeyPair();
  const other = await generateEditorKeyPair();
  const keys = [editor.signPublicKey];
  const refused = async (signed: Uint8Array, code: AckError['code'], name: string, today = TODAY) => {
    const err = await checkAck(signed, keys, today).then(
      () => undefined,
      (e: unknown) => e,
    );
    t.ok(err instanceof AckError && err.code === code, `${name}: ${code}${err instanceof Error ? ` (${err.message})` : ''}`);
  };
  const genuine = await signAck([A, B], addDays(TODAY, 3), editor);
  // What a thief of the online workstation can send: the old unsigned list, or a statement
  // with no signature; the fetch key cannot sign for an editor.
  await refused(utf8(JSON.stringify({ ids: [A] })), 'malformed', 'the old unsigned {"ids":[…]}');
  await refused(encodeAckStatement({ expires: TODAY, editor: editor.signPublicKey, ids: [A] }), 'malformed', 'a statement without signature');
  await refused(await signAck([A], TODAY, other), 'unknown-key', 'signed by a key not in TIPLINE_RECIPIENTS');
  // The other key's signature over a statement naming a listed editor.
  const lying = await signJson('ack', encodeAckStatement({ expires: TODAY, editor: editor.signPublicKey, ids: [A] }), other.signSecretKey);
  await refused(lying, 'signature', 'naming a listed key it does not hold');
  await refused(utf8(fromUtf8(genuine).replace(B, C)), 'signature', 'a genuine ack altered to name another id');
  await refused(utf8(fromUtf8(genuine).replace(`"${A}",`, '')), 'signature', 'a genuine ack with an id removed');
  await refused(utf8(fromUtf8(genuine).replace(addDays(TODAY, 3), addDays(TODAY, 5))), 'signature', 'a genuine ack with its expiry moved');
  await refused(genuine, 'expired', 'expired (the day after its expiry date)', addDays(TODAY, 4));
  await refused(await signAck([A], addDays(TODAY, ACK_MAX_DAYS_AHEAD + 1), editor), 'too-far-ahead', 'expiring too far ahead (a wrong clock)');
  t.same((await checkAck(await signAck([A], addDays(TODAY, ACK_MAX_DAYS_AHEAD), editor), keys, TODAY)).ids, [A], 'at the limit: accepted');
  // Another purpose's signature over the same statement does not count as an acknowledgement.
  const asReply = await signJson('reply', encodeAckStatement({ expires: TODAY, editor: editor.signPublicKey, ids: [A] }), editor.signSecretKey);
  await refused(asReply, 'signature', 'signed under the reply context');
  // Not in the exact form (unsorted, duplicated, spaced): refused even when correctly signed.
  for (const [name, unsigned] of [
    ['unsorted ids', `{"v":1,"expires":"${TODAY}","editor":"${toBase64Url(editor.signPublicKey)}","ids":["${B}","${A}"]}`],
    ['a duplicated id', `{"v":1,"expires":"${TODAY}","editor":"${toBase64Url(editor.signPublicKey)}","ids":["${A}","${A}"]}`],
    ['a space', `{"v":1, "expires":"${TODAY}","editor":"${toBase64Url(editor.signPublicKey)}","ids":["${A}"]}`],
    ['an extra member', `{"v":1,"expires":"${TODAY}","editor":"${toBase64Url(editor.signPublicKey)}","ids":["${A}"],"x":1}`],
    ['version 2', `{"v":2,"expires":"${TODAY}","editor":"${toBase64Url(editor.signPublicKey)}","ids":["${A}"]}`],
    ['no ids', `{"v":1,"expires":"${TODAY}","editor":"${toBase64Url(editor.signPublicKey)}","ids":[]}`],
    ['an impossible date', `{"v":1,"expires":"2026-02-30","editor":"${toBase64Url(editor.signPublicKey)}","ids":["${A}"]}`],
  ] as const) {
    await refused(await signJson('ack', utf8(unsigned), editor.signSecretKey), 'malformed', name);
  }
  t.throws(() => parseAck(new Uint8Array(0)), /not a signed acknowledgement/);
});
