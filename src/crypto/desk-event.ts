// Desk events (docs/PROTOCOL.md, "Desk events"): the editors' shared working state (statuses,
// labels, assignees, stars, who read what, notes, verifications) as signed statements, sealed
// to every editor of the roster in an envelope of kind `deskEvent`. Pure: no I/O, no clock.
//
// One event is a JSON object in exactly this form (members in this order, no spaces, strings
// as JSON.stringify writes them), followed by the signature member (src/crypto/signing.ts,
// "Signed JSON") made with the editor signing key under the context "tipline desk event v1":
//
//   {"v":1,"id":"<32 hex>","editor":"<base64url signing public key>","thread":"<32 hex>",
//    "hlc":{"ms":<wall ms>,"c":<counter>},"change":{"kind":"…",…}}
//
// The envelope's body is one or more signed events, each followed by one "\n" (0x0a); the
// envelope pads it like every body. A reader re-encodes what it parsed and refuses anything
// that differs, so the bytes are canonical and an independent implementation can check them.
import { concat, equalBytes, fromBase64Url, fromUtf8, toBase64Url, toHex, utf8 } from './bytes.js';
import { EnvelopeError, openEnvelope, sealEnvelope, type SealRandomness } from './envelope.js';
import { parseJsonStrict } from './json.js';
import { SIGN_PUBLIC_KEY_BYTES } from './keys.js';
import { signJson, splitSignedJson, verifyStatement } from './signing.js';
import { loadSodium } from './sodium.js';
import { CodedError } from '../shared/errors.js';

export const DESK_EVENT_VERSION = 1;
/** At most this many events in one envelope. */
export const MAX_EVENTS_PER_ENVELOPE = 4096;
/** Largest padded body of a desk-event envelope (the envelope default, 1 MiB). */
export const MAX_DESK_EVENTS_BODY = 1 << 20;
/** Limits on the free text of a change, in UTF-16 code units. */
export const MAX_LABEL_CHARS = 64;
export const MAX_NOTE_CHARS = 20_000;
export const MAX_REASON_CHARS = 2_000;
/** Largest HLC counter, and largest wall time (year 275760: what a JS Date can hold). */
export const MAX_HLC_COUNTER = 0xffff;
export const MAX_HLC_MS = 8.64e15;

const HEX32 = /^[0-9a-f]{32}$/;

// The change an event carries, and the states it names: src/desk/api.ts takes them from here.
export const THREAD_STATUSES = ['new', 'in-progress', 'waiting', 'verified', 'rejected', 'closed'] as const;
export type ThreadStatus = (typeof THREAD_STATUSES)[number];
export const TIP_VERIFICATIONS = ['unverified', 'verified', 'rejected'] as const;
export type Verification = (typeof TIP_VERIFICATIONS)[number];
export type DeskChange =
  | { kind: 'status'; status: ThreadStatus; reason?: string }
  | { kind: 'label'; label: string; on: boolean }
  | { kind: 'assign'; editor: string | null }
  | { kind: 'star'; on: boolean }
  | { kind: 'seen'; unread?: boolean }
  | { kind: 'note'; text: string }
  | { kind: 'verify'; tip: string; state: Verification; note: string };
/** An editor id: a key fingerprint (src/crypto/keys.ts), eight groups of four upper-case hex digits. */
const EDITOR_ID = /^[0-9A-F]{4}( [0-9A-F]{4}){7}$/;

/** Hybrid logical clock time: wall milliseconds and a counter for events within one millisecond. */
export interface Hlc {
  ms: number;
  c: number;
}

export interface DeskEvent {
  v: 1;
  /** Random, 32 lowercase hex digits: names the event everywhere (replays are recognised by it). */
  id: string;
  /** The signing editor's Ed25519 public key, base64url (32 bytes). */
  editor: string;
  /** The thread: a mailbox id, or the record id of a tip without a mailbox. */
  thread: string;
  hlc: Hlc;
  change: DeskChange;
}

export class DeskEventError extends CodedError<'malformed' | 'signature' | 'unknown-signer' | 'envelope' | 'replay'> {
  override name = 'DeskEventError';
}

function fail(message: string): never {
  throw new DeskEventError('malformed', message);
}

const hasControl = (s: string): boolean => /[\p{Cc}]/u.test(s);

function checkText(value: unknown, what: string, max: number, allowEmpty: boolean, singleLine: boolean): string {
  if (typeof value !== 'string') fail(`${what} must be a string`);
  if (value.length > max || (!allowEmpty && value.length === 0)) fail(`${what} must be ${allowEmpty ? 0 : 1} to ${max} characters`);
  if (/\p{Cs}/u.test(value)) fail(`${what} holds a lone surrogate`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters a multi-line text may not hold (all but tab and line feed)
  if (singleLine ? hasControl(value) : /[\u0000-\u0008\u000b-\u001f\u007f]/.test(value)) fail(`${what} holds control characters`);
  return value;
}

/** The change in its canonical member order; throws DeskEventError('malformed') for anything else. */
export function canonicalChange(change: unknown): DeskChange {
  if (typeof change !== 'object' || change === null || Array.isArray(change)) fail('change must be an object');
  const c = change as Record<string, unknown>;
  const keys = Object.keys(c);
  const only = (...names: string[]): void => {
    if (keys.some((k) => !names.includes(k))) fail(`a ${String(c.kind)} change has only the members ${names.join(', ')}`);
  };
  switch (c.kind) {
    case 'status': {
      only('kind', 'status', 'reason');
      if (!THREAD_STATUSES.includes(c.status as ThreadStatus)) fail('status must be one of ' + THREAD_STATUSES.join(', '));
      const out: DeskChange = { kind: 'status', status: c.status as ThreadStatus };
      if (c.reason !== undefined) out.reason = checkText(c.reason, 'reason', MAX_REASON_CHARS, false, false);
      return out;
    }
    case 'label':
      only('kind', 'label', 'on');
      if (typeof c.on !== 'boolean') fail('on must be true or false');
      return { kind: 'label', label: checkText(c.label, 'label', MAX_LABEL_CHARS, false, true), on: c.on };
    case 'assign':
      only('kind', 'editor');
      if (c.editor !== null && (typeof c.editor !== 'string' || !EDITOR_ID.test(c.editor))) fail('editor must be an editor id (a key fingerprint) or null');
      return { kind: 'assign', editor: c.editor as string | null };
    case 'star':
      only('kind', 'on');
      if (typeof c.on !== 'boolean') fail('on must be true or false');
      return { kind: 'star', on: c.on };
    case 'seen': {
      only('kind', 'unread');
      if (c.unread !== undefined && c.unread !== true) fail('unread is true or absent');
      return c.unread ? { kind: 'seen', unread: true } : { kind: 'seen' };
    }
    case 'note':
      only('kind', 'text');
      return { kind: 'note', text: checkText(c.text, 'text', MAX_NOTE_CHARS, false, false) };
    case 'verify':
      only('kind', 'tip', 'state', 'note');
      if (typeof c.tip !== 'string' || !HEX32.test(c.tip)) fail('tip must be a record id of 32 lowercase hex digits');
      if (!TIP_VERIFICATIONS.includes(c.state as Verification)) fail('state must be one of ' + TIP_VERIFICATIONS.join(', '));
      return { kind: 'verify', tip: c.tip, state: c.state as Verification, note: checkText(c.note, 'note', MAX_REASON_CHARS, true, false) };
    default:
      return fail('unknown change kind');
  }
}

function checkHlc(hlc: unknown): Hlc {
  const h = hlc as Record<string, unknown>;
  if (typeof hlc !== 'object' || hlc === null || Array.isArray(hlc) || Object.keys(h).join(',') !== 'ms,c') fail('hlc must be {"ms":…,"c":…}');
  if (!Number.isSafeInteger(h.ms) || (h.ms as number) < 0 || (h.ms as number) > MAX_HLC_MS) fail('hlc.ms must be a whole number of milliseconds');
  if (!Number.isSafeInteger(h.c) || (h.c as number) < 0 || (h.c as number) > MAX_HLC_COUNTER) fail(`hlc.c must be 0 to ${MAX_HLC_COUNTER}`);
  return { ms: h.ms as number, c: h.c as number };
}

/** The unsigned event's exact bytes; throws DeskEventError('malformed') when a member is out of its rules. */
export function encodeDeskEvent(event: DeskEvent): Uint8Array {
  if (event.v !== DESK_EVENT_VERSION) fail('v must be 1');
  if (typeof event.id !== 'string' || !HEX32.test(event.id)) fail('id must be 32 lowercase hex digits');
  const editor = typeof event.editor === 'string' ? fromBase64Url(event.editor) : undefined;
  if (!editor || editor.length !== SIGN_PUBLIC_KEY_BYTES) fail('editor must be a base64url Ed25519 public key');
  if (typeof event.thread !== 'string' || !HEX32.test(event.thread)) fail('thread must be 32 lowercase hex digits');
  const hlc = checkHlc(event.hlc);
  const change = canonicalChange(event.change);
  // JSON.stringify of objects built in this member order is the canonical text (docs/PROTOCOL.md).
  return utf8(JSON.stringify({ v: 1, id: event.id, editor: event.editor, thread: event.thread, hlc: { ms: hlc.ms, c: hlc.c }, change }));
}

/** A new random event id. */
export async function newEventId(): Promise<string> {
  const sodium = await loadSodium();
  return toHex(sodium.randombytes_buf(16));
}

/** Signs one event with the editor's signing key pair; `event.editor` must be its public half. */
export async function signDeskEvent(event: DeskEvent, signer: { signPublicKey: Uint8Array; signSecretKey: Uint8Array }): Promise<Uint8Array> {
  if (event.editor !== toBase64Url(signer.signPublicKey)) throw new DeskEventError('malformed', 'the event names another editor than its signer');
  return signJson('deskEvent', encodeDeskEvent(event), signer.signSecretKey);
}

export async function signDeskEvents(events: DeskEvent[], signer: { signPublicKey: Uint8Array; signSecretKey: Uint8Array }): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (const event of events) out.push(await signDeskEvent(event, signer));
  return out;
}

/** The body of a deskEvent envelope: each signed event followed by "\n". */
export function encodeDeskEventsBody(signed: Uint8Array[]): Uint8Array {
  if (signed.length < 1 || signed.length > MAX_EVENTS_PER_ENVELOPE) throw new DeskEventError('malformed', `an envelope holds 1 to ${MAX_EVENTS_PER_ENVELOPE} events`);
  const parts: Uint8Array[] = [];
  for (const s of signed) {
    if (s.includes(0x0a)) throw new DeskEventError('malformed', 'a signed event holds no line feed');
    parts.push(s, Uint8Array.of(0x0a));
  }
  return concat(...parts);
}

/** Seals signed events to every editor of the roster (their X-Wing public keys): the envelope bytes of kind deskEvent. */
export async function sealDeskEvents(signed: Uint8Array[], recipients: Uint8Array[], randomness?: SealRandomness): Promise<Uint8Array> {
  const body = encodeDeskEventsBody(signed);
  if (body.length + 4 > MAX_DESK_EVENTS_BODY) throw new DeskEventError('malformed', 'too many events for one envelope: split them');
  return sealEnvelope({ kind: 'deskEvent', recipients, body }, randomness);
}

/** One event that verified: the statement, its signed bytes, and a hash of them (for replay checks). */
export interface OpenedDeskEvent {
  event: DeskEvent;
  signed: Uint8Array;
  /** BLAKE2b-256 of the signed bytes, hex: the same id with another hash is a replay with other content. */
  hash: string;
}

export type OpenedDeskEvents = { ok: true; events: OpenedDeskEvent[]; refused: { index: number; id?: string; reason: string }[] } | { ok: false; reason: string };

/** Parses and verifies one signed event against the roster's signing keys; throws DeskEventError. */
export async function verifyDeskEvent(signed: Uint8Array, rosterSignKeys: Uint8Array[]): Promise<OpenedDeskEvent> {
  const parts = splitSignedJson(signed);
  if (!parts || parts.unsigned.length + 101 !== signed.length) fail('it is not a signed desk event');
  let value: unknown;
  try {
    value = parseJsonStrict(parts.unsigned);
  } catch {
    fail('it is not JSON');
  }
  const o = value as DeskEvent;
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.keys(value).join(',') !== 'v,id,editor,thread,hlc,change') {
    fail('it is not a desk event (members v, id, editor, thread, hlc, change in this order)');
  }
  const canonical = encodeDeskEvent(o);
  if (!equalBytes(canonical, parts.unsigned)) fail('it is not in its exact form');
  const editor = fromBase64Url(o.editor)!;
  const listed = rosterSignKeys.find((k) => equalBytes(k, editor));
  if (!listed) throw new DeskEventError('unknown-signer', 'it is signed by a key that is not in the roster (the recipients file)');
  if (!(await verifyStatement('deskEvent', parts.unsigned, parts.signature, listed))) throw new DeskEventError('signature', 'its signature is wrong (forged or altered)');
  const sodium = await loadSodium();
  const event = JSON.parse(fromUtf8(canonical)) as DeskEvent;
  return { event, signed: Uint8Array.from(signed), hash: toHex(sodium.crypto_generichash(32, signed, null)) };
}

/**
 * Opens a deskEvent envelope with this editor's X-Wing seed and verifies every event in it
 * against the roster's signing keys. An envelope that does not open (altered, not for this key,
 * another kind) or whose body is not event lines is refused whole; a single event that fails
 * (malformed, unknown signer, bad signature) is refused alone, with its reason.
 * Replays need the desk's memory of merged events: see replayVerdict.
 */
export async function openDeskEvents(envelope: Uint8Array, seed: Uint8Array, rosterSignKeys: Uint8Array[]): Promise<OpenedDeskEvents> {
  let body: Uint8Array;
  try {
    body = (await openEnvelope(envelope, seed, { kind: 'deskEvent', maxPaddedLength: MAX_DESK_EVENTS_BODY })).body;
  } catch (err) {
    return { ok: false, reason: err instanceof EnvelopeError ? `the envelope does not open: ${err.message}` : 'the envelope does not open' };
  }
  if (body.length === 0 || body[body.length - 1] !== 0x0a) return { ok: false, reason: 'the body is not desk event lines' };
  const lines: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    if (body[i] === 0x0a) {
      lines.push(body.subarray(start, i));
      start = i + 1;
    }
  }
  if (lines.length > MAX_EVENTS_PER_ENVELOPE) return { ok: false, reason: `more than ${MAX_EVENTS_PER_ENVELOPE} events in one envelope` };
  const events: OpenedDeskEvent[] = [];
  const refused: { index: number; id?: string; reason: string }[] = [];
  const idsHere = new Set<string>();
  for (let index = 0; index < lines.length; index++) {
    try {
      const opened = await verifyDeskEvent(lines[index]!, rosterSignKeys);
      if (idsHere.has(opened.event.id)) throw new DeskEventError('replay', 'the same event id appears twice in one record');
      idsHere.add(opened.event.id);
      events.push(opened);
    } catch (err) {
      const id = /"id":"([0-9a-f]{32})"/.exec(safeText(lines[index]!))?.[1];
      refused.push({ index, ...(id ? { id } : {}), reason: err instanceof DeskEventError ? err.message : 'it could not be read' });
    }
  }
  return { ok: true, events, refused };
}

function safeText(bytes: Uint8Array): string {
  try {
    return fromUtf8(bytes.subarray(0, 200));
  } catch {
    return '';
  }
}

/** What the desk already merged under an event id: the record it came in and the hash of its signed bytes. */
export interface KnownEvent {
  record: string;
  hash: string;
}

/**
 * Whether an opened event is new, already merged (the same record seen again: an import run
 * twice), or a replay: the same event id arriving in another record, or with other content.
 */
export function replayVerdict(known: KnownEvent | undefined, record: string, hash: string): 'new' | 'already' | { refused: string } {
  if (!known) return 'new';
  if (known.hash !== hash) return { refused: 'replay: an event with this id and other content was already merged' };
  if (known.record !== record) return { refused: 'replay: this event was already merged from another record' };
  return 'already';
}

// ---- Hybrid logical clock (Kulkarni et al., 2014) -------------------------------------------

/** The next local HLC time after `last`, given the wall clock `now` (ms). */
export function tickHlc(last: Hlc, now: number): Hlc {
  if (now > last.ms) return { ms: now, c: 0 };
  if (last.c >= MAX_HLC_COUNTER) return { ms: last.ms + 1, c: 0 };
  return { ms: last.ms, c: last.c + 1 };
}

/** The local HLC after receiving a remote time: never behind anything seen. */
export function observeHlc(local: Hlc, remote: Hlc): Hlc {
  return compareHlc(remote, local) > 0 ? { ms: remote.ms, c: remote.c } : local;
}

export function compareHlc(a: Hlc, b: Hlc): number {
  return a.ms !== b.ms ? (a.ms < b.ms ? -1 : 1) : a.c !== b.c ? (a.c < b.c ? -1 : 1) : 0;
}

/**
 * The total order of events every desk uses: HLC, then the editor (signing key, base64url,
 * compared as strings of code units), then the event id. Ties cannot remain.
 */
export function compareEvents(a: Pick<DeskEvent, 'hlc' | 'editor' | 'id'>, b: Pick<DeskEvent, 'hlc' | 'editor' | 'id'>): number {
  return compareHlc(a.hlc, b.hlc) || (a.editor < b.editor ? -1 : a.editor > b.editor ? 1 : 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
