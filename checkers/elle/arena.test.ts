import { describe, expect, it } from "vitest";
import { Arena } from "./arena.ts";

describe("arena", () => {
  it("hands out zeroed, non-overlapping, aligned views", () => {
    const arena = new Arena(64);
    const a = arena.uint8(3).fill(7);
    const b = arena.int32(4);
    const c = arena.uint16(5);
    expect(Array.from(b)).toEqual([0, 0, 0, 0]);
    expect(b.byteOffset % 8).toBe(0);
    b.fill(-1);
    c.fill(9);
    expect(Array.from(a)).toEqual([7, 7, 7]);
    expect(Array.from(b)).toEqual([-1, -1, -1, -1]);
  });

  it("opens a new chunk when one runs out, without disturbing earlier views", () => {
    const arena = new Arena(16);
    const first = arena.int32(4).fill(5);
    const second = arena.int32(1000);
    expect(second.length).toBe(1000);
    expect(arena.extraChunks).toBe(1);
    expect(Array.from(first)).toEqual([5, 5, 5, 5]);
    expect(arena.used).toBe(4016);
  });

  it("zeroes memory it hands out again after a reset", () => {
    const arena = new Arena(1024);
    arena.int32(10).fill(3);
    arena.reset();
    expect(Array.from(arena.int32(10))).toEqual(new Array(10).fill(0));
  });
});
