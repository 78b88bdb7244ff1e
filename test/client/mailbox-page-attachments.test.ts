// The mailbox page's attachments part (files on a follow-up), as rendered on the server: the
// same markup as the submission page's (attachmentsHtml), with the mailbox page's own ids, no
// "continue after a reload" box, and the limits in the page's configuration. Absent when the
// operator turned attachments off. The behaviour in the browser: test/e2e/follow-up-files.test.ts.
import t from 'tap';
import { CONFIG_ELEMENT_ID, IDS, MAILBOX_ATTACHMENT_IDS as M } from '../../src/views/contract.js';
import { renderMailboxPage } from '../../src/views/mailbox-page.js';
import { renderPage, type PageInput } from '../../src/views/page.js';

const input: PageInput = {
  editors: [{ line: 'tipline-editor-1:AAAA', fingerprint: 'ABCD EFGH' }],
  demo: false,
  script: { href: '/assets/app.js', integrity: 'sha384-x' },
  style: { href: '/assets/app.css', integrity: 'sha384-y' },
  uploads: { maxFiles: 3, maxFileBytes: 1024 * 1024 },
};

function config(html: string): Record<string, unknown> {
  const match = new RegExp(`<script type="application/json" id="${CONFIG_ELEMENT_ID}">(.*?)</script>`).exec(html);
  return JSON.parse(match![1]!) as Record<string, unknown>;
}

t.test('the follow-up form has the attachments part with the mailbox ids', async (t) => {
  const html = renderMailboxPage(input);
  const form = html.slice(html.indexOf('id="mailbox-follow-up"'), html.indexOf('</form>', html.indexOf('id="mailbox-follow-up"')));
  for (const id of [M.section, M.heading, M.files, M.filesHint, M.fileList, M.keepMetadata, M.upload, M.uploadProgress, M.uploadStatus, M.uploadCancel]) {
    t.match(form, `id="${id}"`, `${id} is inside the follow-up form`);
  }
  t.match(form, `<h3 id="${M.heading}">`, 'a level-3 heading inside the inbox section');
  t.match(form, new RegExp(`<input type="file" id="${M.files}"[^>]* aria-describedby="${M.filesHint} ${M.fileList}"[^>]* disabled>`), 'disabled until the browser code starts it');
  t.match(form, 'Up to 3 files, each up to', 'the limits are stated');
  t.notMatch(html, /class="resume"/, 'no offer to continue after a reload');
  t.notMatch(html, new RegExp(`id="(${IDS.files}|${IDS.attachments}|${IDS.fileList})"`), 'none of the submission page ids');
  t.same(config(html).uploads, input.uploads, 'the limits travel in the configuration');
  t.ok(html.indexOf(`id="${M.files}"`) < html.indexOf('id="mailbox-follow-up-send"'), 'the files come before the send button');
});

t.test('the submission page keeps its ids and its resume box', async (t) => {
  const html = renderPage(input);
  for (const id of [IDS.attachments, IDS.files, IDS.fileList, IDS.resume, IDS.resumeText, IDS.resumeDiscard, IDS.uploadProgress, IDS.uploadCancel]) t.match(html, `id="${id}"`);
  t.match(html, '<h2 id="attachments-heading">');
  t.match(html, 'aria-labelledby="attachments-heading"></progress>');
});

t.test('attachments off (TIPLINE_MAX_FILES=0): no attachments part on the mailbox page', async (t) => {
  const html = renderMailboxPage({ ...input, uploads: { maxFiles: 0, maxFileBytes: 1024 } });
  t.notMatch(html, M.section);
  t.notMatch(html, M.upload);
  t.match(html, 'id="mailbox-follow-up-send"', 'the follow-up form is still there');
});
