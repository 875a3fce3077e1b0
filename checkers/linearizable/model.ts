// The one interface the linearizability checker knows (Porcupine's Model): a sequential
// specification as a record of pure functions. Adding a data type means writing one Model under
// models/; the search never looks inside states, inputs or outputs.

import type { Op } from "../../harness/op.ts";

/** A deterministic step: the op is legal in `state` and leads to the returned state, or not. */
export type Step<State> = { readonly ok: true; readonly state: State } | { readonly ok: false };

/** Nondeterministic models return every state the op may lead to (empty: illegal). */
export type StepResult<State> = Step<State> | readonly State[];

/** Shared result for illegal steps: most steps the search tries are illegal, and reusing one
 *  frozen object keeps that path allocation-free. */
export const ILLEGAL: Step<never> = Object.freeze({ ok: false as const });

export function legal<State>(state: State): Step<State> {
  return { ok: true, state };
}

/** One history operation in the model's terms, with where it sits in real time. */
export interface ModelOperation<Input, Output> {
  input: Input;
  /** The observed result; undefined when unknown (the op completed with info or never did). */
  output: Output | undefined;
  key?: string | number;
  invoke: Op;
  /** The ok completion; absent when the outcome is unknown. */
  completion?: Op;
  /** Position of the invoke in the history array. */
  callPosition: number;
  /** Position of the ok completion; Infinity when unknown (it may take effect any time later). */
  returnPosition: number;
}

export interface Model<State, Input, Output> {
  /** The name users pass as `--model`. */
  name: string;
  init(): State;
  /** Translates an invoke and its ok completion (undefined when indeterminate) into the model's
   *  terms. Returns null for an op that can neither change the state nor tell us anything (an
   *  indeterminate read), so the search can drop it. Throws ModelInputError for an op it does not
   *  understand. fail ops never reach the model: they did not happen. */
  operation(invoke: Op, completion: Op | undefined): { input: Input; output: Output | undefined } | null;
  /** The sequential specification. `output` is undefined when the result was not observed. */
  step(state: State, input: Input, output: Output | undefined): StepResult<State>;
  /** Set when step returns lists of states; the checker then searches over sets of states. */
  nondeterministic?: boolean;
  /** Splits a history into independent sub-histories (P-compositionality): each is checked on
   *  its own, from init(). Models whose objects are independent per key partition by key. */
  partition?(operations: readonly ModelOperation<Input, Output>[]): ModelOperation<Input, Output>[][];
  /** Whether an op never changes the state, in any state it is legal in (a read). The search
   *  then linearizes such an op as soon as it is legal, without trying what else could go first
   *  (wgl.ts says why nothing is lost). Leave it out when unsure: it only prunes. */
  readOnly?(input: Input): boolean;
  /** Whether a read-only op that saw `output` can still become legal from `state` when only ops
   *  among `before` may take effect first (any of them, each at most once, in any order). Return
   *  false only when it certainly cannot: the search then gives up on that state (wgl.ts, rule 5).
   *  Leave it out when unsure: it only prunes. */
  reachable?(state: State, read: Input, output: Output | undefined, before: readonly Input[]): boolean;
  /** Must agree with equal: equal states have equal hashes. */
  hash(state: State): number;
  equal(a: State, b: State): boolean;
  describeOperation(input: Input, output: Output | undefined): string;
  describeState(state: State): string;
}

/** An op the model cannot interpret; the message names the op and what the model expects. */
export class ModelInputError extends Error {
  constructor(op: Op, model: string, expected: string) {
    super(`op ${op.index} (${op.f} ${JSON.stringify(op.value)}): the ${model} model cannot interpret it; ${expected}`);
    this.name = "ModelInputError";
  }
}
