// How long the linearizability checker takes on the shared fixtures and on generated histories
// large enough to matter. Each number is the median of several runs after one warm-up, and each
// run's verdict is checked, so a fast wrong answer fails the bench instead of looking good.
// Search effort is also reported as configurations explored, which does not depend on the
// machine: a change to the search shows up there first.

import { readHistory } from "../harness/history/read.ts";
import type { Op } from "../harness/op.ts";
import { Rng } from "../harness/rng.ts";
import { type LinearizableResult, linearizable, type ModelName } from "../checkers/linearizable/check.ts";
import { randomRegisterHistory } from "../test/support/random-register-history.ts";
import type { BenchRow } from "./bench-row.ts";

const FIXTURES = new URL("../../shared/fixtures/", import.meta.url);
const RUNS = 5;
const TIME_LIMIT_MS = 20_000;

interface Case {
  name: string;
  model: ModelName;
  expected: boolean;
  history: () => Op[];
  /** Also report client ops checked per second. */
  throughput?: boolean;
}

const fixture = (file: string, model: ModelName, expected: boolean): Case => ({
  name: file,
  model,
  expected,
  history: () => readHistory(new URL(file, FIXTURES)).ops,
});

const CASES: Case[] = [
  fixture("jepsen-etcd/etcd_000.log", "cas-register", false),
  fixture("jepsen-etcd/etcd_002.log", "cas-register", true),
  fixture("jepsen-etcd/etcd_005.log", "cas-register", true),
  fixture("jepsen-etcd/etcd_006.log", "cas-register", false),
  fixture("kv/c01-ok.edn", "kv", true),
  fixture("kv/c01-bad.edn", "kv", false),
  fixture("kv/c10-ok.edn", "kv", true),
  fixture("kv/c10-bad.edn", "kv", false),
  {
    name: "generated: 10k ops, 100 keys, 10 processes, 5% info",
    model: "cas-register",
    expected: true,
    throughput: true,
    history: () => randomRegisterHistory({ rng: new Rng(1), operations: 10_000, processes: 10, keys: 100, cas: true, infoProbability: 0.05, lostProbability: 0.05 }),
  },
  {
    name: "generated: 5k ops, 1 key, 20 processes, 10% info",
    model: "cas-register",
    expected: true,
    throughput: true,
    history: () => randomRegisterHistory({ rng: new Rng(2), operations: 5_000, processes: 20, keys: 1, cas: true, infoProbability: 0.1, lostProbability: 0.1 }),
  },
];

export async function bench(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const benchCase of CASES) {
    const history = benchCase.history();
    const checker = linearizable({ model: benchCase.model, timeLimitMs: TIME_LIMIT_MS });
    const timesMs: number[] = [];
    let result: LinearizableResult | undefined;
    for (let run = 0; run <= RUNS; run++) {
      const startMs = performance.now();
      result = checker.check(history) as LinearizableResult;
      if (run > 0) timesMs.push(performance.now() - startMs);
      if (result.valid !== benchCase.expected) {
        throw new Error(`${benchCase.name}: expected valid ${benchCase.expected}, got ${String(result.valid)} (${result.reason ?? "no reason"})`);
      }
    }
    const medianMs = median(timesMs);
    rows.push({ name: `${benchCase.name}: check time`, value: medianMs, unit: "ms" });
    rows.push({ name: `${benchCase.name}: configurations`, value: (result as LinearizableResult).configurations, unit: "configs" });
    if (benchCase.throughput) {
      rows.push({ name: `${benchCase.name}: throughput`, value: (result as LinearizableResult).operations / (medianMs / 1000), unit: "ops/s" });
    }
  }
  return rows;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
