// bank over accounts(id int primary key, balance int), filled at setup with
// workloads/bank.ts's initialBalances.
//
//   transfer {from, to, amount}   select balance of from; select balance of to;
//                                 refuse (roll back → fail) if from would go negative;
//                                 update from := b1 - amount; update to := b2 + amount
//   read null                     select id, balance from accounts → {[id]: balance}
//
// The transfer reads and then writes the values it computed, as Jepsen's bank client does, rather
// than `set balance = balance - amount`: a single-statement update re-reads the row under its
// lock and would be safe even at read committed, hiding exactly the lost updates that separate
// read committed from repeatable read. Written this way, a read-committed run can destroy or
// create money, and the bank checker sees the total change.

import type { Invocation } from "../../harness/op.ts";
import { isInt4 } from "./micro-ops.ts";
import type { PostgresPlanner, TransactionBody } from "./transaction.ts";
import { Refusal } from "./outcome.ts";
import type { Statement } from "./transaction.ts";

const BALANCE = "select balance from accounts where id = $1::int";
const SET_BALANCE = "update accounts set balance = $2::int where id = $1::int";
const READ_ALL = "select id, balance from accounts order by id";

export interface BankPlannerSettings {
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

async function balanceOf(statement: Statement, account: number): Promise<number> {
  const rows = await statement(BALANCE, [account]);
  if (rows.length === 0) throw new Refusal(`bank: account ${account} does not exist`);
  return rows[0].balance as number;
}

export function bankPlanner(settings: BankPlannerSettings): PostgresPlanner {
  return {
    plan(op: Invocation): TransactionBody | string {
      if (op.f === "read") {
        return async (statement) => {
          const balances: Record<string, number> = {};
          for (const row of await statement(READ_ALL)) balances[String(row.id)] = row.balance as number;
          return balances;
        };
      }
      if (op.f !== "transfer") return `bank: unknown op f=${JSON.stringify(op.f)}; expected "transfer" or "read"`;
      const transfer = parseTransfer(op.value);
      if (typeof transfer === "string") return transfer;
      const { from, to, amount } = transfer;
      return async (statement) => {
        const fromBalance = await balanceOf(statement, from);
        const toBalance = await balanceOf(statement, to);
        if (fromBalance - amount < 0 && !settings.negativeAllowed) {
          throw new Refusal(`bank: insufficient funds: account ${from} holds ${fromBalance}, the transfer needs ${amount}`);
        }
        await statement(SET_BALANCE, [from, fromBalance - amount]);
        await statement(SET_BALANCE, [to, toBalance + amount]);
        return undefined;
      };
    },
  };
}
