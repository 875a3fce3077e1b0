// Which participant holds a key: the textbook nodes' placement (clusters/textbook/placement.ts),
// one node per key.

import { slotOf } from "../../textbook/placement.ts";
import type { TxnOp } from "./types.ts";

export function ownerOf(key: string, nodes: readonly string[]): string {
  return nodes[slotOf(key, nodes.length)];
}

/** The transaction's ops by the participant that holds their keys, in the cluster's node order. */
export function opsByParticipant(ops: readonly TxnOp[], nodes: readonly string[]): Map<string, TxnOp[]> {
  const byNode = new Map<string, TxnOp[]>();
  for (const node of nodes) {
    const mine = ops.filter((op) => ownerOf(op.key, nodes) === node);
    if (mine.length > 0) byNode.set(node, mine);
  }
  return byNode;
}
