// Small shared vocabulary for the non-transactional checkers: how an op is named in evidence, and
// what an invoke/completion pair finally amounted to. Evidence names ops by index (their place in
// history.jsonl), process and time, so a reader can find them in the report and the raw history.

import type { OpPair } from "../harness/history/pairs.ts";
import type { Op, Process } from "../harness/op.ts";

export interface OpRef {
  index: number;
  process: Process;
  timeNs: number;
  node?: string;
}

export function opRef(op: Op): OpRef {
  return op.node === undefined ? { index: op.index, process: op.process, timeNs: op.time } : { index: op.index, process: op.process, timeNs: op.time, node: op.node };
}

export type Outcome = "ok" | "fail" | "info";

/** An op whose completion never made it into the history may have happened: it counts as info. */
export function outcomeOf(pair: OpPair): Outcome {
  const type = pair.completion?.type;
  return type === "ok" || type === "fail" ? type : "info";
}

/** Where a pair completed, for ordering; an op that never completed sorts after everything. */
export function completionIndexOf(pair: OpPair): number {
  return pair.completion?.index ?? Number.POSITIVE_INFINITY;
}

/** An op a checker could not interpret; it makes the verdict at best "unknown". */
export interface MalformedOp {
  index: number;
  reason: string;
}

/** The node an op is counted on in per-node and per-partition-side breakdowns: the client's home
 *  node, which the invocation records (a partitioned client is on its side of the cut, even when a
 *  redirect had a node across it answer); histories without one fall back to the node that
 *  answered. */
export function nodeOf(pair: OpPair): string | undefined {
  return pair.invoke.node ?? pair.completion?.node;
}

export function showValue(value: unknown): string {
  const text = value === undefined ? "undefined" : (JSON.stringify(value) ?? String(value));
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
