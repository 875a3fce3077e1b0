// Writes generated histories to disk as Faultline and Jepsen write them, a batch of lines at a
// time, for the reader benchmarks and tests: a 1M-transaction history is ~300 MB of EDN, too much
// to build as one string.

import { closeSync, openSync, writeSync } from "node:fs";
import type { Op } from "../../harness/op.ts";

const LINES_PER_WRITE = 10_000;

/** One op map per line, as Jepsen's history.edn: {:index 0, :time 0, :type :invoke, …}. Strings
 *  in `keywordFields` (and the first element of every micro-op in a txn value) are written as
 *  keywords. */
export function writeEdnHistory(path: string, ops: Iterable<Op>): number {
  return writeLines(path, ops, ednLine);
}

/** Faultline's history.jsonl: one JSON op per line. */
export function writeJsonlHistory(path: string, ops: Iterable<Op>): number {
  return writeLines(path, ops, (op) => JSON.stringify(op));
}

function writeLines(path: string, ops: Iterable<Op>, line: (op: Op) => string): number {
  const fd = openSync(path, "w");
  let bytes = 0;
  try {
    let batch: string[] = [];
    const flush = () => {
      if (batch.length === 0) return;
      bytes += writeSync(fd, batch.join("\n") + "\n");
      batch = [];
    };
    for (const op of ops) {
      batch.push(line(op));
      if (batch.length === LINES_PER_WRITE) flush();
    }
    flush();
  } finally {
    closeSync(fd);
  }
  return bytes;
}

export function ednLine(op: Op): string {
  let line = `{:index ${op.index}, :time ${op.time}, :process ${op.process === "nemesis" ? ":nemesis" : op.process}, :type :${op.type}, :f :${op.f}`;
  if (op.key !== undefined) line += `, :key ${ednValue(op.key)}`;
  line += `, :value ${op.f === "txn" ? ednTxn(op.value) : ednValue(op.value)}`;
  if (op.node !== undefined) line += `, :node ${ednValue(op.node)}`;
  if (op.error !== undefined) line += `, :error ${ednValue(op.error)}`;
  if (op.answered === true) line += ", :answered true";
  return `${line}}`;
}

function ednTxn(value: unknown): string {
  if (!Array.isArray(value)) return ednValue(value);
  return `[${value.map((micro) => (Array.isArray(micro) && typeof micro[0] === "string" ? `[:${micro[0]}${micro.slice(1).map((part) => ` ${ednValue(part)}`).join("")}]` : ednValue(micro))).join(" ")}]`;
}

function ednValue(value: unknown): string {
  if (value === null || value === undefined) return "nil";
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(ednValue).join(" ")}]`;
  if (typeof value === "object") return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)} ${ednValue(v)}`).join(", ")}}`;
  throw new Error(`cannot write ${typeof value} as EDN`);
}
