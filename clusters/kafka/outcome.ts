// What a Kafka call that did not answer normally means for the history, by Kafka's error codes
// (https://kafka.apache.org/protocol#protocol_error_codes) and kafkajs's error classes.
//
//   fail  the request was never sent: kafkajs could not connect (refused, connect timeout, no
//         connection, no metadata for the topic or no broker for the partition);
//         or the broker refused the produce before appending it: NOT_LEADER_OR_FOLLOWER (6),
//         UNKNOWN_TOPIC_OR_PARTITION (3), LEADER_NOT_AVAILABLE (5), NOT_ENOUGH_REPLICAS (19:
//         "Messages are rejected since there are fewer in-sync replicas than required"),
//         MESSAGE_TOO_LARGE (10), RECORD_LIST_TOO_LARGE (18), INVALID_REQUIRED_ACKS (21),
//         CORRUPT_MESSAGE (2), INVALID_RECORD (87), UNSUPPORTED_VERSION (35) — refused by the
//         system's answer (`answered`), except the leadership ones, which say the node asked
//         cannot serve;
//         and any poll or drain that did not finish (reading changes nothing).
//   info  everything else for a send: REQUEST_TIMED_OUT (7) and NOT_ENOUGH_REPLICAS_AFTER_APPEND
//         (20) come after the leader appended the message, which may yet be replicated and
//         committed; a connection that closed or timed out after the request went out says
//         nothing about whether it was appended.

import type { Completion } from "../../harness/op.ts";
import { messageOf, unfinished } from "../client/planned-client.ts";
import { OpTimedOut } from "../client/timeout.ts";

/** Refused by the broker before any append. true: an answer about the request itself; false: the
 *  broker could not serve it (no leadership here), which counts as unavailability. */
const REFUSED_BEFORE_APPEND: Readonly<Record<number, boolean>> = {
  2: true, // CORRUPT_MESSAGE
  3: false, // UNKNOWN_TOPIC_OR_PARTITION
  5: false, // LEADER_NOT_AVAILABLE
  6: false, // NOT_LEADER_OR_FOLLOWER
  10: true, // MESSAGE_TOO_LARGE
  18: true, // RECORD_LIST_TOO_LARGE
  19: false, // NOT_ENOUGH_REPLICAS
  21: true, // INVALID_REQUIRED_ACKS
  35: true, // UNSUPPORTED_VERSION
  87: true, // INVALID_RECORD
};

/** kafkajs errors that mean nothing was sent: no connection could be made, or there was nothing to
 *  send it to. Connection errors after connecting (ECONNRESET, "Closed connection") are not here. */
const NOT_SENT_NAMES = new Set(["KafkaJSBrokerNotFound", "KafkaJSMetadataNotLoaded", "KafkaJSTopicMetadataNotLoaded", "KafkaJSStaleTopicMetadataAssignment"]);
const CONNECT_FAILURES = /^(Connection timeout|Not connected|Failed to connect|Connection error: connect )/;

interface KafkaJsError {
  name?: string;
  message?: string;
  type?: string;
  code?: number | string;
  cause?: unknown;
}

/** The innermost error kafkajs wrapped (retriers wrap the broker's error in `cause`). */
export function rootError(error: unknown): KafkaJsError {
  let current = error as KafkaJsError;
  for (let depth = 0; depth < 5 && current?.cause && typeof current.cause === "object" && current.cause !== current; depth++) current = current.cause as KafkaJsError;
  return current ?? {};
}

export function kafkaOutcome(error: unknown, plan: { readOnly: boolean }, node: string): Completion {
  const message = messageOf(error);
  if (error instanceof OpTimedOut) return unfinished(plan, message);
  const root = rootError(error);
  const rootMessage = root.message ?? message;
  if (root.name === "KafkaJSProtocolError" && typeof root.code === "number" && Object.hasOwn(REFUSED_BEFORE_APPEND, root.code)) {
    const error = `refused by the broker before appending: ${root.type} (${root.code}): ${rootMessage}`;
    return REFUSED_BEFORE_APPEND[root.code] ? { type: "fail", answered: true, error } : { type: "fail", error };
  }
  if ((root.name !== undefined && NOT_SENT_NAMES.has(root.name)) || (root.name?.startsWith("KafkaJSConnection") && CONNECT_FAILURES.test(rootMessage))) {
    return { type: "fail", error: `not sent: no connection to the partition's leader (client of ${node}): ${rootMessage}` };
  }
  const detail = root.name === "KafkaJSProtocolError" ? `${root.type} (${root.code}): ${rootMessage}` : rootMessage;
  return unfinished(plan, detail);
}
