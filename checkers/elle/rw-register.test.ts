import { describe, expect, it } from "vitest";
import type { Op } from "../../harness/op.ts";
import { checkElle, type ElleOptions, type ElleResult } from "./elle.ts";
import type { CycleEvidence } from "./explain.ts";
import { TxnHistory, concurrent, concurrentTxns, mops } from "../../test/support/elle-histories.ts";

const RW = "rw-register" as const;
const check = (history: readonly Op[], consistencyModels?: string[], extra: Partial<ElleOptions> = {}): ElleResult =>
  checkElle(history, { workload: RW, consistencyModels, ...extra });
const txns = (shorthands: string[]) => concurrentTxns(shorthands, RW);
const m = (shorthand: string) => mops(shorthand, RW);
const cycle = (result: ElleResult, type: string) => result.anomalies[type]?.[0] as CycleEvidence;

describe("rw-register: valid histories", () => {
  it("a serial history is strict-serializable, with every inference on", () => {
    const h = new TxnHistory().txn(0, m("wx1wy1")).txn(1, m("rx1wx2")).txn(0, m("rx2ry1wy2")).txn(2, m("rx2ry2")).ops;
    expect(check(h)).toMatchObject({ valid: true, anomalyTypes: [] });
  });

  it("concurrent transactions without contradictions are serializable", () => {
    expect(check(txns(["wx1", "rx1wy2", "ry2", "rx"]), ["serializable"])).toMatchObject({ valid: true, anomalyTypes: [] });
  });
});

describe("rw-register: cycles", () => {
  it("G1c: each reads the other's write", () => {
    const result = check(txns(["wx1ry1", "rx1wy1"]), ["serializable"]);
    expect(result).toMatchObject({ valid: false, anomalyTypes: ["G1c"], not: ["read-committed"] });
    expect(cycle(result, "G1c").explanation).toContain("read key x = 1, which T1 wrote");
  });

  it("G-single: read skew — one write seen, the other missed", () => {
    const result = check(txns(["ryrz1", "wy1wz1"]), ["serializable"]);
    expect(result.anomalyTypes).toEqual(["G-single"]);
    expect(cycle(result, "G-single").explanation).toContain("read key y = nil and T2 wrote 1, which follows it (every key starts nil)");
    expect(check(txns(["ryrz1", "wy1wz1"]), ["read-committed"]).valid).toBe(true);
  });

  it("G2-item: write skew", () => {
    const result = check(txns(["rxwy1", "rywx1"]), ["repeatable-read"]);
    expect(result).toMatchObject({ valid: false, anomalyTypes: ["G2-item"], not: ["repeatable-read"] });
    expect(check(txns(["rxwy1", "rywx1"]), ["snapshot-isolation"]).valid).toBe(true);
  });

  it("writes follow reads order versions: a read of the older value anti-depends on the newer write", () => {
    // T2 read 1 then wrote 2, so 1 precedes 2; T3 read 1 yet saw T2's y: a G-single.
    const h = txns(["wx1", "rx1wx2wy2", "rx1ry2"]);
    expect(check(h, ["serializable"]).anomalyTypes).toEqual(["G-single"]);
    expect(check(h, ["serializable"], { wfrKeys: false }).anomalyTypes).toEqual([]);
  });

  it("G-single-realtime needs the real-time version order, so only strict models see it", () => {
    // T3 runs throughout; T1 then T2 write x in real-time order; T3 read x = 1 but saw T2's y.
    const h = new TxnHistory().invoke(3, m("rx1ry2")).txn(1, m("wx1")).txn(2, m("wx2wy2")).complete(3, m("rx1ry2")).ops;
    expect(check(h, ["serializable"])).toMatchObject({ valid: true, anomalyTypes: [] });
    const strict = check(h, ["strict-serializable"]);
    expect(strict).toMatchObject({ valid: false, anomalyTypes: ["G-single-realtime"], not: ["strong-snapshot-isolation"] });
    const steps = cycle(strict, "G-single-realtime").steps;
    expect(steps.map((s) => s.kind).sort()).toEqual(["rw-realtime", "wr"]);
    expect(steps.find((s) => s.kind === "rw-realtime")?.text).toContain("the model keeps each key linearizable");
  });

  it("a stale read against real-time order makes the inferred version order cyclic", () => {
    const h = new TxnHistory().txn(0, m("wx1")).txn(1, m("wx2")).txn(2, m("rx1")).ops;
    expect(check(h, ["serializable"]).valid).toBe(true);
    const result = check(h, ["strict-serializable"]);
    expect(result).toMatchObject({ valid: false, anomalyTypes: ["cyclic-versions-realtime"], not: ["strong-snapshot-isolation"] });
    expect(result.anomalies["cyclic-versions-realtime"][0]).toMatchObject({ key: "x", sources: ["initial-state", "linearizable-keys"] });
  });

  it("a process that reads a key going backwards breaks sequential keys", () => {
    const h = new TxnHistory().txn(0, m("wx1")).txn(0, m("wx2")).txn(0, m("rx1")).ops;
    const result = check(h, ["strong-session-snapshot-isolation"]);
    expect(result.valid).toBe(false);
    expect(result.anomalyTypes).toEqual(["cyclic-versions-process"]);
    expect(check(h, ["snapshot-isolation"]).valid).toBe(true);
  });

  it("writes that follow reads in a cycle: cyclic versions, and a G1c", () => {
    const result = check(txns(["rx1wx2", "rx2wx1"]), ["read-uncommitted"]);
    expect(result.anomalyTypes).toEqual(["G1c", "cyclic-versions"]);
    expect(result.not).toEqual(["read-uncommitted"]);
  });
});

describe("rw-register: anomalies visible without cycles", () => {
  it("G1a: reading an aborted write", () => {
    const h = concurrent([
      { process: 0, value: m("wx1"), type: "fail" },
      { process: 1, value: m("rx1") },
    ]);
    expect(check(h, ["read-committed"])).toMatchObject({ valid: false, anomalyTypes: ["G1a", "empty-transaction-graph"] });
  });

  it("G1b: reading a write its transaction overwrote", () => {
    const result = check(txns(["wx1wx2", "rx1"]), ["read-committed"]);
    expect(result.anomalyTypes).toContain("G1b");
    expect(result.valid).toBe(false);
  });

  it("internal: a read that disagrees with the transaction's own write, or its own earlier read", () => {
    expect(check(txns(["wx1rx2", "wx2"]), ["serializable"]).anomalies.internal[0]).toMatchObject({ expected: 1 });
    expect(check(txns(["rxrx1", "wx1"]), ["serializable"]).anomalies.internal[0]).toMatchObject({ expected: null });
  });

  it("future-read: reading the value it is about to write", () => {
    expect(check(txns(["rx1wx1", "ry"]), ["read-committed"]).anomalyTypes).toContain("future-read");
  });

  it("garbage-read: a value nobody wrote", () => {
    const result = check(txns(["wx1", "rx9"]), ["read-uncommitted"]);
    expect(result.valid).toBe(false);
    expect(result.anomalies["garbage-read"][0]).toMatchObject({ element: 9 });
  });

  it("lost-update: both read 0, both wrote", () => {
    const h = new TxnHistory().txn(0, m("wx0")).invoke(1, m("rx0wx1")).invoke(2, m("rx0wx2")).complete(1, m("rx0wx1")).complete(2, m("rx0wx2")).ops;
    const result = check(h, ["serializable"]);
    expect(result.anomalyTypes).toEqual(["G2-item", "lost-update"]);
    expect(result.anomalies["lost-update"][0]).toMatchObject({ key: "x", value: 0 });
  });

  it("a value written twice makes the verdict unknown", () => {
    expect(check(txns(["wx1", "wx1", "rx1"]))).toMatchObject({ valid: "unknown", anomalyTypes: ["duplicate-writes"] });
  });
});
