// What a ZooKeeper call that did not answer normally means for the history.
//
//   fail  the server refused the request for a reason that rules out any effect (no such node,
//         node exists, bad version, no permission, …); and any read that did not answer, since a
//         read changes nothing. (Ops never sent because the session was not connected are
//         failed by the client before it calls anything.)
//   info  a write whose fate is unknown: connection lost or session expired after sending, the
//         op's timeout, anything unexpected.

import type { Completion, Invocation } from "../../harness/op.ts";
import { OpTimedOut } from "../client-timeout.ts";

export { OpTimedOut };
import { ZK_ERRORS } from "./connection.ts";

const DEFINITE = new Set([
  ZK_ERRORS.NO_NODE,
  ZK_ERRORS.NO_AUTH,
  ZK_ERRORS.BAD_VERSION,
  ZK_ERRORS.NO_CHILDREN_FOR_EPHEMERALS,
  ZK_ERRORS.NODE_EXISTS,
  ZK_ERRORS.NOT_EMPTY,
  ZK_ERRORS.INVALID_ACL,
]);

export function completionForError(op: Invocation, error: unknown, node: string): Completion {
  const message = error instanceof Error ? error.message : String(error);
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  if (!(error instanceof OpTimedOut) && typeof code === "number" && DEFINITE.has(code)) {
    return { type: "fail", node, error: `refused by the server: ${message}` };
  }
  if (op.f === "read") return { type: "fail", node, error: `read did not complete (a read changes nothing): ${message}` };
  return { type: "info", node, error: `outcome unknown: ${message}` };
}
