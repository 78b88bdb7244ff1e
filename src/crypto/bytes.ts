// Small byte helpers shared by every part of Tipline. No dependencies, no surprises.

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Decodes UTF-8, throwing on invalid sequences instead of inserting U+FFFD. */
export function fromUtf8(bytes: Uint8Array): string {
  return strictDecoder.decode(bytes);
}

/** Whether two byte strings are the same (not constant time: for public values, never for secrets). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

export function writeU32(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value, false);
  return out;
}

export function readU32(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(offset, false);
}

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const B64URL_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < B64URL.length; i++) B64URL_INDEX[B64URL.charCodeAt(i)] = i;

/** base64url without padding (RFC 4648 §5), the only text encoding of bytes in Tipline. */
export function toBase64Url(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += B64URL[n >> 18]! + B64URL[(n >> 12) & 63]! + B64URL[(n >> 6) & 63]! + B64URL[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += B64URL[n >> 18]! + B64URL[(n >> 12) & 63]!;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += B64URL[n >> 18]! + B64URL[(n >> 12) & 63]! + B64URL[(n >> 6) & 63]!;
  }
  return out;
}

/**
 * Strict base64url decoding: no padding, no whitespace, no other alphabet, and the unused
 * low bits of the last character must be zero (so every byte string has exactly one text form).
 * Returns undefined for anything else.
 */
export function fromBase64Url(text: string): Uint8Array | undefined {
  // On Node (the server's hot path) the native codec is four times faster. (Typed here, not
  // with Node's types: this module is also checked as browser code.)
  const NodeBuffer = (
    globalThis as {
      Buffer?: {
        from(bytes: ArrayBuffer, offset: number, length: number): { write(text: string, offset: number, length: number, encoding: 'base64url'): number; toString(encoding: 'base64url'): string };
      };
    }
  ).Buffer;
  if (NodeBuffer) {
    // Decoded once, straight into a buffer of its own. Node's decoder is lenient (it skips or
    // maps what is not in the alphabet), so the result counts only if it encodes back to
    // exactly the same text: that rejects padding, whitespace, other alphabets, characters
    // beyond ASCII and non-zero trailing bits, as below.
    const out = new Uint8Array(Math.floor((text.length * 3) / 4));
    const view = NodeBuffer.from(out.buffer, 0, out.length);
    return view.write(text, 0, out.length, 'base64url') === out.length && view.toString('base64url') === text ? out : undefined;
  }
  return fromBase64UrlPortable(text);
}

/** The decoder browsers use; exported so tests can hold it to the same rules as Node's. */
export function fromBase64UrlPortable(text: string): Uint8Array | undefined {
  const rem = text.length % 4;
  if (rem === 1) return undefined;
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let o = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? B64URL_INDEX[c]! : -1;
    if (v < 0) return undefined;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  if (bits > 0 && (acc & ((1 << bits) - 1)) !== 0) return undefined;
  return out;
}

const HEX_BYTES = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** Joined, not built with +=: V8 keeps a string built by += as a rope of its pieces (1.4 KB for 32 bytes, not 80; 27 MB for the desk's 20 000 event hashes). */
export function toHex(bytes: Uint8Array): string {
  const out = new Array<string>(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = HEX_BYTES[bytes[i]!]!;
  return out.join('');
}

export function fromHex(text: string): Uint8Array {
  if (!/^(?:[0-9a-f]{2})*$/.test(text)) throw new Error('invalid hex');
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}
