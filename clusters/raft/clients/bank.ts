// The bank workload: each account is a key <namespace>:<account> holding an integer balance.
//   opening  (when a client opens) MULTI; SET <account> <initial balance> NX for every account;
//            EXEC — one log entry, so the first client creates every account at once and any
//            later one changes nothing.
//   transfer WATCH from to; GET from; GET to; refused (fail) if `from` lacks the amount; else
//            MULTI; DECRBY from amount; INCRBY to amount; EXEC — null when a balance moved since
//            it was read: nothing applied, fail.
//   read     MULTI; GET every account; EXEC — all balances from one log entry.

import type { Redis } from "ioredis";
import type { Completion, Invocation } from "../../../harness/op.ts";
import { bankSettings, initialBalances, type BankSettings } from "../../../workloads/bank.ts";
import type { PlannerSetup, RaftPlan, RaftPlanner } from "./raft-client.ts";
import { execTransaction, WATCH_ABORTED } from "./transaction.ts";
import { storedValue } from "./values.ts";

interface Transfer {
  from: string;
  to: string;
  amount: number;
}

class BankPlanner implements RaftPlanner {
  /** Account names, as the checker compares them (JSON object keys are strings). */
  private readonly accounts: string[];

  constructor(
    private readonly namespace: string,
    private readonly settings: BankSettings,
    private readonly initial: Readonly<Record<string, number>>,
  ) {
    this.accounts = settings.accounts.map(String);
  }

  /** Creates the accounts with their initial balances, unless some client already has. */
  opening(): RaftPlan {
    return {
      readOnly: false,
      run: async (redis) => {
        const transaction = redis.multi();
        for (const account of this.accounts) transaction.set(this.keyOf(account), String(this.initial[account]), "NX");
        const replies = await execTransaction(transaction);
        return replies === null ? WATCH_ABORTED : { type: "ok" };
      },
    };
  }

  plan(op: Invocation): RaftPlan | string {
    switch (op.f) {
      case "transfer": {
        const transfer = this.transferOf(op.value);
        if (typeof transfer === "string") return `bank: ${transfer}`;
        return { readOnly: false, run: (redis) => this.transfer(redis, transfer) };
      }
      case "read":
        return {
          readOnly: true,
          run: async (redis) => {
            const transaction = redis.multi();
            for (const account of this.accounts) transaction.get(this.keyOf(account));
            const replies = await execTransaction(transaction);
            if (replies === null) return WATCH_ABORTED;
            const balances: Record<string, unknown> = {};
            this.accounts.forEach((account, i) => (balances[account] = typeof replies[i] === "string" ? storedValue(replies[i]) : replies[i]));
            return { type: "ok", value: balances };
          },
        };
      default:
        return `bank: unknown op f=${op.f}; the bank client does transfer and read`;
    }
  }

  private async transfer(redis: Redis, { from, to, amount }: Transfer): Promise<Completion> {
    const fromKey = this.keyOf(from);
    const toKey = this.keyOf(to);
    await redis.watch(fromKey, toKey);
    let balances: (string | null)[];
    try {
      balances = [await redis.get(fromKey), await redis.get(toKey)];
    } catch (error) {
      // A refused read (REDIRECT, NOLEADER …) leaves the connection open: its watches must not
      // abort this connection's next transaction.
      await redis.unwatch().catch(() => undefined);
      throw error;
    }
    const refuse = async (reason: string): Promise<Completion> => {
      await redis.unwatch();
      return { type: "fail", answered: true, error: `transfer refused: ${reason}` };
    };
    const [fromBalance, toBalance] = balances.map((text) => (text === null ? undefined : storedValue(text)));
    if (typeof fromBalance !== "number") return refuse(`account ${from} holds ${JSON.stringify(balances[0])}, not a balance`);
    if (typeof toBalance !== "number") return refuse(`account ${to} holds ${JSON.stringify(balances[1])}, not a balance`);
    if (!this.settings.negativeAllowed && fromBalance < amount) return refuse(`insufficient funds: account ${from} holds ${fromBalance}, the transfer needs ${amount}`);
    const replies = await execTransaction(redis.multi().decrby(fromKey, amount).incrby(toKey, amount));
    return replies === null ? WATCH_ABORTED : { type: "ok" };
  }

  private transferOf(value: unknown): Transfer | string {
    if (typeof value !== "object" || value === null) return `transfer value must be {from, to, amount}, got ${JSON.stringify(value)}`;
    const { from, to, amount } = value as { from?: unknown; to?: unknown; amount?: unknown };
    for (const account of [from, to]) {
      if ((typeof account !== "number" && typeof account !== "string") || !this.accounts.includes(String(account))) {
        return `transfer between unknown accounts ${JSON.stringify(value)}; the accounts are ${this.accounts.join(", ")}`;
      }
    }
    if (typeof amount !== "number" || !Number.isSafeInteger(amount) || amount <= 0) return `transfer amount must be a positive integer, got ${JSON.stringify(amount)}`;
    return { from: String(from), to: String(to), amount };
  }

  private keyOf(account: string): string {
    return `${this.namespace}:${account}`;
  }
}

export function bankPlanner({ namespace, options }: PlannerSetup): RaftPlanner {
  // The same options the checker is built from, so client and checker agree on accounts and total.
  return new BankPlanner(namespace, bankSettings(options), initialBalances(options));
}
