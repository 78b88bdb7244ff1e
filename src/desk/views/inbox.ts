// The inbox: one row per thread (designation, last activity, unread marker, star, status,
// labels, assignee, attachment count, the sealed-by-the-server badge, form, preview), the
// filters and sorting as a plain GET form, and the refused desk events. Works without
// JavaScript; the window script adds j/k and friends (src/desk/client/).
import { escapeHtml as e } from '../../shared/html.js';
import { BUILT_IN_FORMS } from '../../forms/schema.js';
import { STATUSES, type Desk, type InboxQuery, type RefusedEvent, type ThreadSummary } from '../api.js';
import { cut, day, editorName, longText, page, text } from './layout.js';
import { fill, words, type Lang } from './words.js';

/** Labels shown per row; the rest are counted. */
export const ROW_LABELS = 8;
/** Labels offered in the filter's list. */
const LIST_LABELS = 500;
/** Rows shown per page (the filters narrow the rest down). */
export const PAGE_ROWS = 500;
const PREVIEW_CHARS = 240;
const SHOWN_REFUSED = 50;

const selected = (on: boolean) => (on ? ' selected' : '');

export function labelBadges(labels: string[], lang: Lang, max = ROW_LABELS): string {
  const w = words(lang);
  const shown = labels
    .slice(0, max)
    .map((l) => `<span class="badge label"><bdi>${text(cut(l, 40))}</bdi></span>`)
    .join('');
  const more = labels.length > max ? `<span class="badge">${e(fill(w.moreLabels, { n: labels.length - max }))}</span>` : '';
  return `<span class="labels">${shown}${more}</span>`;
}

function row(t: ThreadSummary, o: { base: string; lang: Lang; desk: Desk; roster: ReturnType<Desk['roster']>; suffix: string }): string {
  const w = words(o.lang);
  const id = e(t.id);
  const marks = [
    t.unread ? `<span class="badge unread">${e(w.unread)}</span>` : '',
    t.starred ? `<span class="badge star" title="${e(w.starred)}">★<span class="visually-hidden"> ${e(w.starred)}</span></span>` : '',
    `<span class="badge status">${e(w.statuses[t.status] ?? t.status)}</span>`,
    t.sealedByServer ? `<span class="badge sealed" title="${e(w.sealedHint)}">${e(w.sealed)}</span>` : '',
    t.form ? `<span class="badge form">${text(cut(t.form, 40))}</span>` : '',
  ].join('');
  const assignee = t.assignee ? ` · ${e(w.assignee)}: ${editorName(o.roster, t.assignee, o.lang)}` : '';
  const files = t.attachments > 0 ? ` · ${e(w.attachments)}: ${t.attachments}` : '';
  const starForm = `<form class="inline" method="post" action="${e(o.base)}thread/${id}/change"><input type="hidden" name="kind" value="star"><input type="hidden" name="on" value="${t.starred ? '0' : '1'}"><input type="hidden" name="back" value="inbox"><button type="submit" class="star-toggle">${e(t.starred ? w.unstar : w.star)}<span class="visually-hidden"> ${text(t.designation)}</span></button></form>`;
  return `<li class="thread-row${t.unread ? ' unread' : ''}" data-id="${id}">
<div><a class="open" href="${e(o.base)}thread/${id}${o.suffix}"><bdi>${text(t.designation)}</bdi></a> ${marks}</div>
<div class="meta">${e(w.lastActivity)}: ${day(t.lastActivity, o.lang)}${files}${assignee} ${starForm}</div>
<div class="meta">${labelBadges(t.labels, o.lang)}</div>
<p class="preview" dir="auto">${longText(cut(t.preview, PREVIEW_CHARS))}</p>
</li>`;
}

export function refusedSection(refused: RefusedEvent[], lang: Lang): string {
  if (refused.length === 0) return '';
  const w = words(lang);
  const items = refused
    .slice(0, SHOWN_REFUSED)
    .map((r) => `<li><code>${text(cut(r.record, 40))}</code>: ${text(cut(r.reason, 300))}</li>`)
    .join('\n');
  const more = refused.length > SHOWN_REFUSED ? `<li>${e(fill(w.moreLabels, { n: refused.length - SHOWN_REFUSED }))}</li>` : '';
  return `<section class="refused" id="refused" aria-labelledby="refused-heading"><h2 id="refused-heading">${e(w.refusedHeading)} (${refused.length})</h2><p>${e(w.refusedIntro)}</p><ul>${items}${more}</ul></section>`;
}

export function renderInbox(o: { base: string; lang: Lang; desk: Desk; query: InboxQuery; params: URLSearchParams }): string {
  const w = words(o.lang);
  const { desk, query } = o;
  const roster = desk.roster();
  const threads = desk.inbox(query);
  const labels = [...new Set(threads.flatMap((t) => t.labels))].slice(0, LIST_LABELS);
  const statusOptions = [`<option value="">${e(w.any)}</option>`, ...STATUSES.map((s) => `<option value="${e(s)}"${selected(query.status === s)}>${e(w.statuses[s])}</option>`)].join('');
  const assigneeOptions = [
    `<option value="">${e(w.any)}</option>`,
    `<option value="none"${selected(query.assignee === 'none')}>${e(w.nobody)}</option>`,
    ...roster.map((r) => `<option value="${e(r.id)}"${selected(query.assignee === r.id)}>${text(cut(r.name, 60))}${r.me ? ` (${e(w.you)})` : ''}</option>`),
  ].join('');
  const formOptions = [
    `<option value="">${e(w.any)}</option>`,
    `<option value="none"${selected(query.form === 'none')}>${e(w.plainTip)}</option>`,
    ...Object.keys(BUILT_IN_FORMS).map((f) => `<option value="${e(f)}"${selected(query.form === f)}>${e(f)}</option>`),
  ].join('');
  const sortOptions = (['activity', 'status', 'designation'] as const).map((s) => `<option value="${s}"${selected((query.sort ?? 'activity') === s)}>${e(w.sorts[s])}</option>`).join('');
  // The thread links carry the filters along, so the thread page's previous/next follow them.
  const kept = new URLSearchParams([...o.params].filter(([k]) => ['q', 'status', 'label', 'assignee', 'unread', 'starred', 'form', 'sort'].includes(k)));
  const suffix = kept.size > 0 ? `?${kept}` : '';
  const filters = `<form class="filters" method="get" action="${e(o.base)}" aria-label="${e(w.filters)}">
<input type="hidden" name="q" value="${text(query.text ?? '')}">
<label>${e(w.status)}<select name="status">${statusOptions}</select></label>
<label>${e(w.label)}<input name="label" list="all-labels" value="${text(query.label ?? '')}" maxlength="100"></label>
<datalist id="all-labels">${labels.map((l) => `<option value="${text(l)}"></option>`).join('')}</datalist>
<label>${e(w.assignee)}<select name="assignee">${assigneeOptions}</select></label>
<label>${e(w.form)}<select name="form">${formOptions}</select></label>
<label class="check"><input type="checkbox" name="unread" value="1"${query.unread ? ' checked' : ''}>${e(w.unreadOnly)}</label>
<label class="check"><input type="checkbox" name="starred" value="1"${query.starred ? ' checked' : ''}>${e(w.starredOnly)}</label>
<label>${e(w.sort)}<select name="sort">${sortOptions}</select></label>
<button type="submit">${e(w.apply)}</button>
<a href="${e(o.base)}">${e(w.clear)}</a>
</form>`;
  const list = threads.length
    ? `<ol class="threads" id="threads">\n${threads
        .slice(0, PAGE_ROWS)
        .map((t) => row(t, { base: o.base, lang: o.lang, desk, roster, suffix }))
        .join('\n')}\n</ol>`
    : `<p id="threads-empty">${e(w.noThreads)}</p>`;
  const body = `<h1>${e(w.inbox)} <span class="meta">(${e(fill(w.threadCount, { n: threads.length }))})</span></h1>
${refusedSection(desk.refused(), o.lang)}
${filters}
${list}`;
  return page({ base: o.base, lang: o.lang, title: w.inbox, body, ...(query.text ? { search: query.text } : {}) });
}
