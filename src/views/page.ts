// The submission page's HTML, rendered on the server (src/server/plugins/page.ts) once at
// start-up. Everything that varies is escaped; there is no inline script or style (the CSP
// forbids both): configuration travels as inert JSON read by the bundle, and all styling is
// in the bundled stylesheet, loaded with Subresource Integrity.
import { MAX_MESSAGE_CHARS } from '../crypto/body.js';
import { escapeHtml, htmlHead } from '../shared/html.js';
import { ATTACHMENT_IDS, CONFIG_ELEMENT_ID, CONFIG_VERSION, IDS, MAILBOX_PATH, NOJS_TIP_PATH, type AttachmentIds, type PageConfig } from './contract.js';
import { format, strings as stringsFor, withLang, type Strings } from '../i18n/index.js';
import { languageSwitcherHtml, torGuidanceHtml, torWarningsHtml } from './guidance.js';
import { formatBytes } from '../i18n/sizes.js';
import { pageForm, renderFormFields } from '../forms/render.js';
import { textFor, type FormSchema } from '../forms/schema.js';

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
  /** The request came through an onion address (src/server/onion.ts): no "not the onion" warning. */
  onion?: boolean;
  /** The no-JavaScript fallback is on: the form posts to it, the <noscript> text says what that means. */
  nojs?: boolean;
  /** Bytes of files one no-JS post may carry (TIPLINE_NOJS_MAX_FILE_BYTES); absent: 100 MiB. */
  nojsMaxFileBytes?: number;
  /** Attachment limits (TIPLINE_MAX_FILES, TIPLINE_MAX_FILE_BYTES); absent: 10 files of 2 GiB; 0 files: no attachments. */
  uploads?: { maxFiles: number; maxFileBytes: number };
  /** The tip form (TIPLINE_FORM); absent or without fields: the plain message box. */
  form?: FormSchema;
}

/**
 * The attachments part of the form: hidden and disabled until the browser code starts it, so
 * that without JavaScript nothing about files shows and the form posts no file. The file input
 * has no name for the same reason: the browser code reads it. `ids` are the page's element ids
 * (the mailbox page's follow-up form passes its own, without the resume box), `level` the
 * heading level. `nojs` (the submission page with the no-JS fallback on, its limit in bytes):
 * shown and enabled from the start, the input named `files` so a plain form post carries the
 * files, and a <noscript> notice that the server sees them and strips nothing; the browser
 * code, when it runs, still reads the input itself and intercepts the submit.
 */
export function attachmentsHtml(
  s: ReturnType<typeof stringsFor>,
  uploads: { maxFiles: number; maxFileBytes: number },
  ids: AttachmentIds = ATTACHMENT_IDS,
  level: 2 | 3 = 2,
  nojs?: { maxFileBytes: number },
): string {
  if (uploads.maxFiles <= 0) return '';
  const e = escapeHtml;
  const hint = format(s.attachmentsHint, { max: uploads.maxFiles, size: formatBytes(uploads.maxFileBytes) }, s.lang);
  const resume = ids.resume
    ? `<div id="${ids.resume.box}" class="resume" role="note" aria-labelledby="${ids.resume.heading}" hidden>
<h${level + 1} id="${ids.resume.heading}">${e(s.resumeHeading)}</h${level + 1}>
<p id="${ids.resume.text}"></p>
<button type="button" id="${ids.resume.discard}">${e(s.resumeDiscard)}</button>
</div>
`
    : '';
  // Without JavaScript the browser neither encrypts nor strips: the hint that says it does and
  // the keep-metadata box (which would do nothing) give way to the no-JS notice.
  const jsOnly = nojs ? ' needs-js' : '';
  const noticeId = `${ids.files}-nojs-notice`;
  const notice = nojs ? `<noscript><p id="${noticeId}" class="hint">${e(format(s.nojsFilesNotice, { size: formatBytes(nojs.maxFileBytes) }, s.lang))}</p></noscript>\n` : '';
  return `<section id="${ids.section}" class="attachments" aria-labelledby="${ids.heading}"${nojs ? '' : ' hidden'}>
<h${level} id="${ids.heading}">${e(s.attachmentsHeading)}</h${level}>
${resume}<p id="${ids.filesHint}" class="hint${jsOnly}">${e(hint)}</p>
${notice}<label for="${ids.files}">${e(s.attachmentsLabel)}</label>
<input type="file" id="${ids.files}"${nojs ? ' name="files"' : ''} multiple aria-describedby="${ids.filesHint}${nojs ? ` ${noticeId}` : ''} ${ids.fileList}"${nojs ? '' : ' disabled'}>
<ul id="${ids.fileList}" class="file-list" aria-live="polite"></ul>
<p class="confirm${jsOnly}"><input type="checkbox" id="${ids.keepMetadata}"> <label for="${ids.keepMetadata}">${e(s.keepMetadata)}</label></p>
</section>`;
}

/** Progress while files are sent: a bar, a status line for screen readers, and cancel. */
export function uploadProgressHtml(s: ReturnType<typeof stringsFor>, ids: AttachmentIds = ATTACHMENT_IDS): string {
  return `<div id="${ids.upload}" class="upload" hidden>
<progress id="${ids.uploadProgress}" max="1" value="0" aria-labelledby="${ids.heading}"></progress>
<p id="${ids.uploadStatus}" class="status" role="status" aria-live="polite" aria-atomic="true"></p>
<button type="button" id="${ids.uploadCancel}" hidden>${escapeHtml(s.uploadCancel)}</button>
</div>`;
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

/** The editors' key fingerprints, for the source to compare with those the newsroom publishes (both pages). */
export function fingerprintsSectionHtml(s: Strings, editors: readonly { fingerprint: string }[]): string {
  const items = editors.map(({ fingerprint }) => `<li><code class="fingerprint">${fingerprintHtml(fingerprint)}</code></li>`).join('\n');
  return `<section class="fingerprints" aria-labelledby="fingerprints-heading">
<h2 id="fingerprints-heading">${escapeHtml(s.fingerprintsHeading)}</h2>
<p>${escapeHtml(s.fingerprintsIntro)}</p>
<ul>
${items}
</ul>
</section>`;
}

/**
 * Every page's document start, up to and including </head>: language and direction, no
 * indexing, no referrer, no favicon request, the stylesheet with its SRI and, on pages with a
 * script, its configuration and the script itself (deferred, with its SRI).
 */
export function documentHead(s: { lang: string; dir: string }, title: string, style: PageAsset, script?: { asset: PageAsset; config: PageConfig }): string {
  const e = escapeHtml;
  const scripts = script
    ? `<script type="application/json" id="${CONFIG_ELEMENT_ID}">${jsonForScript(script.config)}</script>
<script src="${e(script.asset.href)}" integrity="${e(script.asset.integrity)}" defer></script>
`
    : '';
  const rest = `<link rel="icon" href="data:,">
<link rel="stylesheet" href="${e(style.href)}" integrity="${e(style.integrity)}">
${scripts}`;
  return htmlHead({ lang: s.lang, dir: s.dir, meta: '<meta name="robots" content="noindex">\n', referrer: 'no-referrer', title, rest });
}

/** Each text its own paragraph, escaped. */
export function paragraphsHtml(texts: readonly string[]): string {
  return texts.map((t) => `<p>${escapeHtml(t)}</p>`).join('\n');
}

export function renderPage(input: PageInput): string {
  const s = stringsFor(input.lang);
  const e = escapeHtml;
  const config: PageConfig = {
    v: CONFIG_VERSION,
    lang: s.lang,
    editors: input.editors.map(({ line, fingerprint }) => ({ key: line, fingerprint })),
    ...(input.uploads ? { uploads: input.uploads } : {}),
    ...(input.form?.fields.length ? { form: pageForm(input.form, s.lang) } : {}),
  };
  const messageLabel = input.form?.message?.label ? textFor(input.form.message.label, s.lang) : s.messageLabel;
  const messageHint = input.form?.message?.hint ? textFor(input.form.message.hint, s.lang) : s.messageHint;
  const paragraphs = paragraphsHtml;
  const demo = input.demo ? `<div class="demo-banner" role="note"><p>${e(s.demoBanner)}</p></div>\n` : '';
  return `${documentHead(s, s.title, input.style, { asset: input.script, config })}
<body>
${demo}<main>
${languageSwitcherHtml(s, '/')}
<h1>${e(s.heading)}</h1>
${torWarningsHtml(s, { onion: input.onion ?? false })}
<div class="intro">
${paragraphs(s.intro)}
</div>
${torGuidanceHtml(s)}
<noscript>
<section class="noscript" aria-labelledby="noscript-heading">
<h2 id="noscript-heading">${e(input.nojs ? s.nojsNoscriptHeading : s.noscriptHeading)}</h2>
${paragraphs(input.nojs ? s.nojsNoscript : s.noscript)}
</section>
</noscript>
<form id="${IDS.form}" class="tip-form" method="post" action="${NOJS_TIP_PATH}" enctype="multipart/form-data" accept-charset="utf-8">
<input type="hidden" name="lang" value="${e(s.lang)}">
<section class="safety" aria-labelledby="safety-heading">
<h2 id="safety-heading">${e(s.safetyHeading)}</h2>
<ul>
${s.safety.map((t) => `<li>${e(t)}</li>`).join('\n')}
</ul>
</section>
${input.form ? renderFormFields(input.form, s.lang) : ''}
<label for="${IDS.message}">${e(messageLabel)}</label>
<p id="${IDS.messageHint}" class="hint">${e(messageHint)}</p>
<textarea id="${IDS.message}" name="message" rows="10" maxlength="${MAX_MESSAGE_CHARS}" aria-describedby="${IDS.messageHint}" spellcheck="false" autocomplete="off" autocapitalize="sentences"${input.nojs ? '' : ' disabled'}></textarea>
${attachmentsHtml(s, input.uploads ?? { maxFiles: 10, maxFileBytes: 2 ** 31 }, undefined, 2, input.nojs ? { maxFileBytes: input.nojsMaxFileBytes ?? 100 * 1024 * 1024 } : undefined)}
<section id="${IDS.passphrase}" class="passphrase" aria-labelledby="passphrase-heading" hidden>
<h2 id="passphrase-heading">${e(s.passphraseHeading)}</h2>
${paragraphs(s.passphraseIntro)}
<ol id="${IDS.passphraseWords}" class="passphrase-words" translate="no"></ol>
<p class="confirm"><input type="checkbox" id="${IDS.passphraseConfirm}"> <label for="${IDS.passphraseConfirm}">${e(s.passphraseConfirm)}</label></p>
</section>
<div id="${IDS.error}" class="error" role="alert" hidden></div>
<button id="${IDS.submit}" class="needs-js" type="submit" disabled>${e(s.submit)}</button>
${input.nojs ? `<noscript><button type="submit">${e(s.nojsSubmit)}</button></noscript>` : ''}
<p id="${IDS.status}" class="status" role="status" aria-live="polite"></p>
${uploadProgressHtml(s)}
</form>
<section id="${IDS.confirmation}" class="confirmation" aria-labelledby="${IDS.confirmationHeading}" tabindex="-1" hidden>
<h2 id="${IDS.confirmationHeading}">${e(s.confirmationHeading)}</h2>
<p>${e(s.confirmationReceiptLabel)} <strong id="${IDS.receipt}" class="receipt"></strong></p>
${paragraphs(s.confirmationPassphrase)}
<p>${e(s.confirmationComeBack)} <a href="${e(withLang(MAILBOX_PATH, s.lang))}">${e(s.mailboxTitle)}</a> (<code>${MAILBOX_PATH}</code>)</p>
${paragraphs(s.confirmationAdvice)}
</section>
${fingerprintsSectionHtml(s, input.editors)}
</main>
</body>
</html>
`;
}
