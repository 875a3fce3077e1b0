// report.html for one run: verdict and claims first, then the evidence, availability, latency,
// a timeline of ops and faults, and links to every file the run wrote. Self-contained (inline CSS
// and SVG, no scripts to load), so it opens offline and can be mailed around.

import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import type { CheckResult } from "../checkers/checker.ts";
import type { Availability, StatsResult } from "../checkers/stats.ts";
import type { System } from "../clusters/system.ts";
import { describeRunEnding, type ClaimJudgement } from "../harness/store/results.ts";
import type { Op } from "../harness/op.ts";
import { describeNemesis, replayArgs, type TestSpec } from "../harness/spec/test-spec.ts";
import { RUN_FILES } from "../harness/store/store.ts";
import { evidenceSections } from "./evidence.ts";
import { renderCycleSvg } from "../checkers/elle/svg.ts";
import type { CycleEvidence } from "../checkers/elle/explain.ts";
import { BASE_CSS, escapeHtml, percent, raw, table, verdictBadge } from "./html.ts";
import { mergeWindowsByStart, timelineSvg } from "./timeline-svg.ts";

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
  const durationS = history.length ? history[history.length - 1].time / 1e9 : 0;

  const sections: string[] = [];
  // An interrupted or crashed run says so next to its verdict, before anything else.
  const ending = describeRunEnding(results);
  sections.push(`<h1>${escapeHtml(spec.name)} ${verdictBadge(results.valid)}${ending ? ` <span class="badge unknown">${results.crashed ? "CRASHED" : "INTERRUPTED"}</span>` : ""}</h1>
${ending ? `<p class="ending"><strong>${escapeHtml(ending)}</strong></p>` : ""}
<p class="meta">${escapeHtml(spec.system)} on the ${escapeHtml(spec.runtime)} runtime, ${spec.nodes} nodes · workload ${escapeHtml(spec.workload)} · nemesis ${escapeHtml(describeNemesis(spec))}${spec.bugs.length ? ` · <strong>bugs on: ${escapeHtml(spec.bugs.join(", "))}</strong>` : ""} · seed ${spec.seed} · ${durationS.toFixed(1)} s · ${history.length} history entries</p>
<p class="meta">Replay: <code>faultline run ${escapeHtml(replayArgs(spec).join(" "))}</code></p>`);

  sections.push(`<h2>Claims</h2>
<p class="meta">${escapeHtml(system.name)} claims: ${escapeHtml(system.claims.cap)}${system.claims.model ? `, ${escapeHtml(system.claims.model)}` : ""}${(system.claims.notes ?? []).map((n) => ` — ${escapeHtml(n)}`).join("")}</p>
${claims.length ? table(["claim", "verdict", "decided by", "evidence"], claims.map((c) => [c.claimed === false ? `${c.claim} (not claimed)` : c.claim, raw(`<span class="${c.verdict === "held" ? "held" : c.verdict === "refuted" ? "refuted" : "unknown"}">${escapeHtml(c.verdict)}</span>`), c.decidedBy ?? "", c.evidence])) : "<p>No claims to judge.</p>"}`);

  if (workload) {
    sections.push(`<h2>Checker: ${escapeHtml(spec.workload)} ${verdictBadge(workload.valid)}</h2>`);
    sections.push(...(await evidenceSections(workload, history, (anomaly) => renderCycleSvg(anomaly as CycleEvidence))));
  }

  if (stats) sections.push(availabilitySection(stats));
  sections.push(`<h2>Timeline</h2><p class="meta">Each dot is a client op at its invocation time; height is its latency. Shaded bands are faults.</p><div class="svgbox">${timelineSvg(history, stats?.faults.windows ?? [])}</div>`);
  if (stats) sections.push(latencySection(stats));
  sections.push(filesSection(input.runDir));
  sections.push(`<h2>Raw results</h2><details><summary>results.json</summary><pre>${escapeHtml(JSON.stringify(results, null, 2).slice(0, 400_000))}</pre></details>`);

  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(spec.name)} — Faultline</title><style>${BASE_CSS}</style></head><body><main>${sections.join("\n")}</main></body></html>\n`;
}

function availabilityRow(label: string, a: Availability | null | undefined): unknown[] {
  if (!a) return [label, "–", "–", "–", "–", "–"];
  return [label, a.total, a.ok, a.fail, a.info, percent(a.availability ?? undefined)];
}

function availabilitySection(stats: StatsResult): string {
  const rows: unknown[][] = [availabilityRow("all client ops", stats.availability)];
  rows.push(availabilityRow("outside faults", stats.faults.outsideFaults));
  rows.push(availabilityRow("inside any fault", stats.faults.insideAnyFault));
  for (const [fault, a] of Object.entries(stats.faults.byFault)) rows.push(availabilityRow(`  during ${fault}`, a));
  if (stats.faults.partitions) {
    rows.push(availabilityRow("  partition: majority side", stats.faults.partitions.majoritySide));
    rows.push(availabilityRow("  partition: minority side", stats.faults.partitions.minoritySide));
  }
  const windows = mergeWindowsByStart(stats.faults.windows).map((w) => [
    w.label,
    `${(w.startNs / 1e9).toFixed(2)}s`,
    `${(w.endNs / 1e9).toFixed(2)}s${w.open ? " (never stopped)" : ""}${w.uncertain ? " (uncertain)" : ""}`,
    w.availability.total,
    percent(w.availability.availability ?? undefined),
    w.sides ? w.sides.map((s) => `${s.nodes.join(",")}${s.majority ? " (majority)" : ""}: ${percent(s.availability ?? undefined)} of ${s.total}`).join(" | ") : "",
  ]);
  return `<h2>Availability</h2>
<p class="meta">ok / (ok + fail + info) of client ops. Reported, not judged: a CP system that refuses the minority side is keeping its promise.</p>
${table(["ops", "total", "ok", "fail", "info", "available"], rows)}
${windows.length ? `<details open><summary>Fault windows (${windows.length})</summary>${table(["fault", "start", "end", "ops", "available", "per side"], windows)}</details>` : ""}`;
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
