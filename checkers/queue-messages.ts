// Messages as both queue checkers (queue.ts, partitioned-log.ts) see them: what identifies one
// (keyOf), what an enqueue carries, every enqueue of each message with its outcome, and whether an
// observation of a message could have come from an enqueue that had begun by then.

import type { OpPair } from "../harness/history/pairs.ts";
import { outcomeOf } from "./evidence.ts";

export type MessageKey = string | number;

export function keyOf(message: unknown): MessageKey {
  return typeof message === "number" || typeof message === "string" ? message : `json:${JSON.stringify(message)}`;
}

/** The message an enqueue carries: its invoke value, unwrapped from {value} when wrapped. */
function messageOf(invokeValue: unknown): unknown {
  return typeof invokeValue === "object" && invokeValue !== null && !Array.isArray(invokeValue) && "value" in invokeValue ? (invokeValue as { value: unknown }).value : invokeValue;
}

export interface Enqueues {
  message: unknown;
  /** Enqueues that did not definitely fail, in invocation order. */
  attempts: OpPair[];
  acknowledged: OpPair[];
  failed: OpPair[];
}

export function collectEnqueues(pairs: readonly OpPair[]): Map<MessageKey, Enqueues> {
  const enqueues = new Map<MessageKey, Enqueues>();
  for (const pair of pairs) {
    if (pair.invoke.f !== "enqueue") continue;
    const message = messageOf(pair.invoke.value);
    const key = keyOf(message);
    let entry = enqueues.get(key);
    if (!entry) enqueues.set(key, (entry = { message, attempts: [], acknowledged: [], failed: [] }));
    const outcome = outcomeOf(pair);
    if (outcome === "fail") entry.failed.push(pair);
    else entry.attempts.push(pair);
    if (outcome === "ok") entry.acknowledged.push(pair);
  }
  return enqueues;
}

/** Did some enqueue of this message that did not fail begin before `completionIndex`? */
export function explained(entry: Enqueues | undefined, completionIndex: number): boolean {
  return entry !== undefined && entry.attempts.some((pair) => pair.invoke.index < completionIndex);
}

/** Messages some enqueue may have delivered (one did not fail), and messages one was acknowledged for. */
export function countMessages(enqueues: ReadonlyMap<MessageKey, Enqueues>): { attempted: number; acknowledged: number } {
  let attempted = 0;
  let acknowledged = 0;
  for (const entry of enqueues.values()) {
    if (entry.attempts.length > 0) attempted++;
    if (entry.acknowledged.length > 0) acknowledged++;
  }
  return { attempted, acknowledged };
}
