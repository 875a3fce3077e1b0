import { describe, expect, it } from "vitest";
import type { GenContext, Generator, PlannedOp } from "../harness/generator/generator.ts";
import type { Op, Process } from "../harness/op.ts";
import { Rng } from "../harness/rng.ts";
import { listAppendGenerator, listAppendWorkload, type MicroOp } from "./list-append.ts";

const context = (rng: Rng, freeProcesses: readonly Process[] = [0, 1, 2], timeNs = 5): GenContext => ({
  timeNs,
  freeProcesses,
  allProcesses: freeProcesses,
  rng,
});

/** Draws n ops, always offering the same free processes. */
function draw(generator: Generator, n: number, seed = 1): PlannedOp[] {
  const rng = new Rng(seed);
  const ops: PlannedOp[] = [];
  let gen = generator;
  for (let i = 0; i < n; i++) {
    const result = gen.op(context(rng));
    if (result.kind !== "op") throw new Error(`expected an op, got ${result.kind}`);
    ops.push(result.op);
    gen = result.next;
  }
  return ops;
}

describe("list-append generator", () => {
  it("emits txn ops of appends and nil reads for a free client process, now", () => {
    const [op] = draw(listAppendGenerator(), 1);
    expect(op).toMatchObject({ f: "txn", process: 0, timeNs: 5 });
    for (const [f, key, value] of op.value as MicroOp[]) {
      expect(["append", "r"]).toContain(f);
      expect(typeof key).toBe("number");
      if (f === "r") expect(value).toBeNull();
      else expect(value).toBeGreaterThanOrEqual(1);
    }
  });

  it("never appends the same value to a key twice, and retires keys after maxWritesPerKey", () => {
    const ops = draw(listAppendGenerator({ keys: 3, maxWritesPerKey: 5, maxTxnLength: 6 }), 2000);
    const written = new Map<number, number[]>();
    for (const op of ops) {
      for (const [f, key, value] of op.value as MicroOp[]) {
        if (f !== "append") continue;
        const values = written.get(key) ?? [];
        values.push(value as number);
        written.set(key, values);
      }
    }
    expect(written.size).toBeGreaterThan(3);
    for (const values of written.values()) {
      expect(new Set(values).size).toBe(values.length);
      expect(Math.max(...values)).toBeLessThanOrEqual(5);
      // Per key the counter only goes up, in the order transactions were generated.
      expect(values).toEqual([...values].sort((a, b) => a - b));
    }
  });

  it("keeps at most `keys` keys in play at once: a retired key never comes back", () => {
    const ops = draw(listAppendGenerator({ keys: 4, maxWritesPerKey: 3 }), 500);
    const first = new Map<number, number>();
    const last = new Map<number, number>();
    ops.forEach((op, i) => {
      for (const [, key] of op.value as MicroOp[]) {
        if (!first.has(key)) first.set(key, i);
        last.set(key, i);
      }
    });
    expect(first.size).toBeGreaterThan(20);
    // A key used both at or before op i and after it was in play at i.
    for (let i = 0; i < ops.length; i++) {
      let live = 0;
      for (const [key, start] of first) if (start <= i && (last.get(key) as number) > i) live++;
      expect(live).toBeLessThanOrEqual(4);
    }
  });

  it("respects transaction length bounds and the read/write mix", () => {
    const bounded = draw(listAppendGenerator({ minTxnLength: 2, maxTxnLength: 3 }), 300);
    for (const op of bounded) expect((op.value as MicroOp[]).length).toBeGreaterThanOrEqual(2);
    for (const op of bounded) expect((op.value as MicroOp[]).length).toBeLessThanOrEqual(3);
    const readsOnly = draw(listAppendGenerator({ readFraction: 1 }), 100).flatMap((op) => op.value as MicroOp[]);
    expect(readsOnly.every(([f]) => f === "r")).toBe(true);
    const writesOnly = draw(listAppendGenerator({ readFraction: 0 }), 100).flatMap((op) => op.value as MicroOp[]);
    expect(writesOnly.every(([f]) => f === "append")).toBe(true);
  });

  it("prefers later key slots under the exponential distribution, not under uniform", () => {
    const count = (opts: Parameters<typeof listAppendGenerator>[0]) => {
      const hits = new Map<number, number>();
      for (const op of draw(listAppendGenerator({ keys: 4, maxWritesPerKey: 1e9, readFraction: 1, ...opts }), 4000)) {
        for (const [, key] of op.value as MicroOp[]) hits.set(key, (hits.get(key) ?? 0) + 1);
      }
      return [0, 1, 2, 3].map((k) => hits.get(k) ?? 0);
    };
    const exponential = count({});
    expect(exponential[3]).toBeGreaterThan(exponential[0] * 4);
    const uniform = count({ keyDistribution: "uniform" });
    expect(uniform[3]).toBeLessThan(uniform[0] * 1.5);
    expect(uniform[0]).toBeLessThan(uniform[3] * 1.5);
  });

  it("is an immutable value: asking twice with the same randomness gives the same op", () => {
    const generator = listAppendGenerator();
    const first = generator.op(context(new Rng(9)));
    const again = generator.op(context(new Rng(9)));
    expect(again).toEqual(first);
    if (first.kind !== "op") throw new Error("expected an op");
    // The state moved on only in `next`: values continue from where the first op left them.
    expect(first.next).not.toBe(generator);
    expect(generator.update(context(new Rng(1)), {} as Op)).toBe(generator);
  });

  it("waits when no client process is free", () => {
    const result = listAppendGenerator().op(context(new Rng(1), ["nemesis"]));
    expect(result.kind).toBe("pending");
  });

  it("rejects nonsense options", () => {
    expect(() => listAppendGenerator({ keys: 0 })).toThrow(/keys/);
    expect(() => listAppendGenerator({ minTxnLength: 3, maxTxnLength: 2 })).toThrow(/maxTxnLength/);
    expect(() => listAppendGenerator({ readFraction: 2 })).toThrow(/readFraction/);
  });
});

describe("list-append workload", () => {
  it("its generator's transactions, run serially against a list store, pass its checker", () => {
    const lists = new Map<number, number[]>();
    const history: Op[] = [];
    for (const op of draw(listAppendWorkload.generator({ keys: 3, maxWritesPerKey: 8 }), 400)) {
      const txn = op.value as MicroOp[];
      const result = txn.map(([f, key, value]): MicroOp => {
        if (f === "r") return [f, key, (lists.get(key) ?? []).slice() as never];
        lists.set(key, [...(lists.get(key) ?? []), value as number]);
        return [f, key, value];
      });
      history.push({ index: history.length, time: history.length, process: op.process, type: "invoke", f: "txn", value: txn });
      history.push({ index: history.length, time: history.length, process: op.process, type: "ok", f: "txn", value: result });
    }
    const checker = listAppendWorkload.checker({});
    expect(checker.check(history)).toMatchObject({ valid: true, anomalyTypes: [] });
    // And the checker sees a lost append.
    const broken = history.map((op) => (op.type === "ok" ? { ...op, value: (op.value as MicroOp[]).map(([f, k, v]) => (f === "r" && Array.isArray(v) && v.length > 2 ? [f, k, [v[0], ...v.slice(2)]] : [f, k, v])) } : op));
    expect(checker.check(broken).valid).toBe(false);
  });

  it("passes consistency models through to the checker", () => {
    const checker = listAppendWorkload.checker({ consistencyModels: ["read-committed"] });
    const writeSkew: Op[] = [
      { index: 0, time: 0, process: 0, type: "invoke", f: "txn", value: [["append", "x", 1], ["r", "y", null]] },
      { index: 1, time: 1, process: 1, type: "invoke", f: "txn", value: [["append", "y", 1], ["r", "x", null]] },
      { index: 2, time: 2, process: 0, type: "ok", f: "txn", value: [["append", "x", 1], ["r", "y", null]] },
      { index: 3, time: 3, process: 1, type: "ok", f: "txn", value: [["append", "y", 1], ["r", "x", null]] },
    ];
    expect(checker.check(writeSkew).valid).toBe(true);
    expect(listAppendWorkload.checker({}).check(writeSkew).valid).toBe(false);
  });
});
