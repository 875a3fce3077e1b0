import { describe, expect, it } from "vitest";
import { readHistory } from "../../harness/history/read.ts";
import type { Op } from "../../harness/op.ts";
import { type LinearizableOptions, type LinearizableResult, linearizable, modelNames, models } from "./check.ts";
import { legal, type Model } from "./model.ts";
import { TestHistory } from "../../test/support/linearizable-history.ts";

const fixtures = new URL("../../../shared/fixtures/", import.meta.url);

function check(model: LinearizableOptions["model"], ops: TestHistory | readonly Op[], timeLimitMs?: number): LinearizableResult {
  const history = ops instanceof TestHistory ? ops.ops : ops;
  return linearizable({ model, timeLimitMs }).check(history) as LinearizableResult;
}

describe("shared fixtures get the verdicts other checkers agree on", () => {
  const cases: [string, "cas-register" | "kv", boolean][] = [
    ["jepsen-etcd/etcd_000.log", "cas-register", false],
    ["jepsen-etcd/etcd_002.log", "cas-register", true],
    ["jepsen-etcd/etcd_005.log", "cas-register", true],
    ["jepsen-etcd/etcd_006.log", "cas-register", false],
    ["kv/c01-ok.edn", "kv", true],
    ["kv/c01-bad.edn", "kv", false],
    ["kv/c10-ok.edn", "kv", true],
    ["kv/c10-bad.edn", "kv", false],
  ];
  for (const [file, model, expected] of cases) {
    it(`${file}: ${expected ? "linearizable" : "not linearizable"}`, () => {
      const { ops, warnings } = readHistory(new URL(file, fixtures));
      expect(warnings).toEqual([]);
      const result = check(model, ops, 20_000);
      expect(result.valid).toBe(expected);
      expect(result.failures.length > 0).toBe(!expected);
      expect(result.timedOut).toBeUndefined();
    });
  }

  it("explains the etcd_000 violation with ops that exist in the history", () => {
    const { ops } = readHistory(new URL("jepsen-etcd/etcd_000.log", fixtures));
    const result = check("cas-register", ops);
    expect(result).toMatchObject({ valid: false, model: "cas-register", partitions: 1 });
    const [failure] = result.failures;
    const byIndex = new Map(ops.map((op) => [op.index, op]));
    const stuck = failure.ops[0];
    expect(byIndex.get(stuck.index)?.type).toBe("invoke");
    expect(byIndex.get(stuck.completionIndex as number)?.type).toBe("ok");
    expect(stuck.describe).toMatch(/^read → \d$/);
    for (const index of failure.longestLinearizablePrefix) expect(byIndex.get(index)?.type).toBe("invoke");
    expect(new Set(failure.longestLinearizablePrefix).size).toBe(failure.longestLinearizablePrefix.length);
    expect(failure.finalStates.length).toBeGreaterThan(0);
    expect(failure.explanation).toContain(`Op ${stuck.index} (process ${stuck.process}, ${stuck.describe})`);
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });

  it("names the key that breaks in a kv history", () => {
    const { ops } = readHistory(new URL("kv/c01-bad.edn", fixtures));
    const result = check("kv", ops);
    expect(result.partitions).toBe(8);
    expect(result.failures.map((f) => f.key)).toEqual(["7"]);
    expect(result.failures[0].explanation).toMatch(/^key "7": not linearizable/);
  });
});

describe("classic register cases", () => {
  it("a read that misses a write which already completed is stale: invalid", () => {
    const history = new TestHistory().call(0, "write", 1).call(1, "read", null, null);
    const result = check("register", history);
    expect(result.valid).toBe(false);
    expect(result.failures[0].ops[0]).toMatchObject({ index: 2, completionIndex: 3, describe: "read → nil", nextFromFinalState: "illegal" });
    expect(result.failures[0].finalStates).toEqual(["1"]);
    expect(result.failures[0].longestLinearizablePrefix).toEqual([0]);
  });

  it("a read concurrent with a write may see either value", () => {
    for (const seen of [null, 1]) {
      const history = new TestHistory().invoke(0, "write", 1).invoke(1, "read").ok(1, "read", seen).ok(0, "write", 1);
      expect(check("register", history).valid, `read saw ${seen}`).toBe(true);
    }
  });

  it("a read cannot see a write invoked after it completed", () => {
    const history = new TestHistory().call(1, "read", null, 1).call(0, "write", 1);
    expect(check("register", history).valid).toBe(false);
  });

  it("an info write may take effect later, even long after it timed out", () => {
    const history = new TestHistory().invoke(0, "write", 1).info(0, "write", 1).call(1, "read", null, null).call(1, "read", null, null).call(2, "read", null, 1);
    expect(check("register", history).valid).toBe(true);
  });

  it("an info write may also never take effect", () => {
    const history = new TestHistory().invoke(0, "write", 1).info(0, "write", 1).call(1, "write", 2).call(1, "read", null, 2);
    expect(check("register", history).valid).toBe(true);
  });

  it("an info write takes effect at most once", () => {
    const history = new TestHistory().invoke(0, "write", 1).info(0, "write").call(1, "read", null, 1).call(1, "write", 2).call(1, "read", null, 1);
    expect(check("register", history).valid).toBe(false);
  });

  it("an op never completed before the history ended counts as indeterminate", () => {
    const history = new TestHistory().invoke(0, "write", 7).call(1, "read", null, 7);
    expect(check("register", history).valid).toBe(true);
  });

  it("a failed write did not happen, so reading its value is invalid", () => {
    const history = new TestHistory().invoke(0, "write", 3).fail(0, "write", 3).call(1, "read", null, 3);
    expect(check("register", history).valid).toBe(false);
  });

  it("a failed cas did not happen; an ok cas needs the old value", () => {
    const failed = new TestHistory().call(0, "write", 1).invoke(0, "cas", [1, 2]).fail(0, "cas", [1, 2]).call(1, "read", null, 1);
    expect(check("cas-register", failed).valid).toBe(true);
    const wrongOld = new TestHistory().call(0, "write", 1).call(0, "cas", [5, 2]).call(1, "read", null, 2);
    const result = check("cas-register", wrongOld);
    expect(result.valid).toBe(false);
    expect(result.failures[0].ops[0].describe).toBe("cas 5 → 2");
  });

  it("ignores the nemesis and checks keys independently", () => {
    const history = new TestHistory()
      .invoke("nemesis", "start-partition", null)
      .call(0, "write", 1, 1, "a")
      .info("nemesis", "start-partition", "cut")
      .call(1, "write", 1, 1, "b")
      .call(2, "read", null, 1, "a")
      .call(2, "read", null, null, "b");
    const result = check("register", history);
    expect(result).toMatchObject({ valid: false, partitions: 2, operations: 4 });
    expect(result.failures.map((failure) => failure.key)).toEqual(["b"]);
  });
});

describe("budget, bad input, and the model registry", () => {
  it("says unknown, never a guess, when the budget is spent", () => {
    const history = new TestHistory().call(0, "write", 1).call(1, "read", null, 1);
    const result = check("register", history, 0);
    expect(result.valid).toBe("unknown");
    expect(result.timedOut).toBe(true);
    expect(result.undecidedKeys).toEqual([null]);
    expect(result.reason).toMatch(/1 of 1 partition\(s\) undecided .* raise timeLimitMs/);
  });

  it("gives up mid-search on a history too hard for the budget", () => {
    // 24 concurrent writes of distinct values, then reads that see 1, 2, 1: impossible, but the
    // search has to try every subset of the other writes before it can tell.
    const history = new TestHistory();
    for (let p = 0; p < 24; p++) history.invoke(p, "write", p + 1);
    history.call(100, "read", null, 1).call(100, "read", null, 2).call(100, "read", null, 1);
    for (let p = 0; p < 24; p++) history.ok(p, "write", p + 1);
    const started = performance.now();
    const result = check("register", history, 300);
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(result.valid).toBe("unknown");
    expect(result.reason).toMatch(/time limit of 300 ms reached/);
  });

  it("a per-check timeLimitMs overrides the factory's", () => {
    const history = new TestHistory().call(0, "write", 1);
    const checker = linearizable({ model: "register", timeLimitMs: 0 });
    expect(checker.check(history.ops, { timeLimitMs: 10_000 }).valid).toBe(true);
    expect(checker.check(history.ops).valid).toBe("unknown");
  });

  it("answers unknown with the reason for ops the model cannot read, or a broken history", () => {
    const foreign = check("register", new TestHistory().call(0, "increment", 1));
    expect(foreign.valid).toBe("unknown");
    expect(foreign.reason).toMatch(/op 0 \(increment 1\): the register model cannot interpret it; it understands f read/);
    const broken = check("register", new TestHistory().ok(0, "read", 1));
    expect(broken.valid).toBe("unknown");
    expect(broken.reason).toMatch(/op 0: ok read on process 0 completes nothing/);
  });

  it("lists its models and refuses unknown names", () => {
    expect(modelNames).toEqual(["register", "cas-register", "kv", "set", "queue", "mutex"]);
    for (const name of modelNames) expect(models[name].name).toBe(name);
    expect(() => linearizable({ model: "stack" as "register" })).toThrow(/unknown linearizability model "stack"; choose one of register, cas-register/);
  });

  it("searches nondeterministic models over sets of states", () => {
    // A counter whose increment may add one or two (a retried message, say).
    const sloppyCounter: Model<number, "inc" | "read", number> = {
      name: "sloppy-counter",
      nondeterministic: true,
      init: () => 0,
      operation: (invoke, completion) => (invoke.f === "read" ? (completion ? { input: "read", output: completion.value as number } : null) : { input: "inc", output: undefined }),
      step: (state, input, output) => (input === "inc" ? [state + 1, state + 2] : output === state ? [state] : []),
      hash: (state) => state,
      equal: (a, b) => a === b,
      describeOperation: (input, output) => (input === "inc" ? "inc" : `read → ${output}`),
      describeState: String,
    };
    const twice = () => new TestHistory().call(0, "inc", null).call(0, "inc", null);
    expect(check(sloppyCounter, twice().call(1, "read", null, 3)).valid).toBe(true);
    const result = check(sloppyCounter, twice().call(1, "read", null, 5));
    expect(result.valid).toBe(false);
    expect(result.failures[0].finalStates).toEqual(["2", "3", "4"]);
    expect(() => check({ ...sloppyCounter, nondeterministic: false }, new TestHistory().call(0, "inc", null))).toThrow(/does not declare nondeterministic/);
    expect(legal(1)).toEqual({ ok: true, state: 1 });
  });
});
