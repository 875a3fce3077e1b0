// A linearizability failure the way Porcupine shows one, for one failing key: the ops around the
// failure as bars per process on a time axis, the longest linearizable prefix numbered in the
// order the search placed it, the model's state after each of those ops, and the op that cannot
// be placed — with the state it would have had to follow. The states come from replaying the
// model (checkers/linearizable/models) along the prefix; the checker's own final states close it.

import type { FailedOp, LinearizabilityFailure } from "../checkers/linearizable/check.ts";
import { models } from "../checkers/linearizable/check.ts";
import type { Model } from "../checkers/linearizable/model.ts";
import type { Op } from "../harness/op.ts";
import { indexLookup } from "./fault-bands.ts";
import { escapeHtml, raw, table } from "./html.ts";
import type { LoosePair } from "./page-data.ts";

/** Prefix ops drawn and listed before the failure; earlier ones are counted. */
const SHOWN_PREFIX = 24;

interface Placed {
  order: number;
  invoke: Op;
  completion: Op | undefined;
  describe: string;
  /** The model's state(s) after it, described; undefined when the model could not be replayed. */
  after: string | undefined;
}

/** `model.step` for deterministic and nondeterministic models alike: every state it may lead to. */
function stepAll(model: Model<unknown, unknown, unknown>, states: readonly unknown[], input: unknown, output: unknown): unknown[] {
  const next: unknown[] = [];
  for (const state of states) {
    const result = model.step(state, input, output);
    if (Array.isArray(result)) {
      for (const candidate of result) if (!next.some((known) => model.equal(known, candidate))) next.push(candidate);
    } else if ((result as { ok: boolean }).ok) {
      const candidate = (result as { state: unknown }).state;
      if (!next.some((known) => model.equal(known, candidate))) next.push(candidate);
    }
  }
  return next;
}

function replay(model: Model<unknown, unknown, unknown> | undefined, prefix: readonly { invoke: Op; completion: Op | undefined }[]): { describe: string[]; after: (string | undefined)[] } {
  const describe: string[] = [];
  const after: (string | undefined)[] = [];
  let states: unknown[] | undefined = model ? [model.init()] : undefined;
  for (const { invoke, completion } of prefix) {
    let text = `${invoke.f} ${JSON.stringify(invoke.value) ?? ""}`;
    if (model) {
      try {
        const operation = model.operation(invoke, completion?.type === "ok" ? completion : undefined);
        if (operation) {
          text = model.describeOperation(operation.input, operation.output) + (completion?.type === "ok" ? "" : " (indeterminate)");
          if (states) {
            const next = stepAll(model, states, operation.input, operation.output);
            states = next.length > 0 ? next : undefined;
          }
        }
      } catch {
        states = undefined;
      }
    }
    describe.push(text);
    after.push(model && states ? states.map((state) => model.describeState(state)).join(" or ") : undefined);
  }
  return { describe, after };
}

/** Times as seconds, or as history positions for a history without times (readers fill in
 *  each op's index as its time, harness/history/read.ts). */
function timeFormat(history: readonly Op[]): (ns: number) => string {
  return history.length > 1 && history.every((op) => op.time === op.index) ? (ns) => `#${ns}` : (ns) => `${(ns / 1e9).toFixed(3)} s`;
}

export function porcupineView(failure: LinearizabilityFailure, history: readonly Op[], modelName: unknown, completions: ReadonlyMap<number, LoosePair>): string {
  const seconds = timeFormat(history);
  const model = typeof modelName === "string" && modelName in models ? (models[modelName as keyof typeof models] as Model<unknown, unknown, unknown>) : undefined;
  const lookup = indexLookup(history);
  const prefixOps = failure.longestLinearizablePrefix.map((index) => ({ invoke: lookup(index), completion: completions.get(index)?.completion })).filter((entry): entry is { invoke: Op; completion: Op | undefined } => entry.invoke !== undefined);
  const replayed = replay(model, prefixOps);
  const placed: Placed[] = prefixOps.map((entry, i) => ({ order: i + 1, ...entry, describe: replayed.describe[i], after: replayed.after[i] }));
  const shown = placed.slice(-SHOWN_PREFIX);
  const stuck = failure.ops[0];
  const stateBefore = failure.finalStates.join(" or ") || "(none)";
  const keyText = failure.key === null ? "the history" : `key ${JSON.stringify(failure.key)}`;

  const headline = stuck
    ? `<p class="porcupine-headline">After <strong>${placed.length}</strong> op${placed.length === 1 ? "" : "s"} of ${escapeHtml(keyText)} that can be put in one legal order (the longest linearizable prefix), <strong class="refuted">op #${stuck.index}</strong> (process ${escapeHtml(String(stuck.process))}, <code>${escapeHtml(stuck.describe)}</code>) cannot be placed: the model's state before it is <code>${escapeHtml(stateBefore)}</code>, where it is ${stuck.nextFromFinalState === "illegal" ? "illegal" : "legal, but every order of the remaining ops dead-ends"}.</p>`
    : "";
  const svg = timelineSvg(shown, failure.ops, completions, lookup, placed.length, seconds);
  const rows: unknown[][] = shown.map((entry) => [entry.order, `#${entry.invoke.index}`, String(entry.invoke.process), entry.describe, seconds(entry.invoke.time), entry.completion ? `${seconds(entry.completion.time)} (${entry.completion.type})` : "never", entry.after ?? "–"]);
  if (stuck) rows.push([raw('<span class="refuted">✗</span>'), `#${stuck.index}`, String(stuck.process), stuck.describe, timeOf(lookup, stuck.index, seconds), stuck.completionIndex === null ? "–" : timeOf(lookup, stuck.completionIndex, seconds), raw(`<span class="refuted">cannot be placed; state before it: ${escapeHtml(stateBefore)}</span>`)]);
  const earlier = placed.length > shown.length ? `<p class="meta">${placed.length - shown.length} earlier ops of the prefix not listed (orders 1–${placed.length - shown.length}).</p>` : "";
  const pending = failure.ops.slice(1);
  const pendingTable = pending.length
    ? `<p>Other ops pending with it, none of which opens a way:</p>${table(["invoke #", "process", "op", "next from that state"], pending.map((op) => [`#${op.index}`, String(op.process), op.describe, op.nextFromFinalState]))}${failure.omittedOps ? `<p class="meta">${failure.omittedOps} more pending ops omitted.</p>` : ""}`
    : "";
  return `<div class="porcupine">${headline}${svg}${earlier}${table(["order", "op", "process", "op", "invoked", "completed", "state after"], rows, { className: "prefix" })}${pendingTable}<p class="meta">${escapeHtml(failure.explanation)}</p></div>`;
}

function timeOf(lookup: (index: number) => Op | undefined, index: number, seconds: (ns: number) => string): string {
  const op = lookup(index);
  return op ? seconds(op.time) : "–";
}

/** Bars per process: the prefix ops shown (green, numbered by linearization order), the op that
 *  cannot be placed (red) and the others pending with it (amber). */
function timelineSvg(
  shown: readonly Placed[],
  failed: readonly FailedOp[],
  completions: ReadonlyMap<number, LoosePair>,
  lookup: (index: number) => Op | undefined,
  prefixLength: number,
  seconds: (ns: number) => string,
): string {
  interface Bar {
    invoke: Op;
    endNs: number | null;
    kind: "placed" | "stuck" | "pending";
    label: string;
    title: string;
  }
  const bars: Bar[] = shown.map((entry) => ({
    invoke: entry.invoke,
    endNs: entry.completion?.time ?? null,
    kind: "placed",
    label: String(entry.order),
    title: `op #${entry.invoke.index}, process ${String(entry.invoke.process)}: ${entry.describe} — placed ${entry.order} of ${prefixLength}${entry.after === undefined ? "" : `; state after: ${entry.after}`}`,
  }));
  failed.forEach((op, i) => {
    const invoke = lookup(op.index);
    if (!invoke) return;
    bars.push({ invoke, endNs: completions.get(op.index)?.completion?.time ?? null, kind: i === 0 ? "stuck" : "pending", label: i === 0 ? "✗" : "?", title: `op #${op.index}, process ${String(op.process)}: ${op.describe} — ${i === 0 ? "cannot be placed" : "pending"}; next from the state reached: ${op.nextFromFinalState}` });
  });
  if (bars.length === 0) return "";
  const processes = [...new Set(bars.map((bar) => String(bar.invoke.process)))].sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  const known = bars.flatMap((bar) => (bar.endNs === null ? [bar.invoke.time] : [bar.invoke.time, bar.endNs]));
  const t0 = Math.min(...known);
  const t1 = Math.max(...known);
  const span = Math.max(1, t1 - t0);
  const open = t1 + span * 0.06;
  const WIDTH = 1100;
  const LEFT = 86;
  const ROW = 26;
  const height = processes.length * ROW + 30;
  const x = (ns: number) => LEFT + ((ns - t0) / (open - t0)) * (WIDTH - LEFT - 10);
  const colors = { placed: ["#dafbe1", "#1a7f37"], stuck: ["#ffebe9", "#cf222e"], pending: ["#fff8c5", "#9a6700"] } as const;
  const parts: string[] = [];
  processes.forEach((process, row) => parts.push(`<text x="${LEFT - 8}" y="${row * ROW + 17}" font-size="11" text-anchor="end" fill="#57606a">process ${escapeHtml(process)}</text>`));
  for (const bar of bars) {
    const row = processes.indexOf(String(bar.invoke.process));
    const x0 = x(bar.invoke.time);
    const x1 = bar.endNs === null ? x(open) : x(bar.endNs);
    const [fillColor, stroke] = colors[bar.kind];
    parts.push(
      `<g class="op ${bar.kind}"><title>${escapeHtml(bar.title)}</title><rect x="${x0.toFixed(1)}" y="${row * ROW + 4}" width="${Math.max(3, x1 - x0).toFixed(1)}" height="${ROW - 8}" rx="3" fill="${fillColor}" stroke="${stroke}"${bar.endNs === null ? ' stroke-dasharray="4 2"' : ""}/>` +
        `<text x="${(x0 + 4).toFixed(1)}" y="${row * ROW + 17}" font-size="10" fill="${stroke}">${escapeHtml(bar.label)}</text></g>`,
    );
  }
  parts.push(`<text x="${LEFT}" y="${height - 8}" font-size="10" fill="#57606a">${seconds(t0)}</text><text x="${WIDTH - 10}" y="${height - 8}" font-size="10" text-anchor="end" fill="#57606a">${seconds(t1)}</text>`);
  return `<div class="svgbox"><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" width="100%" role="img" aria-label="longest linearizable prefix and the op that cannot be placed">${parts.join("")}</svg></div><p class="meta">Green: the last ${shown.length} ops of the longest linearizable prefix, numbered in the order they take effect (hover for the state after each). Red: the op that cannot be placed. Amber: other ops pending with it. Dashed: no known completion.</p>`;
}
