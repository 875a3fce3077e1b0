// From how a MariaDB transaction ended to what the history records, by the server's error numbers
// (MariaDB's "MariaDB Error Codes" reference) and the transaction's phase:
//
//   ended before COMMIT was sent, for any reason           fail  InnoDB rolls back a transaction
//     whose session ends, and we roll back after any error (MariaDB: "if the connection is lost,
//     an open transaction is rolled back")
//   the server's own aborts, at any phase                  fail, answered
//     1213 ER_LOCK_DEADLOCK: a deadlock victim; on Galera also a certification failure (another
//          node's conflicting write set won), reported at COMMIT: "the transaction is rolled back"
//     1205 ER_LOCK_WAIT_TIMEOUT: the statement timed out waiting for a lock (we then roll back)
//     1020 ER_CHECKREAD "Record has changed since last read": innodb_snapshot_isolation found a
//          write-write conflict and rolled the transaction back
//   refusals, at any phase                                 fail, refused (not answered)
//     1290 ER_OPTION_PREVENTS_STATEMENT: read_only (a replica, or a primary fenced by the failover
//          controller) refuses the write; 1047 ER_UNKNOWN_COM_ERROR: a Galera node outside the
//          primary component ("WSREP has not yet prepared node for application use")
//   COMMIT sent, then anything else (connection lost,      info  the commit may be durable
//     timeout, server shut down, an error we cannot place)
//
// A transaction that only read changes nothing: when its end is unknown it is fail, not info.

import type { Completion } from "../../harness/op.ts";
import { Refusal } from "../sql/transaction-body.ts";
import { describeMysqlError, isServerError } from "./connection.ts";

export type Phase = "before-commit" | "commit";

const ABORTED_BY_SERVER: Readonly<Record<number, string>> = {
  1213: "deadlock or Galera certification conflict",
  1205: "lock wait timeout",
  1020: "write-write conflict under innodb_snapshot_isolation",
};

const REFUSED_BY_SERVER: Readonly<Record<number, string>> = {
  1290: "the node is read-only",
  1047: "the Galera node is not in the primary component",
};

/** The op's deadline passed; the connection was closed so the server rolls back what it can. */
export class DeadlinePassed extends Error {
  override name = "DeadlinePassed";
}

export function unsuccessfulCompletion(phase: Phase, error: unknown, readOnly: boolean): Completion {
  if (error instanceof Refusal) return { type: "fail", answered: true, error: error.message };
  const described = describeMysqlError(error);
  if (isServerError(error)) {
    const aborted = ABORTED_BY_SERVER[error.errno];
    if (aborted) return { type: "fail", answered: true, error: `${aborted}: ${described}; the transaction was rolled back` };
    const refused = REFUSED_BY_SERVER[error.errno];
    if (refused) return { type: "fail", error: `${refused}: ${described}; nothing was written` };
  }
  if (phase === "before-commit") return { type: "fail", error: `${described}; COMMIT was never sent, so the transaction was rolled back` };
  if (readOnly) return { type: "fail", error: `${described}; this happened during COMMIT of a transaction that only read, so nothing changed` };
  return { type: "info", error: `${described}; this happened during COMMIT, so the transaction may have committed` };
}
