import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PairIndex } from "./pair-index.ts";

describe("pair index", () => {
  it("behaves like a map from (key, value) pairs, through growth and for any value type", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.oneof(fc.integer({ min: -50, max: 50 }), fc.string({ maxLength: 2 }), fc.double({ noNaN: true }))), {
          maxLength: 3000,
        }),
        (pairs) => {
          const index = new PairIndex(4);
          const model = new Map<string, number>();
          const name = (k: number, v: unknown) => `${k}|${typeof v}|${Object.is(v, -0) ? 0 : String(v)}`;
          pairs.forEach(([k, v], id) => {
            const expected = model.get(name(k, v)) ?? -1;
            expect(index.setIfAbsent(k, v, id)).toBe(expected);
            if (expected === -1) model.set(name(k, v), id);
          });
          for (const [k, v] of pairs) expect(index.get(k, v)).toBe(model.get(name(k, v)));
          expect(index.get(99, 1)).toBe(-1);
        },
      ),
      { numRuns: 50 },
    );
  });

  it("put replaces what is stored", () => {
    const index = new PairIndex();
    index.put(1, 2, 5);
    index.put(1, 2, 7);
    index.put(1, "a", 3);
    index.put(1, "a", 4);
    expect(index.get(1, 2)).toBe(7);
    expect(index.get(1, "a")).toBe(4);
    expect(index.setIfAbsent(1, 2, 9)).toBe(7);
  });
});
