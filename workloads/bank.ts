// Jepsen's bank: money moves between accounts in transfers; reads see every balance at once and
// must always add up to the same total. Checked by checkers/bank.ts.
//
// Ops a client must implement:
//   {f: "transfer", value: {from, to, amount}}   move `amount` from account `from` to `to`
//       atomically; fail (not info) when refused, e.g. for insufficient funds.
//   {f: "read", value: null}                     ok with {[account]: balance} for every account.
// Accounts are the integers 0..accounts-1. Before the test the client (System setup) creates them
// with initialBalances(opts): the total split evenly, the remainder in account 0.

import { bankChecker } from "../checkers/bank.ts";
import type { Generator, GenContext, GenResult } from "../harness/generator/generator.ts";
import type { Workload, WorkloadOptions } from "./workload.ts";
import { booleanOption, EachClientOnce, numberOption } from "./set.ts";
import { pickFreeClient } from "./pick-client.ts";

/** The options this takes through `--opt` (documentation; read by name). @public */
export interface BankWorkloadOptions extends WorkloadOptions {
  /** How many accounts. Default 8. */
  accounts?: number;
  /** The money in the bank, constant throughout. Default 100. */
  total?: number;
  /** Transfers move 1..maxTransfer. Default 5. */
  maxTransfer?: number;
  /** Fraction of ops that read. Default 0.5. */
  readFraction?: number;
  /** The system allows overdrafts: negative balances are no error. Default false. */
  negativeAllowed?: boolean;
}

export interface BankSettings {
  accounts: number[];
  total: number;
  maxTransfer: number;
  readFraction: number;
  negativeAllowed: boolean;
}

export function bankSettings(opts: WorkloadOptions): BankSettings {
  const accounts = numberOption(opts, "accounts", 8, { min: 2, integer: true });
  return {
    accounts: Array.from({ length: accounts }, (_, i) => i),
    total: numberOption(opts, "total", 100, { min: 0, integer: true }),
    maxTransfer: numberOption(opts, "maxTransfer", 5, { min: 1, integer: true }),
    readFraction: numberOption(opts, "readFraction", 0.5, { min: 0, max: 1 }),
    negativeAllowed: booleanOption(opts, "negativeAllowed", false),
  };
}

/** The balances a system must hold before the first op. */
export function initialBalances(opts: WorkloadOptions): Record<string, number> {
  const { accounts, total } = bankSettings(opts);
  const share = Math.floor(total / accounts.length);
  const balances: Record<string, number> = {};
  for (const account of accounts) balances[account] = share;
  balances[accounts[0]] += total - share * accounts.length;
  return balances;
}

class BankGenerator implements Generator {
  constructor(private readonly settings: BankSettings) {}

  op(ctx: GenContext): GenResult {
    const process = pickFreeClient(ctx);
    if (process === undefined) return { kind: "pending", next: this };
    if (ctx.rng.float() < this.settings.readFraction) return { kind: "op", op: { process, timeNs: ctx.timeNs, f: "read", value: null }, next: this };
    const { accounts } = this.settings;
    const from = ctx.rng.pick(accounts);
    // Draw the destination from the other accounts so a transfer never moves money to itself.
    const to = accounts[(accounts.indexOf(from) + 1 + ctx.rng.int(accounts.length - 1)) % accounts.length];
    const amount = ctx.rng.between(1, this.settings.maxTransfer);
    return { kind: "op", op: { process, timeNs: ctx.timeNs, f: "transfer", value: { from, to, amount } }, next: this };
  }

  update(): Generator {
    return this;
  }
}

export const bankWorkload: Workload = {
  name: "bank",
  description: "transfer money between accounts and read all balances at once; the total must never change and no balance may go negative",
  refutes: { kind: "property", property: "money neither created nor destroyed" },
  generator: (opts) => new BankGenerator(bankSettings(opts)),
  finalGenerator: () => new EachClientOnce("read", null),
  checker: (opts) => {
    const { accounts, total, negativeAllowed } = bankSettings(opts);
    return bankChecker({ accounts, total, negativeAllowed, initial: initialBalances(opts) });
  },
};
