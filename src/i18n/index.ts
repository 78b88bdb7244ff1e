// The languages of the source's pages: one catalog file per language, registered here with one
// line each (docs/TRANSLATING.md). Used by the server templates (src/views/page.ts,
// mailbox-page.ts), the page plugin (which language to serve) and the browser bundle (the
// status and error texts). Nothing here stores a choice: the language comes from the request
// (`?lang=` or Accept-Language) every time, and the pages carry it along in their links.
import { en } from './en.js';
import { kk } from './kk.js';
import { ru } from './ru.js';
import { tk } from './tk.js';
import type { Catalog, Messages } from './types.js';

export type { Catalog, CatalogMeta, Messages } from './types.js';

/** Every language, in the switcher's order. The first is the default. */
export const CATALOGS: readonly Catalog[] = [en, ru, tk, kk];

export const DEFAULT_LANGUAGE = CATALOGS[0]!.meta.language;
export const LANGUAGES: readonly string[] = CATALOGS.map((c) => c.meta.language);

/** A catalog's messages with the page's `lang` and `dir`: what templates and browser code use. */
export type Strings = Messages & { lang: string; dir: 'ltr' | 'rtl' };

const BY_LANGUAGE = new Map<string, Strings>(CATALOGS.map((c) => [c.meta.language, { ...c.messages, lang: c.meta.language, dir: c.meta.dir }]));

/** The strings of `lang`, or of the default language when `lang` is not one of LANGUAGES. */
export function strings(lang: string = DEFAULT_LANGUAGE): Strings {
  return BY_LANGUAGE.get(lang) ?? BY_LANGUAGE.get(DEFAULT_LANGUAGE)!;
}

export function catalogFor(lang: string): Catalog | undefined {
  return CATALOGS.find((c) => c.meta.language === lang);
}

/**
 * Fills `{name}` placeholders; unknown names are left as they are. Numbers are written the
 * way `lang` writes them (Intl: "50,000" in English, "50 000" in Russian).
 */
export function format(template: string, values: Record<string, string | number>, lang: string = DEFAULT_LANGUAGE): string {
  let numbers: Intl.NumberFormat | undefined;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    if (!(name in values)) return whole;
    const value = values[name]!;
    if (typeof value === 'number') {
      numbers ??= new Intl.NumberFormat(lang);
      return numbers.format(value);
    }
    return value;
  });
}

/** A calendar day in `lang`'s words ("28 Nov 2026", "28 нояб. 2026 г."); undefined when `iso` is not a date. */
export function formatDate(iso: string, lang: string = DEFAULT_LANGUAGE): string | undefined {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return undefined;
  return new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeZone: 'UTC' }).format(date);
}

/** Only so much of an Accept-Language header is read (it is attacker-controlled). */
const MAX_ACCEPT_LANGUAGE = 512;

/**
 * The best of `available` for an Accept-Language header (RFC 9110 §12.5.4), q-values honoured:
 * a range matches a language when it is the language or starts with it and "-" ("ru-RU"
 * matches "ru"); "*" matches the default; q=0 refuses. Ties keep the header's order.
 * Undefined when nothing matches.
 */
export function negotiateLanguage(header: string | undefined, available: readonly string[] = LANGUAGES): string | undefined {
  if (!header) return undefined;
  const ranges: { range: string; q: number; order: number }[] = [];
  header
    .slice(0, MAX_ACCEPT_LANGUAGE)
    .split(',')
    .forEach((part, order) => {
      const [rawRange, ...params] = part.split(';');
      const range = rawRange!.trim().toLowerCase();
      if (!/^(\*|[a-z]{1,8}(-[a-z0-9]{1,8})*)$/.test(range)) return;
      let q = 1;
      for (const param of params) {
        const match = /^\s*q\s*=\s*(0(\.\d{0,3})?|1(\.0{0,3})?)\s*$/i.exec(param);
        if (match) q = Number(match[1]);
        else if (/^\s*q\s*=/i.test(param)) return; // a malformed q: ignore the range
      }
      ranges.push({ range, q, order });
    });
  ranges.sort((a, b) => b.q - a.q || a.order - b.order);
  const refused = new Set(ranges.filter((r) => r.q === 0).map((r) => r.range));
  for (const { range, q } of ranges) {
    if (q === 0) break;
    if (range === '*') {
      const rest = available.find((lang) => !refused.has(lang));
      if (rest) return rest;
      continue;
    }
    const match = available.find((lang) => (range === lang || range.startsWith(`${lang}-`)) && !refused.has(lang));
    if (match) return match;
  }
  return undefined;
}

/**
 * The language of a page request: a valid `?lang=` (the switcher's links) wins, then
 * Accept-Language, then the default. `query` may be anything the query parser produced.
 */
export function chooseLanguage(query: unknown, acceptLanguage: string | undefined): string {
  if (typeof query === 'string' && LANGUAGES.includes(query)) return query;
  return negotiateLanguage(acceptLanguage) ?? DEFAULT_LANGUAGE;
}

/** `path` with `?lang=<lang>`: how links and forms within the site carry the choice along. */
export function withLang(path: string, lang: string): string {
  return `${path}${path.includes('?') ? '&' : '?'}lang=${encodeURIComponent(lang)}`;
}
