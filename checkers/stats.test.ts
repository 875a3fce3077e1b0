import { FAULT_OPS } from "../nemeses/catalog.ts";
import { describe, expect, it } from "vitest";
import { checkStats, statsChecker } from "./stats.ts";
import { HistoryBuilder } from "../test/support/history-builder.ts";

const N = "nemesis";

describe("stats: counts and latencies", () => {
  it("counts outcomes by f and overall, with latency percentiles of ok ops", () => {
    const builder = new HistoryBuilder();
    builder.at(0);
    builder.invoke(0, "write", 1);
    builder.at(4_000_000);
    builder.ok(0);
    builder.invoke(0, "write", 2);
    builder.at(6_000_000);
    builder.fail(0);
    builder.invoke(1, "read", null);
    builder.at(8_000_000);
    builder.ok(1, 1);
    builder.invoke(2, "read", null);
    builder.info(2);
    builder.invoke(3, "read", null);
    const result = checkStats(builder.ops, { faultOps: FAULT_OPS });
    expect(result.valid).toBe(true);
    expect(result.clientOps).toBe(5);
    expect(result.availability).toEqual({ ok: 2, fail: 1, answered: 0, info: 2, total: 5, availability: 0.4 });
    expect(result.byF.write).toEqual({ ok: 1, fail: 1, answered: 0, info: 0, total: 2, availability: 0.5, latencyMs: { count: 1, p50: 4, p90: 4, p99: 4, max: 4 } });
    expect(result.byF.read).toMatchObject({ ok: 1, fail: 0, info: 2, latencyMs: { count: 1, p50: 1 } });
  });

  it("is invalid when some f never succeeded, unless that rule is switched off", () => {
    const builder = new HistoryBuilder();
    builder.call(0, "read", null, 1);
    builder.invoke(0, "write", 2);
    builder.fail(0);
    const result = checkStats(builder.ops, { faultOps: FAULT_OPS });
    expect(result.valid).toBe(false);
    expect(result.neverSucceeded).toEqual(["write"]);
    expect(statsChecker({ faultOps: FAULT_OPS, invalidWhenNeverSucceeded: false }).check(builder.ops).valid).toBe(true);
    expect(statsChecker({ faultOps: FAULT_OPS }).check(builder.ops).valid).toBe(false);
  });

  it("is unknown without client ops, and keeps nemesis ops apart", () => {
    const builder = new HistoryBuilder();
    builder.invoke(N, "kill", "leader");
    builder.ok(N, { killed: ["n1"] });
    const result = checkStats(builder.ops, { faultOps: FAULT_OPS });
    expect(result.valid).toBe("unknown");
    expect(result.nemesisOps).toEqual({ kill: { ok: 1, fail: 0, answered: 0, info: 0, total: 1, availability: 1 } });
    expect(result.byF).toEqual({});
  });
});

describe("stats: availability by fault window", () => {
  /** Five nodes; n4 and n5 are cut off from 10 ms to 20 ms. Clients on the majority side keep
   *  working, clients on the minority side time out or are refused. */
  function partitionedHistory() {
    const builder = new HistoryBuilder(100_000);
    const before = builder.call(0, "write", 1, undefined, { node: "n1" });
    builder.at(10_000_000);
    builder.invoke(N, "start-partition", "random-halves");
    builder.ok(N, { mode: "random-halves", components: [["n1", "n2", "n3"], ["n4", "n5"]] });
    builder.call(0, "write", 2, undefined, { node: "n1" });
    builder.call(1, "write", 3, undefined, { node: "n2" });
    builder.call(2, "read", null, 3, { node: "n3" });
    builder.invoke(3, "write", 4, { node: "n4" });
    builder.fail(3, undefined, { node: "n4", error: "no leader" });
    builder.invoke(4, "write", 5, { node: "n5" });
    builder.info(4, undefined, { node: "n5", error: "timeout" });
    builder.invoke(5, "read", null, { node: "n4" });
    builder.fail(5, undefined, { node: "n4" });
    builder.invoke(6, "write", 6);
    builder.fail(6);
    builder.at(20_000_000);
    builder.invoke(N, "stop-partition", null);
    builder.ok(N, "healed");
    builder.call(7, "read", null, 3, { node: "n5" });
    return { ops: builder.ops, before };
  }

  it("computes the window and splits availability inside and outside it", () => {
    const result = checkStats(partitionedHistory().ops, { faultOps: FAULT_OPS });
    const [window] = result.faults.windows;
    expect(window).toMatchObject({ fault: "partition", startNs: 10_100_000, label: "partition n1,n2,n3 | n4,n5" });
    expect(window.availability).toEqual({ ok: 3, fail: 3, answered: 0, info: 1, total: 7, availability: 3 / 7 });
    expect(result.faults.insideAnyFault).toEqual(window.availability);
    expect(result.faults.outsideFaults).toEqual({ ok: 2, fail: 0, answered: 0, info: 0, total: 2, availability: 1 });
    expect(result.faults.byFault).toEqual({ partition: window.availability });
  });

  it("shows the majority side served and the minority side did not (SEEDS C4)", () => {
    const result = checkStats(partitionedHistory().ops, { faultOps: FAULT_OPS });
    const [window] = result.faults.windows;
    expect(window.sides).toEqual([
      { nodes: ["n1", "n2", "n3"], majority: true, ok: 3, fail: 0, answered: 0, info: 0, total: 3, availability: 1 },
      { nodes: ["n4", "n5"], majority: false, ok: 0, fail: 2, answered: 0, info: 1, total: 3, availability: 0 },
    ]);
    expect(window.majoritySide).toMatchObject({ availability: 1, total: 3 });
    expect(window.minoritySide).toMatchObject({ availability: 0, total: 3 });
    expect(window.byNode).toEqual({
      n1: { ok: 1, fail: 0, answered: 0, info: 0, total: 1, availability: 1 },
      n2: { ok: 1, fail: 0, answered: 0, info: 0, total: 1, availability: 1 },
      n3: { ok: 1, fail: 0, answered: 0, info: 0, total: 1, availability: 1 },
      n4: { ok: 0, fail: 2, answered: 0, info: 0, total: 2, availability: 0 },
      n5: { ok: 0, fail: 0, answered: 0, info: 1, total: 1, availability: 0 },
    });
    expect(result.faults.partitions).toEqual({ majoritySide: window.majoritySide, minoritySide: window.minoritySide });
    // Availability is not safety: the rule only looks at whether each f ever succeeded.
    expect(result.valid).toBe(true);
  });

  it("decides the majority against the whole cluster when told its nodes", () => {
    const result = checkStats(partitionedHistory().ops, { faultOps: FAULT_OPS, nodes: ["n1", "n2", "n3", "n4", "n5", "n6", "n7"] });
    // n6 and n7 were not cut off from anyone, so through them both sides reach a majority — but not
    // the same one: the partition is not clean, and no side is promised service.
    expect(result.faults.windows[0].majoritySide).toMatchObject({ total: 0 });
    expect(result.faults.windows[0].minoritySide).toMatchObject({ ok: 3, total: 6 });
    expect(result.faults.windows[0].sides).toEqual([expect.objectContaining({ nodes: ["n1", "n2", "n3", "n4", "n5", "n6", "n7"], majority: false })]);
  });

  it("counts an op that overlaps a window's edge as inside, and an op still running as running to the end", () => {
    const builder = new HistoryBuilder();
    builder.invoke(0, "write", 1, { node: "n1" });
    builder.invoke(N, "kill", "leader");
    builder.ok(N, { killed: ["n1"] });
    builder.info(0);
    builder.invoke(N, "start", null);
    builder.ok(N, { started: ["n1"] });
    builder.call(1, "write", 2, undefined, { node: "n2" });
    builder.invoke(2, "write", 3, { node: "n1" });
    builder.invoke(N, "kill", "leader");
    builder.ok(N, { killed: ["n2"] });
    const result = checkStats(builder.ops, { faultOps: FAULT_OPS });
    expect(result.faults.windows.map((w) => [w.label, w.availability.total])).toEqual([
      ["kill n1", 1],
      ["kill n2", 1],
    ]);
    expect(result.faults.byFault.kill).toEqual({ ok: 0, fail: 0, answered: 0, info: 2, total: 2, availability: 0 });
    expect(result.faults.outsideFaults).toEqual({ ok: 1, fail: 0, answered: 0, info: 0, total: 1, availability: 1 });
    expect(result.faults.windows[0].byNode).toEqual({ n1: { ok: 0, fail: 0, answered: 0, info: 1, total: 1, availability: 0 } });
    expect(result.faults.partitions).toBeNull();
  });

  it("counts an op on its client's side of the cut, not on the side of the node a redirect reached", () => {
    const builder = new HistoryBuilder(100_000);
    builder.invoke(N, "start-partition", "isolate-one");
    builder.ok(N, { components: [["n1"], ["n2", "n3"]] });
    // n1's client is cut off; its op was redirected to the leader n2 and failed there.
    builder.invoke(0, "write", 1, { node: "n1" });
    builder.fail(0, undefined, { node: "n2", error: "redirect failed" });
    builder.call(1, "write", 2, undefined, { node: "n2" });
    builder.invoke(N, "stop-partition", null);
    builder.ok(N, "healed");
    const { partitions } = checkStats(builder.ops, { faultOps: FAULT_OPS }).faults;
    expect(partitions?.minoritySide).toMatchObject({ total: 1, fail: 1 });
    expect(partitions?.majoritySide).toMatchObject({ total: 1, ok: 1 });
  });

  it("counts an op spanning two partitions under each side it was on", () => {
    const builder = new HistoryBuilder(100_000);
    builder.invoke(N, "start-partition", "isolate-one");
    builder.ok(N, { components: [["n1"], ["n2", "n3"]] });
    builder.invoke(0, "write", 1, { node: "n1" });
    builder.invoke(N, "start-partition", "isolate-one");
    builder.ok(N, { components: [["n3"], ["n1", "n2"]] });
    builder.ok(0, undefined, { node: "n1" });
    builder.invoke(N, "stop-partition", null);
    builder.ok(N, "healed");
    const result = checkStats(builder.ops, { faultOps: FAULT_OPS });
    expect(result.faults.windows.map((window) => window.availability.total)).toEqual([1, 1]);
    expect(result.faults.partitions?.minoritySide).toMatchObject({ total: 1, ok: 1 });
    expect(result.faults.partitions?.majoritySide).toMatchObject({ total: 1, ok: 1 });
  });

  it("counts a fail the system answered (a compare that did not match) as served, a refusal as not", () => {
    const builder = new HistoryBuilder(100_000);
    builder.call(0, "write", 1, undefined, { node: "n1" });
    builder.invoke(1, "cas", [3, 4], { node: "n1" });
    builder.fail(1, undefined, { node: "n1", error: "cas: the register did not hold 3", answered: true });
    builder.invoke(2, "write", 2, { node: "n2" });
    builder.fail(2, undefined, { node: "n2", error: "no leader" });
    builder.invoke(3, "read", null, { node: "n2" });
    builder.info(3, undefined, { node: "n2", error: "timeout" });
    const { availability } = checkStats(builder.ops, { faultOps: FAULT_OPS });
    expect(availability).toEqual({ ok: 1, fail: 2, answered: 1, info: 1, total: 4, availability: 0.5 });
  });

  it("keeps apart the partitioned ops no other fault overlapped", () => {
    const builder = new HistoryBuilder(100_000);
    builder.invoke(N, "start-partition", "isolate-one");
    builder.ok(N, { components: [["n1"], ["n2", "n3"]] });
    builder.call(0, "write", 1, undefined, { node: "n2" });
    builder.invoke(N, "kill", "leader");
    builder.ok(N, { killed: ["n3"] });
    builder.invoke(1, "write", 2, { node: "n2" });
    builder.fail(1, undefined, { node: "n2", error: "no leader" });
    builder.invoke(N, "start", null);
    builder.ok(N, { started: ["n3"] });
    builder.invoke(N, "stop-partition", null);
    builder.ok(N, "healed");
    const { partitions, partitionsAlone } = checkStats(builder.ops, { faultOps: FAULT_OPS }).faults;
    expect(partitions?.majoritySide).toMatchObject({ ok: 1, fail: 1, total: 2 });
    expect(partitionsAlone?.majoritySide).toMatchObject({ ok: 1, fail: 0, total: 1 });
  });
});
