// Every op of a history, packed for the report page: one column per field (numbers, times in
// microseconds, start times as deltas), every string (processes, fs, values, errors, nodes) once
// in a table. The page's timeline and its latency plot both read it, so a 100,000-op history is
// embedded once, in a few MB, and parsed with one JSON.parse. Strings stay data: the page only
// ever puts them into the DOM as text.

import type { Op, Process } from "../harness/op.ts";

/** An invocation with its completion; `completion` absent when the history ended first. Pairs
 *  leniently (a foreign history may break the protocol): a completion with no open invoke on its
 *  process is skipped and counted, an invoke on a busy process leaves the earlier op open. */
export interface LoosePair {
  invoke: Op;
  completion?: Op;
}

export function pairLeniently(history: readonly Op[]): { pairs: LoosePair[]; unpaired: number } {
  const pairs: LoosePair[] = [];
  const open = new Map<Process, LoosePair>();
  let unpaired = 0;
  for (const op of history) {
    const pending = open.get(op.process);
    if (op.type === "invoke" || (op.process === "nemesis" && op.type === "info" && pending === undefined)) {
      const pair: LoosePair = { invoke: op };
      pairs.push(pair);
      open.set(op.process, pair);
    } else if (pending) {
      pending.completion = op;
      open.delete(op.process);
    } else unpaired++;
  }
  return { pairs, unpaired };
}

export const OUTCOMES = ["ok", "fail", "info", "open"] as const;
export type PageOutcome = (typeof OUTCOMES)[number];

export interface PackedOps {
  /** Row in `procs`. */
  p: number[];
  /** Invocation time in µs, as the difference to the previous op's (ops in invocation order). */
  s: number[];
  /** Invocation to completion in µs; -1 when it never completed. */
  d: number[];
  /** Index in OUTCOMES. */
  o: number[];
  /** Index in `fs`. */
  f: number[];
  /** Invoke's history index, as the difference to the previous op's. */
  i: number[];
  /** Completion's history index minus the invoke's; -1 when none. */
  c: number[];
  /** Invoke value, completion value (-1: none), error (-1: none), node (-1: none), key (-1: none):
   *  indexes in `strs`. */
  v: number[];
  r: number[];
  e: number[];
  n: number[];
  k: number[];
}

export interface PageData {
  procs: string[];
  fs: string[];
  strs: string[];
  ops: PackedOps;
  /** The history records no times (every op at one instant, or times that are only the indexes a
   *  reader filled in, as for many EDN files): ops are laid
   *  out by position instead, one microsecond per history entry, and there is nothing to plot. */
  timeless: boolean;
  /** Time 0 of the page, in the history's nanoseconds: its earliest op. */
  originNs: number;
  /** Seconds from the first to the last op. */
  endS: number;
  clientOps: number;
  unpaired: number;
}

/** Longest value text kept per op; the full value is in the history file. */
const MAX_TEXT = 240;

export function showText(value: unknown): string {
  const text = typeof value === "string" ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
}

class Table {
  readonly list: string[] = [];
  private readonly index = new Map<string, number>();
  of(text: string): number {
    let i = this.index.get(text);
    if (i === undefined) {
      i = this.list.length;
      this.list.push(text);
      this.index.set(text, i);
    }
    return i;
  }
}

/** Process rows: the nemesis first, then client processes in numeric order. */
function processRows(pairs: readonly LoosePair[]): Map<Process, number> {
  const processes = [...new Set(pairs.map((pair) => pair.invoke.process))];
  processes.sort((a, b) => (a === "nemesis" ? -1 : b === "nemesis" ? 1 : typeof a === "number" && typeof b === "number" ? a - b : String(a).localeCompare(String(b))));
  return new Map(processes.map((process, row) => [process, row]));
}

export function packHistory(history: readonly Op[]): PageData {
  const { pairs, unpaired } = pairLeniently(history);
  pairs.sort((a, b) => a.invoke.time - b.invoke.time || a.invoke.index - b.invoke.index);
  const rows = processRows(pairs);
  const strs = new Table();
  const fs = new Table();
  const ops: PackedOps = { p: [], s: [], d: [], o: [], f: [], i: [], c: [], v: [], r: [], e: [], n: [], k: [] };
  let startNs = history.length ? Infinity : 0;
  let lastNs = 0;
  for (const op of history) {
    startNs = Math.min(startNs, op.time);
    lastNs = Math.max(lastNs, op.time);
  }
  // Readers give ops without a time their index as one (harness/history/read.ts): that is no
  // clock either.
  const timeless = history.length > 1 && (lastNs === startNs || history.every((op) => op.time === op.index));
  // By position when there are no times: an op's "time" is its index, in µs.
  const timeOf = timeless ? (op: Op) => op.index * 1000 : (op: Op) => op.time;
  if (timeless) startNs = 0;
  let lastUs = 0;
  let lastIndex = 0;
  let endNs = startNs;
  let clientOps = 0;
  for (const { invoke, completion } of pairs) {
    const us = Math.round((timeOf(invoke) - startNs) / 1000);
    ops.p.push(rows.get(invoke.process) as number);
    ops.s.push(us - lastUs);
    lastUs = us;
    ops.d.push(completion ? Math.max(0, Math.round((timeOf(completion) - timeOf(invoke)) / 1000)) : -1);
    ops.o.push(completion ? Math.max(0, OUTCOMES.indexOf(completion.type as PageOutcome)) : 3);
    ops.f.push(fs.of(invoke.f));
    ops.i.push(invoke.index - lastIndex);
    lastIndex = invoke.index;
    ops.c.push(completion ? completion.index - invoke.index : -1);
    ops.v.push(strs.of(showText(invoke.value)));
    ops.r.push(completion && completion.value !== undefined ? strs.of(showText(completion.value)) : -1);
    const error = completion?.error ?? invoke.error;
    ops.e.push(error === undefined ? -1 : strs.of(String(error).slice(0, MAX_TEXT)));
    const node = completion?.node ?? invoke.node;
    ops.n.push(node === undefined ? -1 : strs.of(String(node)));
    const key = invoke.key ?? completion?.key;
    ops.k.push(key === undefined ? -1 : strs.of(showText(key)));
    endNs = Math.max(endNs, completion ? timeOf(completion) : timeOf(invoke));
    if (invoke.process !== "nemesis") clientOps++;
  }
  for (const op of history) endNs = Math.max(endNs, timeOf(op));
  const procs = [...rows.keys()].map((process) => (process === "nemesis" ? "nemesis" : String(process)));
  return { procs, fs: fs.list, strs: strs.list, ops, timeless, originNs: startNs, endS: (endNs - startNs) / 1e9, clientOps, unpaired };
}

/** JSON for a <script type="application/json"> element: nothing in it can end the element or open
 *  markup ("<" is written as \u003c), so a value like "</script><img …>" stays a string. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}
