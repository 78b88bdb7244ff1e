// The one HTML escaper, for every page Tipline writes: the server's views, the page's form
// fields, and the air-gapped index and report.

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for an HTML text node or a quoted attribute value. */
export function escapeHtml(text: string | number): string {
  return String(text).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/**
 * Every page's document start, up to and including </head>: its language (and direction), UTF-8,
 * `meta` (more meta tags, HTML), the viewport, the referrer policy, the title, then `rest` (HTML:
 * the page's icon, stylesheet and scripts). One head for the server's pages, the desk's and the
 * offline tools' files.
 */
export function htmlHead(o: { lang: string; dir?: string; meta?: string; referrer: 'no-referrer' | 'same-origin'; title: string; rest: string }): string {
  const dir = o.dir === undefined ? '' : ` dir="${escapeHtml(o.dir)}"`;
  return `<!doctype html>
<html lang="${escapeHtml(o.lang)}"${dir}>
<head>
<meta charset="utf-8">
${o.meta ?? ''}<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="${o.referrer}">
<title>${escapeHtml(o.title)}</title>
${o.rest}</head>`;
}

/**
 * The head of a self-contained page the offline tools write (decrypt's index, the report, the
 * results): a CSP meta tag, no referrer, no script unless the CSP names one by hash.
 */
export function staticPageHead(o: { lang: string; csp: string; title: string; style: string }): string {
  const meta = `<meta http-equiv="Content-Security-Policy" content="${escapeHtml(o.csp)}">\n`;
  return `${htmlHead({ lang: o.lang, meta, referrer: 'no-referrer', title: o.title, rest: `<style>${o.style}</style>\n` })}\n`;
}
