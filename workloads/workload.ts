// A workload (DESIGN §3): what clients do, and how the result is judged. The client that executes
// its ops belongs to the system (System.openClient), so one workload runs against every system.

import type { Checker } from "../checkers/checker.ts";
import type { Generator } from "../harness/generator/generator.ts";

export interface WorkloadOptions {
  /** Number of independent keys / objects in play. */
  keys?: number;
  [option: string]: unknown;
}

export interface Workload {
  name: string;
  description: string;
  /** Client ops for the main phase (the runner bounds it in time and rate). */
  generator(opts: WorkloadOptions): Generator;
  /** Ops run after faults are healed and the cluster has recovered (final reads); optional. */
  finalGenerator?(opts: WorkloadOptions): Generator;
  checker(opts: WorkloadOptions): Checker;
}
