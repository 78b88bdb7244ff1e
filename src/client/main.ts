// The submission page's browser code: reads the editors' keys from the page, checks them
// against the fingerprints shown, seals the tip with the shared envelope code (src/crypto, the
// one implementation) and posts only the ciphertext. Never stores the message anywhere; keeps
// the typed text until the server confirms the tip is durably stored.
import './no-wasm.js';
import { MAX_MESSAGE_CHARS } from '../crypto/body.js';
import { signBody } from '../crypto/signing.js';
import { toBase64Url } from '../crypto/bytes.js';
import { sealEnvelope } from '../crypto/envelope.js';
import { createMessage, mailboxKeys, newPassphrase, sign, wipeMailboxKeys } from '../crypto/mailbox.js';
import { receiptFor } from '../crypto/receipt.js';
import { ATTACHMENT_IDS, IDS, MAILBOX_IDS } from '../views/contract.js';
import { mailboxMain } from './mailbox.js';
import { Cancelled } from './attachments.js';
import { NetworkError, SendError, elementsOf, nextFrame, postWithPow } from './shared.js';
import { errorBox, progressIn, sendAttachments, startPage } from './start.js';
import { format, strings } from '../i18n/index.js';
import { warnUnlessTorBrowser } from './tor-check.js';
import { inputName, parseFormInputs, type FieldProblem, type FieldValues } from '../forms/fields.js';
import { parseProtocolInputs } from '../forms/protocol-form.js';
import type { Protocol } from '../forms/protocol.js';
import { setupProtocol } from './protocol.js';

const RECEIPT_PATTERN = /^[0-9A-F]{4}(?:-[0-9A-F]{4}){3}$/;

/** The proof-of-work worker's content-hashed path, compiled in by scripts/build-client.ts. */
declare const __TIPLINE_POW_WORKER__: string;
/** The attachment worker's content-hashed path, compiled in the same way. */
declare const __TIPLINE_UPLOAD_WORKER__: string;

function main(): void {
  const s = strings(document.documentElement.lang);
  const kinds = { form: HTMLFormElement, message: HTMLTextAreaElement, submit: HTMLButtonElement, passphraseConfirm: HTMLInputElement };
  const { form, message, submit, status, error, confirmation, receipt: receiptOut, passphrase: passphraseSection, passphraseWords, passphraseConfirm } = elementsOf(IDS, kinds);

  const { showError, clearError } = errorBox(error);

  // Typing may start while the encryption code loads; sending waits for it.
  message.disabled = false;
  // The return passphrase: made once the keys are checked, shown once, never sent; only public
  // keys derived from it leave the browser (docs/PROTOCOL.md, "Conversations").
  let passphrase: string | undefined;
  let mailboxCreated = false;
  // Attachments are optional: if their part of the page cannot start, the tip can still be sent.
  const started = startPage(s, { status, showError, forms: [form], powWorker: __TIPLINE_POW_WORKER__, uploadWorker: __TIPLINE_UPLOAD_WORKER__, attachmentIds: ATTACHMENT_IDS }, async () => {
    passphrase = await newPassphrase();
    passphraseWords.replaceChildren(...passphrase.split(' ').map((word) => Object.assign(document.createElement('li'), { textContent: word })));
    passphraseSection.hidden = false;
    submit.disabled = false;
  });
  if (!started) return;
  const { config, recipients, worker, attachments } = started;

  // A protocol form's arithmetic, checked as the observer types (never blocks sending).
  setupProtocol(form, config.form);

  // "Please write your tip" goes away once there is something to send.
  message.addEventListener('input', () => {
    if (error.textContent === s.errorEmpty && message.value.trim() !== '') clearError();
  });

  let busy = false;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (busy) return;
    const text = message.value;
    clearError();
    if (text.trim() === '') {
      showError(s.errorEmpty);
      message.focus();
      return;
    }
    if (text.length > MAX_MESSAGE_CHARS) {
      showError(format(s.errorTooLong, { max: MAX_MESSAGE_CHARS }, s.lang));
      message.focus();
      return;
    }
    if (!passphraseConfirm.checked) {
      showError(s.errorPassphraseUnconfirmed);
      passphraseConfirm.focus();
      return;
    }
    const fileProblem = attachments?.problem();
    if (fileProblem) {
      showError(fileProblem);
      return;
    }
    // The structured form (TIPLINE_FORM): its fields are checked here, before anything is sealed.
    let fields: FieldValues | undefined;
    let protocol: Protocol | undefined;
    const pageForm = config.form;
    if (pageForm) {
      const data = new FormData(form);
      const get = (name: string) => data.getAll(name).filter((v): v is string => typeof v === 'string');
      const { values, problems } = parseFormInputs(pageForm.schema, get);
      // A protocol form: the figures become the body's `protocol` member, with the relations that failed.
      const parsed = parseProtocolInputs(pageForm.schema, get, values);
      problems.push(...parsed.problems);
      protocol = parsed.protocol;
      if (problems.length) {
        const text = (p: FieldProblem) =>
          format(p.code === 'required' ? pageForm.errors.required : p.code === 'tooMany' ? pageForm.errors.tooMany : pageForm.errors.invalid, { label: pageForm.labels[p.field] ?? p.field }, s.lang);
        showError(...problems.map(text));
        const first = inputName({ name: problems[0]!.field });
        // A protocol's inputs are named `<input name>.station` and so on: its first one.
        (document.querySelector<HTMLElement>(`[name="${first}"]`) ?? document.querySelector<HTMLElement>(`[name^="${first}."]`))?.focus();
        return;
      }
      fields = values;
    }
    busy = true;
    submit.disabled = true;
    message.readOnly = true;
    form.setAttribute('aria-busy', 'true');
    status.textContent = s.statusEncrypting;
    send(text, fields, protocol).then(
      (receipt) => {
        // Success: the tip is durable. Drop the text from the page and show the receipt.
        message.value = '';
        attachments?.done();
        passphrase = undefined;
        passphraseWords.replaceChildren();
        form.hidden = true;
        status.textContent = '';
        receiptOut.textContent = receipt;
        confirmation.hidden = false;
        confirmation.focus();
      },
      (err: unknown) => {
        busy = false;
        submit.disabled = false;
        message.readOnly = false;
        form.removeAttribute('aria-busy');
        status.textContent = '';
        attachments?.unlock();
        if (err instanceof Cancelled) showError(s.statusCancelled);
        else showError(s.errorNotSent, err instanceof SendError ? err.message : s.errorUnexpected);
      },
    );
  });

  async function send(text: string, fields?: FieldValues, protocol?: Protocol): Promise<string> {
    const keys = await recipients;
    if (!passphrase) throw new Error('no passphrase');
    await nextFrame();
    // Attachments first, before the mailbox keys are derived: sending files may take long.
    const progress = progressIn(s, status);
    const attached = await sendAttachments(attachments, progress);
    const mailbox = await mailboxKeys(passphrase);
    const post = async (url: string, bound: string, body: (pow: { challenge: string; nonce: string }) => unknown) => {
      try {
        return await postWithPow({ worker, url, bound, body, credentials: 'omit', ...progress });
      } catch (err) {
        if (err instanceof NetworkError) throw new SendError(s.errorNetwork);
        throw err;
      }
    };
    const refused = (response: Response, answer: Record<string, unknown>) =>
      new SendError(format(s.errorServer, { detail: typeof answer.error === 'string' ? answer.error : `HTTP ${response.status}` }));
    let envelopeText: string;
    let expected: string;
    try {
      // The mailbox first (public keys only, with a signature proving the signing key); creating
      // it again after a failed send is harmless.
      if (!mailboxCreated) {
        status.textContent = s.statusMailbox;
        const signature = await sign(createMessage(mailbox.mailbox, mailbox.kemPublicKey), mailbox.signSecretKey);
        const { response, answer } = await post('/api/mailboxes', mailbox.mailbox, (pow) => ({
          mailbox: mailbox.mailbox,
          signPublicKey: toBase64Url(mailbox.signPublicKey),
          kemPublicKey: toBase64Url(mailbox.kemPublicKey),
          signature: toBase64Url(signature),
          pow,
        }));
        if (response.status !== 201) throw refused(response, answer);
        mailboxCreated = true;
      }
      status.textContent = s.statusEncrypting;
      await nextFrame();
      const reply = { mailbox: mailbox.mailbox, kemPublicKey: toBase64Url(mailbox.kemPublicKey), signPublicKey: toBase64Url(mailbox.signPublicKey) };
      const files = attached.files.length ? { files: attached.files } : {};
      // The form's id and version travel with its fields, inside the envelope only; a file field's value is its uploads.
      const schema = config.form?.schema;
      const evidence = schema?.fields.find((f) => f.type === 'file');
      const structured =
        schema && fields
          ? { form: { id: schema.id, version: schema.version }, fields: { ...fields, ...(evidence && attached.files.length ? { [evidence.name]: attached.files.map((f) => f.upload) } : {}) } }
          : {};
      // Signed with the mailbox key (context "tipline tip v1"), so the desk files it in the thread only if it is the source's.
      const body = await signBody(
        'tip',
        { v: 1, message: text, clientTime: new Date().toISOString(), lang: config.lang, reply, ...files, ...structured, ...(protocol ? { protocol } : {}) },
        mailbox.signSecretKey,
      );
      const envelope = await sealEnvelope({ kind: 'tip', recipients: keys, body });
      expected = await receiptFor(envelope);
      envelopeText = toBase64Url(envelope);
    } finally {
      wipeMailboxKeys(mailbox);
    }
    const uploads = attached.uploads.length ? { uploads: attached.uploads } : {};
    const { response, answer } = await post('/api/tips', envelopeText, (pow) => ({ envelope: envelopeText, pow, ...uploads }));
    if (response.status !== 201) throw refused(response, answer);
    // The receipt is a hash of the envelope: the server's must equal ours.
    if (typeof answer.receipt !== 'string' || !RECEIPT_PATTERN.test(answer.receipt) || answer.receipt !== expected) {
      throw new SendError(s.errorReceipt);
    }
    return expected;
  }
}

function start(): void {
  warnUnlessTorBrowser();
  if (document.getElementById(MAILBOX_IDS.login)) mailboxMain(__TIPLINE_POW_WORKER__, __TIPLINE_UPLOAD_WORKER__);
  else main();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
