import { describe, expect, it } from "vitest";
import { DEFAULT_LEASE_MS, leaseMsOf, lockWorkload } from "./lock.ts";
import { drive, HistoryBuilder, type SimulatedSystem } from "../test/support/history-builder.ts";
import type { GenContext, Generator } from "../harness/generator/generator.ts";
import type { Op } from "../harness/op.ts";
import { Rng } from "../harness/rng.ts";

function context(free: readonly number[], timeNs = 0): GenContext {
  return { timeNs, freeProcesses: free, allProcesses: [0, 1, 2], rng: new Rng(1) };
}

function completion(process: number, f: string, type: Op["type"], value: unknown, time: number): Op {
  return { index: 0, time, process, type, f, value };
}

/** A lock that lets `capacity` clients hold it at once: correct at 1. */
function lockService(capacity: number): SimulatedSystem {
  const holders = new Set<number>();
  let token = 0;
  return {
    apply(f, _value, process) {
      if (f === "release") return holders.delete(process) ? { type: "ok" } : { type: "fail" };
      if (holders.size >= capacity) return { type: "fail" };
      holders.add(process);
      return { type: "ok", value: { token: ++token } };
    },
  };
}

describe("lock workload", () => {
  it("acquires from free clients, then releases with the token once the hold time is up", () => {
    let generator: Generator = lockWorkload.generator({ holdMs: 5 });
    const first = generator.op(context([0]));
    expect(first).toMatchObject({ kind: "op", op: { process: 0, f: "acquire", value: null } });
    generator = generator.update(context([]), completion(0, "acquire", "ok", { token: 7 }, 1_000_000));
    // Another free client tries to acquire while 0 holds and is not due.
    expect(generator.op(context([0, 1], 2_000_000))).toMatchObject({ kind: "op", op: { process: 1, f: "acquire" } });
    // Once due, the holder releases first.
    expect(generator.op(context([0, 1], 6_000_000))).toMatchObject({ kind: "op", op: { process: 0, f: "release", value: { token: 7 }, timeNs: 6_000_000 } });
  });

  it("plans the release for later when only holders are free, instead of waiting forever", () => {
    let generator: Generator = lockWorkload.generator({ holdMs: 5 });
    generator = generator.update(context([]), completion(2, "acquire", "ok", null, 1_000_000));
    const result = generator.op(context([2], 2_000_000));
    expect(result).toMatchObject({ kind: "op", op: { process: 2, f: "release", value: null, timeNs: 6_000_000 } });
    if (result.kind !== "op") return;
    // The release is planned: the process is not given another one.
    expect(result.next.op(context([2], 7_000_000)).kind).toBe("pending");
  });

  it("retries a release that failed, and gives up after a few", () => {
    let generator: Generator = lockWorkload.generator({ holdMs: 0 });
    generator = generator.update(context([]), completion(1, "acquire", "ok", 4, 1_000_000));
    for (let attempt = 0; attempt < 3; attempt++) {
      const result = generator.op(context([1], 2_000_000));
      expect(result).toMatchObject({ kind: "op", op: { process: 1, f: "release", value: { token: 4 } } });
      if (result.kind !== "op") return;
      generator = result.next.update(context([]), completion(1, "release", "invoke", { token: 4 }, 2_000_000));
      generator = generator.update(context([]), completion(1, "release", "fail", { token: 4 }, 3_000_000));
    }
    expect(generator.op(context([1], 4_000_000))).toMatchObject({ kind: "op", op: { f: "acquire" } });
  });

  it("releases only from clients that hold the lock", () => {
    const builder = new HistoryBuilder();
    drive(builder, lockWorkload.generator({ holdMs: 2 }), lockService(1), { seed: 3, processes: 4, ops: 300, infoFraction: 0 });
    const holding = new Set<number>();
    const invoking = new Map<number, string>();
    for (const op of builder.ops) {
      const process = op.process as number;
      if (op.type === "invoke") {
        invoking.set(process, op.f);
        if (op.f === "release") {
          expect(holding.has(process)).toBe(true);
          holding.delete(process);
        }
      } else if (op.type === "ok" && invoking.get(process) === "acquire") {
        holding.add(process);
      } else if (op.type === "fail" && invoking.get(process) === "release") {
        // The release did not happen: the client still holds the lock and will try again.
        holding.add(process);
      }
    }
    expect(builder.ops.filter((op) => op.f === "release" && op.type === "ok").length).toBeGreaterThan(10);
  });

  it("produces histories its checker accepts for a correct lock and rejects for one with two holders", () => {
    // No timeouts here: a client that times out holding a lock without a lease holds it forever.
    const options = { processes: 4, ops: 150, infoFraction: 0 };
    let caught = 0;
    for (let seed = 0; seed < 10; seed++) {
      const good = new HistoryBuilder();
      drive(good, lockWorkload.generator({}), lockService(1), { seed, ...options });
      expect(lockWorkload.checker({}).check(good.ops).valid).toBe(true);
      const bad = new HistoryBuilder();
      drive(bad, lockWorkload.generator({}), lockService(2), { seed, ...options });
      if (lockWorkload.checker({}).check(bad.ops).valid === false) caught++;
    }
    expect(caught).toBeGreaterThanOrEqual(8);
  });

  it("passes the lease to the checker", () => {
    const builder = new HistoryBuilder();
    builder.at(0);
    builder.call(0, "acquire", null);
    builder.at(100_000_000);
    builder.call(1, "acquire", null);
    expect(lockWorkload.checker({}).check(builder.ops).valid).toBe(false);
    expect(lockWorkload.checker({ leaseMs: 50 }).check(builder.ops).valid).toBe(true);
    expect(() => lockWorkload.checker({ leaseMs: -1 })).toThrow(/leaseMs/);
  });
});

describe("the lock's lease: one setting, read by clients and checker", () => {
  it("defaults to the same lease for both, and --opt leaseMs changes both", () => {
    expect(leaseMsOf({})).toBe(DEFAULT_LEASE_MS);
    expect(leaseMsOf({ leaseMs: 250 })).toBe(250);
  });

  /** Client 0 acquires and never releases (it was cut off); client 1 acquires `afterMs` later. */
  function takeover(afterMs: number): Op[] {
    const builder = new HistoryBuilder();
    builder.call(0, "acquire", null, { token: 1 });
    builder.at(afterMs * 1_000_000);
    builder.call(1, "acquire", null, { token: 2 });
    builder.call(1, "release", { token: 2 });
    return builder.ops;
  }

  it("the checker trusts a hold for exactly the lease the clients take", () => {
    expect(lockWorkload.checker({}).check(takeover(DEFAULT_LEASE_MS + 100)).valid).toBe(true);
    expect(lockWorkload.checker({}).check(takeover(DEFAULT_LEASE_MS - 100)).valid).toBe(false);
    expect(lockWorkload.checker({ leaseMs: 1_000 }).check(takeover(1_100)).valid).toBe(true);
  });
});
