// The editors' desk (src/desk/server.ts, its pages in src/desk/views/) as an editor uses it: open a
// thread, set its status (with a reason), add a label, assign it, write a note, verify a report,
// reply, search, walk to the next or previous thread. `origin` is the desk's whole secret URL
// (`http://127.0.0.1:<port>/<secret>/`). Every form posts and the desk answers with a redirect to
// the thread: each method returns once the new page has loaded, and throws with the desk's own
// words when it answered with an error page instead. No method waits for a fixed time.
import type { Locator } from 'playwright-core';
import { LONG, PageNavigator } from './base.js';

/** What a thread's page shows, as text: enough to compare two editors' desks. */
export interface ThreadView {
  designation: string;
  status: string;
  /** The summary line: status badge, assignee, last activity. */
  summary: string;
  labels: string[];
  items: string[];
  notes: string[];
  log: string[];
}

export class DeskPage extends PageNavigator {
  /** The inbox (with a search, when given). */
  async inbox(query = ''): Promise<this> {
    return this.open(query ? `?${new URLSearchParams({ q: query })}` : '');
  }

  /** The designations of the inbox's rows, in order. */
  threads(): Promise<string[]> {
    return this.page.locator('.thread-row a.open').allInnerTexts();
  }

  /** Types `text` into the search box and sends it; returns the designations found. */
  async search(text: string): Promise<string[]> {
    await this.page.fill('#search', text);
    await this.navigates(() => this.page.press('#search', 'Enter'));
    return this.threads();
  }

  /** Opens the thread of the inbox row whose designation is `designation` (else the first row). */
  async openThread(designation?: string): Promise<this> {
    const rows = this.page.locator('.thread-row a.open');
    await this.navigates(() => (designation === undefined ? rows.first() : rows.filter({ hasText: designation })).click());
    await this.page.locator('#designation').waitFor(LONG);
    return this;
  }

  /** The open thread's designation. */
  designation(): Promise<string> {
    return this.page.locator('#designation').innerText();
  }

  /** Sets the status (the value: new, in-progress, waiting, verified, rejected, closed), with a reason when given. */
  async setStatus(status: string, reason = ''): Promise<void> {
    await this.page.selectOption('#status-select', status);
    await this.page.fill('#status-reason', reason);
    await this.submit(this.page.locator('#status-form button[type="submit"]'));
  }

  async addLabel(label: string): Promise<void> {
    await this.page.fill('#label-input', label);
    await this.submit(this.page.locator('#label-form button[type="submit"]'));
  }

  /** Assigns the thread to the editor whose display name is `name` (as the roster lists it). */
  async assign(name: string): Promise<void> {
    const option = this.page.locator('#assign-select option', { hasText: name });
    await this.page.selectOption('#assign-select', (await option.getAttribute('value')) ?? '');
    await this.submit(this.page.locator('#assign-form button[type="submit"]'));
  }

  async addNote(text: string): Promise<void> {
    await this.page.fill('#note-text', text);
    await this.submit(this.page.locator('#note-form button[type="submit"]'));
  }

  /** Verifies the thread's first election report (state: verified, unverified, rejected), with a note. */
  async verify(state: string, note: string): Promise<void> {
    const form = this.page.locator('.verify-form').first();
    await form.locator('select').selectOption(state);
    await form.locator('input[name="note"]').fill(note);
    await this.submit(form.locator('button[type="submit"]'));
  }

  /** Seals a reply to the source; it is queued in the outbox. */
  async reply(text: string): Promise<void> {
    await this.page.fill('#reply-text', text);
    await this.submit(this.page.locator('#reply-form button[type="submit"]'));
  }

  /** The next (or previous) thread of the same list. */
  async next(): Promise<this> {
    await this.navigates(() => this.page.click('#next'));
    return this;
  }

  async previous(): Promise<this> {
    await this.navigates(() => this.page.click('#prev'));
    return this;
  }

  /** "Export for a colleague": chooses the colleague `name` (as the roster lists it) and exports; returns what the desk answered. */
  async exportForColleague(name: string): Promise<string> {
    await this.navigates(() => this.page.click('a.colleague'));
    const option = this.page.locator('#colleague option', { hasText: name });
    await this.page.selectOption('#colleague', (await option.getAttribute('value')) ?? '');
    await this.navigates(() => this.page.click('#export-desk'));
    return this.page.locator('#message').innerText();
  }

  /** The open thread as text. */
  async readThread(): Promise<ThreadView> {
    const all = (selector: string) => this.page.locator(selector).allInnerTexts();
    return {
      designation: await this.designation(),
      status: await this.page.locator('.badge.status').first().innerText(),
      summary: await this.page.locator('#designation + p').innerText(),
      labels: await all('.label-list bdi'),
      items: await all('.items > .item'),
      notes: await all('.notes > li'),
      log: await all('.log > li'),
    };
  }

  /** What the verification form of the first report shows: its state, its note and who set it. */
  async readVerification(): Promise<{ state: string; note: string; by: string }> {
    const form = this.page.locator('.verify-form').first();
    return { state: await form.locator('select').inputValue(), note: await form.locator('input[name="note"]').inputValue(), by: await form.locator('p.meta').innerText() };
  }

  /** Runs `action` and returns once the page it leads to has loaded. */
  private async navigates(action: () => Promise<void>): Promise<void> {
    const main = this.page.mainFrame();
    await Promise.all([this.page.waitForEvent('framenavigated', { predicate: (f) => f === main, ...LONG }), action()]);
    await this.page.waitForLoadState('load');
  }

  /** Presses a form's button; throws with the desk's message when it answered with an error page. */
  private async submit(button: Locator): Promise<void> {
    await this.navigates(() => button.click());
    if ((await this.page.locator('#designation').count()) === 0) {
      throw new Error(
        `the desk refused: ${await this.page
          .locator('#message')
          .innerText()
          .catch(() => this.page.content())}`,
      );
    }
  }
}
