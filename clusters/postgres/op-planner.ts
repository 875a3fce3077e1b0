// The seam between a workload's ops and SQL: a planner checks an op and returns the body of the
// transaction that performs it. Checking happens before BEGIN, so an op the client cannot perform
// fails without anything sent.

import type { Invocation } from "../../harness/op.ts";
import type { Statement } from "./transaction.ts";

/** Runs inside BEGIN … COMMIT; resolves the completion value, or undefined to record the op's own
 *  value. Throw outcome.Refusal to roll back on purpose. */
export type TransactionBody = (statement: Statement) => Promise<unknown>;

export interface OpPlanner {
  /** Throws outcome.Refusal when the op is malformed or not one of this workload's. */
  plan(op: Invocation): TransactionBody;
}
