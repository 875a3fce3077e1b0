// Which participant holds a key. A key that ends in ":<integer>" lives on node integer mod N, so
// that the bank's accounts <namespace>:0 … :7 spread evenly over the participants (and a transfer
// between neighbours always spans two of them); any other key by its FNV-1a hash.

import type { TxnOp } from "./types.ts";

export function ownerOf(key: string, nodes: readonly string[]): string {
  if (nodes.length === 0) throw new Error(`no node can hold key ${key}: the cluster has no nodes`);
  const numbered = /:(\d+)$/.exec(key);
  const slot = numbered ? Number(numbered[1]) % nodes.length : fnv1a(key) % nodes.length;
  return nodes[slot];
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

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
