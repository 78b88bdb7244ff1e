// The frame of every desk page and the small pieces the inbox and thread views share. Every
// text that came from a source or a colleague goes through `text()` (escaped, invisible and
// bidi control characters removed, src/offline/files.ts) and names sit in <bdi>, so a name
// cannot turn the text around it. Links are only to this desk's own paths (`base` is
// `/<secret>/`); the pages load one stylesheet and one script, both from `base`.
import { escapeHtml as e, htmlHead } from '../../shared/html.js';
import { cleanText } from '../../offline/files.js';
import type { RosterEditor } from '../api.js';
import { words, type Lang } from './words.js';
import { say } from '../election-words.js';

/** Untrusted text for a text node or attribute: invisible characters removed, then escaped. */
export const text = (value: string): string => e(cleanText(value));

/** The longest run of non-blank characters shown without a line-break opportunity. */
export const WORD_RUN = 64;

/**
 * Untrusted text that may be long and span lines: as `text()` but keeping its line breaks, with a <wbr> after every WORD_RUN non-blank
 * characters in a row. Without it one unbroken word freezes the window: Chromium took 4.4 s to
 * lay out a 20 000-character word and more than 30 s for 200 000 (quadratic), with it 0.5 s.
 */
export function longText(value: string): string {
  // Line breaks are the text's own: kept (cleanText would drop them with the other controls).
  const cleaned = value
    .split(/\r\n?|\n/)
    .map(cleanText)
    .join('\n');
  const tokens = cleaned.match(new RegExp(`\\S{1,${WORD_RUN}}|\\s+`, 'gu')) ?? [];
  return tokens.map((tok) => (tok.length >= WORD_RUN && [...tok].length === WORD_RUN ? `${e(tok)}<wbr>` : e(tok))).join('');
}

/** Untrusted text cut to `max` characters (by code point), with an ellipsis when cut. */
export function cut(value: string, max: number): string {
  const chars = [...value];
  return chars.length > max ? `${chars.slice(0, max).join('').trimEnd()} …` : value;
}

/** An editor's display name from the roster (their id's start when unknown), isolated. */
export function editorName(roster: RosterEditor[], id: string | undefined, lang: Lang): string {
  if (id === undefined) return '';
  const found = roster.find((r) => r.id === id);
  const name = found ? cut(found.name, 60) : cut(id, 16);
  return `<bdi class="editor">${text(name)}</bdi>${found?.me ? ` (${e(words(lang).you)})` : ''}`;
}

/** One date formatter per language: making one per call cost ~1 ms, i.e. half a second for an inbox of 500 rows. */
const DAY_FORMATS = new Map<Lang, Intl.DateTimeFormat>();

/** A YYYY-MM-DD day in the editor's language (as src/i18n formatDate writes it). */
export function day(date: string, lang: Lang): string {
  let format = DAY_FORMATS.get(lang);
  if (!format) {
    format = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeZone: 'UTC' });
    DAY_FORMATS.set(lang, format);
  }
  const at = /^\d{4}-\d{2}-\d{2}/.test(date) ? new Date(date.slice(0, 10)) : undefined;
  const shown = at && !Number.isNaN(at.getTime()) ? format.format(at) : date.slice(0, 10);
  return `<time datetime="${e(date.slice(0, 10))}">${e(shown)}</time>`;
}

/** An ISO time as `YYYY-MM-DD HH:MM` (UTC, the editor's own clock). */
export function moment(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
  return m ? `<time datetime="${e(iso)}">${e(`${m[1]} ${m[2]}`)}</time>` : e(cut(iso, 30));
}

export interface PageOptions {
  base: string;
  lang: Lang;
  title: string;
  body: string;
  /** The search text, kept in the header's search box. */
  search?: string;
}

/** A whole page: one stylesheet and one script from the desk itself, nothing inline. */
export function page(o: PageOptions): string {
  const w = words(o.lang);
  const keys = w.keys.map(([k, what]) => `<dt><kbd>${e(k)}</kbd></dt><dd>${e(what)}</dd>`).join('');
  const rest = `<link rel="icon" href="${e(o.base)}icon.png">
<link rel="stylesheet" href="${e(o.base)}desk.css">
<script src="${e(o.base)}desk.js" defer></script>
`;
  return `${htmlHead({ lang: o.lang, dir: 'ltr', referrer: 'same-origin', title: `${o.title} · ${w.desk}`, rest })}
<body>
<a class="skip" href="#main">${e(w.skip)}</a>
<header class="top">
<a class="home" href="${e(o.base)}">${e(w.desk)} · ${e(w.inbox)}</a>
<a class="election" href="${e(o.base)}election">${e(say('heading', o.lang))}</a>
<a class="colleague" href="${e(o.base)}colleague">${e(w.colleagueLink)}</a>
<form class="search" method="get" action="${e(o.base)}" role="search">
<label for="search">${e(w.search)}</label>
<input id="search" name="q" type="search" value="${text(o.search ?? '')}" maxlength="200" autocomplete="off">
<button type="submit">${e(w.searchButton)}</button>
</form>
</header>
<main id="main" tabindex="-1">
${o.body}
</main>
<footer>
<details id="keys"><summary>${e(w.keysHeading)}</summary><dl class="keys">${keys}</dl></details>
</footer>
</body>
</html>
`;
}

/** A short page with one message (an error, a result) and the way back. */
export function renderMessage(o: { base: string; lang: Lang; title: string; text: string; warning?: string }): string {
  const w = words(o.lang);
  const warning = o.warning ? `<p class="warning" role="note">${e(o.warning)}</p>` : '';
  return page({
    base: o.base,
    lang: o.lang,
    title: o.title,
    body: `<h1>${e(o.title)}</h1>\n<p id="message" role="status">${text(o.text)}</p>\n${warning}<p><a href="${e(o.base)}">${e(w.backToInbox)}</a></p>`,
  });
}
