// The generator protocol (Jepsen's, in TypeScript). A generator is an immutable value: asking it
// for an op never changes it, it returns the generator to use next. Time and randomness come in
// through the context, so the same seed and the same sequence of contexts give the same ops.

import type { Invocation, Op, Process } from "../op.ts";
import type { Rng } from "../rng.ts";

export interface GenContext {
  /** Now, in ns since the run started (from the injected clock). */
  timeNs: number;
  /** Processes that are idle and may be given an op: client processes in ascending order, then
   *  "nemesis" when it exists and is idle. Never mutated; a new array when the set changes. */
  freeProcesses: readonly Process[];
  /** Every live process (busy or idle), in the same order: clients ascending, then "nemesis". */
  allProcesses: readonly Process[];
  /** The run's seeded randomness; generators draw from it only inside op(). */
  rng: Rng;
}

/** An op a generator wants invoked, no earlier than `timeNs`, by `process`. */
export interface PlannedOp extends Invocation {
  timeNs: number;
}

export type GenResult =
  /** Invoke this op; continue with `next`. An op due later than ctx.timeNs is not taken: the
   *  interpreter drops `next` and asks the same generator again then (or after a completion). */
  | { kind: "op"; op: PlannedOp; next: Generator }
  /** Nothing can be emitted now; ask `next` again after the next completion, or at `untilNs` if
   *  given — a generator waiting on time alone (sleep, stagger) must give it, or it is never woken. */
  | { kind: "pending"; next: Generator; untilNs?: number }
  /** This generator is exhausted. */
  | { kind: "done" };

export interface Generator {
  op(ctx: GenContext): GenResult;
  /** Called with every invoke and completion the interpreter records; returns the next generator. */
  update(ctx: GenContext, event: Op): Generator;
}
