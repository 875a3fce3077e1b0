// What a ZooKeeper call that did not answer normally means for the history.
//
//   fail  the server refused the request for a reason that rules out any effect (no such node,
//         node exists, bad version, no permission, …); and any read that did not answer, since a
//         read changes nothing. (Ops never sent because the session was not connected are
//         failed by the client before it calls anything.)
//   info  a write whose fate is unknown: connection lost or session expired after sending, the
//         op's timeout, anything unexpected.

import type { Completion } from "../../harness/op.ts";
import { messageOf, unfinished } from "../client/planned-client.ts";
import { OpTimedOut } from "../client/timeout.ts";
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

export function zooKeeperOutcome(error: unknown, plan: { readOnly: boolean }): Completion {
  const message = messageOf(error);
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  if (!(error instanceof OpTimedOut) && typeof code === "number" && DEFINITE.has(code)) return { type: "fail", error: `refused by the server: ${message}` };
  return unfinished(plan, message);
}
