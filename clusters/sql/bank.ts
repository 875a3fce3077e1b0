// bank over accounts(id, balance), filled at setup with workloads/bank.ts's initialBalances.
//
//   transfer {from, to, amount}   read the balance of from, then of to;
//                                 refuse (roll back → fail) if from would go negative;
//                                 set from := b1 - amount; set to := b2 + amount
//   read null                     every account → {[id]: balance}
//
// The transfer reads and then writes the values it computed, as Jepsen's bank client does, rather
// than `set balance = balance - amount`: a single-statement update re-reads the row under its
// lock and would be safe even at read committed, hiding exactly the lost updates that separate
// read committed from repeatable read. Written this way, a read-committed run can destroy or
// create money, and the bank checker sees the total change.

import type { Invocation } from "../../harness/op.ts";
import type { SqlDialect } from "./dialect.ts";
import { isInt4 } from "./micro-ops.ts";
import { Refusal, type SqlPlan, type SqlPlanner, type Statement } from "./transaction-body.ts";

interface BankPlannerSettings {
  /** Overdrafts are allowed: a transfer may take an account below zero. */
  negativeAllowed: boolean;
}

interface Transfer {
  from: number;
  to: number;
  amount: number;
}

function parseTransfer(value: unknown): Transfer | string {
  const { from, to, amount } = (value ?? {}) as Partial<Record<keyof Transfer, unknown>>;
  if (!isInt4(from) || !isInt4(to) || !isInt4(amount) || amount <= 0) {
    return `bank: a transfer's value must be {from, to, amount} with integer accounts and a positive integer amount, got ${JSON.stringify(value)}`;
  }
  if (from === to) return `bank: transfer from account ${from} to itself`;
  return { from, to, amount };
}

async function balanceOf(dialect: SqlDialect, statement: Statement, account: number): Promise<number> {
  const { rows } = await statement(dialect.balance, [account]);
  if (rows.length === 0) throw new Refusal(`bank: account ${account} does not exist`);
  return Number(rows[0].balance);
}

export function bankPlanner(dialect: SqlDialect, settings: BankPlannerSettings): SqlPlanner {
  return {
    plan(op: Invocation): SqlPlan | string {
      if (op.f === "read") {
        const body: SqlPlan["body"] = async (statement) => {
          const balances: Record<string, number> = {};
          for (const row of (await statement(dialect.readAccounts)).rows) balances[String(row.id)] = Number(row.balance);
          return balances;
        };
        return { body, readOnly: true };
      }
      if (op.f !== "transfer") return `bank: unknown op f=${JSON.stringify(op.f)}; expected "transfer" or "read"`;
      const transfer = parseTransfer(op.value);
      if (typeof transfer === "string") return transfer;
      const { from, to, amount } = transfer;
      const body: SqlPlan["body"] = async (statement) => {
        const fromBalance = await balanceOf(dialect, statement, from);
        const toBalance = await balanceOf(dialect, statement, to);
        if (fromBalance - amount < 0 && !settings.negativeAllowed) {
          throw new Refusal(`bank: insufficient funds: account ${from} holds ${fromBalance}, the transfer needs ${amount}`);
        }
        await statement(dialect.setBalance, [fromBalance - amount, from]);
        await statement(dialect.setBalance, [toBalance + amount, to]);
        return undefined;
      };
      return { body, readOnly: false };
    },
  };
}
