import { describe, expect, it } from "vitest";
import { readHistory } from "../../harness/history/read.ts";
import type { Op } from "../../harness/op.ts";
import { kvHistory } from "../../test/support/kv-history.ts";
import { TestHistory } from "../../test/support/linearizable-history.ts";
import { type LinearizableOptions, type LinearizableResult, linearizable, models } from "./check.ts";

const fixtures = new URL("../../../shared/fixtures/", import.meta.url);

function check(ops: readonly Op[], options: Omit<LinearizableOptions, "model"> & { model?: LinearizableOptions["model"] } = {}): LinearizableResult {
  return linearizable({ model: "kv", ...options }).check(ops) as LinearizableResult;
}

/** What must not depend on which thread searched what. */
function verdicts(result: LinearizableResult) {
  return { valid: result.valid, partitions: result.partitions, failures: result.failures, linearizable: result.linearizablePartitions, configurations: result.configurations };
}

/** A register key whose violation takes the search seconds to prove: 24 concurrent writes, then
 *  reads of 1, 2, 1 (every subset of the other writes must be tried first). */
function hardKey(history: TestHistory, key: string): TestHistory {
  for (let p = 0; p < 24; p++) history.invoke(p, "write", p + 1, key);
  history.call(100, "read", null, 1, key).call(100, "read", null, 2, key).call(100, "read", null, 1, key);
  for (let p = 0; p < 24; p++) history.ok(p, "write", p + 1, key);
  return history;
}

describe("searching partitions on worker threads", () => {
  it("decides every partition as the calling thread alone does", () => {
    const histories = [
      readHistory(new URL("kv/c10-ok.edn", fixtures)).ops,
      readHistory(new URL("kv/c10-bad.edn", fixtures)).ops,
      kvHistory({ seed: 7, clients: 20, opsPerClient: 30 }),
      kvHistory({ seed: 8, clients: 20, opsPerClient: 30, rollback: { at: 0.5, lose: 40 } }),
    ];
    for (const ops of histories) {
      const alone = check(ops, { threads: 1, allFailures: true });
      const shared = check(ops, { threads: 2, spawnWorkersAfterMs: 0, allFailures: true });
      expect(alone.workerThreads).toBe(0);
      expect(shared.workerThreads).toBe(1);
      expect(verdicts(shared)).toEqual(verdicts(alone));
    }
  });

  it("keeps a model of the caller's own on the calling thread", () => {
    const ops = readHistory(new URL("kv/c10-ok.edn", fixtures)).ops;
    // A copy is not in the registry, so no worker could load it by name.
    const result = check(ops, { model: { ...models.kv }, threads: 2, spawnWorkersAfterMs: 0 });
    expect(result).toMatchObject({ valid: true, workerThreads: 0 });
  });
});

describe("after the first failure", () => {
  const history = () => hardKey(new TestHistory().call(0, "write", 1, 1, "cheap").call(1, "read", null, 2, "cheap"), "hard");

  it("returns the verdict without deciding the rest, and names what stayed undecided", () => {
    for (const threads of [1, 2]) {
      const started = performance.now();
      const result = check(history().ops, { model: "register", threads, spawnWorkersAfterMs: 0, timeLimitMs: 60_000 });
      expect(performance.now() - started).toBeLessThan(10_000);
      expect(result.valid).toBe(false);
      expect(result.failures.map((failure) => failure.key)).toEqual(["cheap"]);
      expect(result.undecidedKeys).toEqual(["hard"]);
      expect(result.linearizablePartitions).toBe(0);
      expect(result.timedOut).toBeUndefined();
      expect(result.reason).toMatch(/1 of 2 partition\(s\) undecided \(first: key "hard", not searched to the end: a failure was found after \d+ ms.*so neither shown linearizable nor not.*--all-failures/);
    }
  });

  it("with allFailures, searches the rest until the time limit, and says so", () => {
    const result = check(history().ops, { model: "register", threads: 1, allFailures: true, timeLimitMs: 300 });
    expect(result.valid).toBe(false);
    expect(result.undecidedKeys).toEqual(["hard"]);
    expect(result.timedOut).toBe(true);
    expect(result.reason).toMatch(/time limit of 300 ms reached/);
  });

  it("reports partitions decided before the failure as decided", () => {
    const ops = new TestHistory().call(0, "write", 1, 1, "fine").call(1, "read", null, 1, "fine").call(0, "write", 1, 1, "broken").call(1, "read", null, 2, "broken").ops;
    const result = check(ops, { model: "register", threads: 1 });
    expect(result).toMatchObject({ valid: false, linearizablePartitions: 1 });
    expect(result.undecidedKeys).toBeUndefined();
  });
});
