// The offline reading page, <out>/index.html: one self-contained file (inline CSS, no scripts,
// nothing loaded from anywhere, a CSP that forbids everything but inline style) listing the
// decrypted tips, newest date first. Everything that came out of a tip is HTML-escaped; file
// names are shown cleaned like saved names (src/offline/attachments.ts) and linked only under
// the rule of src/offline/file-links.ts.
import { join } from 'node:path';
import { escapeHtml, staticPageHead } from '../shared/html.js';
import { INCOMPLETE_SUFFIX, cleanText, fileLabel } from './files.js';
import { linkDecision, NOT_LINKED_NOTE } from './file-links.js';

export interface IndexEntry {
  /** The folder name, `<received>_<id>`, already validated by the caller. */
  folder: string;
  received: string;
  id: string;
  receipt?: string;
  message?: string;
  sealedByServer?: boolean;
  /** The envelope kind: tip, followUp or reply. */
  kind?: string;
  /** Conversations: the mailbox the record belongs to. */
  mailbox?: string;
  /** The sender's own clock (orders a thread within one day). */
  clientTime?: string;
  /** Set when the folder's tip.json could not be read. */
  problem?: string;
  /** Attachments as tip.json lists them (untrusted: checked before they become links). */
  files?: unknown[];
}

/** A saved name as shown: cleaned, an `.INCOMPLETE` ending kept as it is on disk. */
const savedLabel = (saved: string): string => (saved.endsWith(INCOMPLETE_SUFFIX) ? `${fileLabel(saved.slice(0, -INCOMPLETE_SUFFIX.length))}${INCOMPLETE_SUFFIX}` : fileLabel(saved));

function renderFiles(root: string | undefined, folder: string, files: unknown[]): string {
  const items: string[] = [];
  for (const f of files) {
    if (typeof f !== 'object' || f === null) continue;
    const { name, type, saved, complete, problem, metadataStripped } = f as Record<string, unknown>;
    const label = `<bdi>${escapeHtml(fileLabel(name))}</bdi>`;
    const savedOk = typeof saved === 'string' && /^files\/[^/\\]+$/.test(saved) && !saved.includes('\0');
    const savedName = savedOk ? (saved as string).slice('files/'.length) : undefined;
    const href = savedName !== undefined ? escapeHtml(`${folder}/files/${encodeURIComponent(savedName)}`) : undefined;
    // The one rule for every page the offline tools write (src/offline/file-links.ts); without
    // the folder on disk to read, nothing is linked.
    const decision = savedName !== undefined && root !== undefined && complete === true ? linkDecision(join(root, folder, 'files', savedName), type) : undefined;
    const parts: string[] = [];
    if (href && savedName !== undefined && complete === true && !decision?.link) {
      parts.push(`${label} <span class="problem">${escapeHtml(NOT_LINKED_NOTE)} (files/<bdi>${escapeHtml(savedLabel(savedName))}</bdi>)</span>`);
    } else if (href && complete === true) {
      if (decision?.thumbnail) parts.push(`<a href="${href}"><img src="${href}" alt="" width="160" loading="lazy"></a>`);
      parts.push(`<a href="${href}">${label}</a>`);
      if (Array.isArray(metadataStripped) && metadataStripped.length)
        parts.push(
          `<span class="meta">metadata removed by the browser: ${escapeHtml(
            metadataStripped
              .filter((x) => typeof x === 'string')
              .map(cleanText)
              .join(', '),
          )}</span>`,
        );
    } else {
      // An incomplete part (`.INCOMPLETE`) is never linked: a browser would sniff its type.
      parts.push(
        `<span class="problem">INCOMPLETE: ${label}${typeof problem === 'string' ? ` (${escapeHtml(problem)})` : ''}${savedName !== undefined ? ` · authenticated part kept as files/<bdi>${escapeHtml(savedLabel(savedName))}</bdi>, not linked` : ''}</span>`,
      );
    }
    items.push(`<li>${parts.join(' ')}</li>`);
  }
  return items.length ? `<ul class="files">\n${items.join('\n')}\n</ul>` : '';
}

const PREVIEW_LINES = 6;
const PREVIEW_CHARS = 600;
const FOLDER_RE = /^\d{4}-\d{2}-\d{2}_[0-9a-f]{32}$/;

export function preview(message: string): string {
  const lines = message.replace(/\r\n?/g, '\n').split('\n');
  let text = lines.slice(0, PREVIEW_LINES).join('\n');
  let cut = lines.length > PREVIEW_LINES;
  if (text.length > PREVIEW_CHARS) {
    text = text.slice(0, PREVIEW_CHARS);
    cut = true;
  }
  return cut ? `${text.trimEnd()} …` : text;
}

const STYLE = `
body{font:16px/1.5 system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem;color:#111;background:#fff}
h1{font-size:1.5rem}
ol{list-style:none;padding:0}
li{border:1px solid #ccc;border-radius:6px;padding:.75rem 1rem;margin:0 0 1rem}
.meta{font-size:.9rem;color:#444}
.receipt{font-family:ui-monospace,monospace;font-weight:bold;color:#111}
.preview{white-space:pre-wrap;overflow-wrap:anywhere;margin:.5rem 0}
.note{background:#fff3cd;padding:.25rem .5rem;border-radius:4px;font-size:.9rem}
.problem{color:#a00}
.thread{border:2px solid #345;border-radius:8px;padding:.5rem 1rem;margin:0 0 1.5rem}
.thread h3{font-size:1rem;margin:.25rem 0}
.mailbox{font-family:ui-monospace,monospace;font-weight:bold;user-select:all}
.reply{background:#eef4ff}
.kind{font-weight:bold}
.files{list-style:none;padding:0}
.files li{border:0;padding:.25rem 0;margin:0}
.files img{display:block;max-width:160px;max-height:160px;object-fit:contain;border:1px solid #ccc}
`;

const KIND_LABELS: Record<string, string> = { tip: 'tip', followUp: 'follow-up from the source', reply: 'reply from the desk' };

function renderEntry(e: IndexEntry, root: string | undefined): string {
  if (!FOLDER_RE.test(e.folder)) throw new Error('refusing to link to an invalid folder name');
  const href = escapeHtml(e.folder);
  const label = e.kind && e.kind !== 'tip' ? `<span class="kind">${escapeHtml(KIND_LABELS[e.kind] ?? e.kind)}</span> · ` : '';
  const parts = [
    `<li${e.kind === 'reply' ? ' class="reply"' : ''}><div class="meta">${label}<time>${escapeHtml(e.received)}</time> · receipt <span class="receipt">${escapeHtml(e.receipt ?? 'unknown')}</span> · <span>${escapeHtml(e.id)}</span></div>`,
  ];
  if (e.problem !== undefined) parts.push(`<p class="problem">${escapeHtml(e.problem)}</p>`);
  if (e.sealedByServer) parts.push('<p class="note">Sealed by the server (sent without JavaScript): the server saw this tip in plain text.</p>');
  if (e.message !== undefined) parts.push(`<p class="preview" dir="auto">${escapeHtml(preview(e.message))}</p>`);
  if (e.files?.length) parts.push(renderFiles(root, e.folder, e.files));
  parts.push(`<p><a href="${href}/message.txt">message.txt</a> · <a href="${href}/tip.json">tip.json</a></p></li>`);
  return parts.join('\n');
}

/** A conversation: every record naming one mailbox, oldest first, and how to answer it. */
function renderThread(mailbox: string, entries: IndexEntry[], root: string | undefined): string {
  const ordered = [...entries].sort((a, b) => (a.received !== b.received ? (a.received < b.received ? -1 : 1) : (a.clientTime ?? '').localeCompare(b.clientTime ?? '') || a.id.localeCompare(b.id)));
  const m = escapeHtml(mailbox);
  return `<section class="thread" id="mailbox-${m}">
<h3>Conversation · mailbox <span class="mailbox">${m}</span></h3>
<p class="meta">Answer with: <code>npm run reply -- --key &lt;key file&gt; --mailbox ${m} --decrypted &lt;this folder&gt; --in reply.txt --out reply.bundle</code></p>
<ol>
${ordered.map((e) => renderEntry(e, root)).join('\n')}
</ol>
</section>`;
}

/**
 * Conversations first (by their latest date), then the other tips, newest date first; within a
 * date by id. `root` is the folder the page is written into: attachments are read there to
 * decide whether they may be linked (without it none is).
 */
export function renderIndex(entries: IndexEntry[], root?: string): string {
  const threads = new Map<string, IndexEntry[]>();
  for (const e of entries) if (e.mailbox && /^[0-9a-f]{32}$/.test(e.mailbox)) threads.set(e.mailbox, [...(threads.get(e.mailbox) ?? []), e]);
  const latest = (list: IndexEntry[]) => list.reduce((d, e) => (e.received > d ? e.received : d), '');
  const threadHtml = [...threads.entries()]
    .sort(([a, x], [b, y]) => (latest(x) === latest(y) ? a.localeCompare(b) : latest(x) < latest(y) ? 1 : -1))
    .map(([mailbox, list]) => renderThread(mailbox, list, root));
  const sorted = entries.filter((e) => !(e.mailbox && threads.has(e.mailbox))).sort((a, b) => (a.received === b.received ? a.id.localeCompare(b.id) : a.received < b.received ? 1 : -1));
  const count = `${entries.length} tip${entries.length === 1 ? '' : 's'}${threads.size ? ` (replies and follow-ups included; ${threads.size} conversation${threads.size === 1 ? '' : 's'})` : ''}`;
  return `${staticPageHead({ lang: 'en', csp: "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' file:", title: 'Tipline: decrypted tips', style: STYLE })}<body>
<h1>Decrypted tips</h1>
${threadHtml.length ? `<h2>Conversations</h2>\n${threadHtml.join('\n')}\n<h2>Other tips</h2>` : ''}
<p>${count}, newest first. Each folder holds <code>message.txt</code> (the message) and <code>tip.json</code> (every field, the receipt and the date received). This page is rebuilt each time you decrypt into this folder.</p>
<ol>
${sorted.map((e) => renderEntry(e, root)).join('\n')}
</ol>
</body>
</html>
`;
}
