// The submission page's HTML, rendered on the server (src/server/plugins/page.ts) once at
// start-up. Everything that varies is escaped; there is no inline script or style (the CSP
// forbids both): configuration travels as inert JSON read by the bundle, and all styling is
// in the bundled stylesheet, loaded with Subresource Integrity.
import { MAX_MESSAGE_CHARS } from '../crypto/body.js';
import { CONFIG_ELEMENT_ID, CONFIG_VERSION, IDS, MAILBOX_PATH, type PageConfig } from './config.js';
import { strings as stringsFor } from './strings.js';

export interface PageAsset {
  /** Absolute path on this server, e.g. `/assets/app.0123abcd.js`. */
  href: string;
  /** SRI value, e.g. `sha384-…`. */
  integrity: string;
}

export interface PageInput {
  editors: { line: string; fingerprint: string }[];
  demo: boolean;
  script: PageAsset;
  style: PageAsset;
  lang?: string;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for an HTML text node or a double-quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/**
 * JSON that is safe inside <script type="application/json">: no `<` (so no `</script>` or
 * `<!--`), no `>` or `&`, and no U+2028/U+2029. JSON.parse reads the \u escapes back.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * A fingerprint as two halves that each stay on one line, so a narrow screen breaks it in the
 * middle and people compare four groups at a time. The text content stays the fingerprint.
 */
export function fingerprintHtml(fingerprint: string): string {
  const groups = fingerprint.split(' ');
  const half = Math.ceil(groups.length / 2);
  const first = escapeHtml(groups.slice(0, half).join(' '));
  const second = escapeHtml(groups.slice(half).join(' '));
  return second ? `<span>${first}</span> <span>${second}</span>` : `<span>${first}</span>`;
}

export function renderPage(input: PageInput): string {
  const s = stringsFor(input.lang);
  const e = escapeHtml;
  const config: PageConfig = {
    v: CONFIG_VERSION,
    lang: s.lang,
    editors: input.editors.map(({ line, fingerprint }) => ({ key: line, fingerprint })),
  };
  const paragraphs = (texts: string[]) => texts.map((t) => `<p>${e(t)}</p>`).join('\n');
  const demo = input.demo ? `<div class="demo-banner" role="note"><p>${e(s.demoBanner)}</p></div>\n` : '';
  const fingerprints = input.editors.map(({ fingerprint }) => `<li><code class="fingerprint">${fingerprintHtml(fingerprint)}</code></li>`).join('\n');
  return `<!doctype html>
<html lang="${e(s.lang)}" dir="${e(s.dir)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<meta name="referrer" content="no-referrer">
<title>${e(s.title)}</title>
<link rel="stylesheet" href="${e(input.style.href)}" integrity="${e(input.style.integrity)}">
<script type="application/json" id="${CONFIG_ELEMENT_ID}">${jsonForScript(config)}</script>
<script src="${e(input.script.href)}" integrity="${e(input.script.integrity)}" defer></script>
</head>
<body>
${demo}<main>
<h1>${e(s.heading)}</h1>
<div class="intro">
${paragraphs(s.intro)}
</div>
<noscript>
<section class="noscript" aria-labelledby="noscript-heading">
<h2 id="noscript-heading">${e(s.noscriptHeading)}</h2>
${paragraphs(s.noscript)}
</section>
</noscript>
<form id="${IDS.form}" class="tip-form">
<section class="safety" aria-labelledby="safety-heading">
<h2 id="safety-heading">${e(s.safetyHeading)}</h2>
<ul>
${s.safety.map((t) => `<li>${e(t)}</li>`).join('\n')}
</ul>
</section>
<label for="${IDS.message}">${e(s.messageLabel)}</label>
<p id="${IDS.messageHint}" class="hint">${e(s.messageHint)}</p>
<textarea id="${IDS.message}" name="message" rows="10" maxlength="${MAX_MESSAGE_CHARS}" aria-describedby="${IDS.messageHint}" spellcheck="false" autocomplete="off" autocapitalize="sentences" disabled></textarea>
<section id="${IDS.passphrase}" class="passphrase" aria-labelledby="passphrase-heading" hidden>
<h2 id="passphrase-heading">${e(s.passphraseHeading)}</h2>
${paragraphs(s.passphraseIntro)}
<ol id="${IDS.passphraseWords}" class="passphrase-words" translate="no"></ol>
<p class="confirm"><input type="checkbox" id="${IDS.passphraseConfirm}"> <label for="${IDS.passphraseConfirm}">${e(s.passphraseConfirm)}</label></p>
</section>
<div id="${IDS.error}" class="error" role="alert" hidden></div>
<button id="${IDS.submit}" type="submit" disabled>${e(s.submit)}</button>
<p id="${IDS.status}" class="status" role="status" aria-live="polite"></p>
</form>
<section id="${IDS.confirmation}" class="confirmation" aria-labelledby="${IDS.confirmationHeading}" tabindex="-1" hidden>
<h2 id="${IDS.confirmationHeading}">${e(s.confirmationHeading)}</h2>
<p>${e(s.confirmationReceiptLabel)} <strong id="${IDS.receipt}" class="receipt"></strong></p>
${paragraphs(s.confirmationPassphrase)}
<p>${e(s.confirmationComeBack)} <a href="${MAILBOX_PATH}">${e(s.mailboxTitle)}</a> (<code>${MAILBOX_PATH}</code>)</p>
${paragraphs(s.confirmationAdvice)}
</section>
<section class="fingerprints" aria-labelledby="fingerprints-heading">
<h2 id="fingerprints-heading">${e(s.fingerprintsHeading)}</h2>
<p>${e(s.fingerprintsIntro)}</p>
<ul>
${fingerprints}
</ul>
</section>
</main>
</body>
</html>
`;
}
