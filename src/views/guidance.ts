// The parts of the source's pages that are about the page itself rather than the tip: the
// language switcher (plain links, no JavaScript, no cookie: `?lang=` on every link) and the Tor
// Browser guidance (warnings, security levels, leaving no trace), like SecureDrop's source
// interface. Server-side HTML; the browser-side Tor Browser check is src/client/tor-check.ts.
import { CATALOGS, withLang, type Strings } from '../i18n/index.js';
import { escapeHtml as e } from '../shared/html.js';
import { NOT_TOR_BROWSER_ID } from './contract.js';

const paragraphs = (texts: readonly string[]) => texts.map((t) => `<p>${e(t)}</p>`).join('\n');

/** Links to `path` in every language; the current one is marked for screen readers too. */
export function languageSwitcherHtml(s: Strings, path: string): string {
  const links = CATALOGS.map(({ meta }) => {
    const current = meta.language === s.lang ? ' aria-current="page"' : '';
    return `<li><a href="${e(withLang(path, meta.language))}" hreflang="${e(meta.language)}" lang="${e(meta.language)}"${current}>${e(meta.name)}</a></li>`;
  }).join('\n');
  return `<nav class="languages" aria-label="${e(s.languageSwitcherLabel)}">\n<ul>\n${links}\n</ul>\n</nav>`;
}

/**
 * The warnings at the top of a page: "not the onion address" when the server saw a Host that
 * is not an onion name, and the hidden "not Tor Browser" box the browser code may show.
 */
export function torWarningsHtml(s: Strings, options: { onion: boolean }): string {
  const notOnion = options.onion
    ? ''
    : `<section class="warning" aria-labelledby="not-onion-heading">
<h2 id="not-onion-heading">${e(s.torNotOnionHeading)}</h2>
${paragraphs(s.torNotOnion)}
</section>
`;
  return `${notOnion}<section id="${NOT_TOR_BROWSER_ID}" class="warning" aria-labelledby="not-tor-browser-heading" hidden>
<h2 id="not-tor-browser-heading">${e(s.torNotTorBrowserHeading)}</h2>
${paragraphs(s.torNotTorBrowser)}
</section>`;
}

/** Tor Browser's security levels and how to leave no trace, folded (works without JavaScript). */
export function torGuidanceHtml(s: Strings): string {
  return `<details class="guidance">
<summary>${e(s.securityLevelsHeading)}</summary>
<p>${e(s.securityLevelsIntro)}</p>
<ul>
<li>${e(s.securityStandard)}</li>
<li>${e(s.securitySafer)}</li>
<li>${e(s.securitySafest)}</li>
</ul>
</details>
<details class="guidance">
<summary>${e(s.noTraceHeading)}</summary>
<ul>
${s.noTrace.map((t) => `<li>${e(t)}</li>`).join('\n')}
</ul>
</details>`;
}
