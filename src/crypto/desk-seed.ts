// A desk export for a colleague (docs/BUNDLE.md, "Seed record"): an editor's desk, sealed to one
// colleague and signed by the exporter, so that a new editor's desk starts with the threads the
// server no longer holds or that were sealed before the newcomer was on the roster. Pure: no I/O,
// no clock. The desk side (which records, the import) is src/desk/seed.ts.
//
// The export is an ordinary bundle whose records are all `seed` lines. Each seed line's envelope,
// of kind `deskSeed` (0x05), is sealed to the colleague's X-Wing key alone; its body is
//
//   u32be(len(json)) || json || data
//
// where json is one part (members in this order) and data the bytes of a piece of a file (else
// empty):
//
//   {"v":1,"export":E,"t":"item","item":{…},"files":[…]}       a tip, follow-up or reply, its files
//   {"v":1,"export":E,"t":"piece","tip":I,"n":N,"i":K}         piece K of file N of item I (≤ 512 KiB)
//   {"v":1,"export":E,"t":"events","records":[{"id","received","lines"}…]}   desk event records,
//                                                               each line as its author signed it
//   {"v":1,"export":E,"t":"seal","from":S,"for":F,"created":D,"count":C,"hash":H,"signature":G}
//
// The seal is the last seed line: `from` the exporter's signing key, `for` the colleague's
// fingerprint, C the number of seed lines before it and H = BLAKE2b-256 of the concatenated
// BLAKE2b-256 hashes (32 bytes each) of those lines' exact bytes, in order: the manifest's
// hashes, bound by the exporter's signature (context "tipline desk seed v1"). So one signature
// authenticates every line, a missing, added, reordered or altered line changes H, and the export
// names the one colleague it was made for (a copy re-sealed to someone else is refused).
import { concat, equalBytes, fromBase64Url, fromHex, fromUtf8, readU32, toHex, utf8, writeU32 } from './bytes.js';
import { EnvelopeError, openEnvelope, sealEnvelopeWith, type SealRandomness } from './envelope.js';
import { parseJsonStrict } from './json.js';
import { signJsonWith, splitSignedJson, verifyStatement } from './signing.js';
import type { Sodium } from './sodium.js';
import { TiplineError } from '../shared/errors.js';

export const SEED_VERSION = 1;
/** A file travels in pieces of at most this many bytes (each its own seed line). */
export const SEED_PIECE_BYTES = 512 * 1024;
/** Largest padded body of a deskSeed envelope (its line stays under MAX_SEED_LINE_BYTES). */
export const MAX_SEED_PADDED = 4 * 1024 * 1024;

const HEX32 = /^[0-9a-f]{32}$/;
const FINGERPRINT = /^[0-9A-F]{4}( [0-9A-F]{4}){7}$/;

/** Refuses the whole export: the message says what was wrong, never a word of its content. */
export class SeedError extends TiplineError {
  override name = 'SeedError';
}

export interface SealStatement {
  export: string;
  /** The exporter's signing public key, base64url. */
  from: string;
  /** The colleague's fingerprint (RosterEditor.id). */
  for: string;
  created: string;
  count: number;
  hash: string;
}

/** A part's body: the JSON (with `v` and `export` put first) and the piece's bytes. */
export function encodeSeedPart(exportId: string, part: Record<string, unknown>, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const json = utf8(JSON.stringify({ v: SEED_VERSION, export: exportId, ...part }));
  return concat(writeU32(json.length), json, data);
}

/** Seals one part to the colleague's X-Wing public key. */
export function sealSeedPart(sodium: Sodium, body: Uint8Array, recipient: Uint8Array, randomness?: SealRandomness): Uint8Array {
  return sealEnvelopeWith(sodium, { kind: 'deskSeed', recipients: [recipient], body }, randomness);
}

/** The seal's body: the signed statement, framed like every part. */
export function sealBody(sodium: Sodium, s: SealStatement, signSecretKey: Uint8Array): Uint8Array {
  const unsigned = utf8(JSON.stringify({ v: SEED_VERSION, export: s.export, t: 'seal', from: s.from, for: s.for, created: s.created, count: s.count, hash: s.hash }));
  const signed = signJsonWith(sodium, 'deskSeed', unsigned, signSecretKey);
  return concat(writeU32(signed.length), signed);
}

/** H: BLAKE2b-256 of the lines' hashes (hex, as the manifest lists them), concatenated in order. */
export function seedHash(sodium: Sodium, lineHashes: readonly string[]): string {
  return toHex(sodium.crypto_generichash(32, concat(...lineHashes.map(fromHex)), null));
}

export interface OpenedPart {
  json: Record<string, unknown>;
  /** The JSON's exact bytes (the seal's signature covers them). */
  text: Uint8Array;
  data: Uint8Array;
}

/** Opens one seed line's envelope with the colleague's seed; SeedError when it does not open or is not a part. */
export async function openSeedPart(envelope: Uint8Array, seed: Uint8Array): Promise<OpenedPart> {
  let body: Uint8Array;
  try {
    body = (await openEnvelope(envelope, seed, { kind: 'deskSeed', maxPaddedLength: MAX_SEED_PADDED })).body;
  } catch (err) {
    if (err instanceof EnvelopeError && err.code === 'not-for-this-key') throw new SeedError('this desk export was not sealed to your key: it was made for another editor (or altered)');
    throw new SeedError(err instanceof EnvelopeError ? `a record of this desk export does not open: ${err.message}` : 'a record of this desk export does not open');
  }
  if (body.length < 4 || readU32(body, 0) > body.length - 4) throw new SeedError('a record of this desk export is not framed as one');
  const text = body.subarray(4, 4 + readU32(body, 0));
  let json: unknown;
  try {
    json = parseJsonStrict(text);
  } catch {
    throw new SeedError('a record of this desk export is not JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new SeedError('a record of this desk export is not a JSON object');
  const o = json as Record<string, unknown>;
  if (o.v !== SEED_VERSION || typeof o.export !== 'string' || !HEX32.test(o.export)) throw new SeedError('a record of this desk export is not of version 1');
  return { json: o, text, data: body.subarray(4 + text.length) };
}

/**
 * Checks the seal (the last part): its exact signed form, a signer of the roster, the signature,
 * and that it was made for `me` (a fingerprint). Returns the statement; SeedError otherwise.
 */
export async function checkSeal(part: OpenedPart, rosterSignKeys: Uint8Array[], me: string): Promise<SealStatement> {
  const o = part.json;
  if (o.t !== 'seal') throw new SeedError('the desk export does not end with its seal: it was cut short or altered');
  const split = splitSignedJson(part.text);
  if (!split || split.unsigned.length + 101 !== part.text.length) throw new SeedError('the seal of this desk export is not signed');
  const s: SealStatement = { export: o.export as string, from: o.from as string, for: o.for as string, created: o.created as string, count: o.count as number, hash: o.hash as string };
  const canonical = JSON.stringify({ v: SEED_VERSION, export: s.export, t: 'seal', from: s.from, for: s.for, created: s.created, count: s.count, hash: s.hash });
  if (
    fromUtf8(split.unsigned) !== canonical ||
    typeof s.from !== 'string' ||
    typeof s.for !== 'string' ||
    !FINGERPRINT.test(s.for) ||
    typeof s.created !== 'string' ||
    !/^\d{4}-\d{2}-\d{2}$/.test(s.created) ||
    !Number.isSafeInteger(s.count) ||
    s.count < 0 ||
    typeof s.hash !== 'string' ||
    !/^[0-9a-f]{64}$/.test(s.hash)
  ) {
    throw new SeedError('the seal of this desk export is malformed');
  }
  const from = fromBase64Url(s.from);
  const listed = from && rosterSignKeys.find((k) => equalBytes(k, from));
  if (!listed) throw new SeedError('this desk export is signed by a key that is not in the roster (the recipients file): refused');
  if (!(await verifyStatement('deskSeed', split.unsigned, split.signature, listed))) throw new SeedError("the seal's signature is wrong: the desk export was altered or forged");
  if (s.for !== me) throw new SeedError(`this desk export was made for the editor ${s.for}, not for you: refused (someone passed on another editor's copy)`);
  return s;
}
