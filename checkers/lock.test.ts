import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { checkLock, lockChecker, tokenOf } from "./lock.ts";
import { HistoryBuilder, simulate, type SimulationModel } from "../test/support/history-builder.ts";
import type { Op } from "../harness/op.ts";

describe("lock checker", () => {
  it("accepts holds that follow one another", () => {
    const builder = new HistoryBuilder();
    builder.call(0, "acquire", null, { token: 1 });
    builder.invoke(1, "acquire", null);
    builder.fail(1);
    builder.call(0, "release", { token: 1 });
    builder.call(1, "acquire", null, { token: 2 });
    builder.call(1, "release", { token: 2 });
    const result = checkLock(builder.ops);
    expect(result.valid).toBe(true);
    expect(result.counts).toMatchObject({ acquires: 3, acquired: 2, holds: 2, overlaps: 0 });
  });

  it("reports two processes certainly holding at once, with both holders' ops", () => {
    const builder = new HistoryBuilder();
    const firstAcquire = builder.call(0, "acquire", null);
    const secondAcquire = builder.call(1, "acquire", null);
    const firstRelease = builder.invoke(0, "release", null);
    builder.fail(0);
    const result = checkLock(builder.ops);
    expect(result.valid).toBe(false);
    expect(result.overlaps).toEqual([
      {
        first: {
          process: 0,
          acquire: expect.objectContaining({ index: firstAcquire.invoke.index }),
          acquired: expect.objectContaining({ index: firstAcquire.completion.index }),
          release: expect.objectContaining({ index: firstRelease.index }),
          token: null,
          certainUntil: "release",
        },
        second: {
          process: 1,
          acquire: expect.objectContaining({ index: secondAcquire.invoke.index }),
          acquired: expect.objectContaining({ index: secondAcquire.completion.index }),
          release: null,
          token: null,
          certainUntil: "end of history",
        },
      },
    ]);
  });

  it("does not report an acquire that completed while the other holder's release was in flight", () => {
    const builder = new HistoryBuilder();
    builder.call(0, "acquire", null);
    builder.invoke(0, "release", null);
    builder.invoke(1, "acquire", null);
    builder.ok(1);
    builder.ok(0);
    expect(checkLock(builder.ops).valid).toBe(true);
  });

  it("never makes an overlap certain from an indeterminate acquire", () => {
    const builder = new HistoryBuilder();
    builder.invoke(0, "acquire", null);
    builder.info(0);
    builder.call(1, "acquire", null);
    builder.call(1, "release", null);
    expect(checkLock(builder.ops).valid).toBe(true);
  });

  it("trusts a hold only for the lease when the lock is a lease", () => {
    const builder = new HistoryBuilder();
    builder.at(0);
    builder.call(0, "acquire", null);
    builder.at(50_000_000);
    builder.call(1, "acquire", null);
    builder.call(1, "release", null);
    builder.call(0, "release", null);
    expect(checkLock(builder.ops).valid).toBe(false);
    expect(lockChecker({ leaseMs: 20 }).check(builder.ops).valid).toBe(true);
    const stillLeased = lockChecker({ leaseMs: 100 }).check(builder.ops);
    expect(stillLeased.valid).toBe(false);
    expect((stillLeased as ReturnType<typeof checkLock>).overlaps[0].first.certainUntil).toBe("release");
    const expiredEarlier = new HistoryBuilder();
    expiredEarlier.at(0);
    expiredEarlier.call(0, "acquire", null);
    expiredEarlier.at(50_000_000);
    expiredEarlier.call(1, "acquire", null);
    expiredEarlier.at(100_000_000);
    expiredEarlier.call(1, "release", null);
    expiredEarlier.at(500_000_000);
    expiredEarlier.call(0, "release", null);
    const overlapping = lockChecker({ leaseMs: 60 }).check(expiredEarlier.ops) as ReturnType<typeof checkLock>;
    expect(overlapping.overlaps[0].first.certainUntil).toBe("lease");
  });

  it("reports a lower token accepted after a higher one", () => {
    const builder = new HistoryBuilder();
    builder.call(0, "acquire", null, { token: 1 });
    const higher = builder.call(1, "acquire", null, 2);
    const stale = builder.call(0, "release", { token: 1 });
    const result = checkLock(builder.ops);
    expect(result.valid).toBe(false);
    expect(result.staleTokens).toEqual([
      {
        op: { f: "release", token: 1, invoke: expect.objectContaining({ index: stale.invoke.index }), completion: expect.objectContaining({ index: stale.completion.index }) },
        afterHigher: { f: "acquire", token: 2, invoke: expect.objectContaining({ index: higher.invoke.index }), completion: expect.objectContaining({ index: higher.completion.index }) },
      },
    ]);
  });

  it("accepts a stale token that was refused, and checks fenced writes too", () => {
    const builder = new HistoryBuilder();
    builder.call(0, "acquire", null, { token: 5 });
    builder.call(0, "release", { token: 5 });
    builder.call(1, "acquire", null, { token: 6 });
    builder.invoke(0, "write", { token: 5, value: "x" });
    builder.fail(0);
    builder.call(1, "write", { token: 6, value: "y" });
    expect(checkLock(builder.ops).valid).toBe(true);
    builder.call(2, "write", { token: 5, value: "z" });
    expect(checkLock(builder.ops).staleTokens).toHaveLength(1);
  });

  it("reports one token granted twice", () => {
    const builder = new HistoryBuilder();
    builder.call(0, "acquire", null, 3);
    builder.call(0, "release", 3);
    builder.call(1, "acquire", null, 3);
    const result = checkLock(builder.ops);
    expect(result.valid).toBe(false);
    expect(result.duplicateTokens).toEqual([{ token: 3, acquires: [expect.objectContaining({ process: 0 }), expect.objectContaining({ process: 1 })] }]);
  });

  it("is unknown when nobody ever acquired the lock", () => {
    const builder = new HistoryBuilder();
    builder.invoke(0, "acquire", null);
    builder.fail(0);
    expect(checkLock(builder.ops).valid).toBe("unknown");
  });

  it("reads tokens from numbers and {token} objects only", () => {
    expect([tokenOf(4), tokenOf({ token: 5 }), tokenOf(null), tokenOf({ token: "6" }), tokenOf(Number.NaN)]).toEqual([4, 5, undefined, undefined, undefined]);
  });
});

/** A lock that grants to `holders` processes at once: correct when 1, broken above. */
function lockModel(capacity: number): SimulationModel {
  const holding = new Set<number>();
  let token = 0;
  return {
    invocation: (_rng, process) => (holding.has(process) ? { f: "release", value: null } : { f: "acquire", value: null }),
    apply(f, _value, process) {
      if (f === "release") {
        holding.delete(process);
        return { type: "ok" };
      }
      if (holding.size >= capacity) return { type: "fail" };
      holding.add(process);
      return { type: "ok", value: { token: ++token } };
    },
  };
}

function simulatedLockHistory(seed: number, processes: number, ops: number, capacity: number): Op[] {
  const builder = new HistoryBuilder();
  simulate(builder, lockModel(capacity), { seed, processes, ops, infoFraction: 0.02, failFraction: 0.02 });
  return builder.ops;
}

describe("lock checker properties", () => {
  it("finds no overlap or stale token in a correct lock", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 150 }), (seed, processes, ops) => {
        const result = checkLock(simulatedLockHistory(seed, processes, ops, 1));
        expect(result.overlaps).toEqual([]);
        expect(result.staleTokens).toEqual([]);
        expect(result.valid).toBe(result.counts.acquired > 0 ? true : "unknown");
      }),
      { numRuns: 150 },
    );
  });

  it("finds the overlap whenever a lock that admits two holders certainly had two", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 2, max: 6 }), fc.integer({ min: 1, max: 150 }), (seed, processes, ops) => {
        const history = simulatedLockHistory(seed, processes, ops, 2);
        // Independently: walk the history tracking certain holders (ok acquire until release invoke).
        const holders = new Set<number>();
        let certainOverlap = false;
        const invoking = new Map<number, string>();
        for (const op of history) {
          const process = op.process as number;
          if (op.type === "invoke") {
            invoking.set(process, op.f);
            if (op.f === "release") holders.delete(process);
          } else if (op.type === "ok" && invoking.get(process) === "acquire") {
            holders.add(process);
            if (holders.size > 1) certainOverlap = true;
          }
        }
        expect(checkLock(history).overlaps.length > 0).toBe(certainOverlap);
      }),
      { numRuns: 150 },
    );
  });
});
