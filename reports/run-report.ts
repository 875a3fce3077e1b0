// report.html for one run: verdict and claims first (in sentences, then the table), the evidence
// (a Porcupine-style view per non-linearizable key, cycle graphs in words), Jepsen's perf graphs
// drawn by Vega, a per-process timeline of every op on a canvas, availability per fault window
// with each partition's real layout, and links to every file the run wrote. Self-contained: CSS,
// the Vega runtime, the page script and the packed ops are inline, so it opens from file:// with
// no network and can be mailed around. `faultline check --report` renders the same page for a
// history recorded elsewhere (renderCheckReport).
//
// Everything from the system under test is data: escaped into markup here, or packed into one
// JSON script element (page-data.ts) that the page script puts into the DOM as text only. A
// Content-Security-Policy lets only this page's own scripts run (by nonce), so even a missed
// escape could not run an injected handler, and nothing may be fetched.

import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import type { CheckResult } from "../checkers/checker.ts";
import { statsChecker, type Availability, type StatsResult, type WindowStats } from "../checkers/stats.ts";
import { claimsOf, type System } from "../clusters/system.ts";
import { typedOptions } from "../harness/spec/typed-options.ts";
import { describeRunEnding, type ClaimJudgement } from "../harness/store/results.ts";
import type { Op } from "../harness/op.ts";
import { describeNemesis, replayArgs, type TestSpec } from "../harness/spec/test-spec.ts";
import { RUN_FILES } from "../harness/store/store.ts";
import { sourcePath } from "../harness/source-path.ts";
import { evidenceSections } from "./evidence.ts";
import { renderCycleSvg } from "../checkers/elle/svg.ts";
import type { CycleEvidence } from "../checkers/elle/explain.ts";
import { FAULT_OPS } from "../nemeses/catalog.ts";
import { BASE_CSS, escapeHtml, percent, raw, table, verdictBadge } from "./html.ts";
import { faultBands, mergeWindowsByStart, type FaultBand } from "./fault-bands.ts";
import { claimSentence, systemName, unknownInWords, verdictSentence, type ClaimContext } from "./in-words.ts";
import { jsonForScript, packHistory, type PageData } from "./page-data.ts";
import { partitionSvg } from "./partition-layout.ts";
import { FAULT_COLORS, MAX_PLOTTED_POINTS, MIN_LATENCY_MS, OUTCOME_COLORS, perfPlots } from "./perf-plots.ts";
import { vegaRuntime } from "./vega-runtime.ts";
import { clockOffsetSection } from "./clock-offsets.ts";
import { membershipSection } from "./membership.ts";
import { faultDetailsSection } from "./fault-details.ts";

export interface RunReportInput {
  runDir: string;
  spec: TestSpec;
  system: System;
  results: CheckResult;
  history: readonly Op[];
}

export async function renderRunReport(input: RunReportInput): Promise<string> {
  const { spec, system, results, history } = input;
  const workload = results.workload as CheckResult | undefined;
  const stats = results.stats as StatsResult | undefined;
  const claims = (results.claims as ClaimJudgement[] | undefined) ?? [];
  const claimed = claimsOf(system, typedOptions(spec.options));
  const durationS = history.length ? history[history.length - 1].time / 1e9 : 0;

  const sections: string[] = [];
  // An interrupted or crashed run says so next to its verdict, before anything else.
  const ending = describeRunEnding(results);
  sections.push(`<h1>${escapeHtml(spec.name)} ${verdictBadge(results.valid)}${ending ? ` <span class="badge unknown">${results.crashed ? "CRASHED" : "INTERRUPTED"}</span>` : ""}</h1>
${ending ? `<p class="ending"><strong>${escapeHtml(ending)}</strong></p>` : ""}
<p class="meta">${escapeHtml(spec.system)} on the ${escapeHtml(spec.runtime)} runtime, ${spec.nodes} nodes · workload ${escapeHtml(spec.workload)} · nemesis ${escapeHtml(describeNemesis(spec))}${spec.bugs.length ? ` · <strong>bugs on: ${escapeHtml(spec.bugs.join(", "))}</strong>` : ""} · seed ${spec.seed} · ${durationS.toFixed(1)} s · ${history.length} history entries</p>
<p class="meta">Replay: <code>faultline run ${escapeHtml(replayArgs(spec).join(" "))}</code></p>`);

  const page = pageParts(history, stats);
  const context: ClaimContext = { system: system.name, workload, stats, bands: page.bands };
  sections.push(verdictInWords(verdictSentence(context, claims, results.valid), results));

  sections.push(`<h2>Claims</h2>
${claims.length ? `<ul class="claims">${claims.map((c) => `<li class="${verdictClass(c.verdict)}-claim">${escapeHtml(claimSentence(c, context))}</li>`).join("")}</ul>` : ""}
<p class="meta">${escapeHtml(systemName(system.name))} claims${Object.keys(spec.options).length ? " at these options" : ""}: ${escapeHtml(claimed.cap)}${claimed.model ? `, ${escapeHtml(claimed.model)}` : ""}${(claimed.notes ?? []).map((n) => ` — ${escapeHtml(n)}`).join("")}</p>
${claims.length ? table(["claim", "verdict", "decided by", "evidence"], claims.map((c) => [c.claimed === false ? `${c.claim} (not claimed)` : c.claim, raw(`<span class="${c.verdict === "held" ? "held" : c.verdict === "refuted" ? "refuted" : "unknown"}">${escapeHtml(c.verdict)}</span>`), c.decidedBy ?? "", c.evidence])) : "<p>No claims to judge.</p>"}`);

  if (workload) {
    sections.push(`<h2>Checker: ${escapeHtml(spec.workload)} ${verdictBadge(workload.valid)}</h2>`);
    sections.push(...(await evidenceSections(workload, history, (anomaly) => renderCycleSvg(anomaly as CycleEvidence))));
  }

  sections.push(...page.sections);
  if (stats) sections.push(availabilitySection(stats, page.bands));
  if (stats) sections.push(latencySection(stats));
  sections.push(clockOffsetSection(history));
  sections.push(membershipSection(history));
  sections.push(faultDetailsSection(history));
  sections.push(filesSection(input.runDir));
  sections.push(rawResults(results));
  return htmlPage(`${spec.name} — Faultline`, sections, page.data);
}

export interface CheckReportInput {
  /** Where the history came from, as the user named it. */
  historyPath: string;
  workload: string;
  /** `faultline check`'s results: the workload checker's own result (plus unknownBecause). */
  results: CheckResult;
  history: readonly Op[];
}

/** The same page for a history recorded elsewhere (a Jepsen history.edn or log, a Porcupine log,
 *  another run's history.jsonl): verdict, evidence, Porcupine-style view, plots and timeline.
 *  There is no system and so no claims; availability comes from the history's own nemesis ops. */
export async function renderCheckReport(input: CheckReportInput): Promise<string> {
  const { results, history } = input;
  const stats = statsChecker({ faultOps: FAULT_OPS }).check(history, {}) as StatsResult;
  const page = pageParts(history, stats);
  const title = `${input.historyPath} — ${input.workload}`;
  const sections: string[] = [];
  sections.push(`<h1>${escapeHtml(input.historyPath)} ${verdictBadge(results.valid)}</h1>
<p class="meta">A history checked on its own: workload ${escapeHtml(input.workload)} · ${history.length.toLocaleString("en")} history entries · ${page.data.endS.toFixed(1)} s${page.data.unpaired ? ` · ${page.data.unpaired} completions matched no invocation` : ""}</p>
<p class="meta">Re-check: <code>faultline check ${escapeHtml(input.historyPath)} --workload ${escapeHtml(input.workload)}</code></p>`);
  sections.push(verdictInWords(verdictSentence({ workload: results, stats, bands: page.bands }, [], results.valid), results));
  sections.push(`<h2>Checker: ${escapeHtml(input.workload)} ${verdictBadge(results.valid)}</h2>`);
  sections.push(...(await evidenceSections(results, history, (anomaly) => renderCycleSvg(anomaly as CycleEvidence))));
  sections.push(...page.sections);
  sections.push(availabilitySection(stats, page.bands));
  sections.push(latencySection(stats));
  sections.push(rawResults(results));
  return htmlPage(title, sections, page.data);
}

function verdictClass(verdict: string): string {
  return verdict === "held" ? "held" : verdict === "refuted" ? "refuted" : "unknown";
}

/** The run in one sentence, and why it is unknown when it is. */
function verdictInWords(sentence: string, results: CheckResult): string {
  const reasons = results.valid === "unknown" ? unknownInWords(results) : [];
  return `<p class="in-words">${escapeHtml(sentence)}</p>${reasons.length ? `<ul class="why-unknown">${reasons.map((reason) => `<li>Why unknown: ${escapeHtml(reason)}</li>`).join("")}</ul>` : ""}`;
}

function rawResults(results: CheckResult): string {
  return `<h2>Raw results</h2><details><summary>results.json</summary><pre>${escapeHtml(JSON.stringify(results, null, 2).slice(0, 400_000))}</pre></details>`;
}

interface PageParts {
  bands: FaultBand[];
  data: PageData & Record<string, unknown>;
  /** The perf graphs and the timeline. */
  sections: string[];
}

function clusterNodesOf(history: readonly Op[], windows: readonly WindowStats[]): string[] {
  const nodes = new Set<string>();
  for (const op of history) if (op.node !== undefined && op.process !== "nemesis") nodes.add(String(op.node));
  for (const window of windows) {
    for (const node of window.nodes ?? []) nodes.add(node);
    if (window.partition) for (const [node, unheard] of Object.entries(window.partition.grudge)) [node, ...unheard].forEach((name) => nodes.add(name));
  }
  return [...nodes];
}

function pageParts(history: readonly Op[], stats: StatsResult | undefined): PageParts {
  const packed = packHistory(history);
  const windows = stats?.faults.windows ?? [];
  const bands = faultBands(windows, history, clusterNodesOf(history, windows), packed.originNs);
  const plots = packed.timeless ? {} : perfPlots(packed, bands);
  const data = {
    ...packed,
    faults: bands.map(({ kind, label, detail, startS, endS }) => ({ kind, label, detail, startS, endS })),
    faultColors: FAULT_COLORS,
    minLatencyMs: MIN_LATENCY_MS,
    maxPoints: MAX_PLOTTED_POINTS,
    plots,
  };
  const legend = Object.entries(OUTCOME_COLORS)
    .map(([outcome, color]) => `<span class="swatch" style="background:${color}"></span>${outcome}`)
    .join(" ");
  const plotSections = [
    `<h2>Latency</h2><p class="meta">Every completed client op at its invocation time, its latency on a log scale, coloured by outcome; lines: latency quantiles of ok ops over time. Shaded: fault windows (hover for the fault).</p><p class="meta" id="plot-latency-note"></p><div class="plot" id="plot-latency" data-vega-spec="latency"></div>`,
    `<h2>Throughput</h2><p class="meta">Completions per second by outcome, fault windows shaded.</p><div class="plot" id="plot-throughput" data-vega-spec="throughput"></div>`,
  ];
  const sections = [
    ...(packed.timeless ? [`<h2>Latency and throughput</h2><p class="meta">This history records no times, so there is no latency or throughput to plot; the timeline below lays its ops out by their position in the history.</p>`] : plotSections),
    `<h2>Timeline</h2><p class="meta">One row per process (the nemesis first), one bar per op from invocation to completion${packed.timeless ? " (by position in the history: it records no times)" : ""}: ${legend}. Fault windows across it. Hover a bar for the op; wheel to zoom, drag to pan, double-click to reset. ${packed.ops.p.length.toLocaleString("en")} ops.</p>
<div class="timeline" id="timeline"><canvas id="timeline-canvas"></canvas><canvas id="timeline-overlay"></canvas><div class="timeline-tip" id="timeline-tip" hidden></div></div>`,
  ];
  return { bands, data, sections };
}

// From the source tree even when this module runs from dist/ (tsc does not copy the page script).
const PAGE_SCRIPT = readFileSync(sourcePath(new URL("./client/report-page.js", import.meta.url)), "utf8");

const PAGE_CSS = `
.in-words{font-size:16px;background:#fff;border-left:4px solid #0969da;padding:10px 14px;margin:14px 0}
ul.claims li{margin:4px 0}.held-claim::marker{color:#1a7f37}.refuted-claim::marker{color:#cf222e}
.plot{background:#fff;border:1px solid #d8dde3;padding:6px 0;min-height:120px;width:auto}
.timeline{position:relative;background:#fff;border:1px solid #d8dde3;overflow:hidden}
.timeline canvas{position:absolute;left:0;top:0}#timeline-overlay{cursor:crosshair}
.timeline-tip{position:absolute;z-index:2;white-space:pre;font:12px ui-monospace,Menlo,Consolas,monospace;background:#fff;border:1px solid #8c959f;border-radius:4px;padding:6px 8px;box-shadow:0 2px 8px rgba(0,0,0,.15);pointer-events:none;max-width:380px;overflow:hidden}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin:0 3px 0 8px;vertical-align:-1px}
.porcupine-headline{font-size:15px}table.prefix td:first-child{text-align:right}
svg.partition{display:block}
`;

function htmlPage(title: string, sections: readonly string[], data: unknown): string {
  const nonce = randomBytes(16).toString("base64");
  const csp = `default-src 'none'; script-src 'nonce-${nonce}' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${csp}"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title><style>${BASE_CSS}${PAGE_CSS}</style></head><body><main>${sections.join("\n")}</main>
<script type="application/json" id="faultline-data">${jsonForScript(data)}</script>
<script nonce="${nonce}">${vegaRuntime()}</script>
<script nonce="${nonce}">${PAGE_SCRIPT}</script>
</body></html>\n`;
}

function availabilityRow(label: string, a: Availability | null | undefined): unknown[] {
  if (!a) return [label, "–", "–", "–", "–", "–"];
  return [label, a.total, a.ok, a.fail, a.info, percent(a.availability ?? undefined)];
}

function availabilitySection(stats: StatsResult, bands: readonly FaultBand[]): string {
  const rows: unknown[][] = [availabilityRow("all client ops", stats.availability)];
  rows.push(availabilityRow("outside faults", stats.faults.outsideFaults));
  rows.push(availabilityRow("inside any fault", stats.faults.insideAnyFault));
  for (const [fault, a] of Object.entries(stats.faults.byFault)) rows.push(availabilityRow(`  during ${fault}`, a));
  if (stats.faults.partitions) {
    rows.push(availabilityRow("  partition: majority side", stats.faults.partitions.majoritySide));
    rows.push(availabilityRow("  partition: minority side", stats.faults.partitions.minoritySide));
  }
  const windows = mergeWindowsByStart(stats.faults.windows).map((w, i) => {
    const band = bands[i];
    const layout = band?.partition ? raw(`${partitionSvg(band.partition)}<div>${escapeHtml(band.partition.detail)}</div>`) : "";
    return [
      band?.label ?? w.label,
      `${(w.startNs / 1e9).toFixed(2)}s`,
      `${(w.endNs / 1e9).toFixed(2)}s${w.open ? " (never stopped)" : ""}${w.uncertain ? " (uncertain)" : ""}`,
      w.availability.total,
      percent(w.availability.availability ?? undefined),
      w.partition ? byNodeText(w, band?.partition?.majority ?? []) : "",
      layout,
    ];
  });
  return `<h2>Availability</h2>
<p class="meta">ok / (ok + fail + info) of client ops. Reported, not judged: a CP system that refuses the minority side is keeping its promise.</p>
${table(["ops", "total", "ok", "fail", "info", "available"], rows)}
${windows.length ? `<details open><summary>Fault windows (${windows.length})</summary>${table(["fault", "start", "end", "ops", "available", "per node", "layout"], windows)}</details>` : ""}`;
}

/** Availability on each node during a partition, nodes reaching a majority marked. */
function byNodeText(window: WindowStats, majority: readonly string[]): string {
  return Object.entries(window.byNode)
    .map(([node, a]) => `${node}${majority.includes(node) ? " (majority)" : ""}: ${percent(a.availability ?? undefined)} of ${a.total}`)
    .join(" | ");
}

function latencySection(stats: StatsResult): string {
  const ms = (v: number | null) => (v === null ? "–" : v.toFixed(v < 10 ? 2 : 0));
  const rows = Object.entries(stats.byF).map(([f, s]) => [f, s.total, s.ok, s.fail, s.info, percent(s.availability ?? undefined), ms(s.latencyMs.p50), ms(s.latencyMs.p90), ms(s.latencyMs.p99), ms(s.latencyMs.max)]);
  return `<h2>Ops and latency by function</h2>${table(["f", "total", "ok", "fail", "info", "available", "p50 ms", "p90 ms", "p99 ms", "max ms"], rows)}`;
}

function filesSection(runDir: string): string {
  const links: string[] = [];
  for (const file of [RUN_FILES.history, RUN_FILES.results, RUN_FILES.spec, RUN_FILES.log]) {
    if (existsSync(join(runDir, file)) || file === RUN_FILES.results) links.push(`<li><a href="${file}">${file}</a></li>`);
  }
  const nodesDir = join(runDir, RUN_FILES.nodes);
  const nodeLinks: string[] = [];
  if (existsSync(nodesDir)) {
    for (const node of readdirSync(nodesDir).sort()) {
      const dir = join(nodesDir, node);
      if (!statSync(dir).isDirectory()) continue;
      const logs = readdirSync(dir).filter((f) => f.endsWith(".log")).sort();
      if (logs.length) nodeLinks.push(`<li>${escapeHtml(node)}: ${logs.map((f) => `<a href="${escapeHtml(relative(runDir, join(dir, f)))}">${escapeHtml(f)}</a>`).join(", ")}</li>`);
    }
  }
  return `<h2>Files</h2><ul>${links.join("")}</ul>${nodeLinks.length ? `<p>Node logs:</p><ul>${nodeLinks.join("")}</ul>` : ""}`;
}
