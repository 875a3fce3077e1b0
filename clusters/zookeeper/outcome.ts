// What a ZooKeeper call that did not answer normally means for the history, by ZooKeeper's error
// code (KeeperException.Code; ZooKeeper's programmer's guide: a ConnectionLoss or OperationTimeout
// leaves the request's fate unknown, every other error is the server's answer).
//
//   fail  the server refused the request for a reason that rules out any effect (no such node,
//         node exists, bad version, no permission, …); the C client never sent it (the handle is
//         closed or closing); and any read that did not answer, since a read changes nothing.
//         (Ops never sent because the session was not connected are failed by the client before
//         it calls anything.)
//   info  a write whose fate is unknown: connection lost or session expired after sending, the
//         op's timeout, anything unexpected.

import type { Completion } from "../../harness/op.ts";
import { messageOf, unfinished } from "../client/planned-client.ts";
import { OpTimedOut } from "../client/timeout.ts";
import { ZK_ERRORS, ZkError } from "./connection.ts";

const REFUSED: ReadonlySet<number> = new Set([
  ZK_ERRORS.NO_NODE,
  ZK_ERRORS.NO_AUTH,
  ZK_ERRORS.BAD_VERSION,
  ZK_ERRORS.NO_CHILDREN_FOR_EPHEMERALS,
  ZK_ERRORS.NODE_EXISTS,
  ZK_ERRORS.NOT_EMPTY,
  ZK_ERRORS.INVALID_ACL,
  ZK_ERRORS.BAD_ARGUMENTS,
]);
/** The C client did not send the request at all. */
const NOT_SENT: ReadonlySet<number> = new Set([ZK_ERRORS.INVALID_STATE, ZK_ERRORS.CLOSING]);

export function zooKeeperOutcome(error: unknown, plan: { readOnly: boolean }): Completion {
  const message = messageOf(error);
  if (!(error instanceof OpTimedOut) && error instanceof ZkError) {
    if (REFUSED.has(error.code)) return { type: "fail", answered: true, error: `refused by the server: ${message}` };
    if (NOT_SENT.has(error.code)) return { type: "fail", error: `not sent: ${message}` };
  }
  return unfinished(plan, message);
}
