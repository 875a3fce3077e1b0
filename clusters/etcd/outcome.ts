// What an etcd call that did not answer normally means for the history.
//
//   fail  the call never reached a member: gRPC had no connection to send it on ("No connection
//         established", e.g. connection refused); and any read that did not answer, since a
//         read changes nothing.
//   info  everything else for writes. etcd may have proposed a write before it answers "no
//         leader", "request timed out" or "leader changed", and a timeout or a dropped
//         connection says nothing about whether it committed.

import type { Completion } from "../../harness/op.ts";
import { messageOf, unfinished } from "../client/planned-client.ts";
import { OpTimedOut } from "../client/timeout.ts";

const NEVER_SENT = /No connection established/;

export function etcdOutcome(error: unknown, plan: { readOnly: boolean }, node: string): Completion {
  const message = messageOf(error);
  if (!(error instanceof OpTimedOut) && NEVER_SENT.test(message)) return { type: "fail", error: `not sent: no connection to ${node}: ${message}` };
  return unfinished(plan, message);
}
