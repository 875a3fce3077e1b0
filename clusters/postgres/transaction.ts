// Runs one op as one PostgreSQL transaction — BEGIN ISOLATION LEVEL …, the op's statements one at a
// time, COMMIT — and reports how far it got, which outcome.ts turns into ok / fail / info.
//
// BEGIN, COMMIT and ROLLBACK are plain statements on the client's one-connection pool rather than
// postgres.js's sql.begin: when the connection drops mid-transaction, sql.begin still sends its
// ROLLBACK on the dead connection object, which crashes the process from a timer (postgres.js
// 3.4.9, connection.js nextWrite on a null socket). Driving the statements ourselves means that
// after a connection error nothing more is sent.
//
// Every statement, and COMMIT, passes a gate first. The gate closes when the op's deadline passes
// or the transaction failed, and refuses when the connection that ran BEGIN has closed since
// (Connection.closes): postgres.js would otherwise carry the statement, or the COMMIT, on a fresh
// connection outside the transaction. When the deadline passes before COMMIT was handed to the
// driver, it never will be, so the phase recorded at that instant is exact.

import postgres from "postgres";
import { Refusal, type Statement } from "../sql/transaction-body.ts";
import type { Connection } from "./connection.ts";
import { beginClause, type Isolation } from "./isolation.ts";
import { type Phase, RolledBack } from "./outcome.ts";

export type TransactionResult<T> =
  | { committed: true; value: T }
  | {
      committed: false;
      phase: Phase;
      error: unknown;
      /** The connection is idle outside any transaction and can run the next one; otherwise the
       *  caller must close it (after a deadline it may still be busy with a statement). */
      clean: boolean;
    };

/** The op's deadline passed; the caller must close the connection so the server rolls back. */
export class DeadlinePassed extends Error {
  override name = "DeadlinePassed";
}

/** The connection that ran BEGIN closed; PostgreSQL rolls back a session's open transaction. */
export class ConnectionLost extends Error {
  override name = "ConnectionLost";
}

export async function runTransaction<T>(connection: Connection, isolation: Isolation, body: (statement: Statement) => Promise<T>, signal: AbortSignal): Promise<TransactionResult<T>> {
  if (signal.aborted) return { committed: false, phase: "before-commit", error: new DeadlinePassed("the op's deadline passed before BEGIN was sent"), clean: true };
  const { sql } = connection;
  let phase: Phase = "before-commit";
  // The first reason the transaction did not commit; once set, the gate is closed.
  let failure: { phase: Phase; error: unknown } | undefined;
  let abandoned = false;
  // Counted before BEGIN is sent: a close at any point after that may have been BEGIN's connection.
  const closesAtBegin = connection.closes;

  const gate = () => {
    if (failure) throw failure.error;
    if (connection.closes !== closesAtBegin) throw new ConnectionLost("the connection closed in the middle of the transaction");
  };
  const statement: Statement = async (text, params = []) => {
    gate();
    const result = await sql.unsafe(text, [...params]);
    // postgres.js answers an array of row objects that also carries the command's row count.
    return { rows: [...result] as Record<string, unknown>[], affected: result.count ?? 0 };
  };
  /** Ends a failed transaction so the connection can be reused; false if it cannot be. */
  const rollBack = async (error: unknown): Promise<boolean> => {
    if (abandoned || !answeredByServer(error) || connection.closes !== closesAtBegin) return false;
    try {
      await sql.unsafe("rollback");
      return connection.closes === closesAtBegin;
    } catch {
      return false;
    }
  };

  let onAbort: () => void = () => {};
  const deadline = new Promise<TransactionResult<T>>((resolve) => {
    onAbort = () => {
      abandoned = true;
      failure ??= {
        phase,
        error: new DeadlinePassed(phase === "commit" ? "the op's deadline passed while COMMIT was in flight" : "the op's deadline passed before COMMIT was sent"),
      };
      resolve({ committed: false, ...failure, clean: false });
    };
  });
  signal.addEventListener("abort", onAbort, { once: true });

  const attempt = (async (): Promise<TransactionResult<T>> => {
    try {
      await sql.unsafe(`begin ${beginClause(isolation)}`);
      const value = await body(statement);
      gate();
      phase = "commit";
      const result = await sql.unsafe("commit");
      // COMMIT of a transaction the server had already aborted answers ROLLBACK, not an error.
      if (result.command !== "COMMIT") throw new RolledBack(`COMMIT answered ${result.command}`);
      return { committed: true, value };
    } catch (error) {
      failure ??= { phase, error };
      const clean = await rollBack(failure.error);
      return { committed: false, ...failure, clean };
    }
  })();

  try {
    return await Promise.race([attempt, deadline]);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

/** The connection is alive and the server waits for our next statement: it answered with an
 *  ordinary error (not FATAL, which ends the session), or the client refused to go on. Only then
 *  is a ROLLBACK worth sending. After a connection error postgres.js would queue it behind a
 *  reconnect to a server that may be down, with a backoff that grows to 20 s. */
function answeredByServer(error: unknown): boolean {
  if (error instanceof Refusal || error instanceof RolledBack) return true;
  return error instanceof postgres.PostgresError && error.severity === "ERROR";
}
