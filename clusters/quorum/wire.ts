// Checks a peer message decoded from JSON (clusters/textbook/peer-link.ts) against the quorum
// core's message types, so that a frame from anything else is dropped with a reason.

import type { PeerMessage, Versioned } from "./core/types.ts";

const TYPES = new Set<PeerMessage["type"]>(["query", "queryReply", "store", "storeAck"]);

export function validatePeerMessage(value: unknown): PeerMessage {
  const message = record(value, "message");
  const type = message.type;
  if (typeof type !== "string" || !TYPES.has(type as PeerMessage["type"])) throw new Error(`unknown message type ${JSON.stringify(type)}`);
  for (const field of ["from", "to", "op", "key"]) if (typeof message[field] !== "string" || message[field] === "") throw new Error(`${type} has no ${field}`);
  if (type === "queryReply" || type === "store") checkCopy(message.copy, `${type}'s copy`);
  // Every field the core reads was checked above.
  return message as unknown as PeerMessage;
}

function checkCopy(value: unknown, what: string): asserts value is Versioned {
  const copy = record(value, what);
  const tag = record(copy.tag, `${what}'s tag`);
  if (typeof tag.counter !== "number" || !Number.isSafeInteger(tag.counter) || tag.counter < 0) throw new Error(`${what}'s tag has no counter`);
  if (typeof tag.writer !== "string") throw new Error(`${what}'s tag has no writer`);
  if (copy.value !== null && (typeof copy.value !== "number" || !Number.isFinite(copy.value))) throw new Error(`${what}'s value is ${JSON.stringify(copy.value)}, not a number or null`);
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error(`${what} is not an object`);
  return value as Record<string, unknown>;
}
