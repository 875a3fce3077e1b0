import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { checkSet, setChecker } from "./set.ts";
import { HistoryBuilder, simulate, type SimulationModel } from "../test/support/history-builder.ts";
import type { Op } from "../harness/op.ts";

const FINAL = { final: true };

function added(builder: HistoryBuilder, process: number, element: number): void {
  builder.invoke(process, "add", element);
  builder.ok(process);
}

function read(builder: HistoryBuilder, process: number, elements: unknown[], value: unknown = null): { invoke: Op; completion: Op } {
  return builder.call(process, "read", value, elements);
}

describe("set checker", () => {
  it("accepts acknowledged elements that every later read returns", () => {
    const builder = new HistoryBuilder();
    added(builder, 0, 1);
    read(builder, 1, [1]);
    added(builder, 0, 2);
    read(builder, 0, [1, 2], FINAL);
    read(builder, 1, [2, 1], FINAL);
    const result = checkSet(builder.ops);
    expect(result.valid).toBe(true);
    expect(result.counts).toMatchObject({ attempted: 2, acknowledged: 2, stable: 2, lost: 0, stale: 0, reads: 3, finalReads: 2 });
  });

  it("reports an acknowledged element missing from the final read as lost, with evidence", () => {
    const builder = new HistoryBuilder();
    const add = builder.invoke(0, "add", 7);
    const ack = builder.ok(0);
    added(builder, 1, 8);
    const seen = read(builder, 2, [7, 8]);
    const final = read(builder, 2, [8], FINAL);
    const result = checkSet(builder.ops);
    expect(result.valid).toBe(false);
    expect(result.lost).toHaveLength(1);
    expect(result.lost[0]).toMatchObject({
      element: 7,
      addInvoke: { index: add.index, process: 0 },
      addCompletion: { index: ack.index },
      addOutcome: "ok",
      firstSeen: { index: seen.invoke.index },
      lastSeen: { index: seen.invoke.index },
      lastMissed: { index: final.invoke.index },
      missingFromFinalReads: [{ index: final.invoke.index }],
    });
  });

  it("reports an element the last read misses as lost even without final markers (Jepsen's rule)", () => {
    const builder = new HistoryBuilder();
    added(builder, 0, 1);
    read(builder, 1, [1]);
    read(builder, 1, []);
    const result = checkSet(builder.ops);
    expect(result.valid).toBe(false);
    expect(result.lost.map((e) => e.element)).toEqual([1]);
  });

  it("calls an element that a read missed but a later read saw stale, valid unless linearizable", () => {
    const builder = new HistoryBuilder();
    added(builder, 0, 1);
    const missed = read(builder, 1, []);
    read(builder, 2, [1], FINAL);
    const result = checkSet(builder.ops);
    expect(result.valid).toBe(true);
    expect(result.counts.stale).toBe(1);
    expect(result.counts.staleMisses).toBe(1);
    expect(result.stale[0]).toMatchObject({ element: 1, staleReadCount: 1, staleReads: [{ index: missed.invoke.index }] });
    expect(result.stale[0].invisibleForMs).toBe(1);
    const strict = setChecker({ linearizable: true }).check(builder.ops);
    expect(strict.valid).toBe(false);
  });

  it("does not hold a read that began before the add was acknowledged against it", () => {
    const builder = new HistoryBuilder();
    builder.invoke(0, "add", 1);
    builder.invoke(1, "read", null);
    builder.ok(0);
    builder.ok(1, []);
    read(builder, 1, [1], FINAL);
    const result = checkSet(builder.ops, { linearizable: true });
    expect(result.valid).toBe(true);
    expect(result.counts.stale).toBe(0);
  });

  it("lists acknowledged elements no read began after as never read, and cannot call that valid", () => {
    const builder = new HistoryBuilder();
    added(builder, 0, 1);
    read(builder, 1, [1], FINAL);
    const late = builder.invoke(0, "add", 2);
    builder.ok(0);
    const result = checkSet(builder.ops);
    expect(result.valid).toBe("unknown");
    expect(result.unknownBecause).toEqual(["1 acknowledged add was never read: no read began after it was acknowledged (1 final read completed ok), so it may be lost"]);
    expect(result.neverRead).toEqual([expect.objectContaining({ element: 2, addInvoke: expect.objectContaining({ index: late.index }) })]);
  });

  it("is unknown, never valid, when every final read failed", () => {
    const builder = new HistoryBuilder();
    added(builder, 0, 1);
    read(builder, 1, [1]);
    added(builder, 0, 2);
    builder.invoke(1, "read", FINAL);
    builder.fail(1);
    builder.invoke(2, "read", FINAL);
    builder.info(2);
    const result = checkSet(builder.ops);
    expect(result.valid).toBe("unknown");
    expect(result.counts.neverRead).toBe(1);
    expect(result.unknownBecause).toEqual([expect.stringMatching(/^1 acknowledged add was never read: .*\(0 final reads completed ok\)/)]);
  });

  it("is unknown when no read ever checked a known element", () => {
    const builder = new HistoryBuilder();
    read(builder, 1, []);
    added(builder, 0, 1);
    expect(checkSet(builder.ops).valid).toBe("unknown");
    const noReads = new HistoryBuilder();
    added(noReads, 0, 1);
    expect(checkSet(noReads.ops).valid).toBe("unknown");
  });

  it("treats an indeterminate add as maybe: recovered if seen, not lost if never seen", () => {
    const builder = new HistoryBuilder();
    builder.invoke(0, "add", 1);
    builder.info(0);
    builder.invoke(1, "add", 2);
    builder.info(1);
    added(builder, 2, 3);
    read(builder, 2, [1, 3], FINAL);
    const result = checkSet(builder.ops);
    expect(result.valid).toBe(true);
    expect(result.recovered.map((e) => e.element)).toEqual([1]);
    expect(result.recovered[0].addOutcome).toBe("info");
    expect(result.counts.lost).toBe(0);
  });

  it("counts an unacknowledged element as lost once a read has shown it, if it then disappears", () => {
    const builder = new HistoryBuilder();
    builder.invoke(0, "add", 4);
    const sawIt = read(builder, 1, [4]);
    builder.info(0);
    added(builder, 2, 5);
    read(builder, 1, [5], FINAL);
    const result = checkSet(builder.ops);
    expect(result.valid).toBe(false);
    expect(result.lost).toHaveLength(1);
    expect(result.lost[0]).toMatchObject({ element: 4, addOutcome: "info", knownByRead: { index: sawIt.completion.index } });
  });

  it("reports elements whose only add failed, or that were never added, as unexpected", () => {
    const builder = new HistoryBuilder();
    const failed = builder.invoke(0, "add", 1);
    builder.fail(0);
    added(builder, 0, 2);
    const phantom = read(builder, 1, [1, 2, 99], FINAL);
    const result = checkSet(builder.ops);
    expect(result.valid).toBe(false);
    expect(result.unexpected).toEqual([
      { element: 1, reads: [expect.objectContaining({ index: phantom.completion.index })], failedAdds: [expect.objectContaining({ index: failed.index })] },
      { element: 99, reads: [expect.objectContaining({ index: phantom.completion.index })], failedAdds: [] },
    ]);
  });

  it("reports an element read before any add of it began as unexpected", () => {
    const builder = new HistoryBuilder();
    const early = read(builder, 1, [5]);
    added(builder, 0, 5);
    read(builder, 1, [5], FINAL);
    const result = checkSet(builder.ops);
    expect(result.valid).toBe(false);
    expect(result.unexpected).toEqual([{ element: 5, reads: [expect.objectContaining({ index: early.completion.index })], failedAdds: [] }]);
  });

  it("reports an element returned twice by one read as duplicated", () => {
    const builder = new HistoryBuilder();
    added(builder, 0, 1);
    const twice = read(builder, 1, [1, 1], FINAL);
    const result = checkSet(builder.ops);
    expect(result.valid).toBe(false);
    expect(result.duplicated).toEqual([{ element: 1, reads: [expect.objectContaining({ index: twice.completion.index, copies: 2 })] }]);
  });

  it("makes an element missed by one final read lost even if a concurrent final read had it", () => {
    const build = (value: unknown) => {
      const builder = new HistoryBuilder();
      added(builder, 0, 1);
      builder.invoke(1, "read", value);
      builder.invoke(2, "read", value);
      builder.ok(1, []);
      builder.ok(2, [1]);
      return builder.ops;
    };
    expect(checkSet(build(FINAL)).lost.map((e) => e.element)).toEqual([1]);
    // Without the final marker only Jepsen's rule applies: the later-invoked read saw it.
    const periodic = checkSet(build(null));
    expect(periodic.lost).toEqual([]);
    expect(periodic.stale.map((e) => e.element)).toEqual([1]);
  });

  it("measures visibility latency from acknowledgement to the first read that saw the element", () => {
    const builder = new HistoryBuilder();
    builder.at(0);
    builder.invoke(0, "add", 1);
    builder.at(10_000_000);
    builder.ok(0);
    builder.at(15_000_000);
    read(builder, 1, [1], FINAL);
    expect(checkSet(builder.ops).visibilityLatencyMs).toEqual({ count: 1, p50: 5, p90: 5, p99: 5, max: 5 });
  });

  it("is at best unknown when a read returned something that is not an array", () => {
    const builder = new HistoryBuilder();
    added(builder, 0, 1);
    read(builder, 1, [1]);
    const bad = read(builder, 1, "garbage" as unknown as unknown[]);
    const result = checkSet(builder.ops);
    expect(result.valid).toBe("unknown");
    expect(result.malformed).toEqual([{ index: bad.completion.index, reason: expect.stringContaining("not an array") }]);
  });

  it("ignores nemesis ops and failed or indeterminate reads", () => {
    const builder = new HistoryBuilder();
    added(builder, 0, 1);
    builder.invoke("nemesis", "start-partition", null);
    builder.ok("nemesis", { components: [["n1"], ["n2", "n3"]] });
    builder.invoke(1, "read", null);
    builder.fail(1, []);
    builder.invoke(2, "read", null);
    builder.info(2, []);
    read(builder, 3, [1], FINAL);
    expect(checkSet(builder.ops).valid).toBe(true);
  });
});

/** A correct set: an add takes effect at one moment, a read returns what was added by then. */
function setModel(readChance: number): SimulationModel & { elements: Set<number> } {
  let next = 0;
  const elements = new Set<number>();
  return {
    elements,
    invocation: (rng) => (rng.bool(readChance) ? { f: "read", value: null } : { f: "add", value: next++ }),
    apply(f, value) {
      if (f === "add") elements.add(value as number);
      return { type: "ok", value: f === "read" ? [...elements] : value };
    },
  };
}

function simulatedSetHistory(seed: number, processes: number, ops: number): { history: Op[]; finalReads: Op[] } {
  const builder = new HistoryBuilder();
  const model = setModel(0.2);
  const live = simulate(builder, model, { seed, processes, ops });
  const finalReads = live.map((process) => read(builder, process, [...model.elements], FINAL).completion);
  return { history: builder.ops, finalReads };
}

describe("set checker properties", () => {
  it("finds nothing wrong with a correct set under random concurrency, timeouts and failures", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 120 }), (seed, processes, ops) => {
        const result = checkSet(simulatedSetHistory(seed, processes, ops).history, { linearizable: true });
        expect(result.counts.lost + result.counts.stale + result.counts.unexpected + result.counts.duplicated).toBe(0);
        expect(result.valid).toBe(result.counts.stable > 0 ? true : "unknown");
      }),
      { numRuns: 150 },
    );
  });

  it("reports an acknowledged element removed from one final read as lost", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 5, max: 120 }), fc.nat(), (seed, processes, ops, pick) => {
        const { history, finalReads } = simulatedSetHistory(seed, processes, ops);
        const adds = history.filter((op) => op.f === "add" && op.type === "ok");
        fc.pre(adds.length > 0);
        const victim = adds[pick % adds.length].value;
        const target = finalReads[pick % finalReads.length];
        const corrupted = history.map((op) => (op === target ? { ...op, value: (op.value as number[]).filter((e) => e !== victim) } : op));
        const result = checkSet(corrupted);
        expect(result.valid).toBe(false);
        expect(result.lost.map((e) => e.element)).toContain(victim);
      }),
      { numRuns: 150 },
    );
  });
});
