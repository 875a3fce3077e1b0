// The deterministic simulation (test/support/raft-simulation/) over many seeds: Raft's safety
// properties must hold under drops, delays, reordering, duplication, partitions and
// crash-restarts, and each bug switch must be caught. Any failure names its seed; replay one seed with its full trace:
//   SEED=1234 npx vitest run clusters/raft/core/simulation.test.ts
//   SEED=1234 BUG=commitOldTerm npx vitest run clusters/raft/core/simulation.test.ts
// More seeds than the default: SEEDS=20000 npx vitest run clusters/raft/core/simulation.test.ts

import { describe, expect, test } from "vitest";
import { FIGURE_8_HUNT, MEMBERSHIP_MIX, optionsForSeed, runRaftSimulation, runRaftSimulationCountingChanges, type RaftSimulationOptions } from "../../../test/support/raft-simulation/simulation.ts";
import type { SimulationResult } from "../../../test/support/simulation/simulation.ts";
import type { CoreBugs } from "./types.ts";

/** Seeds in the default sweep: ~10 ms each on an idle core; the whole file stays well under
 *  30 s on a loaded two-core machine. */
const DEFAULT_SEEDS = 1000;
const SWEEP_CHUNKS = 4;

const SAFETY_KINDS = ["election-safety", "log-matching", "leader-completeness", "state-machine-safety"];

function replayLine(seed: number, bug?: keyof CoreBugs): string {
  return `SEED=${seed}${bug === undefined ? "" : ` BUG=${bug}`} npx vitest run clusters/raft/core/simulation.test.ts`;
}

function failureReport(result: SimulationResult, bug?: keyof CoreBugs): string {
  return [`seed ${result.seed}: ${result.violation?.message}`, `replay: ${replayLine(result.seed, bug)}`, "last events:", ...result.trace.slice(-60)].join("\n");
}

/** Options for a bug hunt: the bug on, and for commitOldTerm the Figure-8 fault mix; for
 *  unsafeConfChange membership changes in one proposal of two. */
function bugOptions(seed: number, bug: keyof CoreBugs, trace = false): RaftSimulationOptions {
  const profile = bug === "commitOldTerm" ? FIGURE_8_HUNT : bug === "unsafeConfChange" ? { ...MEMBERSHIP_MIX, membershipRate: 0.5 } : {};
  return optionsForSeed(seed, { ...profile, bugs: { [bug]: true }, trace });
}

const replaySeed = process.env.SEED === undefined ? undefined : Number(process.env.SEED);
const replayBug = process.env.BUG as keyof CoreBugs | undefined;

describe.runIf(replaySeed !== undefined)("replay", () => {
  test(`seed ${process.env.SEED}`, () => {
    const seed = replaySeed ?? 0;
    const options = replayBug === undefined ? optionsForSeed(seed, { trace: true }) : bugOptions(seed, replayBug, true);
    const result = runRaftSimulation(options);
    console.log(`options: ${JSON.stringify({ ...options, trace: undefined })}\n${result.trace.join("\n")}\n${JSON.stringify(result.stats)}`);
    if (replayBug === undefined) expect(result.violation, result.violation?.message).toBeUndefined();
    else expect(result.violation?.kind, "the bug should be caught").toBeDefined();
  });
});

describe.runIf(replaySeed === undefined)("raft simulation", () => {
  const seeds = Number(process.env.SEEDS ?? DEFAULT_SEEDS);
  const chunk = Math.ceil(seeds / SWEEP_CHUNKS);

  for (let part = 0; part < SWEEP_CHUNKS; part++) {
    const first = part * chunk + 1;
    const last = Math.min(seeds, (part + 1) * chunk);
    test(`safety and liveness hold for seeds ${first}..${last}`, () => {
      const totals = { events: 0, elections: 0, committed: 0, crashes: 0, partitions: 0, snapshotsSent: 0, reads: 0 };
      for (let seed = first; seed <= last; seed++) {
        const result = runRaftSimulation(optionsForSeed(seed));
        if (result.violation !== undefined) expect.fail(failureReport(result));
        for (const key of Object.keys(totals) as (keyof typeof totals)[]) totals[key] += result.stats[key];
      }
      // The faults must actually have happened, or the sweep proves nothing.
      const count = last - first + 1;
      expect(totals.elections).toBeGreaterThan(count);
      expect(totals.crashes).toBeGreaterThan(count / 4);
      expect(totals.partitions).toBeGreaterThan(count);
      expect(totals.snapshotsSent).toBeGreaterThan(count / 4);
      expect(totals.reads).toBeGreaterThan(count * 5);
      expect(totals.committed).toBeGreaterThan(count * 50);
    });
  }

  // Membership changes (one server out or in, through the log) among the usual faults: every
  // safety property must still hold, and after the faults the remaining members must converge.
  const membershipSeeds = Math.ceil(seeds / 3);
  test(`with servers leaving and joining, safety and liveness hold for seeds 1..${membershipSeeds}`, () => {
    let changes = 0;
    for (let seed = 1; seed <= membershipSeeds; seed++) {
      const options = optionsForSeed(seed, MEMBERSHIP_MIX);
      const { result, configCommits } = runRaftSimulationCountingChanges(options);
      if (result.violation !== undefined) expect.fail(`${failureReport(result)}\n(membership mix: replay with optionsForSeed(${seed}, MEMBERSHIP_MIX))`);
      changes += configCommits;
    }
    console.log(`membership: ${changes} changes committed over ${membershipSeeds} seeds`);
    // The changes must actually have happened, or the sweep proves nothing.
    expect(changes).toBeGreaterThan(membershipSeeds * 2);
  });

  test("a seed replays exactly", () => {
    const first = runRaftSimulation(optionsForSeed(42, { trace: true }));
    const second = runRaftSimulation(optionsForSeed(42, { trace: true }));
    expect(second.trace).toEqual(first.trace);
    expect(second.stats).toEqual(first.stats);
    expect(runRaftSimulation(optionsForSeed(43, { trace: true })).trace).not.toEqual(first.trace);
  });

  // Each bug switch must be caught as a safety violation within a small, fixed number of seeds.
  // The same seeds without the bug are clean, so it is the bug that is caught.
  const hunts: { bug: keyof CoreBugs; budget: number }[] = [
    { bug: "commitOldTerm", budget: 40 },
    { bug: "voteWithoutLogCheck", budget: 40 },
    { bug: "unsafeConfChange", budget: 60 },
  ];
  for (const { bug, budget } of hunts) {
    test(`the ${bug} bug is caught within ${budget} seeds`, () => {
      const caught: number[] = [];
      for (let seed = 1; seed <= budget; seed++) {
        const result = runRaftSimulation(bugOptions(seed, bug));
        if (result.violation === undefined) continue;
        // Two configurations in flight at once can also leave no majority to elect anybody: a
        // stuck cluster, which is not what this hunt looks for.
        if (bug === "unsafeConfChange" && result.violation.kind === "liveness") continue;
        expect(SAFETY_KINDS, failureReport(result, bug)).toContain(result.violation.kind);
        caught.push(seed);
        const healthy = runRaftSimulation({ ...bugOptions(seed, bug), bugs: {} });
        if (healthy.violation !== undefined) expect.fail(failureReport(healthy));
      }
      console.log(`${bug}: caught by ${caught.length} of ${budget} seeds (first: seed ${caught[0]}, replay: ${replayLine(caught[0] ?? 0, bug)})`);
      expect(caught.length).toBeGreaterThanOrEqual(2);
    });

    // With a bug switch on, the harness must see the damage, so a node must keep running wrong
    // (bugs imply tolerateViolations) rather than stop at its first broken invariant.
    test(`with ${bug} on, a broken cluster keeps running`, () => {
      let broken = 0;
      const seedCount = bug === "unsafeConfChange" ? 60 : 15;
      for (let seed = 1; seed <= seedCount; seed++) {
        const result = runRaftSimulation({ ...bugOptions(seed, bug), recordViolations: true, checkLiveness: false, maxEvents: 200_000 });
        if (result.violation !== undefined) expect.fail(failureReport(result, bug));
        if (result.violations.length > 0) broken++;
      }
      expect(broken).toBeGreaterThanOrEqual(2);
    });
  }
});
