import { describe, expect, it } from "vitest";
import { firstAbove } from "./sorted-search.ts";

describe("firstAbove", () => {
  it("finds the first element greater than the value, past equal runs, in arrays and typed arrays", () => {
    const sorted = [1, 3, 3, 3, 7];
    expect(firstAbove(sorted, 0)).toBe(0);
    expect(firstAbove(sorted, 3)).toBe(4);
    expect(firstAbove(sorted, 5)).toBe(4);
    expect(firstAbove(sorted, 7)).toBe(5);
    expect(firstAbove(Float64Array.from(sorted), 2)).toBe(1);
    expect(firstAbove([], 1)).toBe(0);
  });
});
