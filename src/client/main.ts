// The submission page's browser code: reads the editors' keys from the page, checks them
// against the fingerprints shown, seals the tip with the shared envelope code (src/crypto, the
// one implementation) and posts only the ciphertext. Never stores the message anywhere; keeps
// the typed text until the server confirms the tip is durably stored.
import './no-wasm.js';
import { MAX_MESSAGE_CHARS, encodeBody } from '../crypto/body.js';
import { toBase64Url } from '../crypto/bytes.js';
import { sealEnvelope } from '../crypto/envelope.js';
import { decodePublicKey, fingerprint } from '../crypto/keys.js';
import { receiptFor } from '../crypto/receipt.js';
import { loadSodium } from '../crypto/sodium.js';
import { CONFIG_ELEMENT_ID, CONFIG_VERSION, IDS, type PageConfig } from './config.js';
import { format, strings } from './strings.js';

const RECEIPT_PATTERN = /^[0-9A-F]{4}(?:-[0-9A-F]{4}){3}$/;

function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page has no #${id}`);
  return element as T;
}

/** The page's keys or configuration are wrong: nothing may be sent. */
class KeyProblem extends Error {}
/** A failure the source can act on; its message is shown as it is. */
class SendError extends Error {}

function readConfig(): PageConfig {
  let config: PageConfig;
  try {
    config = JSON.parse(byId(CONFIG_ELEMENT_ID).textContent ?? '') as PageConfig;
  } catch {
    throw new KeyProblem('the page configuration is not JSON');
  }
  if (config?.v !== CONFIG_VERSION || !Array.isArray(config.editors) || config.editors.length === 0) {
    throw new KeyProblem('the page configuration is malformed');
  }
  return config;
}

/** Decodes the editors' keys and checks each against the fingerprint the page shows. */
async function recipientsFrom(config: PageConfig): Promise<Uint8Array[]> {
  const keys: Uint8Array[] = [];
  for (const editor of config.editors) {
    let key: Uint8Array;
    try {
      key = decodePublicKey(editor.key);
    } catch (err) {
      throw new KeyProblem((err as Error).message);
    }
    if ((await fingerprint(key)) !== editor.fingerprint) throw new KeyProblem('an editor key does not match its fingerprint');
    keys.push(key);
  }
  const shown = Array.from(document.querySelectorAll('.fingerprints code'), (el) => el.textContent);
  const expected = config.editors.map((editor) => editor.fingerprint);
  if (shown.length !== expected.length || shown.some((text, i) => text !== expected[i])) {
    throw new KeyProblem('the fingerprints shown do not match the keys');
  }
  return keys;
}

/** Lets the browser paint the status text before a long synchronous step (sealing without JIT). */
function nextFrame(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 30));
}

function main(): void {
  const s = strings(document.documentElement.lang);
  const form = byId<HTMLFormElement>(IDS.form);
  const message = byId<HTMLTextAreaElement>(IDS.message);
  const submit = byId<HTMLButtonElement>(IDS.submit);
  const status = byId(IDS.status);
  const error = byId(IDS.error);
  const confirmation = byId(IDS.confirmation);
  const receiptOut = byId(IDS.receipt);

  const showError = (...lines: string[]) => {
    error.replaceChildren(...lines.map((line) => Object.assign(document.createElement('p'), { textContent: line })));
    error.hidden = false;
  };
  const clearError = () => {
    error.hidden = true;
    error.replaceChildren();
  };

  // Typing may start while the encryption code loads; sending waits for it.
  message.disabled = false;
  status.textContent = s.statusLoading;

  let config: PageConfig;
  let recipients: Promise<Uint8Array[]>;
  try {
    config = readConfig();
    recipients = loadSodium().then(() => recipientsFrom(config));
  } catch {
    status.textContent = '';
    showError(s.errorKeys);
    return;
  }
  recipients.then(
    () => {
      submit.disabled = false;
      status.textContent = s.statusReady;
    },
    (err: unknown) => {
      status.textContent = '';
      showError(err instanceof KeyProblem ? s.errorKeys : s.errorLoad);
    },
  );

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
      showError(format(s.errorTooLong, { max: MAX_MESSAGE_CHARS }));
      message.focus();
      return;
    }
    busy = true;
    submit.disabled = true;
    message.readOnly = true;
    form.setAttribute('aria-busy', 'true');
    status.textContent = s.statusEncrypting;
    send(text).then(
      (receipt) => {
        // Success: the tip is durable. Drop the text from the page and show the receipt.
        message.value = '';
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
        showError(s.errorNotSent, err instanceof SendError ? err.message : s.errorUnexpected);
      },
    );
  });

  async function send(text: string): Promise<string> {
    const keys = await recipients;
    await nextFrame();
    const body = encodeBody({ v: 1, message: text, clientTime: new Date().toISOString(), lang: config.lang });
    const envelope = await sealEnvelope({ kind: 'tip', recipients: keys, body });
    const expected = await receiptFor(envelope);
    status.textContent = s.statusSending;
    let response: Response;
    try {
      response = await fetch('/api/tips', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ envelope: toBase64Url(envelope) }),
        credentials: 'omit',
        cache: 'no-store',
        redirect: 'error',
        referrerPolicy: 'no-referrer',
      });
    } catch {
      throw new SendError(s.errorNetwork);
    }
    let answer: { receipt?: unknown; error?: unknown } = {};
    try {
      answer = (await response.json()) as typeof answer;
    } catch {
      // not JSON: handled below
    }
    if (response.status !== 201) {
      const detail = typeof answer.error === 'string' ? answer.error : `HTTP ${response.status}`;
      throw new SendError(format(s.errorServer, { detail }));
    }
    // The receipt is a hash of the envelope: the server's must equal ours.
    if (typeof answer.receipt !== 'string' || !RECEIPT_PATTERN.test(answer.receipt) || answer.receipt !== expected) {
      throw new SendError(s.errorReceipt);
    }
    return expected;
  }
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', main);
else main();
