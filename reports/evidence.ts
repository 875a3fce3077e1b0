// The evidence behind a checker's verdict, as HTML: the ops a linearizability failure could not
// place, each transactional anomaly with its proof and cycle graph, and every non-empty list of
// bad things (lost elements, overlapping lock holders …) the other checkers report.

import type { CheckResult } from "../checkers/checker.ts";
import type { LinearizabilityFailure } from "../checkers/linearizable/check.ts";
import type { Op } from "../harness/op.ts";
import { escapeHtml, table } from "./html.ts";
import { cycleInWords } from "./in-words.ts";
import { pairLeniently } from "./page-data.ts";
import { porcupineView } from "./porcupine-view.ts";

/** Lists longer than this are cut in the report (the full list is in results.json). */
const MAX_ROWS = 200;

export type CycleRenderer = (anomaly: unknown) => Promise<string>;

export async function evidenceSections(result: CheckResult, history: readonly Op[], renderCycle?: CycleRenderer): Promise<string[]> {
  const out: string[] = [];
  if (typeof result.reason === "string") out.push(`<p><strong>${result.valid === "unknown" ? "Why unknown" : "Note"}:</strong> ${escapeHtml(result.reason)}</p>`);
  if (Array.isArray(result.failures)) out.push(...linearizabilityFailures(result.failures as LinearizabilityFailure[], history, result.model));
  if (result.anomalies && typeof result.anomalies === "object") out.push(...(await anomalies(result, renderCycle)));
  out.push(...otherLists(result));
  if (out.length === 0) out.push(`<p>${result.valid === true ? "Nothing to report: every check passed." : "The checker gave no further detail; see results.json."}</p>`);
  return out;
}

function linearizabilityFailures(failures: LinearizabilityFailure[], history: readonly Op[], modelName: unknown): string[] {
  const more = failures.length > 20 ? [`<p class="meta">${failures.length - 20} more non-linearizable keys in results.json.</p>`] : [];
  const completions = new Map(pairLeniently(history).pairs.map((pair) => [pair.invoke.index, pair]));
  const sections = failures.slice(0, 20).map(
    (failure, i) => `<details class="linearizability"${i < 3 ? " open" : ""}><summary>key ${escapeHtml(failure.key ?? "(none)")}: not linearizable</summary>${porcupineView(failure, history, modelName, completions)}</details>`,
  );
  return [...sections, ...more];
}

async function anomalies(result: CheckResult, renderCycle?: CycleRenderer): Promise<string[]> {
  const byType = result.anomalies as Record<string, unknown[]>;
  const out: string[] = [];
  const header: string[] = [];
  if (Array.isArray(result.anomalyTypes)) header.push(`anomaly types: <strong>${escapeHtml((result.anomalyTypes as string[]).join(", ") || "none")}</strong>`);
  if (Array.isArray(result.not) && result.not.length) header.push(`rules out: <strong>${escapeHtml((result.not as string[]).join(", "))}</strong>`);
  if (Array.isArray(result.alsoNot) && result.alsoNot.length) header.push(`and so also: ${escapeHtml((result.alsoNot as string[]).join(", "))}`);
  if (header.length) out.push(`<p>${header.join(" · ")}</p>`);
  for (const [type, list] of Object.entries(byType)) {
    if (!Array.isArray(list) || list.length === 0) continue;
    const items: string[] = [];
    for (const [i, anomaly] of list.slice(0, 10).entries()) {
      const explanation = typeof (anomaly as { explanation?: unknown }).explanation === "string" ? (anomaly as { explanation: string }).explanation : undefined;
      let svg = "";
      if (renderCycle && i < 3 && Array.isArray((anomaly as { steps?: unknown }).steps)) {
        svg = await renderCycle(anomaly).then((s) => `<div class="svgbox">${s}</div>`).catch((err) => `<p class="meta">(cycle graph unavailable: ${escapeHtml((err as Error).message)})</p>`);
      }
      const words = cycleInWords(anomaly);
      const plain = words ? `<p>The transactions:</p><ul class="txns">${words.ops.map((line) => `<li>${escapeHtml(line)}</li>`).join("")}</ul><p>Why they form a cycle:</p><ol class="steps">${words.steps.map((line) => `<li>${escapeHtml(line)}</li>`).join("")}</ol>` : explanation ? `<p>${escapeHtml(explanation)}</p>` : "";
      items.push(`<li>${plain}${svg}<details><summary>data</summary><pre>${escapeHtml(JSON.stringify(anomaly, null, 2))}</pre></details></li>`);
    }
    out.push(`<details open><summary>${escapeHtml(type)} (${list.length})</summary><ol>${items.join("")}</ol>${list.length > 10 ? `<p class="meta">${list.length - 10} more in results.json</p>` : ""}</details>`);
  }
  return out;
}

/** Any other non-empty list field (lost, unexpected, duplicated, overlaps, bad reads …). */
function otherLists(result: CheckResult): string[] {
  const out: string[] = [];
  for (const [field, value] of Object.entries(result)) {
    // consistencyModels echoes what was asked for, not something found.
    if (["failures", "anomalies", "anomalyTypes", "not", "alsoNot", "consistencyModels"].includes(field)) continue;
    if (!Array.isArray(value) || value.length === 0) continue;
    const rows = value.slice(0, MAX_ROWS).map((item) => [typeof item === "object" ? JSON.stringify(item) : String(item)]);
    out.push(`<details${result.valid === false ? " open" : ""}><summary>${escapeHtml(field)} (${value.length})</summary>${table([field], rows)}${value.length > MAX_ROWS ? `<p class="meta">${value.length - MAX_ROWS} more in results.json</p>` : ""}</details>`);
  }
  return out;
}

