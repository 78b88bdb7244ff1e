// The pages the no-JavaScript fallback answers with (src/server/plugins/nojs.ts): the receipt
// after a server-sealed tip, the mailbox opened on the server, and every refusal. Rendered per
// request (they carry a receipt, a passphrase or replies), never cached, never compressed, no
// script at all, the same stylesheet with SRI as the other pages.
import { MAX_MESSAGE_CHARS } from '../crypto/body.js';
import { MAILBOX_PATH, NOJS_MAILBOX_PATH } from './contract.js';
import { escapeHtml as e } from '../shared/html.js';
import { documentHead, paragraphsHtml, type PageAsset } from './page.js';
import { format, strings as stringsFor, withLang } from '../i18n/index.js';
import { formatBytes } from '../i18n/sizes.js';

export interface ShellInput {
  lang?: string;
  style: PageAsset;
  title: string;
  body: string;
}

function shell(input: ShellInput): string {
  const s = stringsFor(input.lang);
  return `${documentHead(s, input.title, input.style)}
<body>
<main>
${input.body}
</main>
</body>
</html>
`;
}

const paragraphs = paragraphsHtml;

/** After a server-sealed tip: the receipt and, when conversations exist, the new passphrase. */
export function renderNojsReceived(input: { lang?: string; style: PageAsset; receipt: string; passphrase?: string; mismatch?: { heading: string; lines: string[] } }): string {
  const s = stringsFor(input.lang);
  // A protocol form: the relations the sent figures failed (sent as typed all the same).
  const mismatch = input.mismatch
    ? `<section class="relations" id="relations">
<p>${e(input.mismatch.heading)}</p>
<ul>
${input.mismatch.lines.map((line) => `<li>${e(line)}</li>`).join('\n')}
</ul>
</section>\n`
    : '';
  const words = input.passphrase
    ? `<section class="passphrase" aria-labelledby="passphrase-heading">
<h2 id="passphrase-heading">${e(s.passphraseHeading)}</h2>
${paragraphs(s.nojsPassphraseIntro)}
<ol class="passphrase-words" translate="no">
${input.passphrase
  .split(' ')
  .map((w) => `<li>${e(w)}</li>`)
  .join('\n')}
</ol>
${paragraphs(s.confirmationPassphrase)}
<p>${e(s.confirmationComeBack)} <a href="${e(withLang(MAILBOX_PATH, s.lang))}">${e(s.mailboxTitle)}</a> (<code>${MAILBOX_PATH}</code>)</p>
</section>`
    : '';
  return shell({
    lang: input.lang,
    style: input.style,
    title: s.nojsReceivedHeading,
    body: `<section class="confirmation" aria-labelledby="confirmation-heading">
<h1 id="confirmation-heading">${e(s.nojsReceivedHeading)}</h1>
<p>${e(s.confirmationReceiptLabel)} <strong class="receipt" id="receipt">${e(input.receipt)}</strong></p>
<p class="note">${e(s.nojsSealedNote)}</p>
</section>
${mismatch}${words}
${paragraphs(s.confirmationAdvice)}`,
  });
}

export interface NojsReply {
  message: string;
  /** Set when the reply could not be opened. */
  unreadable?: boolean;
  /** Opened, but not signed by an editor key of this tip line: never shown as from the editors. */
  unverified?: boolean;
}

/** The mailbox opened on the server: the replies, and a follow-up form carrying the passphrase. */
export function renderNojsMailbox(input: {
  lang?: string;
  style: PageAsset;
  passphrase: string;
  replies: NojsReply[];
  sentReceipt?: string;
  /** Files on a follow-up (the server encrypts them as they arrive); absent: text only. */
  files?: { maxFileBytes: number };
}): string {
  const s = stringsFor(input.lang);
  const replies = input.replies.length
    ? `<ul class="replies">\n${input.replies
        .map((r) =>
          r.unverified
            ? `<li class="reply-unverified"><p><strong>${e(s.errorReplyUnverified)}</strong></p></li>`
            : r.unreadable
              ? `<li><p>${e(s.errorReplyUnreadable)}</p></li>`
              : `<li><p>${e(s.mailboxReplyFrom)}</p><div class="reply-text">${e(r.message)}</div></li>`,
        )
        .join('\n')}\n</ul>`
    : `<p>${e(s.mailboxNoReplies)}</p>`;
  const sent = input.sentReceipt ? `<p class="status" role="status">${e(s.mailboxFollowUpSent.replace('{receipt}', input.sentReceipt))}</p>\n` : '';
  return shell({
    lang: input.lang,
    style: input.style,
    title: s.mailboxTitle,
    body: `<h1>${e(s.mailboxTitle)}</h1>
${sent}${paragraphs(s.nojsMailboxIntro)}
<section class="inbox" aria-labelledby="inbox-heading">
<h2 id="inbox-heading">${e(s.mailboxRepliesHeading)}</h2>
${replies}
</section>
<form class="tip-form" method="post" action="${NOJS_MAILBOX_PATH}" enctype="multipart/form-data" accept-charset="utf-8">
<input type="hidden" name="passphrase" value="${e(input.passphrase)}">
<input type="hidden" name="lang" value="${e(s.lang)}">
<label for="follow-up-message">${e(s.mailboxFollowUpLabel)}</label>
<p class="hint">${e(s.nojsMailboxSealedNote)} ${e(s.nojsFollowUpPassphraseNote)}</p>
<textarea id="follow-up-message" name="message" rows="8" maxlength="${MAX_MESSAGE_CHARS}" spellcheck="false" autocomplete="off" required></textarea>
${
  input.files
    ? `<label for="follow-up-files">${e(s.attachmentsHeading)}</label>
<p id="follow-up-files-notice" class="hint">${e(format(s.nojsFilesNotice, { size: formatBytes(input.files.maxFileBytes) }, s.lang))}</p>
<input type="file" id="follow-up-files" name="files" multiple aria-describedby="follow-up-files-notice">
`
    : ''
}<button type="submit">${e(s.mailboxFollowUpSend)}</button>
</form>
${paragraphs(s.confirmationAdvice.slice(1))}`,
  });
}

/** A refusal: what went wrong, that nothing was sent, and the way back. */
export function renderNojsError(input: { lang?: string; style: PageAsset; message: string; back: string }): string {
  const s = stringsFor(input.lang);
  return shell({
    lang: input.lang,
    style: input.style,
    title: s.nojsErrorHeading,
    body: `<h1>${e(s.nojsErrorHeading)}</h1>
<div class="error" role="alert"><p>${e(input.message)}</p></div>
<p><a href="${e(input.back)}">${e(s.nojsBack)}</a></p>`,
  });
}
