// Attachments, on the submission page and on the mailbox page's follow-up form (one
// implementation, each page passes its element ids): choosing files (at most the configured
// number and size), showing what stripping removed (or a warning), the opt-out "keep metadata",
// sending them with progress and cancel (src/client/upload.ts), and, where the page has the
// resume box (the submission page), after a reload in the middle of a send, the offer to
// continue or discard. Without the resume box nothing is written to sessionStorage. main.ts
// and mailbox.ts call setupAttachments() once and use what it returns.
import { FILE_CHUNK_SIZE, FILE_CIPHER, fileCiphertextLength } from '../crypto/attachment.js';
import type { FileRef } from '../crypto/body.js';
import { toBase64Url } from '../crypto/bytes.js';
import type { AttachmentIds, PageConfig } from '../views/contract.js';
import { byId, SendError } from './shared.js';
import { formatBytes, formatDuration } from '../i18n/sizes.js';
import { format, type Strings } from '../i18n/index.js';
import type { Prepared } from './upload-worker.js';
import {
  Cancelled,
  clearPending,
  DEFAULT_MAX_FILE_BYTES,
  DEFAULT_MAX_FILES,
  FileEncryptor,
  findPending,
  loadPending,
  pendingKey,
  Progress,
  RestartFile,
  savePending,
  sendFile,
  UploadRefused,
  type PendingFile,
  type ProgressSnapshot,
  type UploadCallbacks,
} from './upload.js';

interface Chosen {
  file: File;
  /** The worker's preparation of it (stripping, key, chunk count). */
  prepared: Promise<Prepared>;
  /** The worker's id for it, once prepared. */
  id?: number;
  /** The upload id: continued from a reload, or once created. */
  upload?: string;
  /** True once the server holds every chunk. */
  complete: boolean;
}

export interface Attachments {
  /** An error to show when the chosen files cannot be sent (too many, too large), else undefined. */
  problem(): string | undefined;
  /** Uploads every chosen file; returns the FileRefs for the body and the upload ids for the tip request. */
  send(callbacks: Pick<UploadCallbacks, 'onWorking' | 'onSending'>): Promise<{ files: FileRef[]; uploads: string[] }>;
  /** The tip or follow-up was stored: forget everything (the list, the worker's copies, sessionStorage); ready for more. */
  done(): void;
  /** Sending stopped (error or cancel): let the source change the files again. */
  unlock(): void;
}

/** A Cancelled error's text for the page. */
export { Cancelled };

export function setupAttachments(s: Strings, config: PageConfig, powWorker: () => Worker, uploadWorkerUrl: string, ids: AttachmentIds): Attachments | undefined {
  const section = byId(ids.section);
  const maxFiles = config.uploads?.maxFiles ?? DEFAULT_MAX_FILES;
  const maxFileBytes = config.uploads?.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  if (maxFiles <= 0 || !globalThis.crypto?.subtle) return undefined; // attachments off, or no WebCrypto: the section stays hidden
  const input = byId<HTMLInputElement>(ids.files);
  const keep = byId<HTMLInputElement>(ids.keepMetadata);
  const list = byId(ids.fileList);
  const box = byId(ids.upload);
  const bar = byId<HTMLProgressElement>(ids.uploadProgress);
  const statusLine = byId(ids.uploadStatus);
  const cancel = byId<HTMLButtonElement>(ids.uploadCancel);
  const resume = ids.resume ? byId(ids.resume.box) : undefined;
  const resumeText = ids.resume ? byId(ids.resume.text) : undefined;
  const resumeDiscard = ids.resume ? byId<HTMLButtonElement>(ids.resume.discard) : undefined;
  const encryptor = new FileEncryptor(uploadWorkerUrl);
  // sessionStorage only where the page offers to continue after a reload; otherwise the
  // unfinished uploads are remembered in this page's memory only (a failed send sent again
  // continues them; a reload starts afresh).
  const storage = ids.resume ? { load: loadPending, save: savePending, clear: clearPending } : { load: (): PendingFile[] => [], save: (_files: PendingFile[]) => undefined, clear: () => undefined };

  let chosen: Chosen[] = [];
  let problem: string | undefined;
  let pending: PendingFile[] = storage.load();
  let controller: AbortController | undefined;

  section.hidden = false;
  input.disabled = false;

  if (resume && resumeText && resumeDiscard) {
    if (pending.length > 0) {
      resumeText.textContent = format(s.resumeText, { names: pending.map((p) => p.name).join(', ') }, s.lang);
      resume.hidden = false;
    }
    resumeDiscard.addEventListener('click', () => {
      pending = [];
      storage.clear();
      for (const item of chosen) item.upload = undefined;
      resumeText.textContent = s.resumeDiscarded;
      resumeDiscard.hidden = true;
      choose(); // the chosen files start afresh, with new keys
    });
  }

  const line = (text: string, warning = false) => {
    const li = document.createElement('li');
    li.textContent = text;
    if (warning) li.className = 'file-warning';
    return li;
  };

  function describe(item: Chosen, prepared: Prepared): HTMLElement[] {
    const name = item.file.name;
    const lines: HTMLElement[] = [];
    if (prepared.status === 'stripped') lines.push(line(format(s.fileStripped, { name, what: prepared.removed.join(', ') }, s.lang)));
    else if (prepared.status === 'clean') lines.push(line(format(s.fileClean, { name }, s.lang)));
    else if (prepared.status === 'kept') lines.push(line(format(s.fileKept, { name }, s.lang), true));
    else lines.push(line(format(s.fileWarning, { name }, s.lang), true));
    if (item.upload) lines.push(line(format(s.fileResuming, { name }, s.lang)));
    return lines;
  }

  /** (Re)prepares the files in the input: stripping as the checkbox says, continuing a matching earlier upload. */
  function choose(): void {
    for (const item of chosen) if (item.id !== undefined) encryptor.forget(item.id);
    chosen = [];
    problem = undefined;
    list.replaceChildren();
    const files = Array.from(input.files ?? []);
    if (files.length > maxFiles) {
      problem = format(s.errorTooManyFiles, { count: files.length, max: maxFiles }, s.lang);
    } else {
      const big = files.find((f) => f.size > maxFileBytes);
      if (big) problem = format(s.errorFileTooLarge, { name: big.name, size: formatBytes(maxFileBytes) }, s.lang);
    }
    if (problem) {
      list.replaceChildren(line(problem, true));
      return;
    }
    const strip = !keep.checked;
    for (const file of files) {
      const match = findPending(pending, file, strip);
      const key = match ? pendingKey(match) : undefined;
      const item: Chosen = { file, prepared: encryptor.prepare(file, strip, key), complete: false, ...(match && key ? { upload: match.upload } : {}) };
      const li = document.createElement('li');
      li.textContent = file.name;
      list.append(li);
      item.prepared.then(
        (prepared) => {
          item.id = prepared.id;
          if (chosen.includes(item)) li.replaceWith(...describe(item, prepared));
          else encryptor.forget(prepared.id);
        },
        () => {
          if (chosen.includes(item)) li.replaceWith(line(format(s.errorFileRead, { name: file.name }, s.lang), true));
        },
      );
      item.prepared.catch(() => undefined);
      chosen.push(item);
    }
  }
  input.addEventListener('change', choose);
  keep.addEventListener('change', () => {
    if (chosen.length || problem) choose();
  });

  // Progress: the bar follows every chunk; the text, which screen readers announce, changes at
  // most every 5 seconds (and when sending starts, stalls or ends).
  let lastAnnounced = -Infinity;
  const show = (p: ProgressSnapshot, force = false) => {
    bar.max = p.total;
    bar.value = p.sent;
    const now = performance.now();
    if (!force && now - lastAnnounced < 5000) return;
    lastAnnounced = now;
    const values = { sent: formatBytes(p.sent), total: formatBytes(p.total), rate: formatBytes(p.rate), left: p.left === undefined ? '…' : formatDuration(p.left) };
    statusLine.textContent = format(p.left === undefined ? s.statusUploadingStart : s.statusUploading, values, s.lang);
  };
  cancel.addEventListener('click', () => controller?.abort());

  const remember = (item: Chosen, prepared: Prepared, upload: string) => {
    item.upload = upload;
    pending = [
      ...pending.filter((p) => p.upload !== upload && !(p.name === item.file.name && p.fileSize === item.file.size && p.lastModified === item.file.lastModified)),
      { upload, key: toBase64Url(prepared.key), name: item.file.name, fileSize: item.file.size, lastModified: item.file.lastModified, strip: !keep.checked },
    ];
    storage.save(pending);
  };

  return {
    problem: () => problem,

    async send(hooks) {
      if (problem) throw new SendError(problem);
      if (chosen.length === 0) return { files: [], uploads: [] };
      input.disabled = true;
      keep.disabled = true;
      if (resumeDiscard) resumeDiscard.disabled = true;
      controller = new AbortController();
      const signal = controller.signal;
      let prepared: Prepared[];
      try {
        prepared = await Promise.all(chosen.map((item) => item.prepared));
      } catch {
        const unreadable = chosen.find((item) => item.id === undefined);
        throw new SendError(format(s.errorFileRead, { name: unreadable?.file.name ?? '' }, s.lang));
      }
      const progress = new Progress(prepared.reduce((sum, p) => sum + fileCiphertextLength(p.size), 0));
      box.hidden = false;
      cancel.hidden = false;
      show(progress.snapshot(), true);
      const callbacks: UploadCallbacks = {
        powWorker,
        signal,
        onWorking: hooks.onWorking,
        onSending: hooks.onSending,
        onRetry: (seconds) => {
          statusLine.textContent = format(s.statusRetrying, { seconds }, s.lang);
          lastAnnounced = performance.now();
        },
        onProgress: (p) => show(p),
      };
      const files: FileRef[] = [];
      try {
        for (let i = 0; i < chosen.length; i++) {
          const item = chosen[i]!;
          let p = prepared[i]!;
          if (!item.complete) {
            for (let restarted = false; ; restarted = true) {
              try {
                const job = {
                  prepared: p,
                  ...(item.upload ? { upload: item.upload } : {}),
                  chunk: (index: number) => encryptor.chunk(p.id, index),
                  onCreated: (upload: string) => remember(item, p, upload),
                };
                item.upload = await sendFile(job, progress, callbacks);
                item.complete = true;
                break;
              } catch (err) {
                // The server forgot the upload, or holds other bytes for it (not the same file
                // as before the reload): start this file again under a new key, once.
                if (!(err instanceof RestartFile) || restarted) throw err;
                pending = pending.filter((entry) => entry.upload !== item.upload);
                storage.save(pending);
                item.upload = undefined;
                encryptor.forget(p.id);
                item.prepared = encryptor.prepare(item.file, !keep.checked);
                p = await item.prepared;
                item.id = p.id;
                prepared[i] = p;
              }
            }
          } else {
            progress.add(fileCiphertextLength(p.size));
          }
          files.push({
            upload: item.upload!,
            name: item.file.name,
            type: item.file.type || 'application/octet-stream',
            size: p.size,
            key: toBase64Url(p.key),
            cipher: FILE_CIPHER,
            chunkSize: FILE_CHUNK_SIZE,
            ...(p.status === 'stripped' || p.status === 'clean' ? { metadataStripped: p.removed } : {}),
          });
        }
      } catch (err) {
        if (err instanceof Cancelled) {
          // Cancelled: forget the partly sent files (the server purges them after its TTL).
          pending = [];
          storage.clear();
          for (const item of chosen) {
            item.upload = undefined;
            item.complete = false;
          }
          box.hidden = true;
          throw err;
        }
        if (err instanceof UploadRefused) throw new SendError(format(s.errorUploadRefused, { detail: err.detail }, s.lang));
        throw err;
      } finally {
        cancel.hidden = true;
        controller = undefined;
      }
      show(progress.snapshot(), true);
      return { files, uploads: files.map((f) => f.upload) };
    },

    done() {
      controller?.abort(); // a send still running (the mailbox page's logout) stops
      for (const item of chosen) if (item.id !== undefined) encryptor.forget(item.id);
      chosen = [];
      pending = [];
      storage.clear();
      list.replaceChildren();
      input.value = '';
      // Ready for the next message (the mailbox page's form stays): stripping on again.
      input.disabled = false;
      keep.disabled = false;
      keep.checked = false;
      box.hidden = true;
      bar.max = 1;
      bar.value = 0;
      statusLine.textContent = '';
      if (resume) resume.hidden = true;
    },

    unlock() {
      input.disabled = false;
      keep.disabled = false;
      if (resumeDiscard) resumeDiscard.disabled = false;
    },
  };
}
