// What a Redis command that did not answer normally means for the history.
//
//   fail  nothing was sent: the connection was not ready (the client queues nothing offline);
//         the server refused the command with an error reply — READONLY (we reached a demoted
//         primary), NOREPLICAS (min-replicas-to-write), LOADING, … — a Redis command either runs
//         whole or answers an error without effect; and any read that did not answer, since a
//         read changes nothing.
//   info  a write whose connection closed or timed out after it was sent.

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
