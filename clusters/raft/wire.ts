// How core messages travel between nodes: JSON in a frame payload, with byte arrays (entry data,
// snapshot data) as base64 under a "$bytes" key, since JSON has no binary type.

import type { Message } from "./core/types.ts";

const MESSAGE_TYPES = new Set<string>([
  "appendEntries",
  "appendEntriesResponse",
  "heartbeat",
  "heartbeatResponse",
  "requestVote",
  "requestVoteResponse",
  "installSnapshot",
]);

export function encodeMessage(message: Message): Buffer {
  // The holder's raw value, not `value`: a Buffer's toJSON has already run by the time `value` is seen.
  const replacer = function (this: Record<string, unknown>, key: string, value: unknown): unknown {
    const raw = this[key];
    return raw instanceof Uint8Array ? { $bytes: Buffer.from(raw.buffer, raw.byteOffset, raw.length).toString("base64") } : value;
  };
  return Buffer.from(JSON.stringify(message, replacer), "utf8");
}

/** Decodes a payload from a peer; throws with a description when it is not a core message. */
export function decodeMessage(payload: Buffer): Message {
  const parsed: unknown = JSON.parse(payload.toString("utf8"), (_key, value: unknown) => {
    if (typeof value === "object" && value !== null && "$bytes" in value && typeof value.$bytes === "string") {
      return new Uint8Array(Buffer.from(value.$bytes, "base64"));
    }
    return value;
  });
  if (typeof parsed !== "object" || parsed === null) throw new Error("peer message is not a JSON object");
  const candidate = parsed as Record<string, unknown>;
  if (typeof candidate.type !== "string" || !MESSAGE_TYPES.has(candidate.type)) throw new Error(`peer message has unknown type ${String(candidate.type)}`);
  for (const field of ["from", "to", "term"]) {
    if (!Number.isSafeInteger(candidate[field])) throw new Error(`peer ${candidate.type} message has no integer '${field}'`);
  }
  return parsed as Message;
}
