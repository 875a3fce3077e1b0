// What our own nodes tell a watching harness as it happens, so that a fault can strike at the
// moment that matters (a leader just elected, an entry appended but not yet committed) instead of
// on a timer. The vocabulary is the protocol's, not Raft's: a ZAB node's epoch is a term, its zxid
// counter an index, a twopc node's incarnation a term. Each event is one JSON object; how it
// travels is the node's (our Raft and twopc nodes publish on the RESP channel EVENTS_CHANNEL:
// SUBSCRIBE in redis-cli shows them).

import type { NodeEvent } from "../system.ts";

export const EVENTS_CHANNEL = "faultline-events";

/** An event as a node sends it (the harness adds its node name and arrival time). */
export type EmittedEvent = Omit<NodeEvent, "node" | "receivedMs">;

export function encodeEvent(event: EmittedEvent): string {
  return JSON.stringify(event);
}

const KINDS: readonly NodeEvent["kind"][] = ["elected", "appended", "acknowledged", "committed", "prepared", "decided"];

/** The event in `text`, or undefined when it is not one. */
export function decodeEvent(text: string): EmittedEvent | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null) return undefined;
  const event = parsed as Partial<EmittedEvent>;
  if (!KINDS.includes(event.kind as NodeEvent["kind"]) || typeof event.term !== "number") return undefined;
  return event as EmittedEvent;
}
