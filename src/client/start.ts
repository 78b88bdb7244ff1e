// How the submission page and the mailbox page start, the same way on both: the "loading"
// status, the editors' keys read from the page and checked against the fingerprints shown
// (shared.ts), the proof-of-work worker started when the source first touches a form (not at
// page load), the optional attachments part, and "ready" (or why not) once the keys are checked.
import type { FileRef } from '../crypto/body.js';
import type { EditorPublicKey } from '../crypto/keys.js';
import { loadSodium } from '../crypto/sodium.js';
import { format, type Strings } from '../i18n/index.js';
import type { AttachmentIds, PageConfig } from '../views/contract.js';
import { setupAttachments, type Attachments } from './attachments.js';
import { KeyProblem, editorsFrom, lazyWorker, readConfig } from './shared.js';

/** A page's error box: lines shown as paragraphs, or hidden and emptied. */
export function errorBox(error: HTMLElement): { showError: (...lines: string[]) => void; clearError: () => void } {
  return {
    showError: (...lines) => {
      error.replaceChildren(...lines.map((line) => Object.assign(document.createElement('p'), { textContent: line })));
      error.hidden = false;
    },
    clearError: () => {
      error.hidden = true;
      error.replaceChildren();
    },
  };
}

export interface PageParts {
  status: HTMLElement;
  showError: (...lines: string[]) => void;
  /** The forms whose first touch starts the proof-of-work worker. */
  forms: HTMLFormElement[];
  powWorker: string;
  uploadWorker: string;
  attachmentIds: AttachmentIds;
}

export interface StartedPage {
  config: PageConfig;
  /** The editors' keys, checked against the fingerprints shown. */
  editors: Promise<EditorPublicKey[]>;
  /** Their X-Wing public keys: what a tip is sealed to. */
  recipients: Promise<Uint8Array[]>;
  worker: () => Worker;
  /** Undefined when the attachments part could not start: the page works without it. */
  attachments: Attachments | undefined;
}

/**
 * Starts the parts both pages share. `ready` runs once the keys are checked (a page enables its
 * buttons there); then the status says ready, or the error box says why the page cannot send.
 * Undefined when the page's configuration cannot be read (the error box says so).
 */
export function startPage(s: Strings, parts: PageParts, ready: () => void | Promise<void>): StartedPage | undefined {
  const { status, showError } = parts;
  status.textContent = s.statusLoading;
  const worker = lazyWorker(parts.powWorker);
  for (const form of parts.forms) form.addEventListener('focusin', () => void worker(), { once: true });
  let config: PageConfig;
  let editors: Promise<EditorPublicKey[]>;
  try {
    config = readConfig();
    editors = loadSodium().then(() => editorsFrom(config));
  } catch {
    status.textContent = '';
    showError(s.errorKeys);
    return undefined;
  }
  const recipients = editors.then((keys) => keys.map((k) => k.publicKey));
  let attachments: Attachments | undefined;
  try {
    attachments = setupAttachments(s, config, worker, parts.uploadWorker, parts.attachmentIds);
  } catch {
    attachments = undefined;
  }
  recipients.then(ready).then(
    () => {
      status.textContent = s.statusReady;
    },
    (err: unknown) => {
      status.textContent = '';
      showError(err instanceof KeyProblem ? s.errorKeys : s.errorLoad);
    },
  );
  return { config, editors, recipients, worker, attachments };
}

/** Progress shown in a page's status line while a proof of work is computed and a request is sent. */
export function progressIn(s: Strings, status: HTMLElement): { onWorking: (percent: number) => void; onSending: () => void } {
  return {
    onWorking: (percent) => {
      status.textContent = format(s.statusWorking, { percent }, s.lang);
    },
    onSending: () => {
      status.textContent = s.statusSending;
    },
  };
}

/** Uploads the chosen files (none when the attachments part did not start), showing progress. */
export function sendAttachments(attachments: Attachments | undefined, progress: ReturnType<typeof progressIn>): Promise<{ files: FileRef[]; uploads: string[] }> {
  return attachments ? attachments.send(progress) : Promise.resolve({ files: [], uploads: [] });
}
