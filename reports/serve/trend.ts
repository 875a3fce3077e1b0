// What `faultline serve` asks of a results database for its trend pages; the database module
// (harness/run/results-db) provides it, the command wires the two together.

export interface TrendKey {
  system: string;
  claim: string;
  runs: number;
  last: string;
}

export interface TrendPoint {
  /** ISO time the run began. */
  startedAt: string;
  /** "<test>/<timestamp>" under the store the run was written to. */
  runPath: string;
  workload: string;
  nemesis: string;
  seed: number;
  bugs: string[];
  suite: string | null;
  valid: "true" | "false" | "unknown";
  verdict: string;
  claimed: boolean;
  evidence: string;
  lostWrites: number | null;
  acknowledgedWrites: number | null;
  availability: number | null;
  majorityAvailability: number | null;
  minorityAvailability: number | null;
  p99Ms: number | null;
  failoverS: number | null;
}

export interface TrendSource {
  /** Every system × claim the database has runs for. */
  keys(): Promise<TrendKey[]>;
  /** The runs of `system` that judged `claim`, oldest first. */
  trend(system: string, claim: string): Promise<TrendPoint[]>;
  /** Where it is, for the page (no password). */
  describe(): string;
}
