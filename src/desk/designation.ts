// Two-word designations of threads (the same on every editor's desk, never shown to
// the source). Two words of the BIP-39 English list (2048 words, bundled by @scure/bip39), from
// a hash of the thread id under its own context, so they say nothing about the mailbox id.
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { utf8 } from '../crypto/bytes.js';
import type { Sodium } from '../crypto/sodium.js';

const CONTEXT = utf8('tipline designation v1');

/** Two words, lower case, separated by a space. 2^22 pairs: two threads of one desk share a pair with odds of about n²/2^23. */
export function designation(sodium: Sodium, threadId: string): string {
  const h = sodium.crypto_generichash(4, utf8(threadId), CONTEXT);
  const a = ((h[0]! << 8) | h[1]!) & 0x7ff;
  const b = ((h[2]! << 8) | h[3]!) & 0x7ff;
  return `${wordlist[a]} ${wordlist[b]}`;
}
