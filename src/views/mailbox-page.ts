// The mailbox page (GET /mailbox), where a source comes back with the return passphrase,
// rendered on the server (src/server/plugins/page.ts) once at start-up, with the same script,
// stylesheet, SRI and headers as the submission page; the bundle sees #mailbox-login and runs
// src/client/mailbox.ts. The editors' keys travel in the same configuration (follow-ups are
// sealed to them) and their fingerprints are shown, as on the submission page.
import { MAX_MESSAGE_CHARS } from '../crypto/body.js';
import { CONFIG_VERSION, MAILBOX_ATTACHMENT_IDS, MAILBOX_IDS as ID, type PageConfig } from './contract.js';
import { escapeHtml as e } from '../shared/html.js';
import { attachmentsHtml, documentHead, fingerprintsSectionHtml, paragraphsHtml, uploadProgressHtml, type PageInput } from './page.js';
import { strings as stringsFor } from '../i18n/index.js';
import { languageSwitcherHtml, torGuidanceHtml, torWarningsHtml } from './guidance.js';
import { MAILBOX_PATH, NOJS_MAILBOX_PATH } from './contract.js';

export function renderMailboxPage(input: PageInput): string {
  const s = stringsFor(input.lang);
  const config: PageConfig = {
    v: CONFIG_VERSION,
    lang: s.lang,
    editors: input.editors.map(({ line, fingerprint }) => ({ key: line, fingerprint })),
    ...(input.uploads ? { uploads: input.uploads } : {}),
  };
  // Files on a follow-up: the same attachments part as on the submission page (no resume box).
  const uploads = input.uploads ?? { maxFiles: 10, maxFileBytes: 2 ** 31 };
  const attachments = uploads.maxFiles > 0 ? `${attachmentsHtml(s, uploads, MAILBOX_ATTACHMENT_IDS, 3)}\n` : '';
  const paragraphs = paragraphsHtml;
  const demo = input.demo ? `<div class="demo-banner" role="note"><p>${e(s.demoBanner)}</p></div>\n` : '';
  return `${documentHead(s, s.mailboxTitle, input.style, { asset: input.script, config })}
<body>
${demo}<main>
${languageSwitcherHtml(s, MAILBOX_PATH)}
<h1>${e(s.mailboxTitle)}</h1>
${torWarningsHtml(s, { onion: input.onion ?? false })}
<noscript>
<section class="noscript" aria-labelledby="noscript-heading">
<h2 id="noscript-heading">${e(s.noscriptHeading)}</h2>
${paragraphs(input.nojs ? s.nojsNoscriptMailbox : s.noscript)}
</section>
</noscript>
<form id="${ID.login}" class="tip-form" method="post" action="${NOJS_MAILBOX_PATH}" enctype="multipart/form-data" accept-charset="utf-8">
<input type="hidden" name="lang" value="${e(s.lang)}">
<div class="intro">
${paragraphs(s.mailboxIntro)}
</div>
<label for="${ID.passphrase}">${e(s.mailboxPassphraseLabel)}</label>
<textarea id="${ID.passphrase}" name="passphrase" rows="3" spellcheck="false" autocomplete="off" autocapitalize="off" translate="no"${input.nojs ? '' : ' disabled'}></textarea>
<button id="${ID.loginButton}" class="needs-js" type="submit" disabled>${e(s.mailboxLogin)}</button>
${input.nojs ? `<noscript><button type="submit">${e(s.mailboxLogin)}</button></noscript>` : ''}
</form>
<div id="${ID.error}" class="error" role="alert" hidden></div>
<p id="${ID.status}" class="status" role="status" aria-live="polite"></p>
<section id="${ID.inbox}" class="inbox" aria-labelledby="inbox-heading" tabindex="-1" hidden>
<h2 id="inbox-heading">${e(s.mailboxRepliesHeading)}</h2>
<ul id="${ID.replies}" class="replies"></ul>
<form id="${ID.followUp}" class="tip-form">
<label for="${ID.followUpMessage}">${e(s.mailboxFollowUpLabel)}</label>
<textarea id="${ID.followUpMessage}" name="message" rows="8" maxlength="${MAX_MESSAGE_CHARS}" spellcheck="false" autocomplete="off"></textarea>
${attachments}<button id="${ID.followUpSend}" type="submit">${e(s.mailboxFollowUpSend)}</button>
${uploads.maxFiles > 0 ? `${uploadProgressHtml(s, MAILBOX_ATTACHMENT_IDS)}\n` : ''}</form>
<button id="${ID.logout}" type="button">${e(s.mailboxLogout)}</button>
</section>
${torGuidanceHtml(s)}
${fingerprintsSectionHtml(s, input.editors)}
</main>
</body>
</html>
`;
}
