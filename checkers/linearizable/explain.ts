// Turns a failed search into evidence a human can follow: the deepest linearization the search
// found, the states it left the model in, and the op that could not be placed after it — with,
// for that op and every op that could have gone before it, whether the model even allows it next.

import type { Op, Process } from "../../harness/op.ts";
import type { Model, ModelOperation } from "./model.ts";

/** At most this many ops are listed per failure; the rest are counted. */
const MAX_LISTED_OPS = 20;

export interface FailedOp {
  /** Index of the invoke op in the history. */
  index: number;
  /** Index of the ok completion; null when the outcome is unknown (info or never completed). */
  completionIndex: number | null;
  process: Process;
  f: string;
  /** The invoke's value. */
  value: unknown;
  /** The ok completion's value; null when unknown. */
  output: unknown;
  /** The op in the model's words, e.g. "read → 3" or "cas 1 → 2". */
  describe: string;
  /** Whether the model allows this op right after the longest linearizable prefix. */
  nextFromFinalState: "illegal" | "legal, but every order from there dead-ends";
}

export interface LinearizabilityFailure {
  /** The partition's key; null for ops without a key. */
  key: string | number | null;
  /** The op that could not be linearized first, then the others that were pending with it. */
  ops: FailedOp[];
  /** Pending ops not listed in `ops` for brevity. */
  omittedOps: number;
  /** Invoke indexes of the deepest linearization found, in linearization order. */
  longestLinearizablePrefix: number[];
  /** The model's possible states at that depth, described. */
  finalStates: string[];
  explanation: string;
}

export function explainFailure<State, Input, Output>(
  model: Model<State, Input, Output>,
  operations: readonly ModelOperation<Input, Output>[],
  longest: readonly number[],
  finalStates: readonly State[],
  /** The read the search found could not become legal after `longest`, when it knows one; else
   *  the op that must take effect first is the one blamed. */
  culprit?: number,
): LinearizabilityFailure {
  const placed = new Set(longest);
  const pending = operations.map((_, i) => i).filter((i) => !placed.has(i));
  let blocking = -1;
  if (culprit !== undefined && !placed.has(culprit)) blocking = culprit;
  else {
    for (const i of pending) {
      if (blocking === -1 || operations[i].returnPosition < operations[blocking].returnPosition) blocking = i;
    }
  }
  if (blocking === -1 || operations[blocking].returnPosition === Infinity) {
    throw new Error("explainFailure called for a search that left only indeterminate ops: that history is linearizable");
  }
  const deadline = operations[blocking].returnPosition;
  const rivals = pending
    .filter((i) => i !== blocking && operations[i].callPosition < deadline)
    .sort((a, b) => knownFirst(operations[a], operations[b]));
  const candidates = [blocking, ...rivals];
  const listed = candidates.slice(0, MAX_LISTED_OPS).map((i) => describeFailedOp(model, operations[i], finalStates));

  const key = operations[blocking].key ?? null;
  const states = finalStates.map((state) => model.describeState(state));
  const stuck = listed[0];
  const stateWords = states.length === 1 ? `state ${states[0]}` : `one of the states ${states.join(", ")}`;
  const why =
    stuck.nextFromFinalState === "illegal"
      ? `${stuck.describe} is illegal in ${states.length === 1 ? "that state" : "each of them"}`
      : `${stuck.describe} is legal there but every order of the remaining ops that includes it dead-ends later`;
  const others =
    rivals.length === 0
      ? "no other op was pending that could have gone first"
      : `none of the ${rivals.length} other op(s) pending with it (${listed
          .slice(1)
          .map((op) => `op ${op.index} ${op.describe}: ${op.nextFromFinalState}`)
          .join("; ")}${candidates.length > MAX_LISTED_OPS ? "; …" : ""}) opens a way`;
  const knownTotal = operations.filter((operation) => operation.returnPosition !== Infinity).length;
  const knownPlaced = longest.filter((i) => operations[i].returnPosition !== Infinity).length;
  const indeterminatePlaced = longest.length - knownPlaced;
  const explanation =
    `${key === null ? "" : `key ${JSON.stringify(key)}: `}not linearizable. The deepest linearization found places ` +
    `${knownPlaced} of the ${knownTotal} ops with a known outcome` +
    (indeterminatePlaced > 0 ? ` (and ${indeterminatePlaced} indeterminate one(s))` : "") +
    ` and leaves the model in ${stateWords}. ` +
    `Op ${stuck.index} (process ${stuck.process}, ${stuck.describe}) completed at op ${stuck.completionIndex}, so it must take ` +
    `effect before anything invoked after that; but ${why}, and ${others}.`;

  return {
    key,
    ops: listed,
    omittedOps: candidates.length - listed.length,
    longestLinearizablePrefix: longest.map((i) => operations[i].invoke.index),
    finalStates: states,
    explanation,
  };
}

function describeFailedOp<State, Input, Output>(
  model: Model<State, Input, Output>,
  operation: ModelOperation<Input, Output>,
  finalStates: readonly State[],
): FailedOp {
  const legalNext = finalStates.some((state) => {
    const result = model.step(state, operation.input, operation.output);
    return Array.isArray(result) ? result.length > 0 : (result as { ok: boolean }).ok;
  });
  const invoke: Op = operation.invoke;
  const unknown = operation.returnPosition === Infinity;
  return {
    index: invoke.index,
    completionIndex: operation.completion?.index ?? null,
    process: invoke.process,
    f: invoke.f,
    value: invoke.value,
    output: operation.completion?.value ?? null,
    describe: model.describeOperation(operation.input, operation.output) + (unknown ? " (indeterminate: may never have happened)" : ""),
    nextFromFinalState: legalNext ? "legal, but every order from there dead-ends" : "illegal",
  };
}

/** Ops with a known outcome first (they must be placed), each group in call order. */
function knownFirst(a: ModelOperation<unknown, unknown>, b: ModelOperation<unknown, unknown>): number {
  const unknownA = a.returnPosition === Infinity ? 1 : 0;
  const unknownB = b.returnPosition === Infinity ? 1 : 0;
  return unknownA - unknownB || a.callPosition - b.callPosition;
}
