import { describe, expect, it } from "vitest";
import { bankSettings, bankWorkload, initialBalances } from "./bank.ts";
import { drive, HistoryBuilder, type SimulatedSystem } from "../test/support/history-builder.ts";
import type { Process } from "../harness/op.ts";
import { freeContext, take } from "../test/support/generator-context.ts";

const context = (free: readonly Process[], seed = 1) => freeContext(free, free, seed);

/** Atomic transfers that refuse overdrafts. */
function correctBank(balances: Record<string, number>): SimulatedSystem {
  return {
    apply(f, value) {
      if (f === "read") return { type: "ok", value: { ...balances } };
      const { from, to, amount } = value as { from: number; to: number; amount: number };
      if (balances[from] < amount) return { type: "fail" };
      balances[from] -= amount;
      balances[to] += amount;
      return { type: "ok", value };
    },
  };
}

describe("bank workload", () => {
  it("transfers between two different existing accounts, within maxTransfer", () => {
    const ops = take(bankWorkload.generator({ accounts: 3, maxTransfer: 4 }), context([0, 1, 2]), 500);
    const transfers = ops.filter((op) => op.f === "transfer").map((op) => op.value as { from: number; to: number; amount: number });
    expect(transfers.length).toBeGreaterThan(100);
    for (const { from, to, amount } of transfers) {
      expect([0, 1, 2]).toContain(from);
      expect([0, 1, 2]).toContain(to);
      expect(to).not.toBe(from);
      expect(amount).toBeGreaterThanOrEqual(1);
      expect(amount).toBeLessThanOrEqual(4);
    }
    expect(new Set(transfers.map((t) => `${t.from}>${t.to}`)).size).toBe(6);
  });

  it("splits the total over the accounts, remainder first", () => {
    expect(initialBalances({ accounts: 3, total: 100 })).toEqual({ 0: 34, 1: 33, 2: 33 });
    expect(Object.values(initialBalances({})).reduce((a, b) => a + b)).toBe(100);
    expect(bankSettings({}).accounts).toHaveLength(8);
    expect(() => bankSettings({ accounts: 1 })).toThrow(/accounts/);
  });

  it("produces histories its checker accepts when transfers are atomic", () => {
    for (let seed = 0; seed < 20; seed++) {
      const opts = { accounts: 4, total: 40 };
      const system = correctBank(initialBalances(opts));
      const builder = new HistoryBuilder();
      const live = drive(builder, bankWorkload.generator(opts), system, { seed, processes: 4, ops: 150 });
      drive(builder, bankWorkload.finalGenerator!(opts), system, { seed, processes: live, ops: 10, infoFraction: 0, failFraction: 0 });
      const result = bankWorkload.checker(opts).check(builder.ops);
      expect(result.valid).toBe(true);
    }
  });

  it("produces histories its checker rejects when a transfer is applied in two steps", () => {
    const opts = { accounts: 4, total: 40 };
    const balances = initialBalances(opts);
    let creditDue: { to: number; amount: number } | undefined;
    const settle = () => {
      if (creditDue) balances[creditDue.to] += creditDue.amount;
      creditDue = undefined;
    };
    // Debits at one moment and credits only when the next op arrives: a read right after a
    // transfer sees the money gone from one account and not yet in the other.
    const torn: SimulatedSystem = {
      apply(f, value) {
        if (f === "read") {
          const snapshot = { ...balances };
          settle();
          return { type: "ok", value: snapshot };
        }
        settle();
        const { from, to, amount } = value as { from: number; to: number; amount: number };
        balances[from] -= amount;
        creditDue = { to, amount };
        return { type: "ok", value };
      },
    };
    const builder = new HistoryBuilder();
    drive(builder, bankWorkload.generator({ ...opts, readFraction: 0.5 }), torn, { seed: 5, processes: 4, ops: 200, infoFraction: 0, failFraction: 0 });
    const result = bankWorkload.checker(opts).check(builder.ops);
    expect(result.valid).toBe(false);
    expect((result.errorCounts as Record<string, number>)["wrong-total"]).toBeGreaterThan(0);
  });
});
