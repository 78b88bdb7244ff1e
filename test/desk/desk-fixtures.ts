// Fixtures of the desk's tests: editors with names, sources with mailboxes, tips, follow-ups and
// attachments sealed exactly as the page seals them, written as real bundles into a USB inbox.
// Nothing here is a mock: the same crypto and the same bundle writer as the real tools.
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import type { Test } from 'tap';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { FILE_CHUNK_SIZE, FILE_CIPHER, encryptFile, generateFileKey, lastChunkCiphertextLength } from '../../src/crypto/attachment.js';
import { encodeBody, type Body, type FileRef } from '../../src/crypto/body.js';
import type { BundleItem, TipRecord } from '../../src/crypto/bundle.js';
import { toBase64Url } from '../../src/crypto/bytes.js';
import { sealEnvelope } from '../../src/crypto/envelope.js';
import { encodePublicKey, generateEditorKeyPair, type EditorKeyPair } from '../../src/crypto/keys.js';
import { mailboxKeysFromEntropy, type MailboxKeys } from '../../src/crypto/mailbox.js';
import { signBody } from '../../src/crypto/signing.js';
import { writeBundle } from '../../src/files/bundle.js';
import type { Desk } from '../../src/desk/api.js';
import { openDesk } from '../../src/desk/desk.js';

export interface Editor extends EditorKeyPair {
  name: string;
}

export async function editors(...names: string[]): Promise<Editor[]> {
  return Promise.all(names.map(async (name) => ({ ...(await generateEditorKeyPair()), name })));
}

export function recipientsText(list: Editor[]): string {
  return list.map((e) => encodePublicKey(e)).join('\n') + '\n';
}

export async function source(): Promise<MailboxKeys> {
  return mailboxKeysFromEntropy(new Uint8Array(randomBytes(16)));
}

export const newId = (): string => randomBytes(16).toString('hex');

export interface Attachment {
  name: string;
  type: string;
  bytes: Uint8Array;
}

/** A record (and its attachment lines) as the server's export writes it. */
export async function tipItems(
  to: Editor[],
  message: string,
  options: {
    from?: MailboxKeys;
    kind?: 'tip' | 'followUp';
    forgedBy?: MailboxKeys;
    fields?: Body['fields'];
    form?: Body['form'];
    files?: Attachment[];
    sealedByServer?: boolean;
    received?: string;
    id?: string;
    clientTime?: string;
  } = {},
): Promise<{ id: string; items: BundleItem[] }> {
  const id = options.id ?? newId();
  const refs: FileRef[] = [];
  const lines: BundleItem[] = [];
  for (const f of options.files ?? []) {
    const key = generateFileKey();
    const upload = toBase64Url(new Uint8Array(randomBytes(32)));
    const chunks = await encryptFile(key, f.bytes);
    refs.push({ upload, name: f.name, type: f.type, size: f.bytes.length, key: toBase64Url(key), cipher: FILE_CIPHER, chunkSize: FILE_CHUNK_SIZE });
    lines.push({ file: { tip: id, upload, chunks: chunks.length, lastChunkBytes: lastChunkCiphertextLength(f.bytes.length) } });
    chunks.forEach((data, index) => {
      lines.push({ chunk: { tip: id, upload, index, data } });
    });
  }
  const body: Body = {
    v: 1,
    message,
    clientTime: options.clientTime ?? '2026-11-30T10:00:00.000Z',
    ...(options.form ? { form: options.form } : {}),
    ...(options.fields ? { fields: options.fields } : {}),
    ...(options.sealedByServer ? { sealedByServer: true } : {}),
    ...(options.from ? { reply: { mailbox: options.from.mailbox, kemPublicKey: toBase64Url(options.from.kemPublicKey), signPublicKey: toBase64Url(options.from.signPublicKey) } } : {}),
    ...(refs.length ? { files: refs } : {}),
  };
  const kind = options.kind ?? 'tip';
  const signer = options.forgedBy ?? options.from;
  const bytes = signer ? await signBody(kind, body, signer.signSecretKey) : encodeBody(body);
  const envelope = await sealEnvelope({ kind, recipients: to.map((e) => e.publicKey), body: bytes });
  const record: TipRecord = { id, received: options.received ?? '2026-11-30', envelope };
  return { id, items: [record, ...lines] };
}

/** Writes items as `<usb>/inbox/<name>`, the way `editor sync` leaves a fetched bundle. */
/** A protocol-kz tip as the page seals it (body.protocol beside the fields): station `station`
 * in almaty, `valid` valid ballots all for party-a, sealed to `to`. */
export async function protocolTip(to: Editor[], message: string, station: string, valid: number): Promise<{ id: string; items: BundleItem[] }> {
  const id = newId();
  const body: Body = {
    v: 1,
    message,
    clientTime: '2026-11-30T20:00:00.000Z',
    form: { id: 'protocol-kz', version: 1 },
    fields: { region: 'almaty' },
    protocol: { v: 1, election: 'kz-2026', station, region: 'almaty', items: { valid, invalid: 10 }, votes: { 'party-a': valid }, failed: [] },
  };
  const envelope = await sealEnvelope({ kind: 'tip', recipients: to.map((e) => e.publicKey), body: encodeBody(body) });
  return { id, items: [{ id, received: '2026-11-30', envelope }] };
}

/** The real desk of `who` in <dir>/desk (its USB folder <dir>/usb, exports in <dir>/export), closed when `t` ends. */
export async function deskIn(t: Test, who: Editor, recipients: string, dir: string, lang: string): Promise<Desk> {
  const desk = await openDesk({ key: who, recipients, usb: join(dir, 'usb'), deskDir: join(dir, 'desk'), exportDir: join(dir, 'export'), lang });
  t.teardown(() => desk.close());
  return desk;
}

/** What `editor sync` does between two desks: one desk's outbox bundles become the other's inbox. Returns how many. */
export function carry(from: string, to: string): number {
  const out = join(from, 'usb', 'outbox');
  mkdirSync(join(to, 'usb', 'inbox'), { recursive: true });
  let n = 0;
  for (const name of readdirSync(out).filter((n) => n.endsWith('.bundle'))) {
    copyFileSync(join(out, name), join(to, 'usb', 'inbox', `carried-${name}`));
    n++;
  }
  return n;
}

export async function toInbox(usb: string, name: string, items: BundleItem[]): Promise<string> {
  mkdirSync(join(usb, 'inbox'), { recursive: true });
  const path = join(usb, 'inbox', name);
  await writeBundle(path, items, { created: '2026-11-30' });
  return path;
}

/** A real 1×1 PNG. */
export const PNG_1X1 = Uint8Array.from(Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64'));

export function writeText(path: string, text: string): string {
  writeFileSync(path, text);
  return path;
}
