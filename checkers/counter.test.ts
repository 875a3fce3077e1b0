import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { checkCounter, counterChecker } from "./counter.ts";
import { HistoryBuilder, simulate } from "../test/support/history-builder.ts";
import type { Op } from "../harness/op.ts";

function add(builder: HistoryBuilder, process: number, delta: number): void {
  builder.invoke(process, "add", delta);
  builder.ok(process);
}

describe("counter checker", () => {
  it("accepts reads that count every add acknowledged before them", () => {
    const builder = new HistoryBuilder();
    add(builder, 0, 3);
    builder.call(1, "read", null, 3);
    add(builder, 0, -1);
    builder.call(1, "read", null, 2);
    const result = checkCounter(builder.ops);
    expect(result.valid).toBe(true);
    expect(result.reads).toBe(2);
    expect(result.series.map(([, lower, value, upper]) => [lower, value, upper])).toEqual([
      [3, 3, 3],
      [2, 2, 2],
    ]);
  });

  it("reports a read that misses an acknowledged add, with its bounds", () => {
    const builder = new HistoryBuilder();
    add(builder, 0, 5);
    const { invoke, completion } = builder.call(1, "read", null, 0);
    const result = checkCounter(builder.ops);
    expect(result.valid).toBe(false);
    expect(result.errors).toEqual([
      { read: expect.objectContaining({ index: completion.index, process: 1 }), readInvoke: expect.objectContaining({ index: invoke.index }), value: 0, lower: 5, upper: 5 },
    ]);
  });

  it("reports a read above everything that could have been added", () => {
    const builder = new HistoryBuilder();
    add(builder, 0, 2);
    builder.call(1, "read", null, 3);
    const result = checkCounter(builder.ops);
    expect(result.valid).toBe(false);
    expect(result.errors[0]).toMatchObject({ value: 3, lower: 2, upper: 2 });
  });

  it("lets a concurrent add count either way, in its own direction", () => {
    for (const [delta, values] of [
      [4, [1, 5]],
      [-4, [1, -3]],
    ] as const) {
      for (const value of values) {
        const builder = new HistoryBuilder();
        add(builder, 0, 1);
        builder.invoke(0, "add", delta);
        builder.invoke(1, "read", null);
        builder.ok(1, value);
        builder.ok(0);
        expect(checkCounter(builder.ops).valid).toBe(true);
      }
      const builder = new HistoryBuilder();
      add(builder, 0, 1);
      builder.invoke(0, "add", delta);
      builder.invoke(1, "read", null);
      builder.ok(1, 1 - delta);
      builder.ok(0);
      expect(checkCounter(builder.ops).errors[0]).toMatchObject({ lower: Math.min(1, 1 + delta), upper: Math.max(1, 1 + delta) });
    }
  });

  it("treats an indeterminate add as maybe applied, at any later time", () => {
    const builder = new HistoryBuilder();
    builder.invoke(0, "add", 10);
    builder.info(0);
    builder.call(1, "read", null, 0);
    builder.call(1, "read", null, 10);
    builder.call(1, "read", null, 0);
    const result = checkCounter(builder.ops);
    expect(result.valid).toBe(true);
    expect(result.finalBounds).toEqual({ lower: 0, upper: 10 });
  });

  it("treats a failed add as never applied", () => {
    const builder = new HistoryBuilder();
    builder.invoke(0, "add", 10);
    builder.fail(0);
    builder.call(1, "read", null, 10);
    const result = checkCounter(builder.ops);
    expect(result.valid).toBe(false);
    expect(result.errors[0]).toMatchObject({ lower: 0, upper: 0 });
  });

  it("does not count an add invoked after the read completed", () => {
    const builder = new HistoryBuilder();
    builder.call(1, "read", null, 7);
    add(builder, 0, 7);
    expect(checkCounter(builder.ops).valid).toBe(false);
  });

  it("starts from the initial value it is given", () => {
    const builder = new HistoryBuilder();
    add(builder, 0, 1);
    builder.call(1, "read", null, 101);
    expect(counterChecker({ initial: 100 }).check(builder.ops).valid).toBe(true);
    expect(counterChecker().check(builder.ops).valid).toBe(false);
  });

  it("is unknown without reads and at best unknown with malformed values", () => {
    const builder = new HistoryBuilder();
    add(builder, 0, 1);
    expect(checkCounter(builder.ops).valid).toBe("unknown");
    builder.call(1, "read", null, 1);
    const bad = builder.call(1, "read", null, "one");
    const result = checkCounter(builder.ops);
    expect(result.valid).toBe("unknown");
    expect(result.malformed).toEqual([{ index: bad.completion.index, reason: expect.stringContaining("not a finite number") }]);
  });
});

function simulatedCounterHistory(seed: number, processes: number, ops: number): Op[] {
  const builder = new HistoryBuilder();
  let value = 0;
  simulate(
    builder,
    {
      invocation: (rng) => (rng.bool(0.3) ? { f: "read", value: null } : { f: "add", value: rng.between(-5, 5) }),
      apply(f, delta) {
        if (f === "add") value += delta as number;
        return { type: "ok", value: f === "read" ? value : delta };
      },
    },
    { seed, processes, ops },
  );
  return builder.ops;
}

describe("counter checker properties", () => {
  it("accepts every history of a correct counter with signed deltas", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 150 }), (seed, processes, ops) => {
        const result = checkCounter(simulatedCounterHistory(seed, processes, ops));
        expect(result.errors).toEqual([]);
        expect(result.valid).toBe(result.reads > 0 ? true : "unknown");
      }),
      { numRuns: 150 },
    );
  });

  it("catches a read pushed just outside its bounds", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 10, max: 150 }), fc.nat(), fc.boolean(), (seed, processes, ops, pick, above) => {
        const history = simulatedCounterHistory(seed, processes, ops);
        const bounds = checkCounter(history).series;
        fc.pre(bounds.length > 0);
        const reads = history.filter((op) => op.f === "read" && op.type === "ok");
        const target = reads[pick % reads.length];
        const [, lower, , upper] = bounds[pick % reads.length];
        const corrupted = history.map((op) => (op === target ? { ...op, value: above ? upper + 1 : lower - 1 } : op));
        const result = checkCounter(corrupted);
        expect(result.valid).toBe(false);
        expect(result.errors.map((e) => e.read.index)).toEqual([target.index]);
      }),
      { numRuns: 150 },
    );
  });
});
