// One thread: its state and the forms that change it (status — reopening asks for a reason —,
// labels, assignee, star, mark unread), the source's messages and follow-ups in order with the
// form answers, the replies with who sent them, the attachments (images as thumbnails from
// /<secret>/thumb/<id>, which serves only bytes that are an image; every file only through
// "Export to folder", never a link a browser would open: the rule of src/offline/file-links.ts),
// the verification of election reports, the internal notes, the reply composer and the log.
import { escapeHtml as e } from '../../shared/html.js';
import { STATUSES, VERIFICATIONS, type Desk, type FileSummary, type ThreadDetail, type ThreadItem } from '../api.js';
import { fileLabel } from '../../offline/files.js';
import { labelBadges, refusedSection } from './inbox.js';
import { cut, day, editorName, longText, moment, page, text } from './layout.js';
import { fill, words, type Lang } from './words.js';

const MAX_LABELS_WITH_BUTTONS = 200;

function fileList(files: FileSummary[], o: { base: string; lang: Lang }): string {
  if (files.length === 0) return '';
  const w = words(o.lang);
  const items = files.map((f) => {
    const name = fileLabel(f.name);
    const thumb = f.thumbnail && f.complete ? `<img src="${e(o.base)}thumb/${e(f.id)}" alt="${text(fill(w.thumbnailOf, { name: cut(name, 80) }))}" loading="lazy">` : '';
    const size = `${f.size.toLocaleString(o.lang)} B`;
    return `<li>${thumb}<bdi>${text(cut(name, 120))}</bdi> <span class="meta">(${text(cut(f.type, 60))}, ${e(size)}${f.complete ? '' : `, ${e(w.incomplete)}`})</span>
<form class="inline" method="post" action="${e(o.base)}export"><input type="hidden" name="file" value="${e(f.id)}"><button type="submit">${e(w.exportButton)}<span class="visually-hidden"> ${text(cut(name, 80))}</span></button></form></li>`;
  });
  return `<h4>${e(w.files)}</h4><p class="warning">${e(w.exportWarning)}</p><ul class="files">${items.join('\n')}</ul>`;
}

function item(it: ThreadItem, o: { base: string; lang: Lang; roster: ReturnType<Desk['roster']> }): string {
  const w = words(o.lang);
  // Not from the server but from a colleague's desk export: who vouches for it, and since when.
  const seeded = it.seeded ? `<p class="meta seeded">${e(w.seededFrom)} ${editorName(o.roster, it.seeded.from, o.lang)}, ${day(it.seeded.date, o.lang)}</p>` : '';
  if (it.kind === 'reply') {
    return `<li class="item reply" id="item-${e(it.id)}"><h3>${e(w.kinds.reply)} · ${day(it.date, o.lang)} · ${e(w.from)} ${editorName(o.roster, it.from, o.lang)}${it.pending ? ` <span class="badge">${e(w.pending)}</span>` : ''}</h3>${seeded}
<div class="message" dir="auto">${longText(it.message)}</div></li>`;
  }
  const answers = it.form?.answers.length
    ? `<h4>${e(w.answers)} <span class="meta">(${text(it.form.id)})</span></h4><dl class="answers">${it.form.answers.map((a) => `<dt>${text(a.label || a.field)}</dt><dd dir="auto">${longText(a.value)}</dd>`).join('')}</dl>`
    : '';
  const sealed = it.sealedByServer ? ` <span class="badge sealed" title="${e(w.sealedHint)}">${e(w.sealed)}</span>` : '';
  return `<li class="item" id="item-${e(it.id)}"><h3>${e(it.kind === 'tip' ? w.kinds.tip : w.kinds.followUp)} · ${day(it.date, o.lang)}${sealed}</h3>${seeded}
${it.unverified ? `<p class="warning">${e(w.unverified)} ${text(cut(it.unverified, 300))}</p>` : ''}
<div class="message" dir="auto">${longText(it.message)}</div>
${answers}
${fileList(it.files, o)}</li>`;
}

export function renderThread(o: { base: string; lang: Lang; desk: Desk; thread: ThreadDetail; neighbours: string[]; params: URLSearchParams }): string {
  const w = words(o.lang);
  const t = o.thread;
  const roster = o.desk.roster();
  const id = e(t.id);
  const action = `${e(o.base)}thread/${id}/change`;
  const kept = new URLSearchParams([...o.params].filter(([k]) => ['q', 'status', 'label', 'assignee', 'unread', 'starred', 'form', 'sort'].includes(k)));
  const suffix = kept.size > 0 ? `?${kept}` : '';
  const at = o.neighbours.indexOf(t.id);
  const prev = at > 0 ? o.neighbours[at - 1] : undefined;
  const next = at >= 0 && at < o.neighbours.length - 1 ? o.neighbours[at + 1] : undefined;
  const pager = `<nav class="pager" aria-label="${e(w.conversation)}">
<a id="back" href="${e(o.base)}${suffix}">${e(w.backToInbox)}</a>
${prev ? `<a id="prev" rel="prev" href="${e(o.base)}thread/${e(prev)}${suffix}">${e(w.previous)}</a>` : ''}
${next ? `<a id="next" rel="next" href="${e(o.base)}thread/${e(next)}${suffix}">${e(w.next)}</a>` : ''}
</nav>`;
  // A thread is a mailbox (its id is the mailbox id) or a lone tip (its id is the tip's): only a mailbox can be answered.
  const canReply = !t.items.some((i) => i.kind !== 'reply' && i.id === t.id);
  const reopening = t.status === 'closed' || t.status === 'rejected';
  const statusForm = `<form method="post" action="${action}" id="status-form"><input type="hidden" name="kind" value="status">
<label for="status-select">${e(w.status)}</label><select id="status-select" name="status">${STATUSES.map((s) => `<option value="${s}"${s === t.status ? ' selected' : ''}>${e(w.statuses[s])}</option>`).join('')}</select>
<label for="status-reason">${e(w.reason)}${reopening ? '' : ''}</label><input id="status-reason" name="reason" maxlength="64000" aria-describedby="reason-hint">
<p class="meta" id="reason-hint">${e(w.reasonHint)}</p>
<button type="submit">${e(w.setStatus)}</button></form>`;
  const labelButtons = t.labels
    .slice(0, MAX_LABELS_WITH_BUTTONS)
    .map(
      (l) =>
        `<li><bdi>${text(cut(l, 60))}</bdi> <form class="inline" method="post" action="${action}"><input type="hidden" name="kind" value="label"><input type="hidden" name="on" value="0"><input type="hidden" name="label" value="${text(l)}"><button type="submit" aria-label="${text(fill(w.removeLabel, { label: cut(l, 60) }))}">×</button></form></li>`,
    )
    .join('');
  const labelForm = `<div class="box"><form method="post" action="${action}" id="label-form"><input type="hidden" name="kind" value="label"><input type="hidden" name="on" value="1">
<label for="label-input">${e(w.addLabel)}</label><input id="label-input" name="label" maxlength="100" required>
<button type="submit">${e(w.addLabel)}</button></form>
${t.labels.length ? `<ul class="label-list">${labelButtons}</ul>${t.labels.length > MAX_LABELS_WITH_BUTTONS ? labelBadges(t.labels.slice(MAX_LABELS_WITH_BUTTONS), o.lang, 0) : ''}` : ''}</div>`;
  const assignForm = `<form method="post" action="${action}" id="assign-form"><input type="hidden" name="kind" value="assign">
<label for="assign-select">${e(w.assignee)}</label><select id="assign-select" name="editor"><option value="none">${e(w.nobody)}</option>${roster.map((r) => `<option value="${e(r.id)}"${r.id === t.assignee ? ' selected' : ''}>${text(cut(r.name, 60))}${r.me ? ` (${e(w.you)})` : ''}</option>`).join('')}</select>
<button type="submit">${e(w.assign)}</button></form>`;
  const flagForms = `<form method="post" action="${action}" id="star-form"><input type="hidden" name="kind" value="star"><input type="hidden" name="on" value="${t.starred ? '0' : '1'}"><button type="submit">${e(t.starred ? w.unstar : w.star)}</button></form>
<form method="post" action="${action}" id="unread-form"><input type="hidden" name="kind" value="seen"><input type="hidden" name="unread" value="1"><input type="hidden" name="back" value="inbox"><button type="submit">${e(w.markUnread)}</button></form>`;
  const tips = t.items.filter((i) => i.kind === 'tip' && i.form);
  const verification = tips.length
    ? `<section aria-labelledby="verification-heading"><h2 id="verification-heading">${e(w.verification)}</h2>${tips
        .map((tip) => {
          const v = t.verification[tip.id] ?? { state: 'unverified' as const, note: '' };
          return `<form method="post" action="${action}" class="verify-form"><input type="hidden" name="kind" value="verify"><input type="hidden" name="tip" value="${e(tip.id)}">
<p class="meta">${e(fill(w.tipOf, { id: tip.id.slice(0, 8) }))} · ${day(tip.date, o.lang)}${v.editor ? ` · ${editorName(roster, v.editor, o.lang)}` : ''}</p>
<label for="verify-${e(tip.id)}">${e(w.verification)}</label><select id="verify-${e(tip.id)}" name="state">${VERIFICATIONS.map((s) => `<option value="${s}"${s === v.state ? ' selected' : ''}>${e(w.verifications[s])}</option>`).join('')}</select>
<label for="verify-note-${e(tip.id)}">${e(w.verificationNote)}</label><input id="verify-note-${e(tip.id)}" name="note" value="${text(v.note)}" maxlength="64000">
<button type="submit">${e(w.verify)}</button></form>`;
        })
        .join('\n')}</section>`
    : '';
  const notes = t.notes.length
    ? `<ol class="notes">${t.notes.map((n) => `<li>${editorName(roster, n.editor, o.lang)} · ${moment(n.time)}<div class="note-text" dir="auto">${longText(n.text)}</div></li>`).join('\n')}</ol>`
    : `<p>${e(w.noNotes)}</p>`;
  const log = t.log.length
    ? `<ol class="log">${t.log.map((l) => `<li>${moment(l.time)} · ${editorName(roster, l.editor, o.lang)}: <span dir="auto">${longText(cut(l.what, 500))}</span></li>`).join('\n')}</ol>`
    : `<p>${e(w.noActivity)}</p>`;
  const summary = [
    `<span class="badge status">${e(w.statuses[t.status] ?? t.status)}</span>`,
    t.starred ? `<span class="badge">★ ${e(w.starred)}</span>` : '',
    t.unread ? `<span class="badge unread">${e(w.unread)}</span>` : '',
    t.sealedByServer ? `<span class="badge sealed" title="${e(w.sealedHint)}">${e(w.sealed)}</span>` : '',
    t.assignee ? `<span class="meta">${e(w.assignee)}: ${editorName(roster, t.assignee, o.lang)}</span>` : '',
    `<span class="meta">${e(w.lastActivity)}: ${day(t.lastActivity, o.lang)}</span>`,
  ].join(' ');
  const body = `${pager}
<h1 id="designation"><bdi>${text(t.designation)}</bdi></h1>
<p>${summary}</p>
<p>${labelBadges(t.labels, o.lang)}</p>
${refusedSection(o.desk.refused(), o.lang)}
<section aria-labelledby="triage-heading"><h2 id="triage-heading">${e(w.triage)}</h2><div class="triage">${statusForm}${labelForm}${assignForm}${flagForms}</div></section>
<section aria-labelledby="conversation-heading"><h2 id="conversation-heading">${e(w.conversation)}</h2><ol class="items">${t.items.map((i) => item(i, { base: o.base, lang: o.lang, roster })).join('\n')}</ol></section>
${verification}
<section aria-labelledby="reply-heading"><h2 id="reply-heading">${e(w.replyHeading)}</h2>
${canReply ? `<form method="post" action="${e(o.base)}thread/${id}/reply" id="reply-form"><label for="reply-text">${e(w.replyHeading)}</label><p class="meta" id="reply-hint">${e(w.replyHint)}</p><textarea id="reply-text" name="text" maxlength="64000" required aria-describedby="reply-hint"></textarea><button type="submit">${e(w.sendReply)}</button></form>` : `<p id="no-reply">${e(w.noReply)}</p>`}</section>
<section aria-labelledby="notes-heading"><h2 id="notes-heading">${e(w.notes)}</h2><p class="meta" id="note-hint">${e(w.noteHint)}</p>${notes}
<form method="post" action="${action}" id="note-form"><input type="hidden" name="kind" value="note"><label for="note-text">${e(w.addNote)}</label><textarea id="note-text" name="text" maxlength="64000" required aria-describedby="note-hint"></textarea><button type="submit">${e(w.addNote)}</button></form></section>
<section aria-labelledby="log-heading"><h2 id="log-heading">${e(w.activity)}</h2>${log}</section>`;
  return page({ base: o.base, lang: o.lang, title: t.designation, body });
}
