// One planner per workload for a SQL database, in one record: every SQL system's clients are built
// from it, with its own dialect (dialect.ts) and its own session.

import type { WorkloadOptions } from "../../workloads/workload.ts";
import { bankSettings } from "../../workloads/bank.ts";
import { bankPlanner } from "./bank.ts";
import type { SqlDialect } from "./dialect.ts";
import { listAppendPlanner } from "./list-append.ts";
import { registerPlanner } from "./register.ts";
import { rwRegisterPlanner } from "./rw-register.ts";
import { setPlanner } from "./set.ts";
import type { SqlPlanner } from "./transaction-body.ts";

export type MakeSqlPlanner = (options: WorkloadOptions) => SqlPlanner;

export function sqlPlanners(dialect: SqlDialect): Readonly<Record<string, MakeSqlPlanner>> {
  return {
    "list-append": () => listAppendPlanner(dialect),
    "rw-register": () => rwRegisterPlanner(dialect),
    // The same options the bank checker is given (harness/verdicts/judge.ts), so client and
    // checker agree on whether an overdraft is allowed.
    bank: (options) => bankPlanner(dialect, { negativeAllowed: bankSettings(options).negativeAllowed }),
    set: () => setPlanner(dialect),
    register: () => registerPlanner(dialect),
  };
}

/** Creates the tables and puts the bank's starting balances in; an account that exists already
 *  keeps its balance. Each statement is idempotent, so a setup that failed halfway can run again. */
export async function createTables(dialect: SqlDialect, run: (text: string, params?: readonly (number | string)[]) => Promise<unknown>, balances: Readonly<Record<string, number>>): Promise<void> {
  for (const statement of dialect.schema) await run(statement);
  for (const [account, balance] of Object.entries(balances)) await run(dialect.insertAccount, [Number(account), balance]);
}
