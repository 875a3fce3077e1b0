// Where the textbook protocols put a key (twopc's participants, quorum's replicas): a key that ends
// in ":<integer>" starts at node integer mod N, so that numbered keys (the bank's accounts
// <namespace>:0 … :7, the register workload's keys) spread evenly over the nodes; any other key by
// its FNV-1a hash. Pure: both systems' cores use it.

/** Position in `nodes` of the first node that holds `key`. */
export function slotOf(key: string, nodeCount: number): number {
  if (nodeCount <= 0) throw new Error(`no node can hold key ${key}: the cluster has no nodes`);
  const numbered = /:(\d+)$/.exec(key);
  return numbered ? Number(numbered[1]) % nodeCount : fnv1a(key) % nodeCount;
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
