// Offline decrypt of attachments (docs/BUNDLE.md, "Decrypt output"): the file and chunk lines
// that follow a tip in a bundle are streamed, one chunk at a time, into
// `<tip folder>/files/<sanitised name>`. A file is written as `<name>.INCOMPLETE` and renamed
// to `<name>` only after its last chunk authenticated and every check passed; a file with any
// problem stays `<name>.INCOMPLETE` (holding only the bytes that authenticated, in order) or
// is not written at all, and the problem is reported by the file's number, never its name.
import { closeSync, constants, fchmodSync, fsyncSync, linkSync, lstatSync, mkdirSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import { AttachmentError, FILE_KEY_BYTES, FileDecryptor, lastChunkCiphertextLength } from '../crypto/attachment.js';
import { fromBase64Url } from '../crypto/bytes.js';
import type { FileRef } from '../crypto/body.js';
import type { ChunkRecord, FileRecord } from '../crypto/bundle.js';
import { CREATE_FLAGS, INCOMPLETE_SUFFIX, childPath, numberedName, pathTaken, sanitiseFileName } from './files.js';

export const THUMBNAIL_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'];

export interface FileResult {
  /** 1-based position in the body's `files`. */
  number: number;
  /** The name the source gave (as it came, for tip.json and index.html; escaped there). */
  name: string;
  type: string;
  size: number;
  /** Path relative to the tip folder: `files/<name>` when complete, `files/<name>.INCOMPLETE` or absent otherwise. */
  saved?: string;
  complete: boolean;
  problem?: string;
  metadataStripped?: string[];
}

interface FileState {
  number: number;
  ref: FileRef;
  result: FileResult;
  decryptor?: FileDecryptor;
  fd?: number;
  /** Final and in-progress paths. */
  finalPath?: string;
  partPath?: string;
  failed?: string;
  announced: boolean;
  /** The sanitised, de-duplicated name (files/<name>). */
  name?: string;
}

function child(root: string, name: string): string {
  const path = childPath(root, name);
  if (path === 'name' || path === 'outside') throw new Error('refusing a path outside the tip folder');
  return path;
}

/** The attachments of one decrypted tip, fed the bundle's file and chunk items that follow it. */
export class AttachmentSession {
  private readonly byUpload = new Map<string, FileState>();
  private readonly states: FileState[] = [];
  private filesDir: string | undefined;
  private readonly names = new Set<string>();
  private current: FileState | undefined;

  constructor(
    readonly tipId: string,
    private readonly tipDir: string,
    refs: FileRef[],
  ) {
    refs.forEach((ref, i) => {
      const state: FileState = {
        number: i + 1,
        ref,
        announced: false,
        result: {
          number: i + 1,
          name: typeof ref.name === 'string' ? ref.name : '',
          type: typeof ref.type === 'string' ? ref.type : '',
          size: ref.size,
          complete: false,
          ...(Array.isArray(ref.metadataStripped) ? { metadataStripped: ref.metadataStripped.filter((x) => typeof x === 'string') } : {}),
        },
      };
      this.states.push(state);
      if (this.byUpload.has(ref.upload)) state.failed = 'the tip names the same upload twice';
      else this.byUpload.set(ref.upload, state);
      // Names in the order the source attached the files, whatever order the bundle brings them in.
      state.name = numberedName(sanitiseFileName(ref.name), (c) => this.names.has(c));
      this.names.add(state.name);
    });
  }

  private fail(state: FileState, reason: string): void {
    if (state.failed) return;
    state.failed = reason;
    this.closeFd(state);
  }

  private closeFd(state: FileState): void {
    if (state.fd === undefined) return;
    try {
      fsyncSync(state.fd);
    } finally {
      closeSync(state.fd);
      state.fd = undefined;
    }
  }

  private dir(): string {
    if (!this.filesDir) {
      const path = child(this.tipDir, 'files');
      mkdirSync(path, { mode: 0o700 });
      if (!lstatSync(path).isDirectory()) throw new Error('files is not a folder');
      this.filesDir = path;
    }
    return this.filesDir;
  }

  onFile(file: FileRecord): void {
    if (file.tip !== this.tipId) return;
    const state = this.byUpload.get(file.upload);
    this.current = undefined;
    if (!state || state.announced) return; // not named by the tip (or twice): nothing to decrypt it with
    state.announced = true;
    if (state.failed) return;
    const { ref } = state;
    const key = typeof ref.key === 'string' ? fromBase64Url(ref.key) : undefined;
    if (!key || key.length !== FILE_KEY_BYTES) {
      this.fail(state, 'its key in the tip is malformed');
      return;
    }
    try {
      state.decryptor = new FileDecryptor(key, ref.size, { cipher: ref.cipher, chunkSize: ref.chunkSize, chunks: file.chunks });
    } catch (err) {
      this.fail(state, err instanceof AttachmentError ? err.message : 'it cannot be decrypted');
      return;
    }
    if (state.decryptor.chunks === file.chunks && file.lastChunkBytes !== lastChunkCiphertextLength(ref.size)) {
      this.fail(state, `the upload's last chunk length does not match the file size (wrong count or truncated)`);
      return;
    }
    const dir = this.dir();
    const name = state.name!;
    // The folder is new (made in this run); a name already there anyway is refused, never replaced.
    if (pathTaken(child(dir, name)) || pathTaken(child(dir, name + INCOMPLETE_SUFFIX))) {
      this.fail(state, 'its file name is already taken in the folder');
      return;
    }
    state.finalPath = child(dir, name);
    state.partPath = child(dir, name + INCOMPLETE_SUFFIX);
    state.result.saved = `files/${name}${INCOMPLETE_SUFFIX}`;
    state.fd = openSync(state.partPath, CREATE_FLAGS, 0o600);
    fchmodSync(state.fd, 0o600);
    this.current = state;
  }

  async onChunk(chunk: ChunkRecord): Promise<void> {
    if (chunk.tip !== this.tipId) return;
    const state = this.byUpload.get(chunk.upload);
    if (!state || state !== this.current || state.failed || !state.decryptor || state.fd === undefined) return;
    try {
      const plain = await state.decryptor.push(chunk.data);
      let off = 0;
      while (off < plain.length) off += writeSync(state.fd, plain, off, plain.length - off);
    } catch (err) {
      if (err instanceof AttachmentError) return this.fail(state, err.message);
      throw err;
    }
  }

  /** Completes every file (or names why not); returns the results for tip.json and the problems. */
  finish(): { results: FileResult[]; problems: string[] } {
    const problems: string[] = [];
    for (const state of this.states) {
      if (!state.failed && !state.announced) state.failed = 'the bundle does not carry this file (missing upload)';
      if (!state.failed && state.decryptor) {
        try {
          state.decryptor.finish();
        } catch (err) {
          if (!(err instanceof AttachmentError)) throw err;
          this.fail(state, err.message);
        }
      }
      this.closeFd(state);
      if (!state.failed && state.partPath && state.finalPath) {
        // link() fails rather than replace anything already there.
        linkSync(state.partPath, state.finalPath);
        unlinkSync(state.partPath);
        state.result.saved = `files/${basename(state.finalPath)}`;
        state.result.complete = true;
      }
      if (state.failed) {
        state.result.problem = state.failed;
        problems.push(
          `attachment ${state.number} of ${this.states.length}: ${state.failed}${state.partPath && pathTaken(state.partPath) ? ` (kept as ${INCOMPLETE_SUFFIX}, authenticated bytes only)` : ''}`,
        );
      }
    }
    if (this.filesDir) {
      const fd = openSync(this.filesDir, constants.O_RDONLY | constants.O_DIRECTORY);
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
    return { results: this.states.map((s) => s.result), problems };
  }
}
