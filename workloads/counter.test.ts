import { describe, expect, it } from "vitest";
import { counterWorkload } from "./counter.ts";
import { drive, HistoryBuilder } from "../test/support/history-builder.ts";
import type { Process } from "../harness/op.ts";
import { freeContext, take } from "../test/support/generator-context.ts";

const context = (free: readonly Process[], seed = 1) => freeContext(free, free, seed);

describe("counter workload", () => {
  it("adds non-zero deltas within ±maxDelta, some negative, and reads", () => {
    const ops = take(counterWorkload.generator({ maxDelta: 3 }), context([0, 1]), 400);
    const deltas = ops.filter((op) => op.f === "add").map((op) => op.value as number);
    expect(deltas.every((d) => Number.isInteger(d) && d !== 0 && Math.abs(d) <= 3)).toBe(true);
    expect(deltas.some((d) => d < 0)).toBe(true);
    expect(ops.some((op) => op.f === "read" && op.value === null)).toBe(true);
  });

  it("adds only positive deltas when asked, and waits without free clients", () => {
    const ops = take(counterWorkload.generator({ negativeDeltas: false }), context([0]), 200);
    expect(ops.filter((op) => op.f === "add").every((op) => (op.value as number) > 0)).toBe(true);
    expect(counterWorkload.generator({}).op(context(["nemesis"])).kind).toBe("pending");
    expect(() => counterWorkload.generator({ maxDelta: 0 })).toThrow(/maxDelta/);
  });

  it("produces histories its checker accepts when the counter is correct", () => {
    for (let seed = 0; seed < 20; seed++) {
      let value = 0;
      const system = {
        apply(f: string, delta: unknown) {
          if (f === "add") value += delta as number;
          return { type: "ok" as const, value: f === "read" ? value : delta };
        },
      };
      const builder = new HistoryBuilder();
      const live = drive(builder, counterWorkload.generator({}), system, { seed, processes: 4, ops: 150 });
      drive(builder, counterWorkload.finalGenerator!({}), system, { seed, processes: live, ops: 10, infoFraction: 0, failFraction: 0 });
      const result = counterWorkload.checker({}).check(builder.ops);
      expect(result.valid).toBe(true);
      expect(result.errorCount).toBe(0);
    }
  });
});
