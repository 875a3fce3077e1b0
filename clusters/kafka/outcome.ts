// What a Kafka call that did not answer normally means for the history, by Kafka's error codes
// (https://kafka.apache.org/protocol#protocol_error_codes), kafkajs's error classes, and whether
// the op wrote a produce request (produce-writes.ts).
//
//   fail  a send the broker refused before appending it, by its answer to the produce request:
//         NOT_LEADER_OR_FOLLOWER (6), NOT_ENOUGH_REPLICAS (19: "Messages are rejected since there
//         are fewer in-sync replicas than required"), MESSAGE_TOO_LARGE (10),
//         RECORD_LIST_TOO_LARGE (18), INVALID_REQUIRED_ACKS (21), CORRUPT_MESSAGE (2),
//         INVALID_RECORD (87), UNSUPPORTED_VERSION (35) — refused by the system's answer
//         (`answered`), except the leadership ones, which say the node asked cannot serve;
//         a send that wrote no produce request and ended without a connection or without
//         metadata (refused, connect timeout, no broker for the partition, UNKNOWN_TOPIC_OR_PARTITION
//         (3) or LEADER_NOT_AVAILABLE (5) in a metadata answer): nothing was sent;
//         and any poll or drain that did not finish (reading changes nothing).
//   info  everything else for a send. REQUEST_TIMED_OUT (7) and NOT_ENOUGH_REPLICAS_AFTER_APPEND
//         (20) come after the leader appended the message, which may yet be replicated and
//         committed; a connection that closed or timed out after the request went out says
//         nothing about whether it was appended. And once a produce request was written, even a
//         refused connection or a metadata error proves nothing: when a produce fails, kafkajs
//         (producer/sendMessages.js) reconnects the cluster and refreshes its metadata before it
//         rethrows, and an error there replaces the produce's own. Seen in CI: a send to a leader
//         killed just after it appended the message (acks=all) ended "connect ECONNREFUSED", and
//         the message was polled later.

import type { Completion } from "../../harness/op.ts";
import { messageOf, unfinished } from "../client/planned-client.ts";
import { OpTimedOut } from "../client/timeout.ts";

/** Refused by the broker before any append, in its answer to the produce request (codes a metadata
 *  answer never carries, so kafkajs's refresh cannot have put them there). true: an answer about
 *  the request itself; false: the broker could not serve it (no leadership here), which counts as
 *  unavailability. */
const REFUSED_BEFORE_APPEND: Readonly<Record<number, boolean>> = {
  2: true, // CORRUPT_MESSAGE
  6: false, // NOT_LEADER_OR_FOLLOWER
  10: true, // MESSAGE_TOO_LARGE
  18: true, // RECORD_LIST_TOO_LARGE
  19: false, // NOT_ENOUGH_REPLICAS
  21: true, // INVALID_REQUIRED_ACKS
  35: true, // UNSUPPORTED_VERSION
  87: true, // INVALID_RECORD
};

/** Errors of a client that could not reach a broker or did not know where to send: proof that
 *  nothing was sent only when the op wrote no produce request. */
const NO_ROUTE_NAMES = new Set(["KafkaJSBrokerNotFound", "KafkaJSMetadataNotLoaded", "KafkaJSTopicMetadataNotLoaded", "KafkaJSStaleTopicMetadataAssignment"]);
const CONNECT_FAILURES = /^(Connection timeout|Not connected|Failed to connect|Connection error: connect )/;
/** UNKNOWN_TOPIC_OR_PARTITION, LEADER_NOT_AVAILABLE: a metadata answer's as much as a produce's. */
const NO_LEADER_CODES = new Set([3, 5]);

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

/** `produceWritten`: whether this op wrote a produce request (for a read, irrelevant). */
export function kafkaOutcome(error: unknown, plan: { readOnly: boolean }, node: string, produceWritten: boolean): Completion {
  const message = messageOf(error);
  if (error instanceof OpTimedOut) return unfinished(plan, message);
  const root = rootError(error);
  const rootMessage = root.message ?? message;
  const protocolCode = root.name === "KafkaJSProtocolError" && typeof root.code === "number" ? root.code : undefined;
  if (protocolCode !== undefined && Object.hasOwn(REFUSED_BEFORE_APPEND, protocolCode)) {
    const error = `refused by the broker before appending: ${root.type} (${protocolCode}): ${rootMessage}`;
    return REFUSED_BEFORE_APPEND[protocolCode] ? { type: "fail", answered: true, error } : { type: "fail", error };
  }
  const noRoute =
    (root.name !== undefined && NO_ROUTE_NAMES.has(root.name)) ||
    (root.name?.startsWith("KafkaJSConnection") === true && CONNECT_FAILURES.test(rootMessage)) ||
    (protocolCode !== undefined && NO_LEADER_CODES.has(protocolCode));
  const detail = protocolCode !== undefined ? `${root.type} (${protocolCode}): ${rootMessage}` : rootMessage;
  if (noRoute && !produceWritten) return { type: "fail", error: `not sent: no produce request was written (client of ${node}): ${detail}` };
  return unfinished(plan, noRoute ? `${detail} (client of ${node}; after a produce request was written, so it may have been appended)` : `${detail} (client of ${node})`);
}
