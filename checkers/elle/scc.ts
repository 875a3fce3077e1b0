// Strongly connected components (Tarjan), iterative with explicit stacks in typed arrays: a history
// of a million transactions makes dependency chains far deeper than the JS call stack allows.

import { type Allocator, HEAP_ALLOCATOR } from "./arena.ts";
import type { Graph } from "./graph.ts";

export interface Components {
  count: number;
  /** Component of each node. Tarjan numbers components in reverse topological order of the
   *  condensation: if component a reaches a different component b, then a > b. */
  component: Int32Array;
  /** Nodes per component. */
  size: Int32Array;
}

/** SCCs of `graph` restricted to edges whose kind mask intersects `mask`. */
export function stronglyConnected(graph: Graph, mask: number, alloc: Allocator = HEAP_ALLOCATOR): Components {
  const { nodeCount: n, offsets, targets, kinds } = graph;
  const index = alloc.int32(n).fill(-1);
  const low = alloc.int32(n);
  const onStack = alloc.uint8(n);
  const stack = alloc.int32(n);
  const callStack = alloc.int32(n);
  const cursor = alloc.int32(n);
  const component = alloc.int32(n);
  const sizes = alloc.int32(n);
  let counter = 0;
  let sp = 0;
  let count = 0;

  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    let cp = 0;
    index[root] = low[root] = counter++;
    stack[sp++] = root;
    onStack[root] = 1;
    cursor[root] = offsets[root];
    callStack[cp++] = root;
    while (cp > 0) {
      const v = callStack[cp - 1];
      const e = cursor[v];
      if (e < offsets[v + 1]) {
        cursor[v] = e + 1;
        if ((kinds[e] & mask) === 0) continue;
        const w = targets[e];
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          stack[sp++] = w;
          onStack[w] = 1;
          cursor[w] = offsets[w];
          callStack[cp++] = w;
        } else if (onStack[w] === 1 && index[w] < low[v]) {
          low[v] = index[w];
        }
        continue;
      }
      cp--;
      if (low[v] === index[v]) {
        let size = 0;
        let w: number;
        do {
          w = stack[--sp];
          onStack[w] = 0;
          component[w] = count;
          size++;
        } while (w !== v);
        sizes[count] = size;
        count++;
      }
      if (cp > 0) {
        const parent = callStack[cp - 1];
        if (low[v] < low[parent]) low[parent] = low[v];
      }
    }
  }
  return { count, component, size: sizes.subarray(0, count) };
}

/** The members of every component with at least two nodes (graphs here have no self-edges, so
 *  exactly the components that contain a cycle), each list in ascending node order. */
export function cyclicComponents(components: Components, alloc: Allocator = HEAP_ALLOCATOR): Int32Array[] {
  const { count, component, size } = components;
  const start = alloc.int32(count).fill(-1);
  let total = 0;
  for (let c = 0; c < count; c++) {
    if (size[c] < 2) continue;
    start[c] = total;
    total += size[c];
  }
  if (total === 0) return [];
  // One array for all members, one view per component.
  const members = alloc.int32(total);
  const fill = start.slice();
  for (let v = 0; v < component.length; v++) {
    const c = component[v];
    if (start[c] !== -1) members[fill[c]++] = v;
  }
  const lists: Int32Array[] = [];
  for (let c = 0; c < count; c++) if (start[c] !== -1) lists.push(members.subarray(start[c], start[c] + size[c]));
  return lists;
}
