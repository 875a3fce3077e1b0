// What a Redis command that did not answer normally means for the history.
//
//   fail  nothing was sent: the connection was not ready (the client queues nothing offline);
//         the server refused the command with an error reply — READONLY (we reached a demoted
//         primary), NOREPLICAS (min-replicas-to-write), LOADING, … — a Redis command either runs
//         whole or answers an error without effect; and any read that did not answer, since a
//         read changes nothing.
//   info  a write whose connection closed or timed out after it was sent.
//
// Redis's protocol specification ("Simple errors"): an error reply's first word is its kind —
// READONLY, NOREPLICAS, LOADING, MASTERDOWN, BUSY, ERR — and a command that answers one was not
// executed. The two scripts here (cas, release) make their only write last, so an error raised in
// them (READONLY on a demoted primary) comes before anything was written (Redis does not roll a
// script back, which is why that order matters). ioredis raises every error reply as ReplyError.

import type { Completion } from "../../harness/op.ts";
import { messageOf, unfinished } from "../client/planned-client.ts";
import { OpTimedOut } from "../client/timeout.ts";

/** ioredis's words for a command it refused to send because the connection was not writable. */
const NEVER_SENT = /enableOfflineQueue options is false|Stream isn't writeable/;

export function redisOutcome(error: unknown, plan: { readOnly: boolean }): Completion {
  const message = messageOf(error);
  if (!(error instanceof OpTimedOut)) {
    if (error instanceof Error && error.name === "ReplyError") return { type: "fail", error: `refused by the server: ${message}` };
    if (NEVER_SENT.test(message)) return { type: "fail", error: `not sent: ${message}` };
  }
  return unfinished(plan, message);
}
