// The desk's election view (HTML its local server renders; src/desk/election.ts computes) and
// the one self-contained HTML file of the export for publication. Every text from a tip, a form
// file or a colleague is escaped with its invisible and bidi control characters removed
// (cleanText, as the desk's other views and the offline pages), names and notes inside <bdi>;
// no inline style attribute and
// no script (the desk's CSP forbids both); the charts are report-parts' inert SVG, each beside
// a table with the same numbers.
import { createHash } from 'node:crypto';
import type { Desk, ElectionTip, InboxQuery, RosterEditor } from '../api.js';
import { escapeHtml as e, staticPageHead } from '../../shared/html.js';
import { textFor, type FormSchema } from '../../forms/schema.js';
import { barChart, countTable, REPORT_STYLE, schemaFor, type Dimension } from '../../offline/report-parts.js';
import { cleanText } from '../../offline/files.js';
import { countWords, say } from '../election-words.js';
import { page } from './layout.js';
import type { Lang } from './words.js';
import {
  electionCounts,
  publishable,
  publicationTable,
  summarise,
  type ElectionReport,
  type ElectionSummary,
  type PublicationOptions,
  type StationConflict,
  type VerificationImport,
} from '../election.js';

/** Untrusted text for a text node or attribute: invisible characters removed, then escaped. */
const text = (value: string): string => e(cleanText(value));
/** Untrusted text of several lines (a message): each line cleaned, the line breaks kept. */
const lines = (value: string): string => e(value.split(/\r?\n/).map(cleanText).join('\n'));

/** A choice's label in the desk's language (the value itself when the form does not know it). */
const choiceLabel = (formId: string, field: string, value: string, lang: string | undefined, forms: FormSchema[]): string => {
  const choice = schemaFor({ formId }, forms)
    ?.fields.find((f) => f.name === field)
    ?.choices?.find((c) => c.value === value);
  return choice ? textFor(choice.label, lang) : value;
};

/** Counts: per dimension its title, note, table and chart side by side. */
export function countsHtml(dimensions: Dimension[], lang: string | undefined): string {
  const words = countWords(lang);
  const dims = dimensions.map((d) => ({ ...d, title: cleanText(d.title), rows: d.rows.map((r) => ({ ...r, label: cleanText(r.label) })) }));
  return dims.map((d) => `<h3>${e(d.title)}</h3>${d.note ? `<p class="note">${e(d.note)}</p>` : ''}\n<div class="dim">\n${countTable(d, words)}\n${barChart(d, words)}\n</div>`).join('\n');
}

const STATE_WORD = { verified: 'verified', unverified: 'unverified', rejected: 'rejected' } as const;

function conflictHtml(c: StationConflict, lang: string | undefined, forms: FormSchema[]): string {
  const regionField = schemaFor({ formId: c.form }, forms)?.fields.find((f) => f.type === 'region')?.name ?? 'region';
  const where = say('station', lang, { station: c.station, region: choiceLabel(c.form, regionField, c.region, lang, forms) });
  const tip = (id: string) => `<a href="#tip-${e(id)}"><code>${e(id)}</code></a>`;
  if (c.kind === 'protocol') {
    const head = `<tr><th></th>${c.tips.map((id) => `<th>${tip(id)}</th>`).join('')}</tr>`;
    const body = c.lines
      .map((l) => {
        const item = l.item.startsWith('votes.') ? l.item : textFor(`form.ui.protocol.item.${l.item}`, lang);
        return `<tr><th scope="row"><bdi>${text(item)}</bdi></th>${l.values.map((v) => `<td class="n">${v === null ? '—' : v}</td>`).join('')}</tr>`;
      })
      .join('');
    return `<li class="conflict" data-kind="protocol"><bdi>${text(where)}</bdi> (<code>${e(c.election)}</code>): ${e(say('conflictProtocol', lang))}<table>${head}${body}</table></li>`;
  }
  if (c.kind === 'date') {
    return `<li class="conflict" data-kind="date"><bdi>${text(where)}</bdi>: ${e(say('conflictDate', lang))} ${c.tips.map((id, i) => `${tip(id)} ${text(c.dates[i] ?? '')}`).join(', ')}</li>`;
  }
  const category = choiceLabel(c.form, 'category', c.category, lang, forms);
  return `<li class="conflict" data-kind="verdict"><bdi>${text(where)}</bdi>: ${text(say('conflictVerdict', lang, { category }))} ${e(say('verified', lang))} ${c.verified.map(tip).join(', ')}; ${e(say('rejected', lang))} ${c.rejected.map(tip).join(', ')}</li>`;
}

/** An editor's display name from the roster (the id's start for an editor it does not list). */
const editorName = (id: string, roster: RosterEditor[]): string => roster.find((x) => x.id === id)?.name ?? id.slice(0, 16);

function reportRow(r: ElectionReport, lang: string | undefined, roster: RosterEditor[], threadHref: ((thread: string) => string) | undefined, forms: FormSchema[]): string {
  const answers = r.answers.map((a) => `<div><span class="label">${text(a.label)}:</span> <bdi>${text(a.value)}</bdi></div>`).join('');
  const protocol = r.protocol
    ? `<div><span class="label">${text(say('station', lang, { station: r.protocol.station, region: choiceLabel(r.form, 'region', r.protocol.region ?? '', lang, forms) }))}</span></div>` +
      Object.entries(r.protocol.items)
        .map(([item, v]) => `<div>${e(textFor(`form.ui.protocol.item.${item}`, lang))}: ${v}</div>`)
        .join('') +
      Object.entries(r.protocol.votes)
        .map(([id, v]) => `<div><code>${e(id)}</code>: ${v}</div>`)
        .join('') +
      (r.failed.length ? `<div class="warning">${e(say('failed', lang))}: ${r.failed.map((f) => `<bdi>${e(textFor(`form.ui.relation.${f}`, lang))}</bdi>`).join('; ')}</div>` : '')
    : '';
  const problems = r.problems.length ? `<div class="warning">${e(say('problems', lang))}: ${text(r.problems.join('; '))}</div>` : '';
  const v = r.verification;
  return `<tr id="tip-${e(r.tip)}" data-state="${v.state}"><td>${e(r.received)}<br>${threadHref ? `<a href="${e(threadHref(r.thread))}"><code>${e(r.tip.slice(0, 8))}</code></a>` : `<code>${e(r.tip.slice(0, 8))}</code>`}</td><td><code>${e(r.form)}</code> v${r.formVersion}</td><td>${answers}${protocol}${problems}</td><td class="state-${v.state}">${e(say(STATE_WORD[v.state], lang))}${v.note ? `<br><span class="note"><bdi>${lines(v.note)}</bdi></span>` : ''}${v.editor ? `<br><span class="meta">${e(say('editor', lang))}: <bdi>${text(editorName(v.editor, roster))}</bdi></span>` : ''}</td></tr>`;
}

/** The filters in effect, in words (the same InboxQuery as the inbox). */
function filtersText(query: InboxQuery, lang: string | undefined): string {
  const parts = Object.entries(query)
    .filter(([k, v]) => k !== 'sort' && v !== undefined && v !== '')
    .map(([k, v]) => `${k}: ${String(v)}`);
  return say('filters', lang, { filters: parts.length ? parts.join(', ') : say('noFilters', lang) });
}

/** The election section of the desk: totals, counts (tables and charts), conflicts, every report with its verification (editors named from `roster`; each report linked to its thread by `threadHref`, the desk server's path). */
export function electionSection(
  summary: ElectionSummary,
  options: { lang?: string; query: InboxQuery; forms?: FormSchema[]; roster?: RosterEditor[]; threadHref?: (thread: string) => string },
): string {
  const lang = options.lang;
  const forms = options.forms ?? [];
  const conflicts = summary.conflicts.length ? `<ul class="conflicts">\n${summary.conflicts.map((c) => conflictHtml(c, lang, forms)).join('\n')}\n</ul>` : `<p>${e(say('noConflicts', lang))}</p>`;
  return `<section id="election" aria-labelledby="election-heading">
<h2 id="election-heading">${e(say('heading', lang))}</h2>
<p class="meta"><bdi>${text(filtersText(options.query, lang))}</bdi></p>
<p id="election-totals">${e(say('totals', lang, { total: summary.total, verified: summary.verified, unverified: summary.unverified, rejected: summary.rejected }))}</p>
<h3 id="conflicts-heading">${e(say('conflicts', lang))}</h3>
${conflicts}
<h3>${e(say('counts', lang))}</h3>
${countsHtml(summary.dimensions, lang)}
<h3>${e(say('reports', lang))}</h3>
<table id="election-reports"><thead><tr><th>${e(say('received', lang))}</th><th>${e(say('form', lang))}</th><th>${e(say('answers', lang))}</th><th>${e(say('verification', lang))}</th></tr></thead>
<tbody>
${summary.reports.map((r) => reportRow(r, lang, options.roster ?? [], options.threadHref, forms)).join('\n')}
</tbody></table>
</section>
`;
}

/** What an import of verification.tsv did, and whether the file can now be deleted. */
export function importResultHtml(result: VerificationImport, lang: string | undefined): string {
  const list = [
    ...result.kept.map((k) => say('keptLine', lang, { line: k.line, state: say(STATE_WORD[k.file.state], lang), tip: k.tip.slice(0, 8), desk: say(STATE_WORD[k.desk.state], lang) })),
    ...result.unmatched.map((u) => say('unmatchedLine', lang, { line: u.line, key: u.key.slice(0, 80) })),
  ];
  return `<section id="verification-import" role="status">
<p>${e(say('importDone', lang, { applied: result.changes.length, already: result.already, kept: result.kept.length, unmatched: result.unmatched.length }))}</p>
${list.length ? `<ul>${list.map((l) => `<li><bdi>${text(l)}</bdi></li>`).join('')}</ul>\n` : ''}<p class="${result.canDelete ? 'delete' : 'warning'}"><strong>${e(say(result.canDelete ? 'importDelete' : 'importKeep', lang))}</strong></p>
</section>
`;
}

// ---------------------------------------------------------------------------------------------
// The publication's HTML file

const STYLE = `${REPORT_STYLE}.choice{border:2px solid #7a5c00;background:#fff3cd;padding:.5rem .75rem;font-weight:bold}
`;

const cspHash = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/**
 * The publication as one self-contained HTML file: verified reports only, counts as tables and
 * charts, then the table of reports (publicationTable: no ids, no editors). No script at all; a
 * CSP meta of `default-src 'none'` with the one style by hash, so it loads nothing, wherever it
 * is opened. The free-text choice stands at the top in a box, and in every free-text cell.
 */
export function publicationHtml(tips: ElectionTip[], options: PublicationOptions): string {
  const lang = options.lang;
  const verified = publishable(tips);
  const dims = electionCounts(verified, lang, options.forms ?? []);
  const [header = [], ...rows] = publicationTable(tips, options);
  const csp = `default-src 'none'; style-src ${cspHash(STYLE)}; img-src 'none'; form-action 'none'; base-uri 'none'`;
  const title = say('publicationTitle', lang);
  const choice = say(options.includeFreeText ? 'freeTextIncluded' : 'freeTextLeftOut', lang);
  const freeColumns = new Set(['message', 'verification_note']);
  return `${staticPageHead({ lang: lang ?? 'en', csp, title, style: STYLE })}<body>
<h1>${e(title)}</h1>
<p class="meta">${e(say('publicationMeta', lang, { count: verified.length, date: options.date }))}</p>
<p class="choice" id="free-text-choice" data-free-text="${options.includeFreeText ? 'included' : 'left-out'}">${e(choice)}</p>
<h2>${e(say('counts', lang))}</h2>
${countsHtml(dims, lang)}
<h2>${e(say('reports', lang))}</h2>
<table id="publication"><thead><tr>${header.map((h) => `<th>${text(h)}</th>`).join('')}</tr></thead>
<tbody>
${rows.map((r) => `<tr>${r.map((c, i) => (freeColumns.has(header[i] ?? '') ? `<td class="msg"><bdi>${lines(c)}</bdi></td>` : `<td><bdi>${text(c)}</bdi></td>`)).join('')}</tr>`).join('\n')}
</tbody></table>
</body>
</html>
`;
}

// ---------------------------------------------------------------------------------------------
// The desk's election page (served by src/desk/server.ts under its secret path)

/** The election page: the section, then the export and import forms (plain forms: no script needed). */
export function renderElection(o: { base: string; lang: Lang; desk: Desk; query: InboxQuery; params: URLSearchParams; forms?: FormSchema[] }): string {
  const { base, lang } = o;
  const summary = summarise(o.desk.electionTips(o.query), lang, o.forms ?? []);
  const qs = o.params.toString();
  const section = electionSection(summary, { lang, query: o.query, forms: o.forms ?? [], roster: o.desk.roster(), threadHref: (id) => `${base}thread/${id}` });
  const actions = `<section id="election-actions">
<h2>${e(say('exportHeading', lang))}</h2>
<form method="post" action="${e(`${base}election/export${qs ? `?${qs}` : ''}`)}">
<p>${e(say('exportExplain', lang))}</p>
<p class="warning">${e(say('freeTextLeftOut', lang))}</p>
<p><input type="checkbox" id="free-text" name="freeText" value="1"> <label for="free-text">${e(say('freeTextOption', lang))}</label></p>
<p><button type="submit">${e(say('exportButton', lang))}</button></p>
</form>
<h2>${e(say('importHeading', lang))}</h2>
<form method="post" action="${e(`${base}election/import`)}">
<p>${e(say('importExplain', lang))}</p>
<p><label for="verification-tsv">${e(say('importLabel', lang))}</label><br><textarea id="verification-tsv" name="tsv" rows="8" cols="80" spellcheck="false"></textarea></p>
<p><button type="submit">${e(say('importButton', lang))}</button></p>
</form>
</section>`;
  return page({ base, lang, title: say('heading', lang), body: `${section}${actions}`, ...(o.query.text ? { search: o.query.text } : {}) });
}

/** The page after an import or an export: what happened, and the way back. */
export function renderElectionResult(o: { base: string; lang: Lang; body: string }): string {
  return page({
    base: o.base,
    lang: o.lang,
    title: say('heading', o.lang),
    body: `<h1>${e(say('heading', o.lang))}</h1>\n${o.body}\n<p><a href="${e(`${o.base}election`)}">${e(say('back', o.lang))}</a></p>`,
  });
}

/** What an export wrote, and the free-text choice it was made with. */
export function exportedHtml(paths: string[], includeFreeText: boolean, lang: string | undefined): string {
  return `<section id="publication-written" role="status"><p>${e(say('exported', lang))}</p><ul>${paths.map((p) => `<li><code>${text(p)}</code></li>`).join('')}</ul><p class="warning">${e(say(includeFreeText ? 'freeTextIncluded' : 'freeTextLeftOut', lang))}</p></section>`;
}
