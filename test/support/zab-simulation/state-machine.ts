// The simulated shell's state machine. It keeps no data, only how many proposals it delivered,
// the last one's zxid and a digest of all of them in order: two servers that delivered the same
// proposals agree on it, and a snapshot is the three numbers.

import type { Proposal } from "../../../clusters/zab/core/types.ts";
import type { Zxid } from "../../../clusters/zab/core/zxid.ts";
import { proposalKey } from "./describe.ts";

const decoder = new TextDecoder();
const encoder = new TextEncoder();

export interface StateMachine {
  /** Proposals delivered: this one's position in the total order is count. */
  count: number;
  lastZxid: Zxid;
  digest: number;
}

export const EMPTY_STATE_MACHINE: StateMachine = { count: 0, lastZxid: 0n, digest: 0 };

export function deliver(stateMachine: StateMachine, proposal: Proposal): StateMachine {
  return { count: stateMachine.count + 1, lastZxid: proposal.zxid, digest: extendDigest(stateMachine.digest, proposalKey(proposal)) };
}

/** FNV-1a over the previous digest and the proposal key. */
function extendDigest(digest: number, key: string): number {
  let hash = digest ^ 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export function encodeStateMachine(stateMachine: StateMachine): Uint8Array {
  return encoder.encode(JSON.stringify({ count: stateMachine.count, lastZxid: stateMachine.lastZxid.toString(), digest: stateMachine.digest }));
}

export function decodeStateMachine(data: Uint8Array): StateMachine {
  const parsed: unknown = JSON.parse(decoder.decode(data));
  if (typeof parsed !== "object" || parsed === null) throw new Error("snapshot data is not a state machine");
  const { count, lastZxid, digest } = parsed as Record<string, unknown>;
  if (typeof count !== "number" || typeof lastZxid !== "string" || typeof digest !== "number") throw new Error("snapshot data is not a state machine");
  return { count, lastZxid: BigInt(lastZxid), digest };
}
