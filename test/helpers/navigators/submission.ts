// The submission page (`/`) with JavaScript, as a source uses it: each method is one thing a
// source does, and returns once the page shows its outcome (a ready button, a file list, a
// receipt, an error), never after a fixed delay. Waits are long (120 s): Chromium without a JIT
// on a busy machine is slow, and a wait ends as soon as the page is there.
import { LONG, PageNavigator, fileNotices, uploadProgress, type SourceFiles } from './base.js';

export class SubmissionPage extends PageNavigator {
  /** Opens `/` (in `lang`, else the browser's language) and waits for the page to load. */
  visit(lang?: string): Promise<this> {
    return this.open('/', lang);
  }

  /** Waits until the send button works: libsodium has started (asm.js without a JIT) and the keys matched their fingerprints. */
  async ready(): Promise<this> {
    await this.page.locator('#submit:enabled').waitFor(LONG);
    return this;
  }

  /** The 12 words of the return passphrase, as the page shows them. */
  readPassphrase(): Promise<string[]> {
    return this.page.locator('#passphrase-words li').allTextContents();
  }

  async fillMessage(text: string): Promise<void> {
    await this.page.fill('#message', text);
  }

  /** Ticks "I have written down the passphrase", without which nothing is sent. */
  async confirmPassphrase(): Promise<void> {
    await this.page.check('#passphrase-confirm');
  }

  /** Chooses `files`; returns the file list once the upload worker has looked at each (what it removed, or a warning). */
  async attach(files: SourceFiles): Promise<string[]> {
    await this.page.setInputFiles('#files', files);
    return fileNotices(this.page, '#file-list', files.length);
  }

  /** Presses send: the page solves the proof of work, seals, sends; returns the receipt once the confirmation shows. */
  async submit(): Promise<string> {
    await this.page.click('#submit');
    return this.readReceipt();
  }

  /** Waits (however long the files take) for the confirmation; returns its receipt. */
  async readReceipt(timeout = LONG.timeout): Promise<string> {
    await this.page.locator('#confirmation:not([hidden])').waitFor({ timeout });
    return (await this.page.locator('#receipt').textContent()) ?? '';
  }

  /** Presses send expecting a refusal (in the page or from the network); returns the error once shown. */
  submitRefused(): Promise<string> {
    return this.clickForError('#submit');
  }

  /** The whole of a plain tip once the page is ready: message, passphrase confirmed, (files,) send; returns the receipt. */
  async sendTip(message: string, files: SourceFiles = []): Promise<string> {
    await this.ready();
    await this.fillMessage(message);
    await this.confirmPassphrase();
    if (files.length) await this.attach(files);
    return this.submit();
  }

  /** Resolves once the upload's progress bar shows at least `fraction` acknowledged. */
  waitForProgress(fraction: number): Promise<void> {
    return uploadProgress(this.page, 'upload-progress', fraction);
  }

  /** Presses cancel during a send; returns the error that says so. */
  cancelUpload(): Promise<string> {
    return this.clickForError('#upload-cancel', 30_000);
  }
}
