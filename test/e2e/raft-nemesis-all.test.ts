// `--nemesis all` on our Raft through the real CLI: every fault kind the system supports on the
// local runtime at once (partition, kill, pause, link, disk, clock, reactive, member; `faultline
// list` names them), 30 s, 5 nodes.
//
// Measured 2026-12-06 (load average ~20 on two cores), three rounds of seeds 1, 2, 3:
//   healthy                 valid 8 of 9 runs, one unknown (seed 1: 7 of 1007 ops ok, no cas
//                           completed, so nothing to judge); never invalid
//   stale-read              invalid 5/5 runs (seeds 1, 2, 3, 1, 1)
//   no-fsync                invalid 2/4 runs (seed 1 twice; seeds 2, 3 valid)
//   vote-without-log-check  invalid 2/5 runs (seed 1, then seed 1 unknown and seed 2 invalid)
//   commit-old-term         valid (seed 1); it needs its own staging (test/e2e/raft-figure-8.test.ts)
// Availability under all of them at once is 1–44% of client ops, so a healthy run can end unknown.
// Asserted here only what held every time: no healthy run judged invalid (and at least one valid),
// and stale-read caught within the three seeds. The other bugs' rates are in the README.
//
// The stale-read hunt stops at the first seed that catches it; healthy runs every seed. Two runs
// at a time, about 60 s each.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { faultline, type CliResult } from "../support/cli.ts";

const store = mkdtempSync(join(tmpdir(), "faultline-raft-all-"));

afterAll(() => rmSync(store, { recursive: true, force: true }));

const ALL = ["--system", "raft", "--nemesis", "all", "--time", "30"];
const SEEDS = [1, 2, 3];
/** One run: 30 s of load and faults, restarts, membership and disk repairs, heal, recovery, check. */
const RUN_TIMEOUT_MS = 180_000;
const EXIT = { valid: 0, invalid: 1, unknown: 2 } as const;

function run(seed: number, bug?: string): Promise<CliResult> {
  const args = ["run", ...ALL, "--seed", String(seed), "--store", join(store, bug ?? "healthy", String(seed)), ...(bug ? ["--bug", bug] : [])];
  return faultline(args, { timeoutMs: RUN_TIMEOUT_MS });
}

function describeRun(result: CliResult): string {
  return `exit ${result.code}\n${result.stdout.slice(-1500)}\n${result.stderr.slice(-1500)}`;
}

async function expectCaught(bug: string): Promise<void> {
  const outcomes: string[] = [];
  for (const seed of SEEDS) {
    const result = await run(seed, bug);
    // 0 and 2 are honest verdicts; anything else is the harness failing, never "not caught".
    expect([EXIT.valid, EXIT.invalid, EXIT.unknown], `${bug} seed ${seed}: ${describeRun(result)}`).toContain(result.code);
    outcomes.push(`seed ${seed}: exit ${result.code}`);
    if (result.code === EXIT.invalid) {
      console.log(`${bug} under --nemesis all: caught by seed ${seed} (${outcomes.join(", ")})`);
      return;
    }
  }
  expect.fail(`--bug ${bug} under --nemesis all was judged valid by every seed (${outcomes.join(", ")}); see ${join(store, bug)}`);
}

describe("raft under --nemesis all for 30 s", () => {
  it.concurrent(`healthy runs are never judged invalid for seeds ${SEEDS.join(", ")}, and at least one is valid`, async () => {
    const outcomes: string[] = [];
    for (const seed of SEEDS) {
      const result = await run(seed);
      // Unknown is honest here: with every fault at once a run can serve too few ops to judge.
      expect([EXIT.valid, EXIT.unknown], `healthy seed ${seed}: ${describeRun(result)}`).toContain(result.code);
      outcomes.push(`seed ${seed}: exit ${result.code}`);
    }
    console.log(`healthy under --nemesis all: ${outcomes.join(", ")}`);
    expect(outcomes.some((outcome) => outcome.endsWith(`exit ${EXIT.valid}`)), `no healthy run was judged valid: ${outcomes.join(", ")}`).toBe(true);
  }, SEEDS.length * RUN_TIMEOUT_MS);
  it.concurrent(`--bug stale-read is judged invalid within seeds ${SEEDS.join(", ")}`, () => expectCaught("stale-read"), SEEDS.length * RUN_TIMEOUT_MS);
});
