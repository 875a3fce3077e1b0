// How each workload's ops become one PostgreSQL transaction: one planner per workload, in one
// record (the postgres system's clients are built from it). A planner checks an op before BEGIN,
// so an op the client cannot perform fails without anything sent; the body it returns runs inside
// BEGIN … COMMIT.

import type { WorkloadOptions } from "../../workloads/workload.ts";
import { bankSettings } from "../../workloads/bank.ts";
import { bankPlanner } from "./bank-planner.ts";
import { listAppendPlanner } from "./list-append-planner.ts";
import { rwRegisterPlanner } from "./rw-register-planner.ts";
import type { PostgresPlanner } from "./transaction.ts";

export const postgresPlanners: Readonly<Record<string, (options: WorkloadOptions) => PostgresPlanner>> = {
  "list-append": () => listAppendPlanner,
  "rw-register": () => rwRegisterPlanner,
  // The same options the bank checker is given (harness/verdicts/judge.ts), so client and checker
  // agree on whether an overdraft is allowed.
  bank: (options) => bankPlanner({ negativeAllowed: bankSettings(options).negativeAllowed }),
};
