import { describe, expect, it } from "vitest";
import type { Op } from "../../harness/op.ts";
import { FAIL, INFO, OK, collectTxns } from "./txns.ts";

const op = (index: number, process: Op["process"], type: Op["type"], value: unknown, f = "txn"): Op => ({ index, time: index, process, type, f, value });

describe("collecting transactions", () => {
  it("pairs invocations with completions per process, numbered by completion position", () => {
    const txns = collectTxns([
      op(0, 0, "invoke", [["r", "x", null]]),
      op(1, 1, "invoke", [["append", "x", 1]]),
      op(2, 1, "ok", [["append", "x", 1]]),
      op(3, 0, "ok", [["r", "x", [1]]]),
    ]);
    expect(txns.count).toBe(2);
    expect(Array.from(txns.completionPos)).toEqual([2, 3]);
    expect(Array.from(txns.invokePos)).toEqual([1, 0]);
    expect(txns.mops[1]).toEqual([["r", "x", [1]]]);
    expect(Array.from(txns.eventAt)).toEqual([2, 0, 1, 3]);
  });

  it("uses the invocation's micro-ops when a failed or crashed completion carries none", () => {
    const txns = collectTxns([
      op(0, 0, "invoke", [["append", "x", 1]]),
      op(1, 0, "fail", null),
      op(2, 1, "invoke", [["append", "x", 2]]),
      op(3, 1, "info", null),
    ]);
    expect(Array.from(txns.type)).toEqual([FAIL, INFO]);
    expect(txns.mops).toEqual([[["append", "x", 1]], [["append", "x", 2]]]);
  });

  it("an invocation that never completes is info, placed at its invocation", () => {
    const txns = collectTxns([
      op(0, 0, "invoke", [["append", "x", 1]]),
      op(1, 1, "invoke", [["r", "x", null]]),
      op(2, 1, "ok", [["r", "x", [1]]]),
    ]);
    expect(Array.from(txns.type)).toEqual([INFO, OK]);
    expect(Array.from(txns.completionPos)).toEqual([0, 2]);
    expect(Array.from(txns.eventAt)).toEqual([0, 2, 3]);
  });

  it("a second invocation on a busy process leaves the first as info", () => {
    const txns = collectTxns([
      op(0, 0, "invoke", [["append", "x", 1]]),
      op(1, 0, "invoke", [["append", "x", 2]]),
      op(2, 0, "ok", [["append", "x", 2]]),
    ]);
    expect(Array.from(txns.type)).toEqual([INFO, OK]);
    expect(Array.from(txns.invokePos)).toEqual([0, 1]);
  });

  it("keeps completions with no invocation, and skips nemesis and non-transaction ops", () => {
    const txns = collectTxns([
      op(0, "nemesis", "invoke", null, "start-partition"),
      op(1, 3, "ok", [["append", "x", 1]]),
      op(2, 4, "invoke", 5, "write"),
      op(3, 4, "ok", 5, "write"),
    ]);
    expect(txns.count).toBe(1);
    expect(Array.from(txns.invokePos)).toEqual([-1]);
    expect(txns.processNames[txns.process[0]]).toBe(3);
  });
});
