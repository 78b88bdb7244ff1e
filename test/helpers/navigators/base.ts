// What every page navigator shares: the page and the origin it is on, opening a path (in a
// language), and the waits on the lists and bars the pages' scripts fill in.
import type { Page } from 'playwright-core';

/** The tests' long wait (120 s): Chromium without a JIT on a busy machine is slow, and a wait ends as soon as the page is there. */
export const LONG = { timeout: 120_000 };

/** Files for `attach`: paths, or names with bytes (Playwright's file payloads). */
export type SourceFiles = string[] | { name: string; mimeType: string; buffer: Buffer }[];

/** Waits until the list under a file input has one line per file, each once the page has looked at the file (`name: what was done`). */
export async function fileNotices(page: Page, list: string, count: number): Promise<string[]> {
  await page.waitForFunction(
    ({ list, count }) => {
      const items = Array.from(document.querySelectorAll(`${list} li`), (li) => li.textContent ?? '');
      return items.length >= count && items.every((text) => text.includes(':'));
    },
    { list, count },
    { timeout: 60_000 },
  );
  return page.locator(`${list} li`).allTextContents();
}

/** Resolves once the progress bar `bar` shows at least `fraction` of the bytes acknowledged. */
export async function uploadProgress(page: Page, bar: string, fraction: number): Promise<void> {
  await page.waitForFunction(
    ({ bar, fraction }) => {
      const progress = document.getElementById(bar) as HTMLProgressElement | null;
      return !!progress && progress.max > 1 && progress.value / progress.max >= fraction;
    },
    { bar, fraction },
    { ...LONG, polling: 50 },
  );
}

/**
 * One page in `page`, of the site at `origin` (for a site under a secret path, as the editors'
 * desk, `origin` includes that path). Each page's navigator extends it.
 */
export class PageNavigator {
  constructor(
    readonly page: Page,
    readonly origin: string,
  ) {}

  /** Opens `path` (in `lang`, else the browser's language) and waits for the page to load. */
  protected async open(path: string, lang?: string): Promise<this> {
    await this.page.goto(`${this.origin}${path}${lang ? `?lang=${lang}` : ''}`, { waitUntil: 'load' });
    return this;
  }

  /** The text of the page's error (role="alert"). */
  async readError(): Promise<string> {
    return (await this.page.locator('#error').textContent()) ?? '';
  }

  /** Clicks `selector` expecting a refusal; returns the page's error once shown. */
  protected async clickForError(selector: string, timeout = LONG.timeout): Promise<string> {
    await this.page.click(selector);
    await this.page.locator('#error:not([hidden])').waitFor({ timeout });
    return this.readError();
  }
}
