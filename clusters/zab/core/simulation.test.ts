// The deterministic simulation (test/support/zab-simulation/) over many seeds: ZAB's safety
// properties — one established leader per epoch, integrity, agreement and total order, primary
// order, primary integrity — must hold under drops, delays, reordering, duplication, partitions
// and crash-restarts, the healed ensemble must deliver a fresh write everywhere, and each core bug
// switch must be caught. Any failure names its seed; replay one with its full trace:
//   SEED=1234 npx vitest run clusters/zab/core/simulation.test.ts
//   SEED=1234 BUG=skipTrunc npx vitest run clusters/zab/core/simulation.test.ts
// More seeds than the default: SEEDS=20000 npx vitest run clusters/zab/core/simulation.test.ts

import { describe, expect, test } from "vitest";
import type { SimulationResult } from "../../../test/support/simulation/simulation.ts";
import { optionsForSeed, runZabSimulation, type ZabSimulationOptions } from "../../../test/support/zab-simulation/simulation.ts";
import type { ZabBugs } from "./types.ts";

/** Seeds in the default sweep: ~15–30 ms each; eight chunks keep each test well under its
 *  timeout on a loaded machine. */
const DEFAULT_SEEDS = 2000;
const SWEEP_CHUNKS = 8;

const SAFETY_KINDS = ["primary-uniqueness", "integrity", "total-order", "primary-order", "primary-integrity"];

type Bug = Exclude<keyof ZabBugs, "tolerateViolations">;

function replayLine(seed: number, bug?: Bug): string {
  return `SEED=${seed}${bug === undefined ? "" : ` BUG=${bug}`} npx vitest run clusters/zab/core/simulation.test.ts`;
}

function failureReport(result: SimulationResult, bug?: Bug): string {
  return [`seed ${result.seed}: ${result.violation?.message}`, `replay: ${replayLine(result.seed, bug)}`, "last events:", ...result.trace.slice(-60)].join("\n");
}

function bugOptions(seed: number, bug: Bug, trace = false): ZabSimulationOptions {
  return optionsForSeed(seed, { bugs: { [bug]: true }, trace });
}

const replaySeed = process.env.SEED === undefined ? undefined : Number(process.env.SEED);
const replayBug = process.env.BUG as Bug | undefined;

describe.runIf(replaySeed !== undefined)("replay", () => {
  test(`seed ${process.env.SEED}`, () => {
    const seed = replaySeed ?? 0;
    const options = replayBug === undefined ? optionsForSeed(seed, { trace: true }) : bugOptions(seed, replayBug, true);
    const result = runZabSimulation(options);
    console.log(`options: ${JSON.stringify({ ...options, trace: undefined })}\n${result.trace.join("\n")}\n${JSON.stringify(result.stats)}`);
    if (replayBug === undefined) expect(result.violation, result.violation?.message).toBeUndefined();
    else expect(result.violation?.kind, "the bug should be caught").toBeDefined();
  });
});

describe.runIf(replaySeed === undefined)("zab simulation", () => {
  const seeds = Number(process.env.SEEDS ?? DEFAULT_SEEDS);
  const chunk = Math.ceil(seeds / SWEEP_CHUNKS);

  for (let part = 0; part < SWEEP_CHUNKS; part++) {
    const first = part * chunk + 1;
    const last = Math.min(seeds, (part + 1) * chunk);
    test(`safety and liveness hold for seeds ${first}..${last}`, async () => {
      const totals = { events: 0, elections: 0, committed: 0, crashes: 0, partitions: 0, snapshotsSent: 0 };
      for (let seed = first; seed <= last; seed++) {
        // Let the worker answer vitest between seeds: a sweep that holds the event loop for many
        // seconds on a loaded machine times out vitest's worker RPC.
        if (seed % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
        const result = runZabSimulation(optionsForSeed(seed));
        if (result.violation !== undefined) expect.fail(failureReport(result));
        for (const key of Object.keys(totals) as (keyof typeof totals)[]) totals[key] += result.stats[key];
      }
      // The faults must actually have happened, or the sweep proves nothing.
      const count = last - first + 1;
      expect(totals.elections).toBeGreaterThan(count);
      expect(totals.crashes).toBeGreaterThan(count / 4);
      expect(totals.partitions).toBeGreaterThan(count);
      expect(totals.snapshotsSent).toBeGreaterThan(count / 20);
      expect(totals.committed).toBeGreaterThan(count * 50);
    });
  }

  test("a seed replays exactly", () => {
    const first = runZabSimulation(optionsForSeed(42, { trace: true }));
    const second = runZabSimulation(optionsForSeed(42, { trace: true }));
    expect(second.trace).toEqual(first.trace);
    expect(second.stats).toEqual(first.stats);
    expect(runZabSimulation(optionsForSeed(43, { trace: true })).trace).not.toEqual(first.trace);
  });

  // Each bug switch must be caught as a safety violation within a small, fixed number of seeds.
  // The same seeds without the bug are clean, so it is the bug that is caught.
  const hunts: { bug: Bug; budget: number }[] = [
    { bug: "skipTrunc", budget: 40 },
    { bug: "voteIgnoresZxid", budget: 40 },
    { bug: "commitBeforeQuorum", budget: 40 },
  ];
  for (const { bug, budget } of hunts) {
    test(`the ${bug} bug is caught within ${budget} seeds`, () => {
      const caught: number[] = [];
      for (let seed = 1; seed <= budget; seed++) {
        const result = runZabSimulation(bugOptions(seed, bug));
        if (result.violation === undefined) continue;
        expect(SAFETY_KINDS, failureReport(result, bug)).toContain(result.violation.kind);
        caught.push(seed);
        const healthy = runZabSimulation({ ...bugOptions(seed, bug), bugs: {} });
        if (healthy.violation !== undefined) expect.fail(failureReport(healthy));
      }
      console.log(`${bug}: caught by ${caught.length} of ${budget} seeds (first: seed ${caught[0]}, replay: ${replayLine(caught[0] ?? 0, bug)})`);
      expect(caught.length).toBeGreaterThanOrEqual(2);
    });

    // With a bug switch on, the harness must see the damage, so a server must keep running wrong
    // (bugs imply tolerateViolations) rather than stop at its first broken invariant.
    test(`with ${bug} on, a broken ensemble keeps running`, () => {
      let broken = 0;
      for (let seed = 1; seed <= 15; seed++) {
        const result = runZabSimulation({ ...bugOptions(seed, bug), recordViolations: true, checkLiveness: false, maxEvents: 200_000 });
        if (result.violation !== undefined) expect.fail(failureReport(result, bug));
        if (result.violations.length > 0) broken++;
      }
      expect(broken).toBeGreaterThanOrEqual(2);
    });
  }
});
