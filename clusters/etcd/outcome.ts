// What an etcd call that did not answer normally means for the history, by the gRPC status code
// the call ended with (https://grpc.github.io/grpc/core/md_doc_statuscodes.html; etcd3 turns each
// code into an error class) and etcd's own errors, which carry those codes
// (etcd's api/v3rpc/rpctypes/error.go: ErrGRPCNoLeader, ErrGRPCTimeout, … each with its code).
//
//   fail  the call never reached a member: UNAVAILABLE (14) raised by gRPC itself because it had
//         no connection to send it on ("No connection established", e.g. connection refused) —
//         etcd's "no leader" is UNAVAILABLE too, but after the member may have proposed the write,
//         so the code alone is not enough;
//         refused before any proposal: RESOURCE_EXHAUSTED (8: ErrGRPCTooManyRequests, checked in
//         the server before it proposes; ErrGRPCNoSpace, whose alarm makes the apply reject every
//         write) — the member could not serve (unavailable);
//         INVALID_ARGUMENT (3: a request etcd validates and rejects before proposing — too large,
//         duplicate key in a txn) — the system's answer about the request;
//         and any read that did not answer, since a read changes nothing.
//   info  everything else for writes. etcd may have proposed a write before it answers "no
//         leader", "request timed out" or "leader changed", and a timeout or a dropped
//         connection says nothing about whether it committed.

import { GRPCInvalidArgumentError, GRPCResourceExhastedError, GRPCUnavailableError } from "etcd3";
import type { Completion } from "../../harness/op.ts";
import { messageOf, unfinished } from "../client/planned-client.ts";
import { OpTimedOut } from "../client/timeout.ts";

/** grpc-js's own details for a call it could not send (no etcd message says this). */
const NEVER_SENT = /No connection established/;

export function etcdOutcome(error: unknown, plan: { readOnly: boolean }, node: string): Completion {
  const message = messageOf(error);
  if (error instanceof OpTimedOut) return unfinished(plan, message);
  if (error instanceof GRPCUnavailableError && NEVER_SENT.test(message)) return { type: "fail", error: `not sent: no connection to ${node}: ${message}` };
  if (error instanceof GRPCResourceExhastedError) return { type: "fail", error: `refused by ${node} before proposing (RESOURCE_EXHAUSTED): ${message}` };
  if (error instanceof GRPCInvalidArgumentError) return { type: "fail", answered: true, error: `rejected by ${node} as invalid (INVALID_ARGUMENT): ${message}` };
  return unfinished(plan, message);
}
