// What a workload's op becomes on a SQL database: one transaction, whose body runs statements one at
// a time through the system's session (clusters/postgres, clusters/mysql). The planners in this
// folder build these bodies from the SQL of a dialect (dialect.ts); each system runs them inside its
// own BEGIN … COMMIT and maps its own errors.

import type { Planner } from "../client/planned-client.ts";

/** A statement's answer: its rows as plain objects, and how many rows it changed (for UPDATE: how
 *  many matched its WHERE, whether or not the value changed). */
export interface SqlResult {
  rows: Record<string, unknown>[];
  affected: number;
}

/** Runs one statement of the transaction, with its parameters bound to the dialect's placeholders. */
export type Statement = (text: string, params?: readonly (number | string | null)[]) => Promise<SqlResult>;

/** Runs inside BEGIN … COMMIT; resolves the completion value, or undefined to record the op's own
 *  value. Throw Refusal to roll back on purpose. */
export type TransactionBody = (statement: Statement) => Promise<unknown>;

export interface SqlPlan {
  body: TransactionBody;
  /** The transaction only reads: it may run on a replica, and when its outcome is unknown it did
   *  not happen (fail, not info). */
  readOnly: boolean;
}

/** A workload's planner for a SQL database: each op becomes one transaction. */
export type SqlPlanner = Planner<SqlPlan>;

/** The client decided not to go on (a transfer would overdraw, a compare-and-set found another
 *  value); the transaction is rolled back, and the op failed by the system's own answer. */
export class Refusal extends Error {
  override name = "Refusal";
}
