// axe-core (WCAG 2.1 A and AA rules) evaluated in a page through the DevTools protocol, so the
// page's own CSP stays as it is; works with the page's scripts off too (Tor Browser "Safest").
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

export interface AxeResult {
  violations: { id: string; impact: string | null; help: string; nodes: { target: string[]; failureSummary?: string }[] }[];
  passes: unknown[];
}

export async function axe(page: Page, javaScript = true): Promise<AxeResult> {
  // With the page's scripts off, timers never fire, yet axe defers work with them: run the
  // deferred work as microtasks instead (only in this evaluation's page, only for axe).
  if (!javaScript) await page.evaluate('window.setTimeout = (fn, _ms, ...args) => { Promise.resolve().then(() => fn(...args)); return 0; }; window.clearTimeout = () => {};');
  await page.evaluate(AXE_SOURCE);
  // Without scripts axe's preloading of the style sheets' CSSOM times out (and says so in the
  // console) and axe goes on without it: the same checks, told up front.
  return page.evaluate(
    async ({ tags, preload }) => {
      const run = (globalThis as unknown as { axe: { run: (context: unknown, options: unknown) => Promise<AxeResult> } }).axe.run;
      const result = await run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'], preload });
      return {
        violations: result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })) })),
        passes: result.passes,
      };
    },
    { tags: TAGS, preload: javaScript },
  );
}

/** Each violation as readable lines, for a test's diff. */
export const describeViolations = (result: AxeResult): string[] =>
  result.violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n  ${v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`).join('\n  ')}`);
