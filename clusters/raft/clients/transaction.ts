// MULTI … EXEC as the clients use it: built with ioredis's multi(), sent in one pipeline, applied
// by our node as one log entry — all of it, or (when a WATCHed key moved) none of it.

import type { ChainableCommander } from "ioredis";
import type { Completion } from "../../../harness/op.ts";

/** EXEC applied the transaction but the state machine refused some of its commands (Redis does not
 *  roll back): the op's effect is neither all nor nothing, so its outcome must be left unknown. */
export class PartialTransactionError extends Error {
  override name = "PartialTransactionError";
}

/** What an op completes with when EXEC answered null: a WATCHed key moved, nothing was applied. */
export const WATCH_ABORTED: Completion = { type: "fail", answered: true, error: "EXEC aborted: a WATCHed key changed, so nothing was applied" };

/** EXEC's results in command order, or null when a WATCHed key moved. */
export async function execTransaction(transaction: ChainableCommander): Promise<unknown[] | null> {
  const replies = await transaction.exec();
  if (replies === null) return null;
  const refused = replies.flatMap(([error], i) => (error ? [`command ${i + 1}: ${error.message}`] : []));
  if (refused.length > 0) throw new PartialTransactionError(`the transaction was applied, but ${refused.length} of its ${replies.length} commands were refused (${refused.join("; ")})`);
  return replies.map(([, result]) => result);
}
