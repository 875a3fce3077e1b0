// What an etcd call that did not answer normally means for the history.
//
//   fail  the call never reached a member: gRPC had no connection to send it on ("No connection
//         established", e.g. connection refused); and any read that did not answer, since a
//         read changes nothing.
//   info  everything else for writes. etcd may have proposed a write before it answers "no
//         leader", "request timed out" or "leader changed", and a timeout or a dropped
//         connection says nothing about whether it committed.

import type { Completion, Invocation } from "../../harness/op.ts";
import { OpTimedOut } from "../client-timeout.ts";

export { OpTimedOut };

const NEVER_SENT = /No connection established/;

export function isReadOnly(op: Invocation): boolean {
  return op.f === "read";
}

export function completionForError(op: Invocation, error: unknown, node: string): Completion {
  const message = error instanceof Error ? error.message : String(error);
  if (!(error instanceof OpTimedOut) && NEVER_SENT.test(message)) {
    return { type: "fail", node, error: `not sent: no connection to ${node}: ${message}` };
  }
  if (isReadOnly(op)) return { type: "fail", node, error: `read did not complete (a read changes nothing): ${message}` };
  return { type: "info", node, error: `outcome unknown: ${message}` };
}
