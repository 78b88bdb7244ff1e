// The mailbox page (`/mailbox`) with JavaScript, as a source uses it when coming back with the
// return passphrase: log in, read the editors' replies, send a follow-up (with files), delete
// replies, log out. Each method returns once the page shows its outcome, never after a delay.
import { LONG, PageNavigator, fileNotices, uploadProgress, type SourceFiles } from './base.js';

export class MailboxPage extends PageNavigator {
  /** Opens `/mailbox` and waits for the page to load. */
  visit(): Promise<this> {
    return this.open('/mailbox');
  }

  /** Waits until the login button works (libsodium has started). */
  async ready(): Promise<this> {
    await this.page.locator('#mailbox-login-button:enabled').waitFor(LONG);
    return this;
  }

  /** Types `passphrase` and logs in; returns once the inbox shows. */
  async logIn(passphrase: string): Promise<void> {
    await this.page.fill('#mailbox-passphrase', passphrase);
    await this.page.click('#mailbox-login-button');
    await this.page.locator('#mailbox-inbox:not([hidden])').waitFor(LONG);
  }

  /**
   * Types `passphrase` and tries to log in, expecting a refusal; returns the error once shown
   * (once it holds `expected`, when an earlier error may still be on the page).
   */
  async logInRefused(passphrase: string, expected?: string): Promise<string> {
    await this.page.fill('#mailbox-passphrase', passphrase);
    await this.page.click('#mailbox-login-button');
    await this.page.locator(expected === undefined ? '#error:not([hidden])' : '#error', expected === undefined ? {} : { hasText: expected }).waitFor(LONG);
    return this.readError();
  }

  /** Waits until `count` replies are listed (decrypted and checked in the browser). */
  async waitForReplies(count: number): Promise<void> {
    await this.page
      .locator('.reply')
      .nth(count - 1)
      .waitFor({ timeout: 30_000 });
  }

  /** The text of every reply whose signature checked out. */
  readReplies(): Promise<string[]> {
    return this.page.locator('.reply:not(.reply-unverified) .reply-message').allTextContents();
  }

  /** What the page shows for each reply that failed verification. */
  readUnverifiedReplies(): Promise<string[]> {
    return this.page.locator('.reply-unverified').allTextContents();
  }

  async writeFollowUp(text: string): Promise<void> {
    await this.page.fill('#mailbox-follow-up-message', text);
  }

  /** Chooses `files` for the follow-up; returns the file list once the page has looked at each. */
  async attach(files: SourceFiles): Promise<string[]> {
    await this.page.setInputFiles('#mailbox-files', files);
    return fileNotices(this.page, '#mailbox-file-list', files.length);
  }

  /** Presses send and returns at once (to act while it is sent). */
  async startFollowUp(): Promise<void> {
    await this.page.click('#mailbox-follow-up-send');
  }

  /** Sends the follow-up written (and its files); returns the status once it says it was received (a new receipt). */
  async sendFollowUp(): Promise<string> {
    const before = (await this.page.locator('#status').textContent()) ?? '';
    await this.startFollowUp();
    await this.page.waitForFunction(
      (before) => {
        const status = document.getElementById('status')?.textContent ?? '';
        return status !== before && /received\. Receipt: /.test(status);
      },
      before,
      LONG,
    );
    return (await this.page.locator('#status').textContent()) ?? '';
  }

  /** Resolves once the follow-up's progress bar shows at least `fraction` acknowledged. */
  waitForProgress(fraction: number): Promise<void> {
    return uploadProgress(this.page, 'mailbox-upload-progress', fraction);
  }

  /** Presses cancel during a send; returns the error that says so. */
  cancelUpload(): Promise<string> {
    return this.clickForError('#mailbox-upload-cancel', 30_000);
  }

  /** Deletes every reply, one by one, each once the list shows the one before gone; then waits for "no replies". */
  async deleteReplies(): Promise<void> {
    for (let left = await this.page.locator('.reply').count(); left > 0; left--) {
      await this.page.locator('.reply-delete:enabled').first().click();
      await this.page.waitForFunction((left) => document.querySelectorAll('.reply').length === left, left - 1, { timeout: 30_000 });
    }
    await this.page.locator('.no-replies').waitFor({ timeout: 30_000 });
  }

  /** Logs out; returns once the login form is back. */
  async logOut(): Promise<void> {
    await this.page.click('#mailbox-logout');
    await this.page.locator('#mailbox-login:not([hidden])').waitFor({ timeout: 30_000 });
  }
}
