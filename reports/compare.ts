// compare.html: runs of several systems side by side (SEEDS C17) — one self-contained page (inline
// CSS, SVG and a few lines of script; nothing to load), so it opens offline and from a CI artifact.
//
// The CAP picture first: each partitioned run placed by how much its minority side served (x) and
// whether its history stayed consistent (y) — CP systems upper left, AP systems lower right. Then
// systems × claims: each cell the verdict and the number that decides it, each row linking to its
// run's report. Every string that came from a run (claims, evidence, anomaly names, labels) is
// escaped; links are relative paths, percent-encoded.

import type { Validity } from "../checkers/checker.ts";
import type { ClaimJudgement } from "../harness/store/results.ts";
import { FAILOVER_DEFINITION, type RunMetrics, type SideShare } from "./compare-metrics.ts";
import { BASE_CSS, escapeHtml, verdictBadge } from "./html.ts";

export interface ComparedRun {
  /** The run's report, relative to the page (or absolute); percent-encoded when rendered. */
  reportHref: string;
  /** A ready URL for the report (a server's), used instead of reportHref when present. */
  reportUrl?: string;
  /** What the row is called: the suite's variant label, else the system (with its bugs). */
  label: string;
  system: string;
  workload: string;
  nemesis: string;
  seed: number;
  runtime: string;
  nodes: number;
  bugs: readonly string[];
  /** The system's claims as its test.json recorded them. */
  systemClaims: { cap?: string; model?: string };
  valid: Validity;
  claims: readonly ClaimJudgement[];
  metrics: RunMetrics;
  startedAt?: string;
  /** "interrupted during …" / "crashed …", when the run did not finish normally. */
  ending?: string;
}

export interface ComparisonInput {
  title: string;
  runs: readonly ComparedRun[];
  /** Where the runs came from, in words (the suite folder, the run folders). */
  source: string;
  generatedAt: Date;
}

type ClaimKind = "model" | "property" | "cap";

function kindOf(claim: ClaimJudgement): ClaimKind {
  if (/^(CP|AP)\b/.test(claim.claim)) return "cap";
  if (/linearizab|transactional|Elle/i.test(claim.decidedBy) || /\(.*workload\)$/.test(claim.claim)) return "model";
  return "property";
}

const pct = (share: number | null | undefined) => (share === null || share === undefined ? "–" : `${(share * 100).toFixed(share === 1 || share === 0 ? 0 : 1)}%`);
const n = (value: number) => value.toLocaleString("en");

function sideText(side: SideShare | null): string {
  return side ? `${pct(side.availability)} of ${n(side.total)}` : "–";
}

function anomaliesText(anomalies: Record<string, number>): string {
  const entries = Object.entries(anomalies);
  return entries.length ? entries.map(([type, count]) => `${type} ×${n(count)}`).join(", ") : "none";
}

/** The number that decides `claim`, in a few words. */
export function decidingNumber(claim: ClaimJudgement, m: RunMetrics): string {
  const kind = kindOf(claim);
  if (kind === "cap") {
    if (!m.majoritySide && !m.minoritySide) return "no partition";
    return `majority ${sideText(m.majoritySide)} · minority ${sideText(m.minoritySide)}`;
  }
  if (kind === "model") {
    if (m.nonLinearizableKeys !== null) return m.nonLinearizableKeys === 0 ? "every key linearizable" : `${n(m.nonLinearizableKeys)} key${m.nonLinearizableKeys === 1 ? "" : "s"} not linearizable`;
    if (Object.keys(m.anomalies).length > 0 || /Elle|transactional/i.test(claim.decidedBy)) return `anomalies: ${anomaliesText(m.anomalies)}`;
  }
  const parts: string[] = [];
  if (m.lostWrites) parts.push(`${n(m.lostWrites.lost)}${m.lostWrites.acknowledged !== null ? ` of ${n(m.lostWrites.acknowledged)}` : ""} acknowledged writes lost`);
  if (m.staleReads !== null && m.staleReads > 0) parts.push(`${n(m.staleReads)} stale`);
  if (Object.keys(m.anomalies).length > 0) parts.push(anomaliesText(m.anomalies));
  return parts.join(" · ") || "nothing found";
}

function verdictClass(verdict: string): string {
  return verdict === "held" ? "held" : verdict === "refuted" ? "refuted" : "unknown";
}

function claimCell(claim: ClaimJudgement | undefined, m: RunMetrics): string {
  if (!claim) return `<td class="na">–</td>`;
  const expected = claim.verdict === "refuted" && claim.claimed === false;
  const tag = claim.claimed === false ? ` <span class="tag">not claimed${expected ? " · expected" : ""}</span>` : "";
  return `<td class="claim ${verdictClass(claim.verdict)}${expected ? " expected" : ""}" title="${escapeHtml(`${claim.claim}: ${claim.evidence}`)}"><span class="${verdictClass(claim.verdict)}">${escapeHtml(claim.verdict)}</span>${tag}<div class="num">${escapeHtml(decidingNumber(claim, m))}</div></td>`;
}

/** A path as an href: each segment percent-encoded, so nothing in it can end the attribute or
 *  become a scheme. */
export function hrefOf(path: string): string {
  const segments = path.split("/").map((segment) => encodeURIComponent(segment));
  const href = segments.join("/");
  return path.startsWith("/") ? `file://${href}` : href;
}

function linkOf(run: ComparedRun): string {
  return escapeHtml(run.reportUrl ?? hrefOf(run.reportHref));
}

function runTitle(run: ComparedRun): string {
  return `${run.workload} · ${run.nemesis} · seed ${run.seed}`;
}

/** The CAP picture: x = minority side's share served during partitions, y = consistent or not. */
function capPicture(runs: readonly ComparedRun[]): string {
  const placed = runs.filter((run) => run.metrics.minoritySide && run.metrics.minoritySide.availability !== null);
  const W = 640;
  const H = 300;
  const left = 150;
  const right = W - 20;
  const top = 20;
  const bottom = H - 40;
  const rows: Record<string, number> = { consistent: top + 40, unknown: (top + bottom) / 2, inconsistent: bottom - 40 };
  const x = (share: number) => left + share * (right - left);
  const byRow = new Map<string, number>();
  const dots = placed.map((run) => {
    const share = run.metrics.minoritySide?.availability ?? 0;
    const row = run.valid === true ? "consistent" : run.valid === false ? "inconsistent" : "unknown";
    const key = `${row}:${Math.round(share * 20)}`;
    const stack = byRow.get(key) ?? 0;
    byRow.set(key, stack + 1);
    const cx = x(share);
    const cy = rows[row] + (stack % 4) * 14 - 21;
    const color = run.valid === true ? "#1a7f37" : run.valid === false ? "#cf222e" : "#9a6700";
    const title = `${run.label} — ${runTitle(run)}: minority side served ${pct(share)}, majority ${pct(run.metrics.majoritySide?.availability)}; ${run.valid === true ? "consistent" : run.valid === false ? "inconsistent" : "unknown"}`;
    return `<a href="${linkOf(run)}" class="dot"><title>${escapeHtml(title)}</title><circle cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" r="6" fill="${color}" stroke="#fff"/>${share > 0.7 ? `<text x="${(cx - 9).toFixed(1)}" y="${(cy + 4).toFixed(1)}" text-anchor="end">` : `<text x="${(cx + 9).toFixed(1)}" y="${(cy + 4).toFixed(1)}">`}${escapeHtml(run.label)}</text></a>`;
  });
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((t) => `<line x1="${x(t)}" y1="${top}" x2="${x(t)}" y2="${bottom}" class="grid"/><text x="${x(t)}" y="${bottom + 16}" text-anchor="middle">${t * 100}%</text>`).join("");
  const rowLabels = Object.entries(rows)
    .map(([label, y]) => `<text x="${left - 10}" y="${y + 4}" text-anchor="end" class="rowlabel">${label}</text>`)
    .join("");
  const svg = `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="CAP picture" class="cap">
<rect x="${left}" y="${top}" width="${(right - left) / 2}" height="${(bottom - top) / 2}" class="quad cp"/><rect x="${(left + right) / 2}" y="${(top + bottom) / 2}" width="${(right - left) / 2}" height="${(bottom - top) / 2}" class="quad ap"/>
${ticks}${rowLabels}
<text x="${left + 6}" y="${top + 14}" class="quadlabel">CP: consistent, minority side refuses</text>
<text x="${right - 6}" y="${bottom - 6}" text-anchor="end" class="quadlabel">AP: every side serves, data lost or stale</text>
<text x="${(left + right) / 2}" y="${H - 6}" text-anchor="middle">share of minority-side client ops served during partitions</text>
${dots.join("\n")}
</svg>`;
  const unplaced = runs.filter((run) => !placed.includes(run));
  return `<h2>The CAP picture</h2>
<p class="meta">Each dot is a run with a partition: how much its minority side served (left: refused, right: served) against whether its history stayed consistent (the checker's verdict). CP systems belong upper left, AP systems lower right. Click a dot for its report.</p>
<div class="svgbox">${svg}</div>
${unplaced.length ? `<p class="meta">Not placed (no partition, or no client op on a minority side): ${unplaced.map((run) => `<a href="${linkOf(run)}">${escapeHtml(`${run.label} (${runTitle(run)})`)}</a>`).join(", ")}.</p>` : ""}`;
}

function claimsTable(runs: readonly ComparedRun[]): string {
  const groups = new Map<string, ComparedRun[]>();
  for (const run of runs) groups.set(run.label, [...(groups.get(run.label) ?? []), run]);
  const rows: string[] = [];
  for (const [label, group] of groups) {
    group.forEach((run, i) => {
      const find = (kind: ClaimKind) => run.claims.find((claim) => kindOf(claim) === kind);
      const m = run.metrics;
      const systemCell =
        i === 0
          ? `<th rowspan="${group.length}" class="system" scope="rowgroup">${escapeHtml(label)}<div class="meta">${escapeHtml([run.systemClaims.cap, run.systemClaims.model].filter(Boolean).join(" · "))}</div>${run.bugs.length ? `<div class="bug">bugs on: ${escapeHtml(run.bugs.join(", "))}</div>` : ""}</th>`
          : "";
      rows.push(
        `<tr data-system="${escapeHtml(label)}">${systemCell}<td class="runcell"><a class="run" href="${linkOf(run)}">${escapeHtml(runTitle(run))}</a><div class="meta">${escapeHtml(`${run.runtime}, ${run.nodes} nodes`)}${run.ending ? ` · ${escapeHtml(run.ending)}` : ""}</div></td><td>${verdictBadge(run.valid)}</td>${claimCell(find("model"), m)}${claimCell(find("property"), m)}${claimCell(find("cap"), m)}<td class="numcol">${m.lostWrites ? `${n(m.lostWrites.lost)}${m.lostWrites.acknowledged !== null ? ` / ${n(m.lostWrites.acknowledged)}` : ""}` : "–"}</td><td class="numcol">${m.staleReads === null ? "–" : n(m.staleReads)}</td><td>${escapeHtml(m.nonLinearizableKeys ? `${anomaliesText({ ...m.anomalies, "non-linearizable keys": m.nonLinearizableKeys })}` : anomaliesText(m.anomalies))}</td><td class="numcol">${sideText(m.majoritySide)}</td><td class="numcol">${sideText(m.minoritySide)}</td><td class="numcol">${m.p99Ms === null ? "–" : `${m.p99Ms.toFixed(1)} ms`}</td><td class="numcol" title="${escapeHtml(m.failover ? `during ${m.failover.label}, from ${m.failover.atS.toFixed(1)} s` : "no fault")}">${m.failover ? `${m.failover.seconds.toFixed(2)} s` : "–"}</td></tr>`,
      );
    });
  }
  return `<h2>Systems × claims</h2>
<p class="meta">Each claim cell: the verdict, then the number that decides it (hover it for the claim in full and the evidence). "not claimed · expected" marks a refuted promise the system never made (an AP system losing writes) — an expected result, not a broken promise. The run column opens its report.</p>
<p><label>Filter: <input id="filter" type="search" placeholder="system, workload, nemesis…"></label></p>
<div class="wide"><table class="compare"><thead><tr><th>system</th><th>run</th><th>verdict</th><th>consistency model</th><th>safety property</th><th>CAP under partition</th><th>acknowledged writes lost</th><th>stale reads</th><th>anomalies</th><th>majority side served</th><th>minority side served</th><th>p99 latency (ok ops)</th><th>failover time</th></tr></thead>
<tbody>${rows.join("\n")}</tbody></table></div>`;
}

const CSS = `
main{max-width:1560px}.wide{overflow-x:auto}table.compare td,table.compare th{font-size:12px}th.system{background:#fff;min-width:100px}
td.claim{min-width:118px}td.runcell{min-width:128px}td.claim .num{font-weight:600}td.claim .what{color:#57606a;font-size:11px}td.expected{background:#f3f8f3}
td.numcol{text-align:right;white-space:nowrap}.tag{font-size:11px;background:#eef1f4;border-radius:3px;padding:0 4px;color:#57606a}
.bug{color:#cf222e;font-size:12px}svg.cap text{font:11px system-ui,sans-serif;fill:#1b1f24}svg.cap .grid{stroke:#e3e6ea}
svg.cap .quad.cp{fill:#e9f5ec}svg.cap .quad.ap{fill:#fbefe3}svg.cap .quadlabel{fill:#57606a;font-style:italic}svg.cap .rowlabel{font-weight:600}
svg.cap a.dot:hover circle{r:8}dl.defs dt{font-weight:600;margin-top:6px}dl.defs dd{margin:0 0 0 16px;color:#3d444d}
`;

const SCRIPT = `
(function () {
  var input = document.getElementById("filter");
  if (!input) return;
  input.addEventListener("input", function () {
    var words = input.value.toLowerCase().split(/\\s+/).filter(Boolean);
    var rows = document.querySelectorAll("table.compare tbody tr");
    for (var i = 0; i < rows.length; i++) {
      var text = (rows[i].getAttribute("data-system") + " " + rows[i].textContent).toLowerCase();
      rows[i].style.display = words.every(function (w) { return text.indexOf(w) >= 0; }) ? "" : "none";
    }
  });
})();
`;

export function renderComparison(input: ComparisonInput): string {
  const { runs } = input;
  const systems = [...new Set(runs.map((run) => run.label))];
  const header = `<h1>${escapeHtml(input.title)}</h1>
<p class="meta">${n(runs.length)} run${runs.length === 1 ? "" : "s"} of ${systems.length} system${systems.length === 1 ? "" : "s"} (${escapeHtml(systems.join(", "))}) · ${escapeHtml(input.source)} · generated ${escapeHtml(input.generatedAt.toISOString())}</p>`;
  const definitions = `<h2>What the numbers mean</h2><dl class="defs">
<dt>Acknowledged writes lost</dt><dd>Writes the system acknowledged that no final read saw (set and queue workloads), of all it acknowledged.</dd>
<dt>Stale reads</dt><dd>Elements some read missed after their write was acknowledged, though a later read saw them (set workload).</dd>
<dt>Anomalies</dt><dd>Non-linearizable keys (register workload), Elle's anomalies by type (list-append, rw-register), and the other checkers' findings (locks held twice, bad bank reads, duplicates).</dd>
<dt>Majority / minority side served</dt><dd>Of the client ops issued on nodes that could / could not reach a majority while a partition was in place, the share the system served (ok, or a definite answer).</dd>
<dt>p99 latency</dt><dd>The 99th percentile of invocation-to-completion time over every client op that completed ok.</dd>
<dt>Failover time</dt><dd>${escapeHtml(FAILOVER_DEFINITION.replace(/^Failover time: /, ""))}</dd>
</dl>`;
  const body = runs.length === 0 ? "<p>No runs to compare.</p>" : `${capPicture(runs)}\n${claimsTable(runs)}\n${definitions}`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(input.title)} — Faultline</title><style>${BASE_CSS}${CSS}</style></head><body><main>${header}\n${body}</main><script>${SCRIPT}</script></body></html>\n`;
}
