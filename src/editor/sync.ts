// `editor sync`: the online half of the desk's cycle in one command. The USB folder
// (docs/EDITORS.md) holds inbox/ (bundles for the desk), outbox/ (what the desk queued: reply and
// event bundles, signed acknowledgements), sent/ (outbox files the server confirmed) and
// sync-state.json (nothing secret, nothing of a tip: record ids, days, bundle names).
//
// 1. Upload: the outbox bundles in name order, many per request (one request per kind: their
//    replies, their events; a refused batch is sent again file by file), then each signed
//    acknowledgement; a file moves to sent/ only once the server confirmed it. A sync killed
//    between the confirmation and the move sends the file again next time, and the server
//    recognises it (replies and desk events are stored under their record's id, acknowledgements
//    are idempotent): nothing is stored twice.
// 2. Fetch, by day (the server keeps no finer order): the records received since the day of the
//    latest one this folder has, acknowledged or not (one desk's acknowledgement must not hide
//    a record from another desk), page by page, each page with its attachments (the resumable
//    spool of `editor fetch`) one bundle written atomically into inbox/; then the replies (the
//    desks' copies) and desk events the same way, one more bundle. The ids of the latest day
//    already in a bundle still in inbox/ are skipped. A bundle's name is kept in sync-state.json
//    before its attachments are fetched, so a killed sync continues them where it stopped.
import { closeSync, constants, existsSync, fsyncSync, lstatSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { BundleError, bundleText, isBundleDate, isRecordId, parseBundleStrict, todayUtc, type EventRecord, type TipRecord } from '../crypto/bundle.js';
import { fsyncPath } from '../files/sync.js';
import { EditorClientError, ackFile, editorCall, fetchRecordList, refused, writeFetchedBundle, type Endpoint } from './client.js';

export const STATE_FILE = 'sync-state.json';
/** The largest outbox bundle sent (the server's limit for replies and desk events). */
const MAX_OUTBOX_BYTES = 16 * 1024 * 1024;
/**
 * Outbox bundles go together, up to this many bytes and files per request: the desk queues one
 * file per change, and over Tor each request costs a round trip of a second or more.
 */
const BATCH_BYTES = 8 * 1024 * 1024;
const BATCH_FILES = 500;
/** The first sync asks for every record the server holds: received since this day. */
const FIRST_DAY = '1970-01-01';
/** Pages at most per sync and route (each up to 1000 records or about 24 MiB). */
const MAX_PAGES = 10_000;

/** What was fetched by day: the day of the latest record, and the ids of that day already fetched (id → bundle name). */
interface DayCursor {
  since: string | null;
  seen: Record<string, string>;
}

interface SyncState {
  version: 1;
  /** The inbox bundle being fetched (its attachments spool under this name), if a sync stopped before writing it. */
  pending: string | null;
  /** Records (tips and follow-ups), by day: acknowledged or not, so one desk's acknowledgement hides nothing from another. */
  records: DayCursor;
  /** Replies (the desks' copies), by day. */
  replies: DayCursor;
  /** Desk events, by day. */
  events: DayCursor;
}

export interface SyncSummary {
  uploaded: number;
  /** Outbox files the server (or this tool) refused: they stay in outbox/. */
  refused: { file: string; reason: string }[];
  /** The inbox bundles written (none when nothing was new). */
  bundles: string[];
  records: number;
  attachments: number;
  replies: number;
  events: number;
}

const BUNDLE_NAME = /^\d{4}-\d{2}-\d{2}-[0-9a-f]{12}\.bundle$/;

function emptyState(): SyncState {
  return { version: 1, pending: null, records: { since: null, seen: {} }, replies: { since: null, seen: {} }, events: { since: null, seen: {} } };
}

function isNameMap(value: unknown): value is Record<string, string> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.entries(value).every(([k, v]) => isRecordId(k) && typeof v === 'string' && BUNDLE_NAME.test(v));
}

function readState(path: string): SyncState {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
    throw new EditorClientError(`cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const v = value as Partial<SyncState> | undefined;
  const isCursor = (c: Partial<DayCursor> | undefined | null) => typeof c === 'object' && c !== null && (c.since === null || isBundleDate(c.since)) && isNameMap(c.seen);
  const ok = v?.version === 1 && (v.pending === null || (typeof v.pending === 'string' && BUNDLE_NAME.test(v.pending))) && isCursor(v.records) && isCursor(v.replies) && isCursor(v.events);
  if (!ok) throw new EditorClientError(`${path} is not a sync state this tool wrote: remove it (the next sync then fetches every record and event the server still holds)`);
  return v as SyncState;
}

/** Atomically: a `.part` file, fsync'd, renamed over the state, the folder fsync'd. */
function writeState(dir: string, state: SyncState): void {
  const path = join(dir, STATE_FILE);
  const part = `${path}.part`;
  try {
    const fd = openSync(part, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o600);
    try {
      const bytes = Buffer.from(JSON.stringify(state) + '\n');
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(part, path);
    fsyncPath(dir);
  } catch (err) {
    throw new EditorClientError(`cannot write ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

function folder(dir: string, name: string): string {
  const path = join(dir, name);
  try {
    mkdirSync(path, { mode: 0o700 });
    fsyncPath(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new EditorClientError(`cannot make ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    if (!lstatSync(path).isDirectory()) throw new EditorClientError(`${path} is not a folder`);
  }
  return path;
}

/** An outbox bundle, read and checked here before anything is sent. */
interface OutboxBundle {
  name: string;
  size: number;
  replies: TipRecord[];
  events: EventRecord[];
}

/** Reads one outbox bundle; throws EditorClientError when it is not one sync may send. */
async function readOutboxBundle(outbox: string, name: string): Promise<OutboxBundle> {
  const path = join(outbox, name);
  let stat;
  try {
    stat = lstatSync(path);
  } catch (err) {
    throw new EditorClientError(`cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (!stat.isFile()) throw new EditorClientError('not a regular file');
  if (stat.size > MAX_OUTBOX_BYTES) throw new EditorClientError(`larger than ${MAX_OUTBOX_BYTES} bytes, more than the server takes in one request`);
  let parsed;
  try {
    parsed = await parseBundleStrict(new Uint8Array(readFileSync(path)), { events: true });
  } catch (err) {
    if (err instanceof BundleError) throw new EditorClientError(err.message);
    throw err;
  }
  const { records, events } = parsed;
  if (records.some((r) => r.mailbox === undefined)) throw new EditorClientError('it holds a tip record: an outbox bundle holds replies and desk events only');
  if (records.length === 0 && events.length === 0) throw new EditorClientError('it holds no reply and no desk event');
  return { name, size: stat.size, replies: records, events };
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * Sends the replies and events of `bundles` in one request per kind (each all or nothing on the
 * server); returns what was confirmed, in words. Throws EditorClientError when one is refused.
 */
async function sendBundles(endpoint: Endpoint, bundles: OutboxBundle[]): Promise<string> {
  const replies = bundles.flatMap((b) => b.replies);
  const events = bundles.flatMap((b) => b.events);
  const done: string[] = [];
  if (replies.length > 0) {
    const body = new TextEncoder().encode(await bundleText(replies));
    const response = await editorCall(endpoint, 'POST', '/api/editor/replies', { bytes: body, type: 'application/x-ndjson' });
    if (response.status !== 201) throw refused(response);
    done.push(plural(replies.length, 'reply', 'replies'));
  }
  if (events.length > 0) {
    const body = new TextEncoder().encode(await bundleText(events.map((event) => ({ event }))));
    const response = await editorCall(endpoint, 'POST', '/api/editor/events', { bytes: body, type: 'application/x-ndjson' });
    if (response.status !== 200 && response.status !== 201) throw refused(response);
    done.push(plural(events.length, 'desk event record', 'desk event records'));
  }
  return done.join(' and ');
}

/** Groups bundles, in order, into requests of at most BATCH_BYTES (a bundle larger than that goes alone). */
function batches(bundles: OutboxBundle[]): OutboxBundle[][] {
  const out: OutboxBundle[][] = [];
  let size = 0;
  for (const bundle of bundles) {
    const last = out.at(-1);
    if (last && size + bundle.size <= BATCH_BYTES && last.length < BATCH_FILES) {
      last.push(bundle);
      size += bundle.size;
    } else {
      out.push([bundle]);
      size = bundle.size;
    }
  }
  return out;
}

/** Moves a confirmed outbox file to sent/ (never over another file), then makes the move durable. */
function moveToSent(outbox: string, sent: string, name: string): string {
  let target = name;
  for (let n = 2; existsSync(join(sent, target)); n++) target = `${n}-${name}`;
  try {
    renameSync(join(outbox, name), join(sent, target));
    fsyncPath(sent);
    fsyncPath(outbox);
  } catch (err) {
    // The server has it: the next sync sends it again and the server recognises it.
    throw new EditorClientError(`the server confirmed outbox/${name}, but it cannot be moved to sent/ (${(err as NodeJS.ErrnoException).code ?? 'error'}); the next sync sends it again, harmlessly`);
  }
  return target;
}

/**
 * Every record a day-paged route holds received on or after `since` (all when null), page by
 * page: the desk events (`/api/editor/events`) or the replies (`/api/editor/replies`).
 */
async function fetchByDay<K extends 'events' | 'replies'>(endpoint: Endpoint, route: K, since: string | null): Promise<K extends 'events' ? EventRecord[] : TipRecord[]> {
  const out: (EventRecord | TipRecord)[] = [];
  const what = route === 'events' ? 'desk event' : 'reply';
  let query = since ? `?since=${since}` : '';
  for (let page = 0; page < MAX_PAGES; page++) {
    const response = await editorCall(endpoint, 'GET', `/api/editor/${route}${query}`);
    if (response.status !== 200) throw refused(response);
    let records: (EventRecord | TipRecord)[];
    try {
      const parsed = await parseBundleStrict(new Uint8Array(response.body), { events: route === 'events' });
      records = route === 'events' ? parsed.events : parsed.records;
      if (route === 'replies' && records.some((r) => (r as TipRecord).mailbox === undefined)) throw new BundleError('a record that is not a reply');
    } catch (err) {
      if (err instanceof BundleError) throw new EditorClientError(`the server sent a broken ${what} bundle: ${err.message}`);
      throw err;
    }
    if (records.length === 0) return out as K extends 'events' ? EventRecord[] : TipRecord[];
    const last = records.at(-1)!;
    const previous = out.at(-1);
    // Pages come by (day, id): a server that goes backwards would make this loop forever.
    if (previous && `${last.received} ${last.id}` <= `${previous.received} ${previous.id}`) throw new EditorClientError(`the server sent ${what} records out of order`);
    out.push(...records);
    query = `?since=${last.received}&after=${last.id}`;
  }
  throw new EditorClientError(`more than ${MAX_PAGES} pages of ${what} records: run sync again`);
}

/**
 * The cursor after a page fetched by day: the latest day, and the ids of that day in the inbox
 * (those of earlier days are never asked for again). `seen` already holds the page's new ids.
 */
function advance(cursor: DayCursor, page: { id: string; received: string }[]): DayCursor {
  const latest = page.reduce<string | null>((day, r) => (day === null || r.received > day ? r.received : day), cursor.since);
  // Still the same day: every id seen that day stays (an earlier page may have held some).
  const seen: Record<string, string> = latest === cursor.since ? { ...cursor.seen } : {};
  for (const r of page) if (r.received === latest && cursor.seen[r.id]) seen[r.id] = cursor.seen[r.id]!;
  return { since: latest, seen };
}

/**
 * One sync of the USB folder `dir` with the server. `log` gets one progress line at a time.
 * Throws EditorClientError when the server cannot be reached or the fetch fails; an outbox file
 * the server refuses is named in the summary and stays in outbox/.
 */
export async function syncDesk(endpoint: Endpoint, dir: string, log: (line: string) => void): Promise<SyncSummary> {
  try {
    if (!lstatSync(dir).isDirectory()) throw new Error('ENOTDIR');
  } catch {
    throw new EditorClientError(`--dir ${dir} is not a folder (the USB stick's desk folder)`);
  }
  const inbox = folder(dir, 'inbox');
  const outbox = folder(dir, 'outbox');
  const sent = folder(dir, 'sent');
  const state = readState(join(dir, STATE_FILE));
  const summary: SyncSummary = { uploaded: 0, refused: [], bundles: [], records: 0, attachments: 0, replies: 0, events: 0 };

  // 1. Upload the outbox: acknowledgements one by one, bundles together (one by one when the
  //    server refuses a batch, so one bad file does not hold back the others).
  let names: string[];
  try {
    names = readdirSync(outbox);
  } catch (err) {
    throw new EditorClientError(`cannot read ${outbox} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const queued = names.filter((name) => !name.startsWith('.') && (name.endsWith('.bundle') || name.endsWith('.ack'))).sort();
  const notSent = (name: string, reason: string) => {
    summary.refused.push({ file: name, reason });
    log(`not sent: outbox/${name}: ${reason}`);
  };
  const confirmed = (names: string[], what: string) => {
    const moved = names.map((name) => moveToSent(outbox, sent, name));
    summary.uploaded += names.length;
    log(`confirmed: ${what}; moved to sent/: ${moved.join(', ')}`);
  };
  const bundles: OutboxBundle[] = [];
  for (const name of queued.filter((n) => n.endsWith('.bundle'))) {
    try {
      bundles.push(await readOutboxBundle(outbox, name));
    } catch (err) {
      if (!(err instanceof EditorClientError)) throw err;
      notSent(name, err.message);
    }
  }
  for (const batch of batches(bundles)) {
    log(`uploading ${plural(batch.length, 'outbox bundle', 'outbox bundles')}: ${batch.map((b) => `outbox/${b.name}`).join(', ')}`);
    try {
      confirmed(
        batch.map((b) => b.name),
        await sendBundles(endpoint, batch),
      );
      continue;
    } catch (err) {
      if (!(err instanceof EditorClientError)) throw err;
      if (batch.length === 1) {
        notSent(batch[0]!.name, err.message);
        continue;
      }
      log(`refused together (${err.message}): sending them one by one`);
    }
    for (const bundle of batch) {
      try {
        confirmed([bundle.name], await sendBundles(endpoint, [bundle]));
      } catch (err) {
        if (!(err instanceof EditorClientError)) throw err;
        notSent(bundle.name, err.message);
      }
    }
  }
  for (const name of queued.filter((n) => n.endsWith('.ack'))) {
    log(`uploading outbox/${name}`);
    try {
      if (!lstatSync(join(outbox, name)).isFile()) throw new EditorClientError('not a regular file');
      const { acknowledged, listed } = await ackFile(endpoint, join(outbox, name));
      confirmed([name], `acknowledgement of ${plural(listed, 'record', 'records')} (${acknowledged} newly acknowledged)`);
    } catch (err) {
      if (!(err instanceof EditorClientError)) throw err;
      notSent(name, err.message);
    }
  }

  // 2. Fetch what is new: the records page by page (a bundle each, so a long first sync keeps
  //    what it finished), then the replies and desk events (one bundle).
  const inInbox = (name: string | undefined) => name !== undefined && existsSync(join(inbox, name));
  const earlier = state.pending;
  const written: string[] = [];
  const writeInbox = async (content: Parameters<typeof writeFetchedBundle>[2]): Promise<string> => {
    // The name of a bundle a killed sync began (and its attachment spool), or a new one.
    const name = state.pending && !existsSync(join(inbox, state.pending)) ? state.pending : `${todayUtc()}-${randomBytes(6).toString('hex')}.bundle`;
    state.pending = name;
    writeState(dir, state);
    const result = await writeFetchedBundle(endpoint, join(inbox, name), content, {
      attachment: (n, of, bytes, spooled) =>
        log(`fetching attachment ${n} of ${of} (${(bytes / 1048576).toFixed(1)} MiB of ciphertext${spooled ? `, ${(spooled / 1048576).toFixed(1)} MiB already fetched by an earlier run` : ''})`),
    });
    state.pending = null;
    written.push(name);
    summary.bundles.push(join('inbox', name));
    summary.attachments += result.attachments;
    log(`wrote inbox/${name}`);
    return name;
  };

  let query = `?since=${state.records.since ?? FIRST_DAY}`;
  for (let page = 0; ; page++) {
    if (page >= MAX_PAGES) throw new EditorClientError(`more than ${MAX_PAGES} pages of records: run sync again`);
    log(query.slice(7, 17) === FIRST_DAY ? 'fetching every record the server holds' : `fetching records received since ${query.slice(7, 17)}`);
    const answer = await fetchRecordList(endpoint, query);
    if (answer.records.length === 0) break;
    const last = answer.records.at(-1)!;
    if (`${last.received} ${last.id}` <= query.slice(7).replace('&after=', ' ')) throw new EditorClientError('the server sent records out of order');
    const records = answer.records.filter((r) => !inInbox(state.records.seen[r.id]));
    const ids = new Set(records.map((r) => r.id));
    const files = answer.files.filter((f) => ids.has(f.tip));
    log(`new: ${plural(records.length, 'record', 'records')} (${answer.records.length - records.length} fetched before), ${plural(files.length, 'attachment', 'attachments')}`);
    if (records.length > 0) {
      const name = await writeInbox({ header: answer.header, records, files });
      for (const r of records) state.records.seen[r.id] = name;
      summary.records += records.length;
    }
    // Only the latest day is asked for again (the server dates to the day: more may come that day).
    state.records = advance(state.records, answer.records);
    writeState(dir, state);
    query = `?since=${last.received}&after=${last.id}`;
  }

  log(`fetching replies${state.replies.since ? ` stored since ${state.replies.since}` : ''}`);
  const allReplies = await fetchByDay(endpoint, 'replies', state.replies.since);
  log(`fetching desk events${state.events.since ? ` received since ${state.events.since}` : ''}`);
  const allEvents = await fetchByDay(endpoint, 'events', state.events.since);
  // Ids are unique in a bundle: a reply and an event with the same id cannot both be in it (only
  // a hostile uploader would choose such an id; it is named, and the next sync tries it again).
  const keep = new Set<string>();
  const unique = (r: { id: string }) => {
    if (keep.has(r.id)) {
      log(`left out: record ${r.id} has the id of another record in this bundle`);
      return false;
    }
    keep.add(r.id);
    return true;
  };
  const replies = allReplies.filter((r) => !inInbox(state.replies.seen[r.id])).filter(unique);
  const events = allEvents.filter((e) => !inInbox(state.events.seen[e.id])).filter(unique);
  log(`new: ${plural(replies.length, 'reply', 'replies')}, ${plural(events.length, 'desk event record', 'desk event records')}`);
  if (replies.length > 0 || events.length > 0) {
    const name = await writeInbox({ header: { format: 'tipline-bundle', version: 1, created: todayUtc() }, records: replies, files: [], events });
    for (const r of replies) state.replies.seen[r.id] = name;
    for (const e of events) state.events.seen[e.id] = name;
    summary.replies = replies.length;
    summary.events = events.length;
  }
  state.replies = advance(state.replies, allReplies);
  state.events = advance(state.events, allEvents);
  state.pending = null;
  writeState(dir, state);
  // The spool of a bundle an earlier sync began and this one did not write (nothing of it was new any more).
  if (earlier && !written.includes(earlier)) rmSync(join(inbox, `.${earlier}.fetching`), { recursive: true, force: true });
  return summary;
}
