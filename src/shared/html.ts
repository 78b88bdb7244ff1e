// The one HTML escaper, for every page Tipline writes: the server's views, the page's form
// fields, and the air-gapped index and report.

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for an HTML text node or a quoted attribute value. */
export function escapeHtml(text: string | number): string {
  return String(text).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/**
 * The head of a self-contained page the offline tools write (decrypt's index, the report, the
 * results): a CSP meta tag, no referrer, no script unless the CSP names one by hash.
 */
export function staticPageHead(o: { lang: string; csp: string; title: string; style: string }): string {
  return `<!doctype html>
<html lang="${escapeHtml(o.lang)}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(o.csp)}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(o.title)}</title>
<style>${o.style}</style>
</head>
`;
}
