import { describe, expect, it } from "vitest";
import type { Op } from "../harness/op.ts";
import { Rng } from "../harness/rng.ts";
import type { MicroOp } from "./list-append.ts";
import { rwRegisterGenerator, rwRegisterWorkload } from "./rw-register.ts";

function draw(n: number) {
  const rng = new Rng(3);
  let gen = rwRegisterGenerator({ keys: 3, maxWritesPerKey: 6 });
  const ops = [];
  for (let i = 0; i < n; i++) {
    const result = gen.op({ timeNs: 0, freeProcesses: [i % 4], allProcesses: [0, 1, 2, 3], rng });
    if (result.kind !== "op") throw new Error("expected an op");
    ops.push(result.op);
    gen = result.next;
  }
  return ops;
}

describe("rw-register workload", () => {
  it("generates writes and nil reads, with values unique per key", () => {
    const seen = new Set<string>();
    for (const op of draw(1000)) {
      for (const [f, key, value] of op.value as MicroOp[]) {
        expect(["w", "r"]).toContain(f);
        if (f === "r") {
          expect(value).toBeNull();
          continue;
        }
        const pair = `${key}/${value}`;
        expect(seen.has(pair)).toBe(false);
        seen.add(pair);
        expect(value).toBeLessThanOrEqual(6);
      }
    }
  });

  it("its transactions run serially against registers pass its checker; a stale read does not", () => {
    const registers = new Map<number, number>();
    const history: Op[] = [];
    const ops = draw(300);
    for (const op of ops) {
      const txn = op.value as MicroOp[];
      const result = txn.map(([f, key, value]): MicroOp => {
        if (f === "r") return [f, key, registers.get(key) ?? null];
        registers.set(key, value as number);
        return [f, key, value];
      });
      history.push({ index: history.length, time: history.length, process: op.process, type: "invoke", f: "txn", value: txn });
      history.push({ index: history.length, time: history.length, process: op.process, type: "ok", f: "txn", value: result });
    }
    const checker = rwRegisterWorkload.checker({});
    expect(checker.check(history)).toMatchObject({ valid: true });
    // Serve one late read the initial nil although the key was written long before.
    const late = history.findLastIndex((op) => op.type === "ok" && (op.value as MicroOp[]).some(([f, , v]) => f === "r" && v !== null));
    const stale = history.map((op, i) => (i === late ? { ...op, value: (op.value as MicroOp[]).map(([f, k, v]) => [f, k, f === "r" ? null : v]) } : op));
    expect(checker.check(stale).valid).toBe(false);
  });
});
