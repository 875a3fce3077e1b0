// A workload (DESIGN §3): what clients do, and how the result is judged. The client that executes
// its ops belongs to the system (System.clients), so one workload runs against every system.

import type { Checker } from "../checkers/checker.ts";
import type { Generator } from "../harness/generator/generator.ts";

export interface WorkloadOptions {
  /** Number of independent keys / objects in play. */
  keys?: number;
  [option: string]: unknown;
}

/** What the workload's checker can refute — the one fact the claims code needs about a workload
 *  (harness/verdicts/claims.ts derives every claim judgement from it; no workload names there).
 *  - linearizability: single objects checked against a sequential model in real-time order;
 *  - transactional: the checker rules out models of the transactional lattice (its result lists
 *    them under `not` / `alsoNot`);
 *  - property: a safety property stated in words ("no acknowledged write lost", "mutual
 *    exclusion") that the checker's verdict decides. */
export type Refutes = { kind: "linearizability" } | { kind: "transactional" } | { kind: "property"; property: string };

export interface Workload {
  name: string;
  description: string;
  refutes: Refutes;
  /** Client ops for the main phase (the runner bounds it in time and rate). */
  generator(opts: WorkloadOptions): Generator;
  /** Ops run after faults are healed and the cluster has recovered (final reads); optional. */
  finalGenerator?(opts: WorkloadOptions): Generator;
  checker(opts: WorkloadOptions): Checker;
}
