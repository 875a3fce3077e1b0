// A nemesis turns fault ops into runtime calls (DESIGN §3). Its ops are recorded in the history
// with process "nemesis", so checkers and reports know when each fault was active.

import type { Completion, Invocation } from "../harness/op.ts";
import type { Rng } from "../harness/rng.ts";
import type { ClusterContext, System } from "../clusters/system.ts";

export interface NemesisContext extends ClusterContext {
  system: System;
  rng: Rng;
  /** The history's clock (ns since the run started), once the run has one: a nemesis that acts
   *  between its own ops (reactive faults) dates what it did with it. */
  nowNs?(): number;
}

export interface Nemesis {
  name: string;
  /** The op functions this nemesis handles, e.g. ["start-partition", "stop-partition"]. */
  fs: readonly string[];
  /** Performs one fault op; the completion's value says what was done (which nodes, which grudge). */
  invoke(ctx: NemesisContext, op: Invocation): Promise<Completion>;
  /** Undoes every fault this nemesis may have left active; idempotent. */
  heal(ctx: NemesisContext): Promise<void>;
}
