import { describe, expect, it } from "vitest";
import type { GenContext, Generator, PlannedOp } from "../harness/generator/generator.ts";
import { Rng } from "../harness/rng.ts";
import { registerGenerator } from "./register.ts";

function take(gen: Generator, n: number, seed: number): PlannedOp[] {
  const rng = new Rng(seed);
  const ops: PlannedOp[] = [];
  for (let i = 0; i < n; i++) {
    const ctx: GenContext = { timeNs: i, freeProcesses: [0, 1, 2], allProcesses: [0, 1, 2], rng };
    const result = gen.op(ctx);
    if (result.kind !== "op") throw new Error(`expected an op, got ${result.kind}`);
    ops.push(result.op);
    gen = result.next;
  }
  return ops;
}

describe("register generator", () => {
  it("emits read, write and cas on a window of keys, retiring each after opsPerKey ops", () => {
    const ops = take(registerGenerator({ keys: 2, opsPerKey: 10 }), 200, 1);
    expect(new Set(ops.map((o) => o.f))).toEqual(new Set(["read", "write", "cas"]));
    const perKey = new Map<unknown, number>();
    for (const op of ops) perKey.set(op.key, (perKey.get(op.key) ?? 0) + 1);
    for (const count of perKey.values()) expect(count).toBeLessThanOrEqual(10);
    expect(perKey.size).toBeGreaterThanOrEqual(20);
    for (const op of ops) {
      if (op.f === "read") expect(op.value).toBeNull();
      if (op.f === "write") expect(typeof op.value).toBe("number");
      if (op.f === "cas") expect(op.value).toHaveLength(2);
    }
  });

  it("makes no cas for the register model, which has none: the rest of the ops are writes", () => {
    const ops = take(registerGenerator({ model: "register", readFraction: 0.3 }), 300, 7);
    expect(new Set(ops.map((o) => o.f))).toEqual(new Set(["read", "write"]));
    const writes = ops.filter((o) => o.f === "write").length;
    expect(writes / ops.length).toBeGreaterThan(0.6);
  });

  it("is a value: the same seed gives the same ops, asking twice gives the same op", () => {
    expect(take(registerGenerator(), 100, 42)).toEqual(take(registerGenerator(), 100, 42));
    const gen = registerGenerator();
    const ctx = (): GenContext => ({ timeNs: 0, freeProcesses: [0], allProcesses: [0], rng: new Rng(5) });
    expect(gen.op(ctx())).toEqual(gen.op(ctx()));
  });

  it("waits when no client process is free", () => {
    const result = registerGenerator().op({ timeNs: 0, freeProcesses: ["nemesis"], allProcesses: [0, "nemesis"], rng: new Rng(1) });
    expect(result.kind).toBe("pending");
  });
});
