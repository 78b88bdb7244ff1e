// results.html: one self-contained page, SVG charts, no script, a strict CSP (only its own style,
// by hash); everything from the input file is escaped. Each method's caveat is printed beside
// its numbers. Pure: returns the text.
import { createHash } from 'node:crypto';
import { escapeHtml as e } from '../shared/html.js';
import { BENFORD_SECOND_DIGIT_MEAN, type DigitResult } from './digits.js';
import type { Distributions } from './distributions.js';
import { SIDE, type FingerprintResult } from './fingerprint.js';
import type { IntegerResult } from './integer.js';

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

const STYLE = 'body{font:15px/1.45 system-ui,sans-serif;max-width:62rem;margin:1rem auto;padding:0 1rem;color:#111}table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #bbb;padding:.2rem .5rem;text-align:right}th{background:#eee}.caveat{background:#fff7d6;border-left:4px solid #c90;padding:.4rem .7rem}svg{display:block;margin:.5rem 0;max-width:100%;height:auto}.meta{color:#555}';

const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '–');
const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '–');
const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)} %` : '–');

/** A line chart of a 0.1-pp histogram, with grid lines at every 10 %. */
export function histogramSvg(counts: number[], label: string): string {
  const W = 1000;
  const H = 220;
  const max = Math.max(1, ...counts);
  const pts = counts.map((c, k) => `${k},${(H - (c / max) * (H - 10)).toFixed(1)}`).join(' ');
  const grid = Array.from({ length: 11 }, (_, k) => `<line x1="${k * 100}" y1="0" x2="${k * 100}" y2="${H}" stroke="#ddd"/><text x="${k * 100 + 2}" y="${H + 14}" font-size="12">${k * 10}%</text>`).join('');
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
  const csp = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'; img-src 'none'; form-action 'none'; base-uri 'none'`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${e(csp)}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Election results forensics</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Election results forensics</h1>
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
<p class="caveat">Caveat: the model is a caricature (one fair cloud, one kind of fraud). Regions with genuinely high turnout also smear the cloud. f<sub>e</sub> (stations at ≈ 100 % / 100 %) is the better-determined number; f<sub>i</sub> is weakly determined by this fit.</p>

<h2>4. Digit tests</h2>
<table><tr><th>column</th><th>counts ≥ 10</th><th>2nd-digit mean (Benford ${BENFORD_SECOND_DIGIT_MEAN})</th><th>last digit 0</th><th>last digit 5</th><th>last digits 0…9</th></tr>
${digits}
</table>
<p class="caveat">Caveat (Mebane; Deckert, Myagkov &amp; Ordeshook 2011): digit tests mislead on their own. Honest counts can deviate from Benford and manipulated counts can conform. Use them only beside the other methods.</p>
</body>
</html>
`;
}
