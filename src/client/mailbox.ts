// The mailbox page's browser code (GET /mailbox): the source types the return passphrase; a
// typo is caught here before any request; the keys are derived here (src/crypto/mailbox.ts)
// and the login challenge signed here; replies are opened here with the derived X-Wing seed.
// The passphrase and the secret keys never leave this page's memory: nothing is written to
// web storage, and logging out wipes them and forgets the session on the server. Files on a
// follow-up use the submission page's attachments code (attachments.ts) with this page's ids:
// uploaded first, then named in the sealed body (`files`) and in the request (`uploads`).
import { MAX_MESSAGE_CHARS } from '../crypto/body.js';
import { checkReplyBody, signBody } from '../crypto/signing.js';
import { fromBase64Url, toBase64Url } from '../crypto/bytes.js';
import { openEnvelope, sealEnvelope } from '../crypto/envelope.js';
import { PassphraseTypo, loginMessage, mailboxKeys, passphraseEntropy, sign, wipeMailboxKeys, type MailboxKeys } from '../crypto/mailbox.js';
import { receiptFor } from '../crypto/receipt.js';
import { MAILBOX_ATTACHMENT_IDS, MAILBOX_IDS as ID } from '../views/contract.js';
import { Cancelled } from './attachments.js';
import { FETCH_OPTIONS, NetworkError, SendError, elementsOf, nextFrame, postWithPow } from './shared.js';
import { errorBox, progressIn, sendAttachments, startPage } from './start.js';
import { format, formatDate, strings, type Strings } from '../i18n/index.js';

/** The clear message for a mistyped passphrase. */
export function typoMessage(s: Strings, typo: PassphraseTypo, typed: string): string {
  if (typo.reason === 'count') return format(s.typoCount, { count: typed.trim() === '' ? 0 : typed.trim().split(/[\s,.;:]+/u).length }, s.lang);
  if (typo.reason === 'word') return format(s.typoWord, { n: typo.word ?? '?' }, s.lang);
  return s.typoChecksum;
}

export function mailboxMain(workerPath: string, uploadWorkerPath: string): void {
  const s = strings(document.documentElement.lang);
  const kinds = {
    login: HTMLFormElement,
    passphrase: HTMLTextAreaElement,
    loginButton: HTMLButtonElement,
    followUp: HTMLFormElement,
    followUpMessage: HTMLTextAreaElement,
    followUpSend: HTMLButtonElement,
    logout: HTMLButtonElement,
  };
  const { login, passphrase: passphraseInput, loginButton, inbox, replies: repliesList, followUp, followUpMessage, followUpSend, logout, status, error } = elementsOf(ID, kinds);

  const { showError, clearError } = errorBox(error);
  const serverDetail = (response: Response, answer: Record<string, unknown>) => (typeof answer.error === 'string' ? answer.error : `HTTP ${response.status}`);

  passphraseInput.disabled = false;
  // Attachments are optional: if their part of the page cannot start, follow-ups still work.
  const started = startPage(s, { status, showError, forms: [login, followUp], powWorker: workerPath, uploadWorker: uploadWorkerPath, attachmentIds: MAILBOX_ATTACHMENT_IDS }, () => {
    loginButton.disabled = false;
  });
  if (!started) return;
  const { config, recipients, worker, attachments } = started;
  /** The editors' signing keys pinned by this page: a reply is shown only when one of them signed it. */
  const editorSignKeys = started.editors.then((keys) => keys.map((k) => k.signPublicKey));

  /** The keys while logged in; wiped on logout. */
  let keys: MailboxKeys | undefined;
  let busy = false;

  async function json(url: string, init: RequestInit = {}): Promise<{ response: Response; answer: Record<string, unknown> }> {
    let response: Response;
    try {
      response = await fetch(url, { credentials: 'same-origin', ...FETCH_OPTIONS, ...init });
    } catch {
      throw new NetworkError('unreachable');
    }
    let answer: Record<string, unknown> = {};
    try {
      if (response.status !== 204) answer = (await response.json()) as Record<string, unknown>;
    } catch {
      // not JSON: the status says enough
    }
    return { response, answer };
  }

  async function logIn(typed: string): Promise<void> {
    await recipients;
    await nextFrame();
    const derived = await mailboxKeys(typed);
    try {
      const { response: r1, answer: a1 } = await json('/api/mailbox/challenge', { credentials: 'omit' });
      const challenge = typeof a1.challenge === 'string' ? fromBase64Url(a1.challenge) : undefined;
      if (!r1.ok || !challenge) throw new Error(serverDetail(r1, a1));
      const signature = await sign(loginMessage(challenge, derived.mailbox), derived.signSecretKey);
      const { response, answer } = await json('/api/mailbox/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ mailbox: derived.mailbox, challenge: a1.challenge, signature: toBase64Url(signature) }),
      });
      if (response.status === 401) throw new Error(s.errorLogin);
      if (response.status !== 204) throw new Error(serverDetail(response, answer));
    } catch (err) {
      wipeMailboxKeys(derived);
      throw err;
    }
    keys = derived;
  }

  async function showReplies(): Promise<void> {
    if (!keys) return;
    const { response, answer } = await json('/api/mailbox/replies');
    if (!response.ok || !Array.isArray(answer.replies)) throw new Error(serverDetail(response, answer));
    const items: HTMLElement[] = [];
    const pinned = await editorSignKeys;
    for (const reply of answer.replies as { id?: unknown; envelope?: unknown }[]) {
      const item = document.createElement('li');
      item.className = 'reply';
      let text = s.errorReplyUnreadable;
      let date: string | undefined;
      let verified = false;
      let opened = false;
      try {
        const bytes = typeof reply.envelope === 'string' ? fromBase64Url(reply.envelope) : undefined;
        if (!bytes) throw new Error('not base64url');
        const plain = (await openEnvelope(bytes, keys.kemSeed)).body;
        opened = true;
        // Shown as from the editors only when a pinned editor key signed it for this mailbox.
        const check = await checkReplyBody(plain, keys.mailbox, pinned);
        if (check.ok) {
          verified = true;
          text = check.body.message;
          // The day the editors wrote it, by their clock (the server records no time of day).
          date = formatDate(check.body.clientTime, s.lang);
        }
      } catch {
        // shown as unreadable
      }
      if (opened && !verified) {
        // Anyone who can write the server's database can seal a message to this mailbox: its
        // text is never shown, and the page says plainly that it is not from the editors.
        item.className = 'reply reply-unverified';
        text = s.errorReplyUnverified;
      }
      const from = Object.assign(document.createElement('p'), { className: 'reply-from', textContent: !verified ? '' : date ? format(s.mailboxReplyFromDated, { date }, s.lang) : s.mailboxReplyFrom });
      const message = Object.assign(document.createElement(verified ? 'p' : 'strong'), { className: 'reply-message', textContent: text });
      const remove = Object.assign(document.createElement('button'), { type: 'button', className: 'reply-delete', textContent: s.mailboxDelete });
      const id = typeof reply.id === 'string' ? reply.id : '';
      remove.addEventListener('click', () => {
        remove.disabled = true;
        clearError();
        json(`/api/mailbox/replies/${encodeURIComponent(id)}`, { method: 'DELETE' }).then(
          ({ response: r, answer: a }) => {
            if (r.status === 204) item.remove();
            else {
              remove.disabled = false;
              showError(serverDetail(r, a));
            }
            if (repliesList.children.length === 0) showNone();
          },
          () => {
            remove.disabled = false;
            showError(s.errorNetwork);
          },
        );
      });
      item.append(from, message, remove);
      items.push(item);
    }
    repliesList.replaceChildren(...items);
    if (items.length === 0) showNone();
  }

  function showNone(): void {
    repliesList.replaceChildren(Object.assign(document.createElement('li'), { className: 'no-replies', textContent: s.mailboxNoReplies }));
  }

  login.addEventListener('submit', (event) => {
    event.preventDefault();
    if (busy) return;
    clearError();
    const typed = passphraseInput.value;
    // The checksum and the word list catch a typo here, before anything is sent.
    try {
      mailboxKeysCheck(typed);
    } catch (err) {
      if (err instanceof PassphraseTypo) {
        showError(typoMessage(s, err, typed));
        passphraseInput.focus();
        return;
      }
      throw err;
    }
    busy = true;
    loginButton.disabled = true;
    status.textContent = s.mailboxLoggingIn;
    logIn(typed)
      .then(showReplies)
      .then(
        () => {
          passphraseInput.value = '';
          login.hidden = true;
          status.textContent = '';
          inbox.hidden = false;
          inbox.focus();
        },
        (err: unknown) => {
          status.textContent = '';
          showError(err instanceof NetworkError ? s.errorNetwork : err instanceof Error ? err.message : s.errorUnexpected);
        },
      )
      .finally(() => {
        busy = false;
        loginButton.disabled = false;
      });
  });

  followUp.addEventListener('submit', (event) => {
    event.preventDefault();
    if (busy || !keys) return;
    clearError();
    const text = followUpMessage.value;
    if (text.trim() === '') {
      showError(s.errorEmpty);
      return;
    }
    if (text.length > MAX_MESSAGE_CHARS) {
      showError(format(s.errorTooLong, { max: MAX_MESSAGE_CHARS }, s.lang));
      return;
    }
    const fileProblem = attachments?.problem();
    if (fileProblem) {
      showError(fileProblem);
      return;
    }
    busy = true;
    followUpSend.disabled = true;
    followUpMessage.readOnly = true;
    status.textContent = s.statusEncrypting;
    sendFollowUp(keys, text)
      .then(
        ({ receipt, files }) => {
          followUpMessage.value = '';
          attachments?.done();
          status.textContent = files > 0 ? format(s.mailboxFollowUpSentFiles, { receipt, count: files }, s.lang) : format(s.mailboxFollowUpSent, { receipt });
        },
        (err: unknown) => {
          status.textContent = '';
          attachments?.unlock();
          if (err instanceof Cancelled) showError(s.statusCancelled);
          else showError(s.errorNotSent, err instanceof NetworkError ? s.errorNetwork : err instanceof Error ? err.message : s.errorUnexpected);
        },
      )
      .finally(() => {
        busy = false;
        followUpSend.disabled = false;
        followUpMessage.readOnly = false;
      });
  });

  async function sendFollowUp(current: MailboxKeys, text: string): Promise<{ receipt: string; files: number }> {
    const editors = await recipients;
    await nextFrame();
    // The files first (each with its own key, named only inside the sealed body), then the follow-up.
    const progress = progressIn(s, status);
    const attached = await sendAttachments(attachments, progress);
    if (keys !== current) throw new SendError(s.mailboxLoggedOut); // logged out while the files were sent
    status.textContent = s.statusEncrypting;
    await nextFrame();
    const reply = { mailbox: current.mailbox, kemPublicKey: toBase64Url(current.kemPublicKey), signPublicKey: toBase64Url(current.signPublicKey) };
    const files = attached.files.length ? { files: attached.files } : {};
    // Signed with the mailbox key (context "tipline follow-up v1"): the desk files it in the thread only then.
    const body = await signBody('followUp', { v: 1, message: text, clientTime: new Date().toISOString(), lang: config.lang, reply, ...files }, current.signSecretKey);
    const envelope = await sealEnvelope({ kind: 'followUp', recipients: editors, body });
    const expected = await receiptFor(envelope);
    const envelopeText = toBase64Url(envelope);
    const { response, answer } = await postWithPow({
      worker,
      url: '/api/mailbox/follow-ups',
      bound: envelopeText,
      body: (pow) => ({ envelope: envelopeText, pow, ...(attached.uploads.length ? { uploads: attached.uploads } : {}) }),
      credentials: 'same-origin',
      ...progress,
    });
    if (response.status !== 201) throw new Error(format(s.errorServer, { detail: serverDetail(response, answer) }));
    if (answer.receipt !== expected) throw new Error(s.errorReceipt);
    return { receipt: expected, files: attached.files.length };
  }

  logout.addEventListener('click', () => {
    const done = () => {
      if (keys) wipeMailboxKeys(keys);
      keys = undefined;
      repliesList.replaceChildren();
      followUpMessage.value = '';
      attachments?.done(); // the chosen files and their keys go with the session
      inbox.hidden = true;
      login.hidden = false;
      clearError();
      status.textContent = s.mailboxLoggedOut;
    };
    json('/api/mailbox/logout', { method: 'POST' }).then(done, done);
  });
}

/** Throws PassphraseTypo for a mistyped passphrase, without deriving anything. */
function mailboxKeysCheck(typed: string): void {
  passphraseEntropy(typed).fill(0);
}
