// What a workload's inference (list-append, rw-register) hands the rest of the checker: the
// dependency edges it could justify, the anomalies visible without any cycle, and a way to say in
// words why one transaction precedes another.

import type { EdgeBuffer } from "./edges.ts";

/** Anomaly type → evidence, in the order found. */
export type Anomalies = Map<string, unknown[]>;

export function addAnomaly(anomalies: Anomalies, type: string, evidence: unknown): void {
  const list = anomalies.get(type);
  if (list === undefined) anomalies.set(type, [evidence]);
  else list.push(evidence);
}

/** Why `from` precedes `to` by one dependency kind, for people. */
export interface StepFacts {
  key: unknown;
  /** The version `from` wrote or read (null: the initial, empty state). */
  value: unknown;
  /** The version `to` wrote, for ww and rw. */
  valueAfter?: unknown;
  /** A sentence without the leading "A < B because", e.g. "T2 read T1's append of 3 to key 5". */
  text: string;
}

export interface PairExplainer {
  /** Facts for one data-dependency kind (WW, WR, RW and their inferred variants) between two
   *  transactions, named `fromName` and `toName` in the text; null when that edge was not inferred. */
  explain(from: number, to: number, kind: number, fromName: string, toName: string): StepFacts | null;
}

export interface Inference {
  edges: EdgeBuffer;
  anomalies: Anomalies;
  explainer: PairExplainer;
  /** Set when the history breaks an assumption inference rests on (duplicate writes, unknown
   *  micro-ops): the edges cannot be trusted, so no cycle search runs and the verdict is unknown. */
  fatal: boolean;
  keyCount: number;
  /** Number of ww/wr/rw edges added (before merging parallel ones). */
  dataEdgeCount: number;
}
