// The dependency graph in compressed sparse row form: node u's out-edges are
// targets[offsets[u] .. offsets[u+1]), each with the mask of every dependency kind known for that
// pair. Parallel edges are merged, so a search sees all reasons for a step at once.

import { type Allocator, HEAP_ALLOCATOR } from "./arena.ts";
import type { EdgeBuffer } from "./edges.ts";

export interface Graph {
  nodeCount: number;
  offsets: Int32Array;
  targets: Int32Array;
  kinds: Uint16Array;
}

/** Builds the CSR graph in O(nodes + edges): a counting sort by source, then an in-place pass
 *  merging parallel edges with a per-target stamp. */
export function buildGraph(nodeCount: number, edges: EdgeBuffer, alloc: Allocator = HEAP_ALLOCATOR): Graph {
  const offsets = alloc.int32(nodeCount + 1);
  const { from, to, kind, length } = edges;
  for (let i = 0; i < length; i++) offsets[from[i] + 1]++;
  for (let u = 0; u < nodeCount; u++) offsets[u + 1] += offsets[u];
  // The fill cursor doubles as the dedupe stamp afterwards.
  const cursor = alloc.int32(nodeCount);
  cursor.set(offsets.subarray(0, nodeCount));
  const targets = alloc.int32(length);
  const kinds = alloc.uint16(length);
  for (let i = 0; i < length; i++) {
    const at = cursor[from[i]]++;
    targets[at] = to[i];
    kinds[at] = kind[i];
  }

  const stamp = cursor.fill(0);
  const slot = alloc.int32(nodeCount);
  let write = 0;
  let start = 0;
  for (let u = 0; u < nodeCount; u++) {
    const end = offsets[u + 1];
    offsets[u] = write;
    const mark = u + 1;
    for (let i = start; i < end; i++) {
      const v = targets[i];
      if (stamp[v] === mark) {
        kinds[slot[v]] |= kinds[i];
      } else {
        stamp[v] = mark;
        slot[v] = write;
        targets[write] = v;
        kinds[write] = kinds[i];
        write++;
      }
    }
    start = end;
  }
  offsets[nodeCount] = write;
  return { nodeCount, offsets, targets: targets.subarray(0, write), kinds: kinds.subarray(0, write) };
}

/** Scratch space for induced subgraphs, allocated once per check and reused for every SCC. */
export class SubgraphScratch {
  readonly localId: Int32Array;

  constructor(nodeCount: number, alloc: Allocator = HEAP_ALLOCATOR) {
    this.localId = alloc.int32(nodeCount).fill(-1);
  }
}

/** The subgraph induced by `members` (global ids), renumbered 0..members.length-1 in that order. */
export function inducedSubgraph(graph: Graph, members: Int32Array, scratch: SubgraphScratch, alloc: Allocator = HEAP_ALLOCATOR): Graph {
  const { localId } = scratch;
  const n = members.length;
  for (let i = 0; i < n; i++) localId[members[i]] = i;
  const offsets = alloc.int32(n + 1);
  for (let i = 0; i < n; i++) {
    const u = members[i];
    let count = 0;
    for (let e = graph.offsets[u]; e < graph.offsets[u + 1]; e++) if (localId[graph.targets[e]] !== -1) count++;
    offsets[i + 1] = offsets[i] + count;
  }
  const targets = alloc.int32(offsets[n]);
  const kinds = alloc.uint16(offsets[n]);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const u = members[i];
    for (let e = graph.offsets[u]; e < graph.offsets[u + 1]; e++) {
      const local = localId[graph.targets[e]];
      if (local === -1) continue;
      targets[at] = local;
      kinds[at] = graph.kinds[e];
      at++;
    }
  }
  for (let i = 0; i < n; i++) localId[members[i]] = -1;
  return { nodeCount: n, offsets, targets, kinds };
}
