// The desk's one typed API (the editors' offline web app, docs/EDITORS.md): what the desk's
// local HTTP server (src/desk/server.ts) asks of the desk's model (src/desk/desk.ts), and the
// shapes it sends to the desk's window as JSON. Types only. The model is everything that
// touches keys, the encrypted store and the USB folder; the server only routes, checks the
// per-run secret and renders; the window only shows and asks.
//
// Every string here that came from a source (messages, form answers, file names) or from a
// colleague (labels, notes, names) is untrusted text: the views escape it, never trust it.

// The workflow states (leaving `closed` or `rejected` needs a reason), a report's verification
// per tip, and the change an editor makes (each becomes one signed, sealed desk event in the
// outbox): their one home is the event format, src/crypto/desk-event.ts.
import { THREAD_STATUSES, TIP_VERIFICATIONS, type DeskChange, type ThreadStatus, type Verification } from '../crypto/desk-event.js';

export const STATUSES = THREAD_STATUSES;
export const VERIFICATIONS = TIP_VERIFICATIONS;
export type { DeskChange, ThreadStatus, Verification };

/** One editor of the roster (the recipients file): who may sign desk events. */
export interface RosterEditor {
  /** Stable id of the editor: the fingerprint of their public key (src/crypto/keys.ts). */
  id: string;
  /** Display name from their public key line; the fingerprint's start when they gave none. */
  name: string;
  /** This desk's own editor. */
  me: boolean;
}

export interface InboxQuery {
  /** Full-text search over messages, form answers, file names, notes and labels; case-folded beyond ASCII. */
  text?: string;
  status?: ThreadStatus;
  label?: string;
  /** An editor id, or `none` for threads nobody is assigned to. */
  assignee?: string;
  unread?: boolean;
  starred?: boolean;
  /** A form id (e.g. `election-kz`), or `none` for plain tips. */
  form?: string;
  sort?: 'activity' | 'status' | 'designation';
}

export interface ThreadSummary {
  /** The mailbox id (32 hex), or the tip's record id for a tip without a mailbox. */
  id: string;
  /** Two words derived from the thread id: the same on every editor's desk, never shown to the source. */
  designation: string;
  /** UTC date of the newest item, YYYY-MM-DD (the server dates records to the day only). */
  lastActivity: string;
  /** Unread for this desk's editor: a newer item than the one they last saw. */
  unread: boolean;
  starred: boolean;
  status: ThreadStatus;
  labels: string[];
  /** Editor id, when assigned. */
  assignee?: string;
  attachments: number;
  /** A tip the server sealed (sent without JavaScript): the server saw its plain text. */
  sealedByServer: boolean;
  /** The form of the thread's first tip, when it used one. */
  form?: string;
  /** The start of the newest message, plain text (the view escapes and cuts it). */
  preview: string;
}

export interface FormAnswer {
  field: string;
  /** The field's label in the desk's language. */
  label: string;
  value: string;
}

export interface FileSummary {
  /** Id of the file on this desk (opaque). */
  id: string;
  /** Name as the source gave it, cleaned of invisible characters (src/offline/files.ts). */
  name: string;
  type: string;
  size: number;
  complete: boolean;
  /** Only PNG, JPEG, GIF and WebP whose first bytes match: shown as a thumbnail. Everything else is only exported. */
  thumbnail: boolean;
}

export type ThreadItem =
  // `unverified`: a tip or follow-up that names a mailbox but whose mailbox signature failed, and why; it is its own thread, from nobody anyone can tell.
  | {
      kind: 'tip' | 'followUp';
      id: string;
      date: string;
      clientTime?: string;
      message: string;
      form?: { id: string; answers: FormAnswer[] };
      files: FileSummary[];
      sealedByServer: boolean;
      unverified?: string;
      seeded?: Seeded;
    }
  | { kind: 'reply'; id: string; date: string; message: string; from: string; pending: boolean; seeded?: Seeded };

/**
 * An item this desk got from a colleague's desk export, not from the server: `from` is the
 * exporter's editor id, `date` the export's. The exporter vouches for it (docs/THREAT-MODEL.md, T63).
 */
export interface Seeded {
  from: string;
  date: string;
}

export interface Note {
  id: string;
  editor: string;
  /** Hybrid logical clock time of the event, as an ISO 8601 string on the editor's own clock. */
  time: string;
  text: string;
}

/** One line of the activity log: who changed what, when. */
export interface LogEntry {
  editor: string;
  time: string;
  what: string;
}

/** A desk event that was refused (bad signature, unknown signer, replay, altered by the server). */
export interface RefusedEvent {
  record: string;
  reason: string;
}

export interface ThreadDetail extends ThreadSummary {
  items: ThreadItem[];
  notes: Note[];
  log: LogEntry[];
  /** Per tip of an election form: its verification and the editor's note. */
  verification: Record<string, { state: Verification; note: string; editor?: string }>;
}

/**
 * One tip of an election form (election-tm/kz, protocol-tm/kz, or an operator's own form), as
 * the desk's election view counts it (src/desk/election.ts). Tips only: follow-ups and replies
 * are conversation, not reports.
 */
export interface ElectionTip {
  /** The tip's record id (32 hex). */
  id: string;
  /** The thread it belongs to (ThreadSummary.id). */
  thread: string;
  /** UTC day the server received it, YYYY-MM-DD. */
  received: string;
  /** The receipt the source was shown, when the desk knows it (verification.tsv may name a tip by it). */
  receipt?: string;
  form: { id: string; version: number };
  /** `body.fields` as the body carries it (untrusted: checked against the form by the reader). */
  fields: Record<string, unknown>;
  /** `body.protocol`, for a results-protocol form (untrusted: validateProtocol reads it). */
  protocol?: unknown;
  /** The source's free text (`body.message`). */
  message: string;
  /** The merged verification of this tip (`unverified`, an empty note and no editor when nobody set one); `editor` is the id of who set it (RosterEditor.id). */
  verification: { state: Verification; note: string; editor?: string };
}

export interface ImportProgress {
  bundles: number;
  records: number;
  imported: number;
  already: number;
  refused: RefusedEvent[];
}

export interface Desk {
  readonly me: RosterEditor;
  roster(): RosterEditor[];
  inbox(query: InboxQuery): ThreadSummary[];
  /** Every tip of an election form in the threads `query` selects (the same filters as the inbox). */
  electionTips(query: InboxQuery): ElectionTip[];
  /** Undefined when there is no such thread. */
  thread(id: string): ThreadDetail | undefined;
  /** Applies the change locally at once and queues its event in the outbox. */
  change(threadId: string, change: DeskChange): Promise<void>;
  /** Seals a reply to the source and to every editor of the roster, and queues it in the outbox. */
  reply(threadId: string, text: string): Promise<void>;
  /** Imports every bundle of the inbox folder; idempotent and resumable. */
  importInbox(onProgress?: (p: ImportProgress) => void): Promise<ImportProgress>;
  /** A thumbnail's bytes (image types only), or undefined. */
  thumbnail(fileId: string): Uint8Array | undefined;
  /** Writes a file, decrypted, into the export folder; returns the path written. */
  exportFile(fileId: string): Promise<string>;
  /**
   * Writes this desk, sealed to the colleague `colleagueId` (an editor id of the roster) and
   * signed by this editor, as `<usb>/desk-export-<date>-<random>.bundle`; returns its path.
   */
  exportSeed(colleagueId: string): Promise<string>;
  refused(): RefusedEvent[];
  close(): Promise<void>;
}
