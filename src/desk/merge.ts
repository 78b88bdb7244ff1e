// The deterministic merge of desk events (docs/PROTOCOL.md, "Desk events", "Merging"). Pure:
// the state of a thread is a function of the SET of its accepted events, folded in their total
// order (HLC, editor, id), so every desk holding the same events shows the same state whatever
// order they arrived in. Per field the last writer wins; notes and the log only grow.
import { compareEvents, type DeskEvent, type Hlc, type ThreadStatus, type Verification } from '../crypto/desk-event.js';

/** Leaving one of these for another status needs a reason. */
export const FINAL_STATUSES: readonly ThreadStatus[] = ['closed', 'rejected'];

export interface MergedNote {
  id: string;
  /** The signing key (base64url) of the editor who wrote it. */
  editor: string;
  hlc: Hlc;
  text: string;
}

export interface MergedLogEntry {
  editor: string;
  hlc: Hlc;
  what: string;
}

export interface MergedThread {
  status: ThreadStatus;
  /** Fingerprint of the assigned editor, or null. */
  assignee: string | null;
  starred: boolean;
  /** Labels that are on, sorted by code units. */
  labels: string[];
  /** Per editor (signing key, base64url): their last seen/unread event. */
  seen: Map<string, { unread: boolean; hlc: Hlc }>;
  /** Per tip record id. */
  verification: Map<string, { state: Verification; note: string; editor: string; hlc: Hlc }>;
  notes: MergedNote[];
  log: MergedLogEntry[];
  /** The HLC of the newest event, when there is one. */
  last?: Hlc;
}

function emptyThread(): MergedThread {
  return { status: 'new', assignee: null, starred: false, labels: [], seen: new Map(), verification: new Map(), notes: [], log: [] };
}

/** The state of one thread from its events, which must be sorted by compareEvents and unique by id. */
export function foldThread(events: readonly DeskEvent[]): MergedThread {
  const state = emptyThread();
  const labels = new Map<string, boolean>();
  for (const e of events) {
    const c = e.change;
    const log = (what: string): void => {
      state.log.push({ editor: e.editor, hlc: e.hlc, what });
    };
    switch (c.kind) {
      case 'status': {
        const reopening = FINAL_STATUSES.includes(state.status) && !FINAL_STATUSES.includes(c.status);
        if (reopening && !c.reason) {
          log(`status ${c.status} not applied: leaving ${state.status} needs a reason`);
          break;
        }
        if (c.status !== state.status || c.reason)
          log(reopening ? `status ${state.status} → ${c.status}, reason: ${c.reason}` : `status ${state.status} → ${c.status}${c.reason ? `, reason: ${c.reason}` : ''}`);
        state.status = c.status;
        break;
      }
      case 'label':
        if ((labels.get(c.label) ?? false) !== c.on) log(`${c.on ? 'label added' : 'label removed'}: ${c.label}`);
        labels.set(c.label, c.on);
        break;
      case 'assign':
        if (c.editor !== state.assignee) log(c.editor ? `assigned to ${c.editor}` : 'unassigned');
        state.assignee = c.editor;
        break;
      case 'star':
        if (c.on !== state.starred) log(c.on ? 'starred' : 'star removed');
        state.starred = c.on;
        break;
      case 'seen':
        state.seen.set(e.editor, { unread: c.unread === true, hlc: e.hlc });
        break;
      case 'note':
        state.notes.push({ id: e.id, editor: e.editor, hlc: e.hlc, text: c.text });
        log('note added');
        break;
      case 'verify':
        state.verification.set(c.tip, { state: c.state, note: c.note, editor: e.editor, hlc: e.hlc });
        log(`report ${c.tip}: ${c.state}${c.note ? ` (${c.note})` : ''}`);
        break;
    }
    state.last = e.hlc;
  }
  state.labels = [...labels]
    .filter(([, on]) => on)
    .map(([label]) => label)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return state;
}

/** The merged state of every thread: events are added in any order, each id once. */
export class DeskMerge {
  private readonly byThread = new Map<string, DeskEvent[]>();
  private readonly ids = new Set<string>();
  private readonly folded = new Map<string, MergedThread>();

  /** Adds an event; false when its id is already merged (the caller decides whether that is a replay). */
  add(event: DeskEvent): boolean {
    if (this.ids.has(event.id)) return false;
    this.ids.add(event.id);
    let list = this.byThread.get(event.thread);
    if (!list) {
      list = [];
      this.byThread.set(event.thread, list);
    }
    // Binary search for the place: events mostly arrive in order, so this is usually the end.
    let lo = 0;
    let hi = list.length;
    if (hi === 0 || compareEvents(list[hi - 1]!, event) < 0) lo = hi;
    else {
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (compareEvents(list[mid]!, event) < 0) lo = mid + 1;
        else hi = mid;
      }
    }
    list.splice(lo, 0, event);
    this.folded.delete(event.thread);
    return true;
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  get size(): number {
    return this.ids.size;
  }

  /** Thread ids that have events. */
  threads(): string[] {
    return [...this.byThread.keys()];
  }

  /** The merged state of a thread (the initial state when it has no events). */
  thread(id: string): MergedThread {
    let state = this.folded.get(id);
    if (!state) {
      state = foldThread(this.byThread.get(id) ?? []);
      this.folded.set(id, state);
    }
    return state;
  }

  /** The thread's events in merge order. */
  events(id: string): readonly DeskEvent[] {
    return this.byThread.get(id) ?? [];
  }
}
