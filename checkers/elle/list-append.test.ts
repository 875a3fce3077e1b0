import { describe, expect, it } from "vitest";
import type { Op } from "../../harness/op.ts";
import { checkElle, elle, type ElleResult } from "./elle.ts";
import type { CycleEvidence } from "./explain.ts";
import { TxnHistory, concurrent, concurrentTxns, mops } from "../../test/support/elle-histories.ts";

const check = (history: readonly Op[], consistencyModels?: string[]): ElleResult =>
  checkElle(history, { workload: "list-append", consistencyModels });

const cycle = (result: ElleResult, type: string): CycleEvidence => {
  const list = result.anomalies[type];
  if (list === undefined) throw new Error(`no ${type} in ${result.anomalyTypes.join(", ")}`);
  return list[0] as CycleEvidence;
};

describe("list-append: valid histories", () => {
  it("a serial history that reads back every append is strict-serializable", () => {
    const h = new TxnHistory()
      .txn(0, mops("ax1ay1"))
      .txn(1, mops("rx1ax2"))
      .txn(0, mops("rx12ry1"))
      .txn(2, mops("ay2rx12ry12")).ops;
    const result = check(h);
    expect(result).toMatchObject({ valid: true, anomalyTypes: [], not: [], alsoNot: [] });
    expect(result.txnCount).toBe(4);
  });

  it("concurrent transactions that saw each other consistently are serializable", () => {
    const result = check(concurrentTxns(["ax1", "ax2", "rx12", "rx1", "ax3ry", "ry"]), ["serializable"]);
    expect(result.valid).toBe(true);
    expect(result.anomalyTypes).toEqual([]);
  });

  it("an info transaction's nil reads say nothing (Elle's info-reads case)", () => {
    // T1 crashed; its read of y = nil is the invocation's placeholder, not an observation.
    const h = concurrent([
      { process: 0, value: mops("ax2ry"), type: "info" },
      { process: 1, value: mops("ax1ay1") },
      { process: 2, value: mops("rx12ry1") },
    ]);
    expect(check(h, ["serializable"]).valid).toBe(true);
  });

  it("a failed append nobody read creates no dependency and no anomaly", () => {
    const h = concurrent([
      { process: 0, value: mops("ax5"), type: "fail" },
      { process: 1, value: mops("ax1") },
      { process: 2, value: mops("rx1") },
    ]);
    expect(check(h, ["serializable"])).toMatchObject({ valid: true, anomalyTypes: [] });
  });

  it("a transaction may read over its own appends (internal reads are fine)", () => {
    const h = concurrentTxns(["ax1rx1ax2rx12", "rx12"]);
    expect(check(h, ["serializable"])).toMatchObject({ valid: true, anomalyTypes: [] });
  });

  it("one transaction writing twice over its read is not a lost update", () => {
    expect(check(concurrentTxns(["rxax1ax2", "rx12"]), ["serializable"]).anomalyTypes).toEqual([]);
  });

  it("a history where nothing could be inferred is unknown, not valid", () => {
    const result = check(concurrentTxns(["ax1", "ay1"]));
    expect(result.valid).toBe("unknown");
    expect(result.anomalyTypes).toEqual(["empty-transaction-graph"]);
  });
});

describe("list-append: cycle anomalies", () => {
  it("G0: two writers ordered differently on x and y", () => {
    const result = check(concurrentTxns(["ax1ay1", "ax2ay2", "rx12ry21"]), ["serializable"]);
    expect(result).toMatchObject({ valid: false, anomalyTypes: ["G0"], not: ["read-uncommitted"] });
    const g0 = cycle(result, "G0");
    expect(g0.steps.map((s) => s.kind)).toEqual(["ww", "ww"]);
    expect(g0.explanation).toBe(
      "T1 < T2 because T2 appended 2 to key x after T1's append of 1 (ww); T2 < T1 because T1 appended 1 to key y after T2's append of 2 (ww)",
    );
  });

  it("G1c: circular information flow through a read", () => {
    const result = check(concurrentTxns(["ax1ry1", "ax2ay1", "rx12ry1"]), ["serializable"]);
    expect(result.anomalyTypes).toEqual(["G1c"]);
    expect(result.not).toEqual(["read-committed"]);
    expect(cycle(result, "G1c").steps.map((s) => s.kind).sort()).toEqual(["wr", "ww"]);
    // Read committed prohibits it; so does everything stronger.
    expect(check(concurrentTxns(["ax1ry1", "ax2ay1", "rx12ry1"]), ["read-committed"]).valid).toBe(false);
    expect(check(concurrentTxns(["ax1ry1", "ax2ay1", "rx12ry1"]), ["read-uncommitted"]).valid).toBe(true);
  });

  it("G-single: exactly one anti-dependency", () => {
    const result = check(concurrentTxns(["ax1ay1", "ax2ry", "rx12"]), ["serializable"]);
    expect(result.anomalyTypes).toEqual(["G-single"]);
    expect(result.not).toEqual(["repeatable-read", "snapshot-isolation"]);
    const single = cycle(result, "G-single");
    expect(single.steps.filter((s) => s.kind === "rw")).toHaveLength(1);
    expect(single.explanation).toContain("read key y as empty, so it did not observe");
    // SI forbids it, read committed does not.
    expect(check(concurrentTxns(["ax1ay1", "ax2ry", "rx12"]), ["snapshot-isolation"]).valid).toBe(false);
    expect(check(concurrentTxns(["ax1ay1", "ax2ry", "rx12"]), ["read-committed"]).valid).toBe(true);
  });

  it("G-nonadjacent: two rw edges, never adjacent (Elle's example)", () => {
    const h = new TxnHistory().txn(0, mops("ax1")).txn(1, mops("rx1ry")).txn(2, mops("ay1")).txn(3, mops("ry1rx")).ops;
    const result = check(h, ["serializable"]);
    expect(result.anomalyTypes).toEqual(["G-nonadjacent"]);
    expect(result.not).toEqual(["repeatable-read", "snapshot-isolation"]);
    expect(cycle(result, "G-nonadjacent").steps.map((s) => s.kind)).toEqual(["wr", "rw", "wr", "rw"]);
  });

  it("rw rw wr: adjacent anti-dependencies are not G-nonadjacent, so SI allows the cycle", () => {
    // T1 misses T2's append to b, T2 misses T3's append to c, T1 read T3's append to a.
    const h = concurrentTxns(["ra1rb", "ab1rc", "aa1ac1"]);
    const result = check(h, ["snapshot-isolation"]);
    expect(result.valid).toBe(true);
    expect(result.anomalyTypes).toEqual(["G2-item"]);
    expect(cycle(result, "G2-item").steps.map((s) => s.kind)).toEqual(["rw", "rw", "wr"]);
    expect(check(h, ["serializable"]).valid).toBe(false);
  });

  it("G2-item: write skew, allowed by read committed, not by repeatable read", () => {
    const h = concurrentTxns(["ax1ry", "ay1rx"]);
    expect(check(h, ["read-committed"])).toMatchObject({ valid: true, anomalyTypes: ["G2-item"] });
    const result = check(h, ["repeatable-read"]);
    expect(result).toMatchObject({ valid: false, anomalyTypes: ["G2-item"], not: ["repeatable-read"] });
    expect(cycle(result, "G2-item").steps.map((s) => s.kind)).toEqual(["rw", "rw"]);
    expect(check(h, ["snapshot-isolation"]).valid).toBe(true);
  });
});

describe("list-append: process and real-time cycles", () => {
  it("G-single-realtime: a read misses an append that completed before it began", () => {
    const h = new TxnHistory().txn(0, mops("ax1")).txn(1, mops("ax2")).txn(2, mops("rx1")).txn(3, mops("rx12")).ops;
    expect(check(h, ["serializable"]).valid).toBe(true);
    const result = check(h, ["strict-serializable"]);
    expect(result).toMatchObject({ valid: false, anomalyTypes: ["G-single-realtime"], not: ["strong-snapshot-isolation"] });
    const steps = cycle(result, "G-single-realtime").steps;
    expect(steps.map((s) => s.kind).sort()).toEqual(["realtime", "rw"]);
    expect(steps.find((s) => s.kind === "realtime")?.text).toMatch(/completed \(index 3\) before T\d was invoked \(index 4\)/);
  });

  it("G-single-process: a process misses its own earlier append", () => {
    const h = new TxnHistory().txn(0, mops("ax1")).txn(1, mops("ax2")).txn(1, mops("rx1")).txn(2, mops("rx12")).ops;
    expect(check(h, ["serializable"]).valid).toBe(true);
    const result = check(h, ["strong-session-snapshot-isolation"]);
    expect(result).toMatchObject({ valid: false, anomalyTypes: ["G-single-process"], not: ["strong-session-snapshot-isolation"] });
    expect(cycle(result, "G-single-process").steps.find((s) => s.kind === "process")?.text).toContain("ran on process 1");
  });

  it("G1c-process: a session observes a write that depends on its own later one (Elle issue 21)", () => {
    const h = new TxnHistory()
      .txn(1, [["r", "x", [1]], ["append", "y", 1]])
      .txn(2, mops("ry1"))
      .txn(2, mops("ax1")).ops;
    const result = check(h, ["strong-session-snapshot-isolation"]);
    expect(result).toMatchObject({ valid: false, anomalyTypes: ["G1c-process"], not: ["strong-session-read-committed"] });
  });

  it("G-nonadjacent-process (Elle issue 17)", () => {
    const h = new TxnHistory()
      .invoke(0, mops("rxrz1"))
      .complete(0, mops("rxrz1"))
      .txn(1, mops("ax1"))
      .txn(1, mops("rz"))
      .txn(2, mops("az1")).ops;
    expect(check(h, ["serializable"]).valid).toBe(true);
    const result = check(h, ["strong-session-snapshot-isolation"]);
    expect(result).toMatchObject({ valid: false, anomalyTypes: ["G-nonadjacent-process"], not: ["strong-session-snapshot-isolation"] });
  });

  it("G0-realtime: a later writer's append lands before an earlier one's", () => {
    const h = new TxnHistory().txn(0, mops("ax1")).txn(1, mops("ax2")).txn(2, mops("rx21")).ops;
    const result = check(h, ["strict-serializable"]);
    expect(result).toMatchObject({ valid: false, anomalyTypes: ["G0-realtime"], not: ["strong-read-uncommitted"] });
  });

  it("G0-process: a process's second append lands before its first", () => {
    const h = new TxnHistory().txn(0, mops("ax1")).txn(0, mops("ax2")).txn(1, mops("rx21")).ops;
    const result = check(h, ["strong-session-serializable"]);
    expect(result).toMatchObject({ valid: false, anomalyTypes: ["G0-process"], not: ["strong-session-read-uncommitted"] });
  });

  it("G1c-realtime: a transaction read a write that began only after it finished", () => {
    const h = new TxnHistory().txn(0, mops("ry1")).txn(1, mops("ay1")).ops;
    const result = check(h, ["strict-serializable"]);
    expect(result).toMatchObject({ valid: false, anomalyTypes: ["G1c-realtime"], not: ["strong-read-committed"] });
  });

  it("G-nonadjacent-realtime: A -rw-> B -rt-> C -rw-> D -wr-> A, with no single-rw shortcut", () => {
    const h = new TxnHistory()
      .invoke(0, mops("rxrw1"))
      .invoke(3, mops("az1aw1"))
      .txn(1, mops("ax1"))
      .txn(2, mops("rz"))
      .complete(3, mops("az1aw1"))
      .complete(0, mops("rxrw1")).ops;
    expect(check(h, ["serializable"]).valid).toBe(true);
    const result = check(h, ["strict-serializable"]);
    expect(result).toMatchObject({ valid: false, anomalyTypes: ["G-nonadjacent-realtime"], not: ["strong-snapshot-isolation"] });
    expect(cycle(result, "G-nonadjacent-realtime").steps.map((s) => s.kind)).toEqual(["realtime", "rw", "wr", "rw"]);
  });

  it("G2-item-process: two adjacent anti-dependencies closed by process order", () => {
    const h = new TxnHistory().invoke(3, mops("ax1ry")).txn(1, mops("ay1")).txn(1, mops("rx")).complete(3, mops("ax1ry")).ops;
    const result = check(h, ["strong-session-serializable"]);
    expect(result).toMatchObject({ valid: false, anomalyTypes: ["G2-item-process"], not: ["strong-session-serializable"] });
    expect(check(h, ["strong-session-snapshot-isolation"]).valid).toBe(true);
  });

  it("G2-item-realtime is forbidden by strict serializability but allowed by strong SI", () => {
    // T1 appends y and completes; T2 begins later and misses x's append by T3, which missed
    // T1's y: T1 -rt-> T2 -rw-> T3 -rw-> T1, two adjacent anti-dependencies.
    const h = new TxnHistory().invoke(3, mops("ax1ry")).txn(1, mops("ay1")).txn(2, mops("rx")).complete(3, mops("ax1ry")).ops;
    const strict = check(h, ["strict-serializable"]);
    expect(strict).toMatchObject({ valid: false, anomalyTypes: ["G2-item-realtime"] });
    expect(check(h, ["strong-snapshot-isolation"]).valid).toBe(true);
  });
});

describe("list-append: anomalies visible without cycles", () => {
  it("G1a: reading an aborted append", () => {
    const h = concurrent([
      { process: 0, value: mops("ax1"), type: "fail" },
      { process: 1, value: mops("rx1") },
    ]);
    const result = check(h, ["read-committed"]);
    expect(result).toMatchObject({ valid: false, anomalyTypes: ["G1a", "empty-transaction-graph"], not: ["read-committed"] });
    expect(result.anomalies.G1a[0]).toMatchObject({ element: 1, mop: ["r", "x", [1]], writer: { type: "fail" } });
    // Read uncommitted allows it; the empty graph then makes the verdict unknown.
    expect(check(h, ["read-uncommitted"]).valid).toBe("unknown");
  });

  it("G1b: reading an intermediate state (and missing the final one is a G-single)", () => {
    const result = check(concurrentTxns(["ax1ax2", "rx1"]), ["serializable"]);
    expect(result.anomalyTypes).toEqual(["G-single", "G1b"]);
    expect(result.anomalies.G1b[0]).toMatchObject({ element: 1, op: { process: 1 }, writer: { process: 0 } });
  });

  it("internal: a read that disagrees with the transaction's own append", () => {
    const result = check(concurrentTxns(["ax1ax2ax4", "ax3rx1234"]), ["serializable"]);
    expect(result.anomalyTypes).toContain("internal");
    expect(result.anomalies.internal[0]).toMatchObject({ expected: ["...", 3], mop: ["r", "x", [1, 2, 3, 4]] });
  });

  it("internal: a stale re-read within one transaction", () => {
    const result = check(concurrentTxns(["rx12ax3rx12", "ax1ax2"]), ["serializable"]);
    expect(result.anomalies.internal[0]).toMatchObject({ expected: [1, 2, 3] });
  });

  it("future-read: observing your own later append", () => {
    const h = concurrent([{ process: 0, value: [["r", "x", [1]], ["append", "x", 1]] }]);
    const result = check(h, ["read-committed"]);
    expect(result.anomalyTypes).toEqual(["empty-transaction-graph", "future-read"]);
    expect(result.valid).toBe(false);
    expect(result.not).toEqual(["read-committed"]);
    expect(result.alsoNot).toContain("read-atomic");
  });

  it("duplicate-elements: an append read twice", () => {
    const result = check(concurrentTxns(["ax1ry1", "ax2ay1", "rx121"]), ["read-committed"]);
    expect(result.anomalyTypes).toContain("duplicate-elements");
    expect(result.anomalies["duplicate-elements"][0]).toMatchObject({ duplicates: { 1: 2 } });
    expect(result.not).toEqual(["read-uncommitted"]);
  });

  it("incompatible-order: two reads no single append order explains", () => {
    const result = check(concurrentTxns(["ax1ry1", "ax2", "ax3ay1", "rx13", "rx123"]), ["read-committed"]);
    expect(result.anomalyTypes).toContain("incompatible-order");
    expect(result.anomalies["incompatible-order"][0]).toMatchObject({ key: "x", values: [[1, 3], [1, 2, 3]] });
    expect(result.valid).toBe(false);
  });

  it("garbage-read: a value nobody appended", () => {
    const result = check(concurrentTxns(["ax1", "rx19"]), ["read-uncommitted"]);
    expect(result.valid).toBe(false);
    expect(result.anomalies["garbage-read"][0]).toMatchObject({ element: 9 });
  });

  it("dirty-update: a committed append on top of an aborted one", () => {
    const h = concurrent([
      { process: 0, value: mops("ax1"), type: "fail" },
      { process: 1, value: mops("ax2") },
      { process: 2, value: mops("rx12") },
    ]);
    const result = check(h, ["read-committed"]);
    expect(result.anomalyTypes).toContain("dirty-update");
    expect(result.anomalies["dirty-update"][0]).toMatchObject({ key: "x", values: [1, 2], from: { type: "fail" }, to: { type: "ok" } });
  });

  it("dirty-update through an append of unknown outcome", () => {
    const h = concurrent([
      { process: 0, value: mops("ax1"), type: "fail" },
      { process: 1, value: mops("ax2"), type: "info" },
      { process: 2, value: mops("ax3") },
      { process: 3, value: mops("rx123") },
    ]);
    expect(check(h, ["read-committed"]).anomalies["dirty-update"][0]).toMatchObject({ values: [1, 2, 3] });
  });

  it("lost-update: two transactions read the same version and both appended", () => {
    const h = new TxnHistory().txn(0, mops("ax0")).invoke(1, mops("rx0ax1")).invoke(2, mops("rx0ax2")).complete(1, mops("rx0ax1")).complete(2, mops("rx0ax2")).ops;
    const result = check(h, ["serializable"]);
    expect(result.anomalyTypes).toEqual(["G2-item", "lost-update"]);
    expect(result.anomalies["lost-update"][0]).toMatchObject({ key: "x", value: [0] });
    expect(result.not).toEqual(["cursor-stability"]);
  });

  it("duplicate appends make the verdict unknown: reads could not name their writer", () => {
    const result = check(concurrentTxns(["ax1", "ax1", "rx1"]));
    expect(result.valid).toBe("unknown");
    expect(result.anomalyTypes).toEqual(["duplicate-appends"]);
  });

  it("unknown micro-ops make the verdict unknown", () => {
    const h = concurrent([{ process: 0, value: [["cas", "x", 1]] as never }]);
    expect(check(h)).toMatchObject({ valid: "unknown", anomalyTypes: ["unexpected-txn-micro-op-types"] });
  });
});

describe("list-append: the checker object", () => {
  it("takes consistencyModels and timeLimitMs from check options", () => {
    const checker = elle({ workload: "list-append" });
    const h = concurrentTxns(["ax1ry", "ay1rx"]);
    expect(checker.name).toBe("elle");
    expect(checker.check(h).valid).toBe(false);
    expect(checker.check(h, { consistencyModels: ["read-committed"] }).valid).toBe(true);
  });

  it("rejects unknown consistency models", () => {
    expect(() => check(concurrentTxns(["ax1"]), ["linearizable-ish"])).toThrow(/unknown consistency model/);
  });
});

describe("list-append: evidence limits", () => {
  it("keeps maxAnomaliesPerType pieces of evidence but counts them all", () => {
    // Five independent write skews: five components, each a G2-item.
    const shorthands = [0, 1, 2, 3, 4].flatMap((i) => {
      const [x, y] = ["abcdefghij"[2 * i], "abcdefghij"[2 * i + 1]];
      return [`a${x}1r${y}`, `a${y}1r${x}`];
    });
    const result = checkElle(concurrentTxns(shorthands), { workload: "list-append", consistencyModels: ["serializable"], maxAnomaliesPerType: 2 });
    expect(result.anomalyCounts).toEqual({ "G2-item": 5 });
    expect(result.anomalies["G2-item"]).toHaveLength(2);
    expect(result.stats.cyclicComponents).toBe(5);
  });
});
