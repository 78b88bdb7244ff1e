// "Export this desk for a colleague" (docs/EDITORS.md, "A new editor joins"): the colleague chosen
// by name from the roster; the desk writes the export to the USB stick (src/desk/seed.ts) and the
// answer says where, and what to do with it.
import { escapeHtml as e } from '../../shared/html.js';
import type { Desk } from '../api.js';
import { cut, page, text } from './layout.js';
import { words, type Lang } from './words.js';

export function renderColleague(o: { base: string; lang: Lang; desk: Desk }): string {
  const w = words(o.lang);
  const others = o.desk.roster().filter((r) => !r.me);
  const form = others.length
    ? `<form method="post" action="${e(o.base)}colleague">
<label for="colleague">${e(w.colleagueChoose)}</label>
<select id="colleague" name="editor" required>${others.map((r) => `<option value="${e(r.id)}">${text(cut(r.name, 60))} (${e(r.id.slice(0, 9))})</option>`).join('')}</select>
<button type="submit" id="export-desk">${e(w.colleagueButton)}</button>
</form>`
    : `<p>${e(w.colleagueNone)}</p>`;
  return page({ base: o.base, lang: o.lang, title: w.colleagueHeading, body: `<h1>${e(w.colleagueHeading)}</h1>\n<p>${e(w.colleagueIntro)}</p>\n${form}` });
}
