// Raft's Figure 8 end to end: --bug commit-old-term (a leader commits an earlier term's entries by
// counting replicas) judged invalid through the real CLI, and a healthy Raft valid under the same
// nemesis, reactive:figure-8 (nemeses/figure-8.ts). Under the timer-driven mix the bug is never
// caught (test/e2e/raft-bugs.test.ts says why): it needs a leader whose own term's entries never
// reach a majority while an earlier term's entry does. The mode stages that from the nodes' events,
// on three nodes so that the paper's "third node" is one. Node options make the moment reachable:
//   maxEntriesPerMessage=1, maxInflight=4   the old entries go one per message, a few in flight, so
//                                           the new term's no-op leaves behind them and the cut
//                                           that answers the first old-term commit drops it on the
//                                           wire (with the default 64 per message it rides along)
//   heartbeatTicks=20, electionTicks=30     a heartbeat's answer frees an in-flight slot; at every
//                                           tick they would let the no-op out early
//   requestTimeoutMs=1000                   clients of a cut-off leader give up and write again
//                                           within a second, so its old-term tail is long enough
// list-append, because an append applied on one node and replaced everywhere else stays visible in
// every later read of that list there, where a register's value is soon overwritten.
//
// A healthy Raft reaches the same step, and the third node, holding the new term's no-op, wins the
// next election (the harness log says "not B: A's entries stand"); a buggy one lets B win and
// replace entries the old leader already applied, which its reads then show once it leads.
//
// Measured 2026-12-06 (load average ~20 on two cores): healthy valid in 9 of 9 runs, the staging
// reaching its decisive step in each. With the bug the nodes log commits by counting replicas in
// every run (31–59 a run); before the third node was made to stop hearing A at the right moment,
// B won over A's applied entries in 2 runs of 6 and one (seed 2) was judged invalid
// (G-single-realtime, G0-realtime); since, B wins in every run (9 of 9) but none was judged
// invalid: A's stray entries show only in reads A serves as leader, and the tour did not make A
// lead again in the runs inspected (clusters/raft/README.md). So the checker catching it within
// three seeds is not asserted. Every seed runs, two runs at a time, about 75 s each.

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { faultline, type CliResult } from "../support/cli.ts";

const store = mkdtempSync(join(tmpdir(), "faultline-raft-figure-8-"));

afterAll(() => rmSync(store, { recursive: true, force: true }));

const FIGURE_8 = [
  ...["--system", "raft", "--nodes", "3", "--workload", "list-append"],
  ...["--opt", "maxEntriesPerMessage=1", "--opt", "maxInflight=4", "--opt", "heartbeatTicks=20", "--opt", "electionTicks=30", "--opt", "requestTimeoutMs=1000"],
  ...["--nemesis", "reactive:figure-8", "--nemesis-interval", "15", "--time", "60"],
];
const SEEDS = [1, 2, 3];
/** One run: 60 s of load and faults, the heal and recovery, then the check. */
const RUN_TIMEOUT_MS = 240_000;
const EXIT = { valid: 0, invalid: 1, unknown: 2 } as const;

function runStore(seed: number, bug?: string): string {
  return join(store, bug ?? "healthy", String(seed));
}

function run(seed: number, bug?: string): Promise<CliResult> {
  const args = ["run", ...FIGURE_8, "--seed", String(seed), "--store", runStore(seed, bug), ...(bug ? ["--bug", bug] : [])];
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

  // Not asserted: that the checker catches it within these seeds (measured 1 run in 15, see the top).
  // Asserted: that the bug really acts end to end under this nemesis, as the nodes log it.
  it.concurrent(`--bug commit-old-term: leaders commit earlier-term entries by counting replicas (seeds ${SEEDS.join(", ")})`, async () => {
    const outcomes: string[] = [];
    for (const seed of SEEDS) {
      const result = await run(seed, "commit-old-term");
      // 0 and 2 are honest verdicts (not exposed this time, or the check ran out of time); anything
      // else is the harness failing.
      expect([EXIT.valid, EXIT.invalid, EXIT.unknown], `commit-old-term seed ${seed}: ${describeRun(result)}`).toContain(result.code);
      const decisive = decisiveElections(seed, "commit-old-term");
      outcomes.push(`seed ${seed}: exit ${result.code}, ${countedCommits(seed, "commit-old-term")} counted commits, held ${decisive.held}, B won ${decisive.bWon}, the third node ${decisive.thirdNodeWon}`);
      expect(countedCommits(seed, "commit-old-term"), `seed ${seed}: no node logged a commit by counting replicas`).toBeGreaterThan(0);
    }
    console.log(`commit-old-term under reactive:figure-8: ${outcomes.join("; ")}`);
  }, SEEDS.length * RUN_TIMEOUT_MS);
});
