// The simulated shell's state machine. It keeps no data, only a digest of every entry applied
// in order: two nodes that applied the same entries agree on it, and a snapshot is the digest.

import type { Entry } from "../../../clusters/raft/core/types.ts";
import { entryKey } from "./describe.ts";

const decoder = new TextDecoder();
const encoder = new TextEncoder();

export interface StateMachine {
  applied: number;
  digest: number;
}

/** The state machine after applying `entry`, which must come right after `applied`. */
export function apply(stateMachine: StateMachine, entry: Entry): StateMachine {
  return { applied: entry.index, digest: extendDigest(stateMachine.digest, entryKey(entry)) };
}

/** FNV-1a over the previous digest and the entry key: the state machine's content in one word. */
function extendDigest(digest: number, key: string): number {
  let hash = digest ^ 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export function encodeStateMachine(stateMachine: StateMachine): Uint8Array {
  return encoder.encode(JSON.stringify(stateMachine));
}

export function decodeStateMachine(data: Uint8Array): StateMachine {
  const parsed: unknown = JSON.parse(decoder.decode(data));
  if (typeof parsed !== "object" || parsed === null) throw new Error("snapshot data is not a state machine");
  const { applied, digest } = parsed as Record<string, unknown>;
  if (typeof applied !== "number" || typeof digest !== "number") throw new Error("snapshot data is not a state machine");
  return { applied, digest };
}
