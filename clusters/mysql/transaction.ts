// Runs one op as one MariaDB transaction — START TRANSACTION, the op's statements one at a time,
// COMMIT — and reports how far it got, which outcome.ts turns into ok / fail / info. The session's
// isolation level is set once per connection (SET SESSION TRANSACTION ISOLATION LEVEL).
//
// When the op's deadline passes the connection is destroyed at once: the server rolls back a
// transaction whose connection is gone, unless COMMIT had already reached it, which is why a
// deadline during COMMIT is recorded as the phase it happened in.

import type { MysqlConnection } from "./connection.ts";
import { DeadlinePassed, type Phase } from "./outcome.ts";
import type { Statement, TransactionBody } from "../sql/transaction-body.ts";
import { isServerError } from "./connection.ts";

export type TransactionResult =
  | { committed: true; value: unknown }
  | { committed: false; phase: Phase; error: unknown };

export async function runTransaction(connection: MysqlConnection, body: TransactionBody, signal: AbortSignal): Promise<TransactionResult> {
  if (signal.aborted) return { committed: false, phase: "before-commit", error: new DeadlinePassed("the op's deadline passed before START TRANSACTION was sent") };
  let phase: Phase = "before-commit";
  let failure: { phase: Phase; error: unknown } | undefined;

  const statement: Statement = async (text, params = []) => {
    if (failure) throw failure.error;
    return connection.query(text, params);
  };

  let onAbort: () => void = () => {};
  const deadline = new Promise<TransactionResult>((resolve) => {
    onAbort = () => {
      failure ??= {
        phase,
        error: new DeadlinePassed(phase === "commit" ? "the op's deadline passed while COMMIT was in flight" : "the op's deadline passed before COMMIT was sent"),
      };
      connection.destroy();
      resolve({ committed: false, ...failure });
    };
  });
  signal.addEventListener("abort", onAbort, { once: true });

  const attempt = (async (): Promise<TransactionResult> => {
    try {
      await connection.query("start transaction");
      const value = await body(statement);
      if (failure) throw failure.error;
      phase = "commit";
      await connection.query("commit");
      return { committed: true, value };
    } catch (error) {
      failure ??= { phase, error };
      // After the server's own error the session waits for our next statement: end the
      // transaction so the connection can run the next one. After a socket error it is gone.
      if (connection.usable && (isServerError(failure.error) || !(failure.error instanceof DeadlinePassed))) {
        await connection.query("rollback").catch(() => connection.destroy());
      }
      return { committed: false, ...failure };
    }
  })();

  try {
    return await Promise.race([attempt, deadline]);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}
