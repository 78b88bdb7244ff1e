// The return passphrase and the keys derived from it: the vector in docs/PROTOCOL.md, recomputed
// from the primitives as the document describes, and the typo checks a source relies on.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { entropyToMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { concat, fromHex, toHex, utf8 } from '../../src/crypto/bytes.js';
import { loadSodium } from '../../src/crypto/sodium.js';
import { type PassphraseTypo, canonicalPassphrase, loginMessage, mailboxKeys, newPassphrase, passphraseEntropy, sign, verify } from '../../src/crypto/mailbox.js';

function docVector(): Record<string, string> {
  const doc = readFileSync(new URL('../../docs/PROTOCOL.md', import.meta.url), 'utf8');
  const block = /<!-- mailbox-vector begin -->\n```text\n([\s\S]*?)\n```\n<!-- mailbox-vector end -->/.exec(doc)?.[1];
  if (!block) throw new Error('no mailbox vector in docs/PROTOCOL.md');
  const out: Record<string, string> = {};
  for (const para of block.split('\n\n')) {
    const [name, ...lines] = para.split('\n');
    out[name!.replace(/:$/, '')] = lines.join(name === 'passphrase:' ? ' ' : '');
  }
  return out;
}

t.test('the vector in docs/PROTOCOL.md, from the primitives and from the code', async (t) => {
  const v = docVector();
  const sodium = await loadSodium();
  const entropy = fromHex(v.entropy!);
  t.equal(entropyToMnemonic(entropy, wordlist), v.passphrase, 'BIP39 words');
  const signSeed = sodium.crypto_generichash(32, utf8('tipline mailbox v1 sign'), entropy);
  const kemSeed = sodium.crypto_generichash(32, utf8('tipline mailbox v1 kem'), entropy);
  t.equal(toHex(signSeed), v['sign seed']);
  t.equal(toHex(kemSeed), v['kem seed']);
  const signPk = sodium.crypto_sign_seed_keypair(signSeed).publicKey;
  const kemPk = sodium.crypto_kem_xwing_seed_keypair(kemSeed).publicKey;
  t.equal(toHex(signPk), v['sign public key']);
  t.equal(toHex(sodium.crypto_generichash(32, kemPk, null)), v['BLAKE2b-256 of the kem public key']);
  t.equal(toHex(sodium.crypto_generichash(16, concat(utf8('tipline mailbox v1 id'), signPk, kemPk), null)), v['mailbox id']);

  const keys = await mailboxKeys(v.passphrase!);
  t.equal(keys.mailbox, v['mailbox id']);
  t.equal(toHex(keys.signPublicKey), v['sign public key']);
  t.equal(toHex(keys.kemSeed), v['kem seed']);
  const challenge = fromHex(v['login challenge']!);
  const message = concat(utf8('tipline mailbox v1 login'), challenge, utf8(keys.mailbox));
  t.same(loginMessage(challenge, keys.mailbox), message);
  t.equal(toHex(await sign(message, keys.signSecretKey)), v['login signature'], 'Ed25519 is deterministic');
  t.ok(await verify(fromHex(v['login signature']!), message, keys.signPublicKey));
  t.notOk(await verify(fromHex(v['login signature']!), loginMessage(challenge, '0'.repeat(32)), keys.signPublicKey));
});

t.test('what people type: case, spacing and four-letter prefixes are fine; typos are named', async (t) => {
  const v = docVector();
  const words = v.passphrase!.split(' ');
  t.equal(canonicalPassphrase(`  ${words.join('   ').toUpperCase()}\n`), v.passphrase);
  t.equal(canonicalPassphrase(words.map((w) => w.slice(0, 4)).join(' ')), v.passphrase, 'the first four letters suffice');
  const typo = (text: string) => {
    try {
      passphraseEntropy(text);
    } catch (err) {
      return err as PassphraseTypo;
    }
    return undefined;
  };
  t.equal(typo(words.slice(0, 11).join(' '))?.reason, 'count');
  const misspelt = [...words];
  misspelt[4] = 'expier';
  t.match(typo(misspelt.join(' ')), { reason: 'word', word: 5 });
  const swapped = [...words];
  [swapped[0], swapped[1]] = [swapped[1]!, swapped[0]!];
  t.equal(typo(swapped.join(' '))?.reason, 'checksum', 'swapped words fail the checksum');
  const other = [...words];
  other[11] = other[11] === 'zoo' ? 'zone' : 'zoo';
  t.equal(typo(other.join(' '))?.reason, 'checksum', 'another valid word in the last place');
});

t.test('new passphrases are 12 distinct-looking words that derive distinct mailboxes', async (t) => {
  const a = await newPassphrase();
  const b = await newPassphrase();
  t.equal(a.split(' ').length, 12);
  t.not(a, b);
  t.not((await mailboxKeys(a)).mailbox, (await mailboxKeys(b)).mailbox);
});
