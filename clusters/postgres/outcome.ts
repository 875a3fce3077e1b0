// From how a transaction ended to what the history records. The line that matters is COMMIT:
// PostgreSQL makes a transaction's effects visible only when COMMIT succeeds, and rolls back any
// transaction whose session ends before COMMIT (connection lost, backend killed, server crashed).
//
//   ended before COMMIT was sent, for any reason   fail   nothing can have happened
//     (serialization failure 40001, deadlock 40P01, constraint violation 23xxx, the client's own
//      refusal such as insufficient funds, connection refused or lost, the op's deadline)
//   COMMIT answered 40001, 40P01, 40002 or 23xxx    fail   the server reports the rollback
//     (serializable conflicts and deferred constraints are checked at COMMIT and abort it),
//     and so is a COMMIT answered with the ROLLBACK command tag
//   COMMIT sent, then anything else                 info   the commit record may be on disk
//     (connection lost, timeout, server shut down): the server may have committed and failed
//      only to tell us, so a checker must treat the writes as possibly applied
//
// "Sent" is judged conservatively: the client marks the COMMIT phase before it hands COMMIT to
// the driver, so a COMMIT that never left the process is reported info, never the reverse.

import postgres from "postgres";
import type { Completion } from "../../harness/op.ts";
import { Refusal } from "../sql/transaction-body.ts";

export type Phase = "before-commit" | "commit";


/** COMMIT was answered with ROLLBACK: the server had aborted the transaction. */
export class RolledBack extends Error {
  override name = "RolledBack";
}

/** COMMIT answers that mean the server rolled the transaction back. */
const ROLLED_BACK_AT_COMMIT: Record<string, string> = {
  "40001": "serialization failure",
  "40P01": "deadlock",
  "40002": "integrity constraint violation",
};

function isPostgresError(error: unknown): error is postgres.PostgresError {
  return error instanceof postgres.PostgresError;
}

function sqlstateName(code: string): string | undefined {
  return ROLLED_BACK_AT_COMMIT[code] ?? (code.startsWith("23") ? "constraint violation" : undefined);
}

/** One line on what went wrong, with the SQLSTATE when the server sent one. */
export function describeError(error: unknown): string {
  if (isPostgresError(error)) {
    const name = sqlstateName(error.code);
    return `${name ? `${name} ` : ""}(SQLSTATE ${error.code}): ${error.message}`;
  }
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

/** The completion of a transaction that did not commit, or did not say it did. */
export function unsuccessfulCompletion(phase: Phase, error: unknown, readOnly = false): Completion {
  if (error instanceof Refusal) return { type: "fail", answered: true, error: error.message };
  if (error instanceof RolledBack) return { type: "fail", answered: true, error: `${error.message}: the transaction was rolled back` };
  const described = describeError(error);
  // Serialization failures and deadlocks are the server's own answer, at any phase: it aborted the
  // transaction (availability counts them as answered, not as refusals).
  const answered = isPostgresError(error) && (error.code === "40001" || error.code === "40P01") ? { answered: true as const } : {};
  if (phase === "before-commit") return { type: "fail", ...answered, error: `${described}; COMMIT was never sent, so the transaction was rolled back` };
  if (isPostgresError(error) && sqlstateName(error.code) !== undefined) {
    return { type: "fail", ...answered, error: `${described}; COMMIT was refused and the transaction rolled back` };
  }
  // A transaction that only read changes nothing, whether or not its COMMIT went through.
  if (readOnly) return { type: "fail", error: `${described}; this happened during COMMIT of a transaction that only read, so nothing changed` };
  return { type: "info", error: `${described}; this happened during COMMIT, so the transaction may have committed` };
}
