// Session and real-time order between transactions.
//
// Real time: T1 < T2 whenever T1 completed (ok) before T2 was invoked. Linking every such pair is
// quadratic, and even Elle's transitive reduction (link each invoke to the completions no later
// completion supersedes) costs one edge per concurrent process per transaction. We go one step
// further and route real time through "time nodes": one node per run of completions between two
// invokes, chained in history order. A completion links to the current time node, each time node
// to the next, and an invoke is linked from the latest time node. T1 reaches T2 through the chain
// exactly when T1 completed before T2 was invoked, so paths (and so cycles) are the same as with
// all the pairwise edges, at three edges per transaction. Cycle search collapses a run through
// time nodes back into one realtime step.

import { type EdgeBuffer, PROCESS, REALTIME } from "./edges.ts";
import { OK, type Txns } from "./txns.ts";

/** Successive committed transactions of one process (Elle links only oks: a process that gets
 *  `info` is retired, and a failed transaction has no place in the order). */
export function addProcessEdges(txns: Txns, edges: EdgeBuffer): number {
  const last = new Map<number, number>();
  let added = 0;
  for (let t = 0; t < txns.count; t++) {
    if (txns.type[t] !== OK || txns.process[t] === -1) continue;
    const previous = last.get(txns.process[t]);
    if (previous !== undefined) {
      edges.add(previous, t, PROCESS);
      added++;
    }
    last.set(txns.process[t], t);
  }
  return added;
}

/** Adds real-time order through time nodes numbered from `firstTimeNode`; returns how many time
 *  nodes it created. Only committed transactions precede anything: one that failed did not
 *  happen, and one whose outcome is unknown may have taken effect at any later time. */
export function addRealtimeEdges(txns: Txns, edges: EdgeBuffer, firstTimeNode: number): number {
  const { eventAt, type } = txns;
  let current = -1;
  let next = firstTimeNode;
  let invokedSinceCurrent = true;
  for (let pos = 0; pos < eventAt.length; pos++) {
    const event = eventAt[pos];
    if (event === -1) continue;
    const t = event >> 1;
    if ((event & 1) === 0) {
      if (current !== -1) {
        edges.add(current, t, REALTIME);
        invokedSinceCurrent = true;
      }
      continue;
    }
    if (type[t] !== OK) continue;
    if (invokedSinceCurrent) {
      const node = next++;
      if (current !== -1) edges.add(current, node, REALTIME);
      current = node;
      invokedSinceCurrent = false;
    }
    edges.add(t, current, REALTIME);
  }
  return next - firstTimeNode;
}
