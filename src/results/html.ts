// results.html: one self-contained page, SVG charts, no script, a strict CSP (only its own style,
// by hash); everything from the input file is escaped. Each method's caveat is printed beside
// its numbers. Pure: returns the text.
import { createHash } from 'node:crypto';
import { escapeHtml as e, staticPageHead } from '../shared/html.js';
import { BENFORD_SECOND_DIGIT_MEAN, type DigitResult } from './digits.js';
import type { Distributions } from './distributions.js';
import { SIDE, type FingerprintResult } from './fingerprint.js';
import type { IntegerResult } from './integer.js';
import { PROTOCOL_ITEMS } from '../forms/protocol.js';
import type { ProtocolsResult } from './protocols.js';
import type { ComparisonResult } from './compare.js';
import type { QuickCount } from './quickcount.js';

export interface Forensics {
  title: string;
  input: string;
  stations: number;
  noData: number;
  integerPercentages: IntegerResult;
  distributions: Distributions;
  fingerprint: FingerprintResult;
  digits: DigitResult[];
}

const STYLE =
  'body{font:15px/1.45 system-ui,sans-serif;max-width:62rem;margin:1rem auto;padding:0 1rem;color:#111}table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #bbb;padding:.2rem .5rem;text-align:right}th{background:#eee}.caveat{background:#fff7d6;border-left:4px solid #c90;padding:.4rem .7rem}svg{display:block;margin:.5rem 0;max-width:100%;height:auto}.meta{color:#555}';

const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '–');
const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '–');
const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)} %` : '–');

/** A line chart of a 0.1-pp histogram, with grid lines at every 10 %. */
export function histogramSvg(counts: number[], label: string): string {
  const W = 1000;
  const H = 220;
  const max = Math.max(1, ...counts);
  const pts = counts.map((c, k) => `${k},${(H - (c / max) * (H - 10)).toFixed(1)}`).join(' ');
  const grid = Array.from(
    { length: 11 },
    (_, k) => `<line x1="${k * 100}" y1="0" x2="${k * 100}" y2="${H}" stroke="#ddd"/><text x="${k * 100 + 2}" y="${H + 14}" font-size="12">${k * 10}%</text>`,
  ).join('');
  return `<svg viewBox="0 -5 ${W + 30} ${H + 25}" role="img" aria-label="${e(label)}">${grid}<polyline fill="none" stroke="#1f5fa8" stroke-width="1" points="${pts}"/><text x="5" y="10" font-size="12">max ${max} stations per 0.1-pp bin</text></svg>`;
}

/** The fingerprint heat map: turnout across, the leader's share up, darker = more stations. */
export function heatmapSvg(counts: number[]): string {
  const max = Math.max(1, ...counts);
  const cells: string[] = [];
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      const c = counts[y * SIDE + x]!;
      if (c === 0) continue;
      const level = Math.round(255 * (1 - Math.log1p(c) / Math.log1p(max)));
      cells.push(`<rect x="${x * 4}" y="${(SIDE - 1 - y) * 4}" width="4" height="4" fill="rgb(${level},${level},255)"/>`);
    }
  }
  const ticks = Array.from({ length: 11 }, (_, k) => `<text x="${k * 40}" y="414" font-size="10">${k * 10}</text><text x="-22" y="${400 - k * 40 + 3}" font-size="10">${k * 10}</text>`).join('');
  return `<svg viewBox="-30 -5 440 430" width="440" role="img" aria-label="election fingerprint"><rect x="0" y="0" width="400" height="400" fill="#fff" stroke="#999"/>${cells.join('')}${ticks}</svg>`;
}

function triple(r: IntegerResult, k: 'any' | 'share' | 'turnout', label: string): string {
  return `<tr><th>${label}</th><td>${r.observed[k]}</td><td>${f1(r.expected[k])}</td><td>${f1(r.excess[k])}</td><td>${f1(r.sd[k])}</td><td>${f1(r.excess[k] / r.sd[k])}</td></tr>`;
}

export function renderResultsHtml(f: Forensics): string {
  const ip = f.integerPercentages;
  const fp = f.fingerprint;
  const d = f.distributions;
  const digits = f.digits
    .map((r) => `<tr><th>${e(r.column)}</th><td>${r.n}</td><td>${f3(r.secondDigitMean)}</td><td>${pct(r.shareZero)}</td><td>${pct(r.shareFive)}</td><td>${r.lastDigits.join(' ')}</td></tr>`)
    .join('\n');
  return page(
    'Election results forensics',
    `
<p>${e(f.title)}<br><span class="meta">${e(f.input)}: ${f.stations} stations, ${f.noData} with a figure missing (left out, never read as zero).</span></p>
<p class="caveat">None of these numbers proves fraud, and a clean result does not prove a fair count. They point at where to look; the proof is in protocols, observers' reports and documents. docs/EDITORS.md ("Election results") explains each number.</p>

<h2>1. Integer percentages</h2>
<p>${ip.included} stations counted (at least 100 voters, some ballots, turnout and leader's share at most 99 %); ${ip.excluded} left out by that rule. A station is "integer" when its turnout or the leader's share is within ±0.05 points of a whole percentage. Expected: mean of ${ip.reps} Monte Carlo repetitions (seed ${ip.seed}).</p>
<table><tr><th></th><th>observed</th><th>expected</th><th>excess</th><th>MC SD</th><th>excess / SD</th></tr>
${triple(ip, 'any', 'turnout or share')}
${triple(ip, 'share', 'share only')}
${triple(ip, 'turnout', 'turnout only')}
</table>
<p class="caveat">Caveat: an excess means more stations report round percentages than chance allows, which is what figures written to order leave behind (Kobak, Shpilkin &amp; Pshenichnikov 2016). It says nothing about which stations, and very small stations, where round percentages are common, are excluded.</p>

<h2>2. Turnout and share distributions</h2>
<p>Stations per 0.1-point bin. Spikes at whole and round numbers (70 %, 75 %, 80 %) are the same signal as above, seen directly. Stations in whole-number bins: turnout ${d.wholeNumberBins.turnout}, share ${d.wholeNumberBins.share}, against about ${f1(d.wholeNumberBins.expected)} if smooth.</p>
<h3>Turnout</h3>
${histogramSvg(d.turnout, 'turnout histogram')}
<h3>Leader's share</h3>
${histogramSvg(d.share, "leader's share histogram")}
<p class="caveat">Caveat: a single round number can peak by chance in a small election; look for a comb of peaks, and compare regions.</p>

<h2>3. Election fingerprint</h2>
<p>${fp.stations} stations by turnout (across, 0–100 %) and the leader's share (up, 0–100 %), 1-point cells, darker = more stations.</p>
${heatmapSvg(fp.counts)}
<p>Fitted fraud model (Klimek et al. 2012): incremental fraud f<sub>i</sub> = ${fp.fit.fi.toFixed(3)}, extreme fraud f<sub>e</sub> = ${fp.fit.fe.toFixed(3)} (grid steps ${fp.fit.gridFi[1]!.toFixed(3)} and ${fp.fit.gridFe[1]!.toFixed(3)}); fair cloud: turnout ${pct(fp.fair.turnoutMode)} ± ${pct(fp.fair.turnoutSd)}, share ${pct(fp.fair.shareMode)} ± ${pct(fp.fair.shareSd)}. Distance of the best fit ${f1(fp.fit.distance)}, of a fair model ${f1(fp.fit.fairDistance)}.</p>
<p class="caveat">Caveat: the model is a caricature (one fair cloud, one kind of fraud). Regions with genuinely high turnout also smear the cloud. f<sub>e</sub> (stations at ≈ 100 % / 100 %) is the better-determined number; f<sub>i</sub> is not a finding: in simulations it is recovered only when the fair cloud is known in advance, not when it is estimated from the data, as here.</p>

<h2>4. Digit tests</h2>
<table><tr><th>column</th><th>counts ≥ 10</th><th>2nd-digit mean (Benford ${BENFORD_SECOND_DIGIT_MEAN})</th><th>last digit 0</th><th>last digit 5</th><th>last digits 0…9</th></tr>
${digits}
</table>
<p class="caveat">Caveat (Mebane; Deckert, Myagkov &amp; Ordeshook 2011): digit tests mislead on their own. Honest counts can deviate from Benford and manipulated counts can conform. Use them only beside the other methods.</p>
`,
  );
}

/** The page frame shared by the other subcommands: same style, same CSP, no script. */
export function page(title: string, body: string): string {
  const csp = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'; img-src 'none'; form-action 'none'; base-uri 'none'`;
  return `${staticPageHead({ lang: 'en', csp, title, style: STYLE })}<body>
<h1>${e(title)}</h1>
${body}
</body>
</html>
`;
}

export function renderProtocolsHtml(r: ProtocolsResult): string {
  const num = (v: number | null | undefined) => (v === null || v === undefined ? '–' : String(v));
  const stations = r.stations
    .map((s) => {
      const rows = s.reports
        .map(
          (rep) =>
            `<tr><th>${e(rep.folder)}</th>${PROTOCOL_ITEMS.map((k) => `<td>${num(rep.protocol.items[k])}</td>`).join('')}<td>${e(
              Object.entries(rep.protocol.votes)
                .map(([id, v]) => `${id} ${v}`)
                .join('; '),
            )}</td><td>${e(rep.failed.join(', ') || 'none')}${rep.failedDiffers ? ` <strong>(sender said: ${e(rep.protocol.failed.join(', ') || 'none')})</strong>` : ''}${rep.electionKnown ? '' : ' (no election file: candidates as reported)'}</td></tr>`,
        )
        .join('\n');
      const conflicts = s.conflicts.length
        ? `<p><strong>Conflict:</strong> ${s.conflicts.map((c) => `${e(c.item)}: ${c.values.map(num).join(' / ')}`).join('; ')}</p>`
        : s.reports.length > 1
          ? '<p>The reports agree.</p>'
          : '';
      return `<h2>${e(s.election)} · ${e(s.region || '–')} · station ${e(s.station)}</h2>
<table><tr><th>tip</th>${PROTOCOL_ITEMS.map((k) => `<th>${k}</th>`).join('')}<th>votes</th><th>failed relations (recomputed)</th></tr>
${rows}
</table>
${conflicts}`;
    })
    .join('\n');
  const problems = r.problems.length ? `<h2>Protocols that could not be read</h2><ul>${r.problems.map((p) => `<li>${e(p.folder)}: ${e(p.problem)}</li>`).join('')}</ul>` : '';
  return page(
    "Observers' protocols",
    `<p>${r.protocols} protocols at ${r.stations.length} stations; ${r.stations.filter((s) => s.conflicts.length).length} stations with conflicting reports; ${r.withoutProtocol} tips without a protocol.</p>
<p class="caveat">A protocol is what one observer typed in; a failed relation or a conflict says where to look (the photo of the protocol, the observers themselves), not who is right. Reports are matched by election, region and station number as typed.</p>
${problems}
${stations}`,
  );
}

export function renderCompareHtml(title: string, r: ComparisonResult): string {
  const n = (v: number | null | undefined) => (v === null || v === undefined ? '–' : String(v));
  const p = (v: number | null) => (v === null ? '–' : `${v.toFixed(1)} %`);
  const rows = r.matched
    .map(
      (m) =>
        `<tr><th>${e(m.station)}</th><td>${e(m.region)}</td>${m.lines.map((l) => `<td>${n(l.observed)} / ${n(l.official)} / ${l.difference === null ? '–' : l.difference > 0 ? `+${l.difference}` : String(l.difference)}</td>`).join('')}<td>${m.favoursLeader ? '<strong>yes</strong>' : 'no'}</td></tr>`,
    )
    .join('\n');
  const a = r.aggregation;
  const total = (label: string, x: Record<string, number | undefined>, stations?: number) =>
    `<tr><th>${label}</th>${['registered', 'issued', 'valid', 'invalid', 'leader'].map((k) => `<td>${n(x[k])}</td>`).join('')}<td>${stations === undefined ? '' : stations}</td></tr>`;
  return page(
    "Official results against observers' protocols",
    `<p>${e(title)}<br><span class="meta">${r.matched.length} protocols matched to an official station, ${r.unmatchedProtocols.length} not matched; the leader is the protocols' candidate ${e(r.leader)}.</span></p>
<h2>Stations</h2>
<p>Each cell: observer's protocol / official / difference (official − observer).</p>
<table><tr><th>station</th><th>region</th><th>registered</th><th>issued</th><th>valid</th><th>invalid</th><th>leader</th><th>official favours the leader</th></tr>
${rows}
</table>
<p class="caveat">A difference shows that the official figure is not the one the observer copied or photographed; it does not show which is right. Check the photo of the protocol. A protocol matched to the wrong station (a typo in its number) shows as a large difference everywhere.</p>
<h2>Aggregation check</h2>
<table><tr><th></th><th>registered</th><th>issued</th><th>valid</th><th>invalid</th><th>leader</th><th>stations</th></tr>
${total('declared', a.declared)}
${total('official stations summed', a.official, a.official.stations)}
${total("observers' protocols summed", a.protocols, a.protocols.stations)}
</table>
<p>Leader's share of the ballots counted: declared ${p(a.leaderShare.declared)}, official stations summed ${p(a.leaderShare.officialSum)}, observers' protocols summed ${p(a.leaderShare.protocolsSum)}.</p>
<p class="caveat">The protocols summed cover only the stations observers reached, which are not a random sample: their share is not the national share (see quickcount). The official sum against the declared total is exact arithmetic: a gap there needs an explanation from the commission.</p>`,
  );
}

export function renderQuickcountHtml(title: string, q: QuickCount): string {
  const p = (v: number) => `${(100 * v).toFixed(2)} %`;
  const pp = (v: number) => `± ${(100 * v).toFixed(2)} points`;
  const needed = q.needed
    ? `<p>For a margin of ± ${(100 * q.needed.margin).toFixed(2)} points: ${q.needed.n95} stations at 95 %, ${q.needed.n99} at 99 % (estimated from this sample's spread).</p>`
    : '';
  return page(
    'Quick count',
    `<p>${e(title)}<br><span class="meta">${q.n} sampled stations counted, ${q.noData} with a figure missing (left out)${q.population ? `, of ${q.population} stations in all` : ''}.</span></p>
<table><tr><th>leader's share of ballots counted</th><td>${p(q.share)}</td></tr><tr><th>95 % margin</th><td>${pp(q.margin95)} (${p(q.share - q.margin95)} to ${p(q.share + q.margin95)})</td></tr><tr><th>99 % margin</th><td>${pp(q.margin99)} (${p(q.share - q.margin99)} to ${p(q.share + q.margin99)})</td></tr></table>
${needed}
<p class="caveat">Valid only when the stations were drawn at random before election day (the ratio estimator for cluster samples, as NDI computes it). A sample of the stations observers happened to reach is not random. It estimates what was counted: ballots stuffed before the count are in it.</p>`,
  );
}
