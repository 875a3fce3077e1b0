// What a simulated run is made of: cluster size, length, fault mix. A seed picks all of it
// (seededOptions), so that the seed alone replays a run.

import { Rng } from "../../../harness/rng.ts";

export interface FaultProfile {
  /** Per message. */
  dropRate: number;
  duplicateRate: number;
  /** Per message: delivered after up to `longDelayTicks` instead of within a tick (reordering). */
  longDelayRate: number;
  longDelayTicks: number;
  /** Per tick of the run: start a partition (when none is active). */
  partitionRate: number;
  /** A partition heals after a duration drawn from [min, max] ticks. */
  partitionTicksMin: number;
  partitionTicksMax: number;
  /** When a node wins an election: probability that it is isolated 0–3 ticks later (Jepsen's
   *  partition-leader nemesis, timed to catch a new leader mid-replication as in Raft's
   *  Figure 8). */
  isolateNewLeaderRate: number;
  /** When a leader's commit point advances: probability that it is isolated at once, with
   *  what it was about to send still in flight. */
  isolateOnCommitRate: number;
  /** Per tick: crash a random live node. */
  crashRate: number;
  /** Per tick: client write / read. */
  proposeRate: number;
  readRate: number;
  /** Writes applied between snapshots (0: never compact). */
  compactEvery: number;
}

export const DEFAULT_FAULTS: FaultProfile = {
  dropRate: 0.02,
  duplicateRate: 0.02,
  longDelayRate: 0.05,
  longDelayTicks: 6,
  partitionRate: 0.03,
  partitionTicksMin: 5,
  partitionTicksMax: 40,
  isolateNewLeaderRate: 0.2,
  isolateOnCommitRate: 0.01,
  crashRate: 0.01,
  proposeRate: 0.6,
  readRate: 0.2,
  compactEvery: 8,
};

export interface SimulationOptions {
  seed: number;
  nodes: number;
  /** Duration of the faulty phase, in ticks; a fault-free phase follows. */
  ticks: number;
  faults?: Partial<FaultProfile>;
  /** Stop with a liveness violation after this many events (a message storm); default 1e6. */
  maxEvents?: number;
  /** Check at the end that the healed cluster converges and commits a write. */
  checkLiveness?: boolean;
  /** Keep every event for printing (replays). */
  trace?: boolean;
  /** Note safety violations and keep going (to see whether a broken cluster keeps running)
   *  instead of stopping at the first. */
  recordViolations?: boolean;
}

/** Picks everything a seed decides about a run: the fault mix and cluster size here, then the
 *  protocol's own settings (`drawProtocol`) from the same stream. Overrides win. */
export function seededOptions<Options extends SimulationOptions>(
  seed: number,
  drawProtocol: (random: Rng) => Omit<Options, keyof SimulationOptions>,
  overrides: Partial<Options> = {},
): Options {
  const random = new Rng(seed ^ 0x5eed);
  const style = random.pick(["network", "leaders", "crashes"] as const);
  const faults: Partial<FaultProfile> = {
    dropRate: random.pick([0, 0.02, 0.1]),
    duplicateRate: random.pick([0, 0.05]),
    longDelayRate: random.pick([0, 0.05, 0.2]),
    partitionRate: style === "leaders" ? 0 : random.pick([0.02, 0.05]),
    partitionTicksMin: random.pick([3, 10]),
    partitionTicksMax: random.pick([20, 40]),
    // "leaders": the targeted nemesis that produces Figure-8 histories.
    isolateNewLeaderRate: style === "leaders" ? 0.5 : random.pick([0, 0.2]),
    isolateOnCommitRate: style === "leaders" ? 0.3 : random.pick([0, 0.01]),
    crashRate: style === "crashes" ? 0.05 : random.pick([0, 0.01]),
    compactEvery: random.pick([0, 4, 16]),
  };
  const base: SimulationOptions = { seed, nodes: random.bool() ? 3 : 5, ticks: 200, faults, checkLiveness: true };
  // The cast joins the two halves, which together are Options by drawProtocol's type.
  const options = { ...base, ...drawProtocol(random) } as Options;
  return { ...options, ...overrides, faults: { ...options.faults, ...overrides.faults } };
}
