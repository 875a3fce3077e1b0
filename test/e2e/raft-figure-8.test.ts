// Raft's Figure 8 end to end: --bug commit-old-term (a leader commits an earlier term's entries by
// counting replicas) judged invalid through the real CLI, and a healthy Raft valid under the same
// nemesis, reactive:figure-8 (nemeses/figure-8.ts). Under the timer-driven mix the bug is never
// caught (test/e2e/raft-bugs.test.ts says why): it needs a leader whose own term's entries never
// reach a majority while an earlier term's entries do. The mode stages that from the nodes' events,
// on three nodes so that the paper's "third node" is one. Node options make the moment reachable:
//   maxEntriesPerMessage=1, maxInflight=1   the old entries go one per message, one at a time, so
//                                           the new term's no-op leaves only once the last old
//                                           entry's acknowledgement reached the leader, and the
//                                           cut that answers that acknowledgement drops it
//   heartbeatTicks=20, electionTicks=30     a heartbeat's answer frees the in-flight slot; at every
//                                           tick it would let the no-op out early
//   requestTimeoutMs=8000, --op-timeout     the old leader's clients wait across its step-down (our
//     10000                                 node keeps a write pending until it applies its index,
//                                           clusters/raft/node.ts) until it commits them seconds
//                                           later, by counting replicas, and answers them OK
// The set workload, because every acknowledged add must be in every later read and in the final
// reads of every client (checkers/set.ts); 30 clients at 10 ops/s, below what the slowed links
// commit, so that clients are free to write to the old leader when the staging cuts it off.
//
// A healthy Raft reaches the decisive step (the third node stops hearing A right after taking A's
// old entries) and A commits nothing then. A buggy one commits and acknowledges them; B's log then
// stands against A's on the third node, and whichever wins, acknowledged writes of the other side
// are lost (nemeses/figure-8.ts says why both sides acknowledge).
//
// Measured 2026-12-06 (load average ~20 on two cores): with the bug, 9 of 9 runs by hand invalid
// (seeds 1, 2, 3, three times each; 8 for acknowledged adds lost, 1 for stale reads), so the hunt
// below stops at seed 1 (as it did in both runs of this file); healthy valid in 11 of 11 runs (seeds
// 1–3 twice in this file and once by hand, seeds 1 and 2 once more), the third node held 3–5 times
// a run and A committing nothing then. The nodes
// log "SAFETY LOST" where two entries were committed at one index. Healthy seeds all run, two runs
// at a time (with the bug's), about 80 s each.
//
// The third test runs the same cluster under --nemesis all for 60 s: every kind, with the staging
// given a 15 s turn of its own (harness/run/fault-turns.ts). Measured 2026-12-06 (seeds 1–3 twice,
// load 1–6, and this file's first hunt): invalid in 6 of 7 runs (seed 1 once valid), healthy valid 3 of 3 with the same options.

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { faultline, type CliResult } from "../support/cli.ts";

const store = mkdtempSync(join(tmpdir(), "faultline-raft-figure-8-"));

afterAll(() => rmSync(store, { recursive: true, force: true }));

const FIGURE_8 = [
  ...["--system", "raft", "--nodes", "3", "--workload", "set", "--concurrency", "30", "--rate", "10", "--op-timeout", "10000"],
  ...["--opt", "maxEntriesPerMessage=1", "--opt", "maxInflight=1", "--opt", "heartbeatTicks=20", "--opt", "electionTicks=30", "--opt", "requestTimeoutMs=8000"],
  ...["--nemesis", "reactive:figure-8", "--nemesis-interval", "15", "--time", "60"],
];
/** The same cluster and workload under every kind at once: the staging gets turns of its own
 *  (harness/run/fault-turns.ts), in runs of 60 s or more. */
const ALL = [...FIGURE_8.slice(0, FIGURE_8.indexOf("--nemesis")), "--nemesis", "all", "--time", "60"];
const SEEDS = [1, 2, 3];
/** One run: 60 s of load and faults, the heal and recovery, then the check. */
const RUN_TIMEOUT_MS = 240_000;
const EXIT = { valid: 0, invalid: 1, unknown: 2 } as const;

function runStore(seed: number, bug?: string): string {
  return join(store, bug ?? "healthy", String(seed));
}

function run(seed: number, bug?: string, nemesis: "figure-8" | "all" = "figure-8"): Promise<CliResult> {
  const args = ["run", ...(nemesis === "all" ? ALL : FIGURE_8), "--seed", String(seed), "--store", runStore(seed, nemesis === "all" ? `${bug}-all` : bug), ...(bug ? ["--bug", bug] : [])];
  return faultline(args, { timeoutMs: RUN_TIMEOUT_MS });
}

function describeRun(result: CliResult): string {
  return `exit ${result.code}\n${result.stdout.slice(-1500)}\n${result.stderr.slice(-1500)}`;
}

/** Every file named `name` under `dir`, read. */
function filesNamed(dir: string, name: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name === name)
    .map((entry) => readFileSync(join(entry.parentPath, entry.name), "utf8"));
}

/** How often the staging cut the third node off from A's new term right after it took an old-term
 *  entry from A (held), and how its last election went: the third node won ("not B": A's entries
 *  stand) or B did ("B: its log replaces A's entries"). */
function decisiveElections(seed: number, bug?: string): { held: number; thirdNodeWon: number; bWon: number } {
  const log = filesNamed(runStore(seed, bug), "harness.log").join("\n");
  return {
    held: log.match(/reactive figure-8: n\d+ no longer hears n\d+/g)?.length ?? 0,
    thirdNodeWon: log.match(/not B: A's entries stand/g)?.length ?? 0,
    bWon: log.match(/\(B: its log replaces A's entries\)/g)?.length ?? 0,
  };
}

/** Commits the nodes logged as made by counting replicas of an earlier term's entry (the bug). */
function countedCommits(seed: number, bug?: string): number {
  return filesNamed(runStore(seed, bug), "stdout.log").join("\n").match(/an entry of term \d+, by counting replicas/g)?.length ?? 0;
}

/** Runs --bug commit-old-term for each seed in turn until one is judged invalid, and returns that
 *  run; fails the test, with what each seed showed (`detail`), when none is. */
async function huntCommitOldTerm(nemesis: "figure-8" | "all", detail: (seed: number) => string): Promise<{ seed: number; result: CliResult }> {
  const outcomes: string[] = [];
  for (const seed of SEEDS) {
    const result = await run(seed, "commit-old-term", nemesis);
    // 0 and 2 are honest verdicts (not exposed this time, or the check ran out of time); anything
    // else is the harness failing.
    expect([EXIT.valid, EXIT.invalid, EXIT.unknown], `commit-old-term under ${nemesis}, seed ${seed}: ${describeRun(result)}`).toContain(result.code);
    outcomes.push(`seed ${seed}: exit ${result.code}, ${detail(seed)}`);
    if (result.code === EXIT.invalid) {
      console.log(`commit-old-term under ${nemesis}: ${outcomes.join("; ")}`);
      return { seed, result };
    }
  }
  return expect.fail(`commit-old-term under ${nemesis}: not judged invalid within seeds ${SEEDS.join(", ")}: ${outcomes.join("; ")}`);
}

describe("raft under reactive:figure-8", () => {
  it.concurrent(`healthy runs are valid for seeds ${SEEDS.join(", ")}, the staging reaching its decisive step in each`, async () => {
    for (const seed of SEEDS) {
      const result = await run(seed);
      expect(result.code, `healthy seed ${seed}: ${describeRun(result)}`).toBe(EXIT.valid);
      const decisive = decisiveElections(seed);
      console.log(`healthy seed ${seed}: valid; held ${decisive.held} time(s), then the third node won ${decisive.thirdNodeWon}, B ${decisive.bWon}`);
      // A correct leader commits its old entries only with its own no-op, which the held link keeps
      // from the third node: it never commits there, so B never wins over its entries.
      expect(decisive.held, `healthy seed ${seed}: the staging never reached its decisive step`).toBeGreaterThan(0);
      expect(decisive.bWon, `healthy seed ${seed}: B won over entries A had committed`).toBe(0);
      expect(countedCommits(seed)).toBe(0);
    }
  }, SEEDS.length * RUN_TIMEOUT_MS);

  it.concurrent(`--bug commit-old-term is judged invalid within seeds ${SEEDS.join(", ")}: acknowledged adds lost or missed by later reads`, async () => {
    const caught = await huntCommitOldTerm("figure-8", (seed) => {
      const decisive = decisiveElections(seed, "commit-old-term");
      return `${countedCommits(seed, "commit-old-term")} counted commits, held ${decisive.held}, B won ${decisive.bWon}, the third node ${decisive.thirdNodeWon}`;
    });
    // Invalid for the reason the bug gives: adds the cluster acknowledged, missing from the final
    // reads (lost) or from reads that began after the acknowledgement (stale, which the set
    // checker judges an error for a system that claims linearizability).
    expect(caught.result.stdout).toMatch(/no add lost once acknowledged or read — refuted/);
    expect(countedCommits(caught.seed, "commit-old-term"), "no node logged a commit by counting replicas").toBeGreaterThan(0);
  }, SEEDS.length * RUN_TIMEOUT_MS);

  it.concurrent(`--bug commit-old-term is judged invalid within seeds ${SEEDS.join(", ")} under --nemesis all (60 s), the staging having had a turn to itself`, async () => {
    const caught = await huntCommitOldTerm("all", (seed) => {
      const staged = filesNamed(runStore(seed, "commit-old-term-all"), "harness.log").join("\n").match(/reactive figure-8: /g)?.length ?? 0;
      return `${staged} staging strikes, held ${decisiveElections(seed, "commit-old-term-all").held}`;
    });
    expect(caught.result.stdout).toMatch(/no add lost once acknowledged or read — refuted/);
    expect(caught.result.stdout).toMatch(/nemesis partition,kill,pause,link,disk,clock,reactive/);
  }, SEEDS.length * RUN_TIMEOUT_MS);
});
