import { describe, expect, it } from "vitest";
import { EachClientOnce, numberOption, setWorkload } from "./set.ts";
import { pickFreeClient } from "./pick-client.ts";
import { drive, HistoryBuilder, type SimulatedSystem } from "../test/support/history-builder.ts";
import { Rng } from "../harness/rng.ts";
import { freeContext, take } from "../test/support/generator-context.ts";

const context = freeContext;

function correctSet(): SimulatedSystem {
  const elements = new Set<unknown>();
  return {
    apply(f, value) {
      if (f === "add") elements.add(value);
      return { type: "ok", value: f === "read" ? [...elements] : value };
    },
  };
}

describe("set workload", () => {
  it("adds unique elements and reads now and then, from free clients only", () => {
    const ops = take(setWorkload.generator({ readFraction: 0.2 }), context(["nemesis", 3, 5]), 500);
    expect(ops).toHaveLength(500);
    const adds = ops.filter((op) => op.f === "add").map((op) => op.value);
    expect(new Set(adds).size).toBe(adds.length);
    expect(adds).toEqual([...adds].sort((a, b) => (a as number) - (b as number)));
    const reads = ops.filter((op) => op.f === "read");
    expect(reads.length).toBeGreaterThan(50);
    expect(reads.length).toBeLessThan(150);
    expect(reads.every((op) => op.value === null)).toBe(true);
    expect(new Set(ops.map((op) => op.process))).toEqual(new Set([3, 5]));
  });

  it("waits when no client is free, and repeats itself for the same seed", () => {
    const generator = setWorkload.generator({});
    expect(generator.op(context(["nemesis"], ["nemesis", 0])).kind).toBe("pending");
    expect(take(generator, context([0, 1, 2], [0, 1, 2], 7), 50)).toEqual(take(generator, context([0, 1, 2], [0, 1, 2], 7), 50));
  });

  it("rejects options that cannot be meant", () => {
    expect(() => setWorkload.generator({ readFraction: 2 })).toThrow(/readFraction/);
    expect(() => setWorkload.checker({ linearizable: "yes" })).toThrow(/linearizable/);
    expect(() => numberOption({ n: 1.5 }, "n", 1, { min: 0, integer: true })).toThrow(/an integer ≥ 0/);
  });

  it("gives every client one final read, waiting for busy ones, then is done", () => {
    const final = setWorkload.finalGenerator!({});
    const first = final.op(context([1], [0, 1, 2]));
    expect(first).toMatchObject({ kind: "op", op: { process: 1, f: "read", value: { final: true } } });
    if (first.kind !== "op") return;
    // Client 1 is served; 0 and 2 are busy.
    expect(first.next.op(context([1], [0, 1, 2])).kind).toBe("pending");
    const second = first.next.op(context([0, 1], [0, 1, 2]));
    expect(second).toMatchObject({ kind: "op", op: { process: 0 } });
    if (second.kind !== "op") return;
    // Client 2 was retired meanwhile; its replacement 3 gets the last read.
    const third = second.next.op(context([3], [0, 1, 3]));
    expect(third).toMatchObject({ kind: "op", op: { process: 3 } });
    if (third.kind !== "op") return;
    expect(third.next.op(context([0, 1, 3])).kind).toBe("done");
    expect(new EachClientOnce("read", null).op(context(["nemesis"])).kind).toBe("done");
  });

  it("picks free clients at random and never the nemesis", () => {
    const rng = new Rng(3);
    const picks = new Set(Array.from({ length: 100 }, () => pickFreeClient({ ...context(["nemesis", 1, 2, 3]), rng })));
    expect(picks).toEqual(new Set([1, 2, 3]));
    expect(pickFreeClient(context(["nemesis"]))).toBeUndefined();
  });

  it("produces histories its checker accepts when the set is correct", () => {
    for (let seed = 0; seed < 20; seed++) {
      const builder = new HistoryBuilder();
      const system = correctSet();
      const live = drive(builder, setWorkload.generator({ readFraction: 0.2 }), system, { seed, processes: 4, ops: 150 });
      drive(builder, setWorkload.finalGenerator!({}), system, { seed, processes: live, ops: 100, infoFraction: 0, failFraction: 0 });
      const result = setWorkload.checker({ linearizable: true }).check(builder.ops);
      expect(result.valid).toBe(true);
      expect(result.counts).toMatchObject({ finalReads: 4, lost: 0, stale: 0 });
    }
  });
});
