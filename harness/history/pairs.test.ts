import { describe, expect, it } from "vitest";
import type { Op, OpType, Process } from "../op.ts";
import { HistoryPairingError, pairOps } from "./pairs.ts";

function history(...rows: [Process, OpType, string, unknown?][]): Op[] {
  return rows.map(([process, type, f, value], index) => ({ index, time: index * 10, process, type, f, value: value ?? null }));
}

function pairingError(ops: Op[]): HistoryPairingError {
  try {
    pairOps(ops);
  } catch (err) {
    if (err instanceof HistoryPairingError) return err;
    throw err;
  }
  throw new Error("expected a HistoryPairingError");
}

describe("pairOps", () => {
  it("pairs each invoke with its process's next completion, in invocation order", () => {
    const ops = history([0, "invoke", "write", 1], [1, "invoke", "read"], [1, "ok", "read", 1], [0, "info", "write", 1], [2, "invoke", "cas", [1, 2]], [2, "fail", "cas", [1, 2]]);
    const pairs = pairOps(ops);
    expect(pairs.map((p) => [p.invoke.index, p.completion?.index])).toEqual([
      [0, 3],
      [1, 2],
      [4, 5],
    ]);
  });

  it("leaves an op still open at the end without a completion", () => {
    const pairs = pairOps(history([0, "invoke", "read"], [1, "invoke", "write", 3], [0, "ok", "read", 3]));
    expect(pairs[1].invoke.index).toBe(1);
    expect(pairs[1]).not.toHaveProperty("completion");
  });

  it("lets a process invoke again after a completion, including after info", () => {
    const pairs = pairOps(history([0, "invoke", "read"], [0, "info", "read"], [0, "invoke", "read"], [0, "ok", "read", 1]));
    expect(pairs).toHaveLength(2);
  });

  it("accepts the nemesis's Jepsen-style info/info pairs and invoke/info pairs", () => {
    const pairs = pairOps(history(["nemesis", "info", "start"], [0, "invoke", "read"], ["nemesis", "info", "start", "cut"], ["nemesis", "invoke", "stop"], ["nemesis", "info", "stop"]));
    expect(pairs.map((p) => [p.invoke.index, p.completion?.index])).toEqual([
      [0, 2],
      [1, undefined],
      [3, 4],
    ]);
  });

  it("rejects a completion without an invoke, naming the op", () => {
    const error = pairingError(history([0, "invoke", "read"], [0, "ok", "read"], [0, "ok", "read"]));
    expect(error.opIndex).toBe(2);
    expect(error.message).toMatch(/^op 2: ok read on process 0 completes nothing/);
  });

  it("rejects a second invoke on a busy process, naming both ops", () => {
    const error = pairingError(history([3, "invoke", "read"], [3, "invoke", "write", 1]));
    expect(error.opIndex).toBe(1);
    expect(error.message).toMatch(/^op 1: process 3 invokes write while its read \(op 0\) has not completed/);
  });

  it("rejects a completion whose f differs from its invoke's", () => {
    const error = pairingError(history([0, "invoke", "read"], [0, "ok", "write", 1]));
    expect(error.opIndex).toBe(1);
    expect(error.message).toMatch(/completes op 0, which invoked read/);
  });
});
