// What a suite costs beyond its runs: a real 4-cell suite (our Raft on the local runtime, 3 nodes,
// 1 s runs) through runSuite, the code `faultline suite` runs. Overhead = the suite's wall time
// minus the time spent inside runTest, per run: expanding the matrix, suite.json after every run,
// run links, progress lines, and at the end the JUnit XML and the comparison page (which reads
// every run's history back). Also: the comparison page alone, and the JUnit XML alone.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { catalog } from "../harness/run/registry.ts";
import { expandMatrix } from "../harness/run/suite/matrix.ts";
import { junitXml } from "../harness/run/suite/junit.ts";
import { comparisonSource, writeComparison } from "../harness/run/suite/suite-compare.ts";
import { parseSuite } from "../harness/run/suite/suite-file.ts";
import { readSuiteRecord } from "../harness/run/suite/suite-record.ts";
import { runSuite } from "../harness/run/suite/suite-runner.ts";
import type { BenchRow } from "./bench-row.ts";

export async function bench(): Promise<BenchRow[]> {
  const store = mkdtempSync(join(tmpdir(), "faultline-bench-suite-"));
  try {
    const suite = parseSuite(
      { name: "bench-overhead", nodes: 3, time: 1, recovery: 0, concurrency: 4, nemeses: ["none"], systems: ["raft", { system: "raft", bug: "stale-read", as: "raft-stale-read" }], seeds: [1, 2] },
      "bench/suite-overhead.ts",
    );
    const matrix = expandMatrix(suite, catalog(), { store });
    const outcome = await runSuite({ suite, matrix, store, log: () => {}, resumeCommand: "(bench)", afterRuns: async (dir) => void writeComparison(comparisonSource([dir]), join(dir, "compare.html"), dir) });
    const runs = outcome.record.cells.length;
    if (outcome.record.cells.some((cell) => cell.status !== "done")) throw new Error(`a bench run did not finish: ${JSON.stringify(outcome.record.cells.map((c) => [c.id, c.status, c.error]))}`);

    const compareStarted = performance.now();
    writeComparison(comparisonSource([outcome.dir]), join(store, "again.html"), "bench");
    const compareMs = performance.now() - compareStarted;
    const junitStarted = performance.now();
    junitXml(readSuiteRecord(outcome.dir), outcome.dir);
    const junitMs = performance.now() - junitStarted;

    return [
      { name: `suite overhead per run beyond the runs (${runs} runs)`, value: ((outcome.totalSeconds - outcome.runSeconds) * 1000) / runs, unit: "ms/run" },
      { name: "time inside the runs, per run (1 s main phase, 3 raft nodes)", value: (outcome.runSeconds * 1000) / runs, unit: "ms/run" },
      { name: `comparison page of ${runs} runs (histories read back)`, value: compareMs, unit: "ms" },
      { name: `JUnit XML of ${runs} runs`, value: junitMs, unit: "ms" },
    ];
  } finally {
    rmSync(store, { recursive: true, force: true });
  }
}
