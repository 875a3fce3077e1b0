// DESIGN §8 end to end for our ZAB ensemble: 3 servers through the real CLI under the standard mix
// (--nemesis partition,kill,pause), --opt sync=true and --opt storage=power-loss (a kill loses
// what a server had not fsynced, as after a power cut), --time 30:
//   - healthy runs are valid for seeds 1, 2, 3, with the register workload (the linearizable
//     claim holds) and with the set workload;
//   - with a bug switch on, the set workload is judged invalid by one of seeds 1, 2, 3 (the hunt
//     stops at the first seed that catches it) — the same checker, unaware of the bug, catches it.
// Why set and not register: each switch leaves a replica with a txn the others never had (a kept
// proposal, a write only the old leader logged) or loses a committed one. In a register that shows
// only until the key is written again, and only to a read of that replica followed by a read of
// another; a set element is never overwritten, and every client's final read after the heal must
// agree (checkers/set.ts), so a replica that diverged is seen at the end of the run.
//
// Measured 2026-12-06 (seeds of 3 judged invalid, each seed run once; clusters/zab/README.md):
//                          set                   register (the mix before)
//   healthy (valid)        3 of 3                3 of 3
//   skip-trunc             2 of 3 (1, 2)         0 of 3
//   vote-ignores-zxid      3 of 3                0 of 3
//   commit-before-quorum   3 of 3                1 of 3
//   no-fsync               2 of 3 (2, 3)         0 of 3 (3 of 3 under kill:all)
// A seed fixes the fault schedule, not the timing of ops around it, so a seed is not a replay.
// Two runs at a time: about ten runs of about 50 s, so the file takes about seven minutes.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { faultline, type CliResult } from "../support/cli.ts";

const store = mkdtempSync(join(tmpdir(), "faultline-zab-bugs-"));

afterAll(() => rmSync(store, { recursive: true, force: true }));

const COMMON = ["--system", "zab", "--time", "30", "--opt", "sync=true", "--opt", "storage=power-loss"];
const MIX = [...COMMON, "--nemesis", "partition,kill,pause"];
const REGISTER = [...MIX, "--workload", "register"];
const SET = [...MIX, "--workload", "set"];
const SEEDS = [1, 2, 3];
const BUGS = ["skip-trunc", "vote-ignores-zxid", "commit-before-quorum", "no-fsync"];
/** One run: 30 s of load and faults, restarts, heal and recovery, then the check. */
const RUN_TIMEOUT_MS = 150_000;
const EXIT = { valid: 0, invalid: 1, unknown: 2 } as const;

function run(part: string, mix: string[], seed: number, bug?: string): Promise<CliResult> {
  const args = ["run", ...mix, "--seed", String(seed), "--store", join(store, part, bug ?? "healthy", String(seed)), ...(bug ? ["--bug", bug] : [])];
  return faultline(args, { timeoutMs: RUN_TIMEOUT_MS });
}

function describeRun(result: CliResult): string {
  return `exit ${result.code}\n${result.stdout.slice(-1500)}\n${result.stderr.slice(-1500)}`;
}

/** Seeds in turn until one judges the run invalid. */
async function expectCaught(bug: string): Promise<void> {
  const outcomes: string[] = [];
  for (const seed of SEEDS) {
    const result = await run("set", SET, seed, bug);
    // 0 and 2 are honest verdicts; anything else is the harness failing, which must not pass for
    // "not caught this time".
    expect([EXIT.valid, EXIT.invalid, EXIT.unknown], `${bug} seed ${seed}: ${describeRun(result)}`).toContain(result.code);
    outcomes.push(`seed ${seed}: exit ${result.code}`);
    if (result.code === EXIT.invalid) {
      console.log(`zab ${bug}: caught by seed ${seed} — ${outcomes.join(", ")}`);
      return;
    }
  }
  expect.fail(`--bug ${bug} was judged valid by every seed (${outcomes.join(", ")}); see ${join(store, "set", bug)}`);
}

async function expectValid(part: string, mix: string[]): Promise<void> {
  const outcomes: string[] = [];
  for (const seed of SEEDS) {
    const result = await run(part, mix, seed);
    outcomes.push(`seed ${seed}: exit ${result.code}`);
    expect(result.code, `healthy ${part} seed ${seed}: ${describeRun(result)}`).toBe(EXIT.valid);
  }
  console.log(`zab healthy (${part}): valid for ${SEEDS.length} of ${SEEDS.length} seeds — ${outcomes.join(", ")}`);
}

// Two runs at a time: the two healthy parts, then the bugs in pairs.
describe("zab under partition,kill,pause for 30 s", () => {
  describe("healthy", () => {
    it.concurrent(`register is valid for seeds ${SEEDS.join(", ")}`, () => expectValid("register", REGISTER), SEEDS.length * RUN_TIMEOUT_MS);
    it.concurrent(`set is valid for seeds ${SEEDS.join(", ")}`, () => expectValid("set", SET), SEEDS.length * RUN_TIMEOUT_MS);
  });
  for (const pair of [BUGS.slice(0, 2), BUGS.slice(2)]) {
    describe(pair.join(", "), () => {
      for (const bug of pair) {
        // A hunt: skip-trunc and no-fsync were caught by 2 of 3 seeds, so three can all miss (about
        // 4% a switch); one declared retry hunts three more, and the flaky reporter names it.
        it.concurrent(`--bug ${bug} is judged invalid within seeds ${SEEDS.join(", ")} (set)`, { retry: 1, timeout: SEEDS.length * RUN_TIMEOUT_MS }, () => expectCaught(bug));
      }
    });
  }
});
