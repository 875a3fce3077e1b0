// Turns a found cycle into evidence a person can check against the history: the transactions
// (named T1, T2, … in cycle order, with their op indexes, processes and values), one sentence per
// step saying why the first precedes the second, and the edge list the SVG is drawn from.

import type { FoundCycle } from "./cycle-search.ts";
import { PROCESS, REALTIME, kindName } from "./edges.ts";
import type { PairExplainer } from "./inference.ts";
import { type OpSummary, type Txns, opIndex, summarizeTxn } from "./txns.ts";

export interface CycleStep {
  from: string;
  to: string;
  kind: string;
  key?: unknown;
  value?: unknown;
  valueAfter?: unknown;
  /** "T2 read T1's append of 3 to key 5" */
  text: string;
}

export interface CycleEvidence {
  type: string;
  /** One paragraph: "T1 < T2 because …; T2 < T3 because …; T3 < T1 because …" */
  explanation: string;
  ops: (OpSummary & { name: string })[];
  steps: CycleStep[];
  /** [from op index, to op index, kind] per step. */
  edges: [number, number, string][];
}

export function explainCycle(txns: Txns, explainer: PairExplainer, cycle: FoundCycle): CycleEvidence {
  const names = cycle.txns.map((_, i) => `T${i + 1}`);
  const ops = cycle.txns.map((t, i) => ({ name: names[i], ...summarizeTxn(txns, t) }));
  const steps: CycleStep[] = cycle.txns.map((from, i) => {
    const j = (i + 1) % cycle.txns.length;
    const to = cycle.txns[j];
    const kind = cycle.kinds[i];
    return { from: names[i], to: names[j], kind: kindName(kind), ...stepFacts(txns, explainer, from, to, kind, names[i], names[j]) };
  });
  const explanation = steps.map((s) => `${s.from} < ${s.to} because ${s.text} (${s.kind})`).join("; ");
  const edges = steps.map((s, i): [number, number, string] => [ops[i].index, ops[(i + 1) % ops.length].index, s.kind]);
  return { type: cycle.type, explanation, ops, steps, edges };
}

function stepFacts(
  txns: Txns,
  explainer: PairExplainer,
  from: number,
  to: number,
  kind: number,
  fromName: string,
  toName: string,
): Omit<CycleStep, "from" | "to" | "kind"> {
  if (kind === PROCESS) {
    return { text: `${fromName} and ${toName} ran on process ${String(txns.history[txns.completionPos[from]].process)}, ${fromName} first` };
  }
  if (kind === REALTIME) {
    const completed = opIndex(txns, txns.completionPos[from]);
    const invoked = opIndex(txns, txns.invokePos[to]);
    return { text: `${fromName} completed (index ${completed}) before ${toName} was invoked (index ${invoked})` };
  }
  const facts = explainer.explain(from, to, kind, fromName, toName);
  // The edge was inferred from these very facts; failing to find them again is a checker bug.
  if (facts === null) throw new Error(`cannot explain the ${kindName(kind)} edge between transactions ${from} and ${to}`);
  return facts;
}
