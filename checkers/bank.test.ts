import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { bankChecker, checkBank } from "./bank.ts";
import { HistoryBuilder, simulate } from "../test/support/history-builder.ts";
import type { Op } from "../harness/op.ts";

const OPTIONS = { accounts: [0, 1, 2], total: 30 };

describe("bank checker", () => {
  it("accepts reads that conserve the total", () => {
    const builder = new HistoryBuilder();
    builder.call(0, "read", null, { 0: 10, 1: 10, 2: 10 });
    builder.call(1, "transfer", { from: 0, to: 1, amount: 5 });
    builder.call(0, "read", null, { 0: 5, 1: 15, 2: 10 });
    const result = checkBank(builder.ops, OPTIONS);
    expect(result.valid).toBe(true);
    expect(result.reads).toBe(2);
    expect(result.totals.map((t) => t.total)).toEqual([30, 30]);
  });

  it("reports a read with the wrong total, naming the read and the sum", () => {
    const builder = new HistoryBuilder();
    const { invoke, completion } = builder.call(0, "read", null, { 0: 5, 1: 10, 2: 10 });
    const result = checkBank(builder.ops, OPTIONS);
    expect(result.valid).toBe(false);
    expect(result.errorCounts["wrong-total"]).toBe(1);
    expect(result.badReads).toEqual([
      {
        read: expect.objectContaining({ index: completion.index }),
        readInvoke: expect.objectContaining({ index: invoke.index }),
        kinds: ["wrong-total"],
        total: 25,
        expectedTotal: 30,
        negative: {},
        missing: [],
        unexpected: [],
        notANumber: {},
      },
    ]);
    expect(result.totals).toEqual([{ index: completion.index, timeNs: completion.time, total: 25, ok: false }]);
  });

  it("names a transfer one side of which would account for a wrong total, and among how many: a failed one before an acknowledged one", () => {
    const builder = new HistoryBuilder();
    builder.call(1, "transfer", { from: 0, to: 1, amount: 3 });
    const failed = builder.invoke(2, "transfer", { from: 2, to: 1, amount: 3 });
    builder.fail(2, undefined, { error: "ABORTED n1.7 vote timeout" });
    builder.call(1, "transfer", { from: 0, to: 2, amount: 4 });
    builder.call(0, "read", null, { 0: 3, 1: 16, 2: 14 });
    const [bad] = checkBank(builder.ops, OPTIONS).badReads;
    expect(bad.kinds).toEqual(["wrong-total"]);
    expect(bad.halfApplied).toEqual({ transfer: expect.objectContaining({ index: failed.index }), outcome: "fail", error: "ABORTED n1.7 vote timeout", sameAmount: 2, side: "to", from: "2", to: "1", amount: 3 });
    // Money destroyed: the withdrawal side, of the acknowledged transfer when no other moved 3.
    const destroyed = new HistoryBuilder();
    const moved = destroyed.call(1, "transfer", { from: 0, to: 1, amount: 3 });
    destroyed.call(0, "read", null, { 0: 7, 1: 10, 2: 10 });
    expect(checkBank(destroyed.ops, OPTIONS).badReads[0].halfApplied).toMatchObject({ transfer: expect.objectContaining({ index: moved.invoke.index }), outcome: "ok", sameAmount: 1, side: "from" });
  });

  it("reports negative balances unless the system allows them", () => {
    const builder = new HistoryBuilder();
    builder.call(0, "read", null, { 0: -5, 1: 25, 2: 10 });
    const strict = checkBank(builder.ops, OPTIONS);
    expect(strict.valid).toBe(false);
    expect(strict.badReads[0]).toMatchObject({ kinds: ["negative"], negative: { 0: -5 }, total: 30 });
    expect(bankChecker({ ...OPTIONS, negativeAllowed: true }).check(builder.ops).valid).toBe(true);
  });

  it("reports missing, unexpected and non-numeric accounts", () => {
    const builder = new HistoryBuilder();
    builder.call(0, "read", null, { 0: 10, 1: 20, 7: 0 });
    builder.call(0, "read", null, { 0: 10, 1: 20, 2: null });
    const result = checkBank(builder.ops, OPTIONS);
    expect(result.valid).toBe(false);
    expect(result.badReads[0]).toMatchObject({ kinds: ["missing", "unexpected"], missing: ["2"], unexpected: ["7"] });
    expect(result.badReads[1]).toMatchObject({ kinds: ["not-a-number"], notANumber: { 2: "null" } });
    expect(result.errorCounts).toEqual({ "wrong-total": 0, negative: 0, missing: 1, unexpected: 1, "not-a-number": 1, unexplained: 0 });
  });

  it("catches an acknowledged transfer that vanished although the total still balances, naming it", () => {
    const builder = new HistoryBuilder();
    const initial = { 0: 10, 1: 10, 2: 10 };
    const transfer = builder.call(1, "transfer", { from: 0, to: 1, amount: 5 });
    builder.call(2, "transfer", { from: 1, to: 2, amount: 3 });
    const { completion } = builder.call(0, "read", null, { 0: 10, 1: 7, 2: 13 });
    const result = checkBank(builder.ops, { ...OPTIONS, initial });
    expect(result.valid).toBe(false);
    expect(result.badReads).toEqual([
      expect.objectContaining({ read: expect.objectContaining({ index: completion.index }), kinds: ["unexplained"], unexplained: { difference: { 0: 5, 1: -5 }, candidates: 0, missingTransfer: expect.objectContaining({ index: transfer.completion.index }) } }),
    ]);
    // Without the initial balances only the totals can be checked, and they balance.
    expect(checkBank(builder.ops, OPTIONS).valid).toBe(true);
  });

  it("explains a read by any subset of the concurrent and indeterminate transfers", () => {
    const builder = new HistoryBuilder();
    const initial = { 0: 10, 1: 10, 2: 10 };
    builder.invoke(1, "transfer", { from: 0, to: 1, amount: 5 });
    builder.info(1); // may or may not have happened
    builder.invoke(2, "transfer", { from: 1, to: 2, amount: 2 }); // still running during the read
    builder.invoke(3, "transfer", { from: 2, to: 0, amount: 1 });
    builder.fail(3); // certainly did not happen
    builder.call(0, "read", null, { 0: 5, 1: 13, 2: 12 });
    builder.ok(2);
    expect(checkBank(builder.ops, { ...OPTIONS, initial }).valid).toBe(true);
    // The failed transfer cannot have happened: a read showing it is unexplained.
    const showsFailed = new HistoryBuilder();
    showsFailed.invoke(3, "transfer", { from: 2, to: 0, amount: 1 });
    showsFailed.fail(3);
    showsFailed.call(0, "read", null, { 0: 11, 1: 10, 2: 9 });
    const result = checkBank(showsFailed.ops, { ...OPTIONS, initial });
    expect(result.valid).toBe(false);
    expect(result.badReads[0].unexplained).toEqual({ difference: { 0: 1, 2: -1 }, candidates: 0, missingTransfer: null });
  });

  it("is unknown, not a guess, when the subset search outgrows its bound", () => {
    const builder = new HistoryBuilder();
    const initial = { 0: 10, 1: 10, 2: 10 };
    for (let p = 1; p <= 12; p++) {
      builder.invoke(p, "transfer", { from: p % 3, to: (p + 1) % 3, amount: p });
      builder.info(p);
    }
    builder.call(0, "read", null, { 0: 11, 1: 9, 2: 10 });
    const result = checkBank(builder.ops, { ...OPTIONS, initial, maxSearchStates: 4 });
    expect(result.valid).toBe("unknown");
    expect(result.undecidedReads).toEqual([{ read: expect.objectContaining({ index: builder.ops.length - 1 }), candidates: 12 }]);
  });

  it("judges only ok reads, and is unknown without any", () => {
    const builder = new HistoryBuilder();
    builder.invoke(0, "read", null);
    builder.fail(0, { 0: 1 });
    builder.invoke(1, "read", null);
    builder.info(1);
    builder.call(2, "transfer", { from: 0, to: 1, amount: 500 });
    expect(checkBank(builder.ops, OPTIONS).valid).toBe("unknown");
  });

  it("is at best unknown when a read is not an object of balances", () => {
    const builder = new HistoryBuilder();
    builder.call(0, "read", null, { 0: 10, 1: 10, 2: 10 });
    builder.call(0, "read", null, [10, 10, 10]);
    const result = checkBank(builder.ops, OPTIONS);
    expect(result.valid).toBe("unknown");
    expect(result.malformed).toHaveLength(1);
  });

  it("rejects options it cannot check against", () => {
    expect(() => bankChecker({ accounts: [], total: 1 })).toThrow(RangeError);
    expect(() => bankChecker({ accounts: [1], total: Number.NaN })).toThrow(RangeError);
  });
});

function simulatedBankHistory(seed: number, processes: number, ops: number, accounts: number): Op[] {
  const balances = Array.from({ length: accounts }, () => 10);
  const builder = new HistoryBuilder();
  simulate(
    builder,
    {
      invocation(rng) {
        if (rng.bool(0.4)) return { f: "read", value: null };
        const from = rng.int(accounts);
        return { f: "transfer", value: { from, to: (from + 1 + rng.int(accounts - 1)) % accounts, amount: rng.between(1, 8) } };
      },
      apply(f, value) {
        if (f === "read") return { type: "ok", value: Object.fromEntries(balances.map((b, i) => [i, b])) };
        const { from, to, amount } = value as { from: number; to: number; amount: number };
        if (balances[from] < amount) return { type: "fail" };
        balances[from] -= amount;
        balances[to] += amount;
        return { type: "ok", value };
      },
    },
    { seed, processes, ops },
  );
  return builder.ops;
}

describe("bank checker properties", () => {
  const accountList = (n: number) => Array.from({ length: n }, (_, i) => i);

  it("accepts every history of atomic transfers that conserve the total", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 150 }), fc.integer({ min: 2, max: 6 }), (seed, processes, ops, accounts) => {
        const initial = Object.fromEntries(accountList(accounts).map((account) => [account, 10]));
        const result = checkBank(simulatedBankHistory(seed, processes, ops, accounts), { accounts: accountList(accounts), total: 10 * accounts, initial });
        expect(result.badReads).toEqual([]);
        expect(result.undecidedReads).toEqual([]);
        expect(result.valid).toBe(result.reads > 0 ? true : "unknown");
      }),
      { numRuns: 150 },
    );
  });

  it("catches a read in which one balance was changed", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 10, max: 150 }), fc.integer({ min: 2, max: 6 }), fc.nat(), fc.integer({ min: 1, max: 9 }), (seed, processes, ops, accounts, pick, change) => {
        const history = simulatedBankHistory(seed, processes, ops, accounts);
        const reads = history.filter((op) => op.f === "read" && op.type === "ok");
        fc.pre(reads.length > 0);
        const target = reads[pick % reads.length];
        const account = pick % accounts;
        const balances = { ...(target.value as Record<string, number>) };
        balances[account] += change;
        const corrupted = history.map((op) => (op === target ? { ...op, value: balances } : op));
        const result = checkBank(corrupted, { accounts: accountList(accounts), total: 10 * accounts });
        expect(result.valid).toBe(false);
        expect(result.badReads.map((b) => b.read.index)).toEqual([target.index]);
        expect(result.badReads[0].total).toBe(10 * accounts + change);
      }),
      { numRuns: 150 },
    );
  });
});
