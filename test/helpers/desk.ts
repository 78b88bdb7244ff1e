// A desk for the local server's tests: the typed API of src/desk/api.ts over threads held in
// memory, so a test decides exactly what the server must render (hostile names, thousands of
// labels) and sees exactly which changes reached the model. The real model (src/desk/desk.ts)
// is driven by the end-to-end tests; this only stands in where the test is about the server.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Desk, DeskChange, ImportProgress, InboxQuery, RefusedEvent, RosterEditor, ThreadDetail } from '../../src/desk/api.js';

export interface MemoryDesk extends Desk {
  /** Every change and reply the server passed on, in order. */
  calls: { thread: string; change?: DeskChange; reply?: string }[];
  threads: Map<string, ThreadDetail>;
  files: Map<string, Uint8Array>;
}

/** `exportDir`: where exportFile writes (the test's own temporary folder; a new one under the system's when absent). */
export function memoryDesk(o: { roster: RosterEditor[]; threads: ThreadDetail[]; files?: Record<string, Uint8Array>; refused?: RefusedEvent[]; exportDir?: string }): MemoryDesk {
  const threads = new Map(o.threads.map((t) => [t.id, structuredClone(t)]));
  const files = new Map(Object.entries(o.files ?? {}));
  const calls: MemoryDesk['calls'] = [];
  const me = o.roster.find((r) => r.me) ?? o.roster[0]!;
  let exportDir = o.exportDir;
  const summary = ({ items: _i, notes: _n, log: _l, verification: _v, ...s }: ThreadDetail) => s;
  return {
    me,
    calls,
    threads,
    files,
    roster: () => o.roster,
    inbox(q: InboxQuery) {
      let list = [...threads.values()];
      if (q.status) list = list.filter((t) => t.status === q.status);
      if (q.label) list = list.filter((t) => t.labels.includes(q.label!));
      if (q.starred) list = list.filter((t) => t.starred);
      if (q.unread) list = list.filter((t) => t.unread);
      if (q.assignee) list = list.filter((t) => (q.assignee === 'none' ? !t.assignee : t.assignee === q.assignee));
      if (q.form) list = list.filter((t) => (q.form === 'none' ? !t.form : t.form === q.form));
      if (q.text) {
        const needle = q.text.toLocaleLowerCase();
        list = list.filter((t) => t.items.some((i) => i.message.toLocaleLowerCase().includes(needle)) || t.labels.some((l) => l.toLocaleLowerCase().includes(needle)));
      }
      list.sort((a, b) => (q.sort === 'designation' ? a.designation.localeCompare(b.designation) : b.lastActivity.localeCompare(a.lastActivity) || a.id.localeCompare(b.id)));
      return list.map(summary);
    },
    electionTips: () => [],
    thread: (id) => (threads.has(id) ? structuredClone(threads.get(id)!) : undefined),
    async change(id, change) {
      const t = threads.get(id);
      if (!t) throw new Error('no such thread');
      calls.push({ thread: id, change });
      const time = new Date().toISOString();
      switch (change.kind) {
        case 'status':
          t.status = change.status;
          break;
        case 'label':
          t.labels = change.on ? [...new Set([...t.labels, change.label])] : t.labels.filter((l) => l !== change.label);
          break;
        case 'assign':
          if (change.editor === null) delete t.assignee;
          else t.assignee = change.editor;
          break;
        case 'star':
          t.starred = change.on;
          break;
        case 'seen':
          t.unread = change.unread === true;
          break;
        case 'note':
          t.notes.push({ id: `n${t.notes.length}`, editor: me.id, time, text: change.text });
          break;
        case 'verify':
          t.verification[change.tip] = { state: change.state, note: change.note, editor: me.id };
          break;
      }
      t.log.push({ editor: me.id, time, what: change.kind });
    },
    async reply(id, text) {
      const t = threads.get(id);
      if (!t) throw new Error('no such thread');
      calls.push({ thread: id, reply: text });
      t.items.push({ kind: 'reply', id: `r${t.items.length}`, date: new Date().toISOString().slice(0, 10), message: text, from: me.id, pending: true });
    },
    async importInbox(onProgress?: (p: ImportProgress) => void) {
      const p = { bundles: 0, records: 0, imported: 0, already: 0, refused: o.refused ?? [] };
      onProgress?.(p);
      return p;
    },
    thumbnail: (id) => files.get(id),
    async exportFile(id) {
      const bytes = files.get(id);
      if (!bytes) throw new Error('no such file');
      exportDir ??= mkdtempSync(join(tmpdir(), 'tipline-desk-export-'));
      const path = join(exportDir, id);
      writeFileSync(path, bytes, { flag: 'wx', mode: 0o600 });
      return path;
    },
    refused: () => o.refused ?? [],
    async close() {},
  };
}

/** A thread with one tip, for tests to vary. */
export function sampleThread(id: string, over: Partial<ThreadDetail> = {}): ThreadDetail {
  return {
    id,
    designation: 'amber falcon',
    lastActivity: '2026-11-28',
    unread: true,
    starred: false,
    status: 'new',
    labels: [],
    attachments: 0,
    sealedByServer: false,
    preview: 'A tip',
    items: [{ kind: 'tip', id, date: '2026-11-28', message: 'A tip', files: [], sealedByServer: false }],
    notes: [],
    log: [],
    verification: {},
    ...over,
  };
}
