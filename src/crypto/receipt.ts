// A receipt names one envelope by a hash of its bytes. The source sees it on confirmation,
// the editor sees it beside the decrypted tip; it is not the database id, and not unique: 64 bits
// (to be copied by hand) collide after ~2^32 tries, and one envelope sent twice gives two records
// one receipt (docs/PROTOCOL.md, "Receipt"). Tools name records by their random id.
import { concat, toHex, utf8 } from './bytes.js';
import { loadSodium } from './sodium.js';

const RECEIPT_CONTEXT = utf8('tipline receipt v1');

export async function receiptFor(envelope: Uint8Array): Promise<string> {
  const sodium = await loadSodium();
  const digest = sodium.crypto_generichash(8, concat(RECEIPT_CONTEXT, envelope), null);
  return toHex(digest).toUpperCase().match(/.{4}/g)!.join('-');
}
