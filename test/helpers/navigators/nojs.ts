// The pages without JavaScript (Tor Browser's "Safest" level), as a source uses them: plain HTML
// forms posted to /nojs/…, the server sealing what arrives. Each method that posts returns once
// the browser is on the page the server answered with.
import { PageNavigator, type SourceFiles } from './base.js';

export class NoJsSubmissionPage extends PageNavigator {
  /** Opens `/` (in `lang`, else the browser's language) and waits for it to load. */
  visit(lang?: string): Promise<this> {
    return this.open('/', lang);
  }

  /** The one button a source without JavaScript can press. */
  get sendButton() {
    return this.page.locator('#tip-form button[type="submit"]:visible');
  }

  async fillMessage(text: string): Promise<void> {
    await this.page.fill('#message', text);
  }

  /** Chooses `files` in the page's own file input (nothing is cleaned without JavaScript). */
  async attach(files: SourceFiles): Promise<void> {
    await this.page.setInputFiles('#files', files);
  }

  /** Posts the form; returns the receipt and the return passphrase's words from the page the server answers with. */
  async send(): Promise<{ receipt: string; words: string[] }> {
    await Promise.all([this.page.waitForURL(`${this.origin}/nojs/tip`), this.sendButton.click()]);
    return { receipt: (await this.page.locator('#receipt').textContent()) ?? '', words: await this.page.locator('.passphrase-words li').allTextContents() };
  }
}

export class NoJsMailboxPage extends PageNavigator {
  /** Types `passphrase` (as typed, spaces and case included) and logs in; returns once the server's mailbox page shows. */
  async logIn(passphrase: string): Promise<void> {
    await this.page.fill('#mailbox-passphrase', passphrase);
    await Promise.all([this.page.waitForURL(`${this.origin}/nojs/mailbox`), this.page.locator('#mailbox-login button[type="submit"]:visible').click()]);
  }

  /** The replies, decrypted on the server, as the page shows them. */
  readReplies(): Promise<string[]> {
    return this.page.locator('.reply-text').allTextContents();
  }

  async writeFollowUp(text: string): Promise<void> {
    await this.page.fill('textarea[name="message"]', text);
  }

  async attach(files: SourceFiles): Promise<void> {
    await this.page.setInputFiles('#follow-up-files', files);
  }

  /** Posts the follow-up; returns the status the server's answer shows. */
  async sendFollowUp(): Promise<string> {
    await Promise.all([this.page.waitForURL(`${this.origin}/nojs/mailbox`), this.page.locator('form button[type="submit"]').click()]);
    return (await this.page.locator('[role="status"]').textContent()) ?? '';
  }
}
