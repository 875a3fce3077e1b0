import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { bankChecker, checkBank } from "./bank.ts";
import { HistoryBuilder, simulate } from "../test/support/history-builder.ts";
import type { Op } from "../harness/op.ts";
import { pairOps } from "../harness/history/pairs.ts";

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

  it("names the failed transfer whose deposit alone accounts for a wrong total, and says when another would do as well", () => {
    const initial = { 0: 10, 1: 10, 2: 10 };
    const builder = new HistoryBuilder();
    builder.call(1, "transfer", { from: 0, to: 1, amount: 3 });
    const failed = builder.invoke(2, "transfer", { from: 2, to: 1, amount: 3 });
    builder.fail(2, undefined, { error: "ABORTED n1.7 vote timeout" });
    builder.call(1, "transfer", { from: 0, to: 2, amount: 4 });
    builder.call(0, "read", null, { 0: 3, 1: 16, 2: 14 });
    const [bad] = checkBank(builder.ops, { ...OPTIONS, initial }).badReads;
    expect(bad.kinds).toEqual(["wrong-total"]);
    // Balances say where the money sits: 3 too many in account 1 only, so the failed transfer's
    // deposit — not the acknowledged 0 -> 1, whose withdrawal from 0 the read shows.
    expect(bad.suspects).toEqual({
      transfers: [{ transfer: expect.objectContaining({ index: failed.index }), outcome: "fail", error: "ABORTED n1.7 vote timeout", from: "2", to: "1", amount: 3, effect: "deposit-only" }],
      unique: true,
    });
    // A second failed transfer of 3 into account 1 fits the balances just as well: not unique.
    const twice = new HistoryBuilder();
    twice.invoke(2, "transfer", { from: 2, to: 1, amount: 3 });
    twice.fail(2);
    const later = twice.invoke(2, "transfer", { from: 0, to: 1, amount: 3 });
    twice.fail(2);
    twice.call(0, "read", null, { 0: 10, 1: 13, 2: 10 });
    expect(checkBank(twice.ops, { ...OPTIONS, initial }).badReads[0].suspects).toEqual({
      transfers: [expect.objectContaining({ transfer: expect.objectContaining({ index: later.index }), effect: "deposit-only" })],
      unique: false,
    });
    // Without the initial balances there is nothing to place the money by: no suspects.
    expect(checkBank(builder.ops, OPTIONS).badReads[0].suspects).toBeUndefined();
  });

  it("names several transfers when no single one accounts for the read, with the concurrent ones applied as they may", () => {
    const initial = { 0: 10, 1: 10, 2: 10, 3: 10 };
    const options = { accounts: [0, 1, 2, 3], total: 40, initial };
    const builder = new HistoryBuilder();
    const first = builder.invoke(1, "transfer", { from: 0, to: 1, amount: 5 });
    builder.fail(1, undefined, { error: "ABORTED a" });
    const second = builder.invoke(1, "transfer", { from: 2, to: 3, amount: 2 });
    builder.fail(1, undefined, { error: "ABORTED b" });
    builder.invoke(2, "transfer", { from: 1, to: 2, amount: 4 }); // open across the read, applied
    // Account 1 got the deposit of 5 and paid 4 to account 2; account 2 lost 2 without account 3 gaining it.
    builder.call(0, "read", null, { 0: 10, 1: 11, 2: 12, 3: 10 });
    builder.ok(2);
    const [bad] = checkBank(builder.ops, options).badReads;
    expect(bad.kinds).toEqual(["wrong-total"]);
    expect(bad.total).toBe(43);
    expect(bad.suspects?.unique).toBe(true);
    expect(bad.suspects?.transfers.map((t) => [t.transfer.index, t.effect])).toEqual(
      [
        [second.index, "withdrawal-only"],
        [first.index, "deposit-only"],
      ],
    );
  });

  it("names a failed transfer applied in full when the total balances but the read is unexplained", () => {
    const initial = { 0: 10, 1: 10, 2: 10 };
    const builder = new HistoryBuilder();
    builder.call(1, "transfer", { from: 1, to: 2, amount: 2 });
    const failed = builder.invoke(2, "transfer", { from: 0, to: 1, amount: 3 });
    builder.fail(2, undefined, { error: "ABORTED n3.1.150" });
    builder.call(0, "read", null, { 0: 7, 1: 11, 2: 12 });
    const [bad] = checkBank(builder.ops, { ...OPTIONS, initial }).badReads;
    expect(bad.kinds).toEqual(["unexplained"]);
    expect(bad.suspects).toEqual({ transfers: [expect.objectContaining({ transfer: expect.objectContaining({ index: failed.index }), outcome: "fail", effect: "all" })], unique: true });
  });

  it("names nobody rather than guess when more transfers are open at the read than the search enumerates", () => {
    const initial = { 0: 10, 1: 10, 2: 10 };
    const builder = new HistoryBuilder();
    const broken = builder.invoke(20, "transfer", { from: 2, to: 1, amount: 5 });
    builder.fail(20);
    for (let p = 1; p <= 13; p++) builder.invoke(p, "transfer", { from: 0, to: 1, amount: 1 });
    builder.call(0, "read", null, { 0: 10, 1: 15, 2: 10 });
    const [bad] = checkBank(builder.ops, { ...OPTIONS, initial }).badReads;
    expect(bad.kinds).toEqual(["wrong-total"]);
    expect(bad.suspects).toBeUndefined();
    // One open transfer fewer and the failed transfer's deposit is named.
    const fewer = builder.ops.filter((op) => op.process !== 13);
    expect(checkBank(fewer, { ...OPTIONS, initial }).badReads[0].suspects?.transfers).toEqual([expect.objectContaining({ transfer: expect.objectContaining({ index: broken.index }), effect: "deposit-only" })]);
  });

  it("names no suspects for a read whose only fault is a negative balance", () => {
    const initial = { 0: 10, 1: 10, 2: 10 };
    const builder = new HistoryBuilder();
    builder.invoke(1, "transfer", { from: 0, to: 1, amount: 3 });
    builder.fail(1);
    builder.call(2, "transfer", { from: 0, to: 2, amount: 12 });
    builder.invoke(3, "transfer", { from: 0, to: 1, amount: 3 }); // open across the read
    builder.call(0, "read", null, { 0: -5, 1: 13, 2: 22 });
    builder.ok(3);
    // Explained with the open transfer applied; without it, the failed one "applied in full"
    // would fit as well — a suspect for a read that shows no money out of place.
    const [bad] = checkBank(builder.ops, { ...OPTIONS, initial }).badReads;
    expect(bad.kinds).toEqual(["negative"]);
    expect(bad.suspects).toBeUndefined();
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
      expect.objectContaining({ read: expect.objectContaining({ index: completion.index }), kinds: ["unexplained"], unexplained: { difference: { 0: 5, 1: -5 }, candidates: 0 } }),
    ]);
    expect(result.badReads[0].suspects).toEqual({ transfers: [expect.objectContaining({ transfer: expect.objectContaining({ index: transfer.invoke.index }), outcome: "ok", effect: "none" })], unique: true });
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
    expect(result.badReads[0].unexplained).toEqual({ difference: { 0: 1, 2: -1 }, candidates: 0 });
    expect(result.badReads[0].suspects?.transfers).toEqual([expect.objectContaining({ outcome: "fail", effect: "all", from: "2", to: "0" })]);
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

/** A concurrent bank history from a correct system — or, with `breakTransfer` k, one whose k-th
 *  transfer that could go through is answered failed after its deposit alone took effect. */
function simulatedBankHistory(seed: number, processes: number, ops: number, accounts: number, breakTransfer?: number): Op[] {
  const balances = Array.from({ length: accounts }, () => 10);
  const builder = new HistoryBuilder();
  let transfers = 0;
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
        if (transfers++ === breakTransfer) {
          balances[to] += amount;
          return { type: "fail" };
        }
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

  it("names suspects that account for every balance, and an unacknowledged transfer's lone deposit as the first bad read's", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 20, max: 80 }), fc.integer({ min: 2, max: 5 }), fc.nat({ max: 10 }), (seed, processes, ops, accounts, breakTransfer) => {
        const initial = Object.fromEntries(accountList(accounts).map((account) => [account, 10]));
        const history = simulatedBankHistory(seed, processes, ops, accounts, breakTransfer);
        const result = checkBank(history, { accounts: accountList(accounts), total: 10 * accounts, initial });
        fc.pre(result.badReads.length > 0);
        const pairs = pairOps(history);
        for (const bad of result.badReads.filter((b) => b.suspects)) {
          // Sound: the suspects, with some subset of the transfers open at the read, give exactly its balances.
          const read = pairs.find((p) => p.completion?.index === bad.read.index) as { invoke: Op; completion: Op };
          const left = accountList(accounts).map((a) => (read.completion.value as Record<number, number>)[a] - 10);
          const suspects = new Map((bad.suspects?.transfers ?? []).map((suspect) => [suspect.transfer.index, suspect]));
          const open: { from: number; to: number; amount: number }[] = [];
          for (const { invoke, completion } of pairs) {
            if (invoke.f !== "transfer" || invoke.index > read.completion.index) continue;
            const { from, to, amount } = invoke.value as { from: number; to: number; amount: number };
            const acknowledged = completion?.type === "ok" && completion.index < read.invoke.index;
            if (acknowledged) {
              left[from] += amount;
              left[to] -= amount;
            }
            const suspect = suspects.get(invoke.index);
            if (suspect) {
              // What the suspect adds to the read, relative to what its answer says happened.
              const sign = acknowledged ? -1 : 1;
              if (suspect.effect === "deposit-only") acknowledged ? (left[from] -= amount) : (left[to] -= amount);
              else if (suspect.effect === "withdrawal-only") acknowledged ? (left[to] += amount) : (left[from] += amount);
              else {
                left[from] += sign * amount;
                left[to] -= sign * amount;
              }
            } else if (!acknowledged && completion?.type !== "fail") open.push({ from, to, amount });
          }
          const reachable = (i: number, rest: number[]): boolean =>
            i === open.length ? rest.every((x) => Math.abs(x) < 1e-9) : reachable(i + 1, rest) || reachable(i + 1, rest.map((x, a) => x + (a === open[i].from ? open[i].amount : a === open[i].to ? -open[i].amount : 0)));
          expect(reachable(0, left), `read #${bad.read.index}: ${JSON.stringify(bad.suspects)}`).toBe(true);
        }
        // The first bad read is the broken transfer's doing alone: one suspect, the deposit of a
        // transfer answered failed (or left indeterminate, when the simulated client gave up on
        // it) of that amount into that account — another such transfer would fit as well, so not
        // necessarily the broken one.
        const unacknowledged = pairs.filter((p) => p.invoke.f === "transfer" && p.completion?.type !== "ok").map((p) => p.invoke.value as { to: number; amount: number });
        const [first] = result.badReads;
        expect(first.suspects?.transfers).toHaveLength(1);
        const [suspect] = first.suspects?.transfers ?? [];
        expect(suspect.effect).toBe("deposit-only");
        expect(suspect.outcome).not.toBe("ok");
        expect(unacknowledged.some((t) => String(t.to) === suspect.to && t.amount === suspect.amount)).toBe(true);
      }),
      { numRuns: 200 },
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

