// What the interpreter calls on each logical client process. Systems implement it
// (clusters/<system>/), tests fake it; the interpreter knows nothing else about them.

import type { Completion, Invocation } from "../op.ts";

/** One logical client process's connection; invoke never throws for an expected outcome. */
export interface Client {
  /** Performs one operation. Must resolve `fail` only when the op definitely did not happen;
   *  anything uncertain is `info`. The signal aborts at the op's timeout. */
  invoke(op: Invocation, signal: AbortSignal): Promise<Completion>;
  close(): Promise<void>;
}
