// Finds the most specific anomaly in each strongly connected component of the dependency graph.
//
// Every search but one is linear and complete, by anchoring on an edge the anomaly must contain:
//   - G0 / G1c (and -process / -realtime): SCCs of the graph restricted to the allowed kinds; an
//     anchor edge (a wr for G1c, a process or real-time step for the variants) inside one of
//     them closes a cycle through the BFS path back. Searching G0 before G1c, and data-only before
//     the variants, makes the anchor enough: had a cycle without the wanted kind existed, the
//     earlier search would have found it and this type would be implied.
//   - G-nonadjacent: SCCs of a product graph whose nodes remember whether the last step was rw and
//     which has no rw step out of an "after rw" node; a cycle there is a closed walk whose rw steps
//     are never adjacent (Cerone & Gotsman's characterisation of what SI forbids).
//   - G2-item: an rw edge inside an SCC of the full data graph.
// G-single (exactly one rw edge) is a reachability question per rw edge; its second phase is the
// only search with a budget. When it runs out, the component is reported as cycle-search-timeout
// — unless the complete G-nonadjacent search then finds nothing, which proves no G-single exists
// either (a G-single is a nonadjacent cycle), or finds a single-rw cycle itself.

import { classifyCycle, CYCLE_TYPES, type Classification } from "./classify.ts";
import {
  ANY_RW,
  PROCESS,
  PROCESS_KINDS,
  REALTIME,
  REALTIME_KINDS,
  RW,
  RW_PROCESS,
  RW_REALTIME,
  WR,
  WW,
  WW_PROCESS,
  WW_REALTIME,
} from "./edges.ts";
import { type Allocator, HEAP_ALLOCATOR } from "./arena.ts";
import { type Graph, type SubgraphScratch, inducedSubgraph } from "./graph.ts";
import { impliedAnomalies } from "./models.ts";
import { stronglyConnected } from "./scc.ts";

export interface FoundCycle extends Classification {
  /** Transactions in cycle order: kinds[i] leads from txns[i] to txns[i + 1] (cyclically). */
  txns: number[];
}

export interface SearchTimeout {
  type: "cycle-search-timeout";
  anomalySpecType: string;
  doesNotContain: string[];
  sccSize: number;
}

export interface SccReport {
  /** Transactions in the component (time nodes not counted). */
  size: number;
  cycles: FoundCycle[];
  timeouts: SearchTimeout[];
}

export interface SearchOptions {
  /** Transactions are nodes 0..txnCount-1; higher ids are time nodes. */
  txnCount: number;
  /** Which order variants the graph carries edges for. */
  process: boolean;
  realtime: boolean;
  /** performance.now() after which the budgeted search gives up. */
  deadline: number;
}

interface Masks {
  nonRw: number;
  rw: number;
  /** Edges a G0/G1c-family cycle of this type must include at least one of. */
  anchor: number;
}

function masksFor(type: string): Masks {
  const variant = type.endsWith("-realtime") ? "realtime" : type.endsWith("-process") ? "process" : "";
  const extraNonRw =
    variant === "realtime" ? PROCESS | WW_PROCESS | REALTIME | WW_REALTIME : variant === "process" ? PROCESS | WW_PROCESS : 0;
  const extraRw = variant === "realtime" ? RW_PROCESS | RW_REALTIME : variant === "process" ? RW_PROCESS : 0;
  const variantAnchor = variant === "realtime" ? REALTIME | WW_REALTIME : PROCESS | WW_PROCESS;
  const family = type.replace(/-(process|realtime)$/, "");
  if (family === "G0") return { nonRw: WW | extraNonRw, rw: 0, anchor: variant === "" ? WW : variantAnchor };
  if (family === "G1c") return { nonRw: WW | WR | extraNonRw, rw: 0, anchor: variant === "" ? WR : variantAnchor };
  return { nonRw: WW | WR | extraNonRw, rw: RW | extraRw, anchor: RW | extraRw };
}

/** A path as the edges it takes: node sequence plus the mask each step may be read as. */
interface Walk {
  nodes: number[];
  masks: number[];
}

class Bfs {
  readonly prevEdge: Int32Array;
  readonly prevNode: Int32Array;
  readonly queue: Int32Array;
  readonly stamp: Int32Array;
  private generation = 0;

  constructor(nodeCount: number, alloc: Allocator) {
    this.prevEdge = alloc.int32(nodeCount);
    this.prevNode = alloc.int32(nodeCount);
    this.queue = alloc.int32(nodeCount);
    this.stamp = alloc.int32(nodeCount);
  }

  /** Shortest path src ⇝ dst over edges in `mask` whose endpoints satisfy `allowed` (by node), or
   *  null. With `deadline`, gives up (throws BudgetSpent) once performance.now() passes it. */
  path(graph: Graph, src: number, dst: number, mask: number, allowed: (node: number) => boolean, deadline?: number): Walk | null {
    const mark = ++this.generation;
    const { offsets, targets, kinds } = graph;
    let head = 0;
    let tail = 0;
    this.queue[tail++] = src;
    this.stamp[src] = mark;
    while (head < tail) {
      if (deadline !== undefined && (head & 4095) === 4095 && performance.now() > deadline) throw BUDGET_SPENT;
      const u = this.queue[head++];
      for (let e = offsets[u]; e < offsets[u + 1]; e++) {
        if ((kinds[e] & mask) === 0) continue;
        const v = targets[e];
        if (this.stamp[v] === mark || !allowed(v)) continue;
        this.stamp[v] = mark;
        this.prevEdge[v] = e;
        this.prevNode[v] = u;
        if (v === dst) return this.walkTo(graph, src, dst, mask);
        this.queue[tail++] = v;
      }
    }
    return null;
  }

  /** Marks everything reachable from src (for the G-single second phase); returns the mark. */
  reach(graph: Graph, src: number, mask: number, allowed: (node: number) => boolean, deadline: number): number {
    const mark = ++this.generation;
    const { offsets, targets, kinds } = graph;
    let head = 0;
    let tail = 0;
    this.queue[tail++] = src;
    this.stamp[src] = mark;
    while (head < tail) {
      if ((head & 4095) === 4095 && performance.now() > deadline) throw BUDGET_SPENT;
      const u = this.queue[head++];
      for (let e = offsets[u]; e < offsets[u + 1]; e++) {
        if ((kinds[e] & mask) === 0) continue;
        const v = targets[e];
        if (this.stamp[v] === mark || !allowed(v)) continue;
        this.stamp[v] = mark;
        this.prevEdge[v] = e;
        this.prevNode[v] = u;
        this.queue[tail++] = v;
      }
    }
    return mark;
  }

  walkTo(graph: Graph, src: number, dst: number, mask: number): Walk {
    const nodes: number[] = [];
    const masks: number[] = [];
    for (let v = dst; v !== src; v = this.prevNode[v]) {
      nodes.push(this.prevNode[v]);
      masks.push(graph.kinds[this.prevEdge[v]] & mask);
    }
    nodes.reverse();
    masks.reverse();
    return { nodes, masks };
  }

  reached(node: number, mark: number): boolean {
    return this.stamp[node] === mark;
  }
}

const BUDGET_SPENT = new Error("cycle search budget spent");

/** Searches one cyclic component (global node ids, ascending) for every anomaly type it holds.
 *  Its working arrays come from `alloc` and are dead once it returns (a resettable arena suits). */
export function searchComponent(
  graph: Graph,
  members: Int32Array,
  scratch: SubgraphScratch,
  opts: SearchOptions,
  alloc: Allocator = HEAP_ALLOCATOR,
): SccReport {
  const local = inducedSubgraph(graph, members, scratch, alloc);
  let size = 0;
  for (const m of members) if (m < opts.txnCount) size++;
  const report: SccReport = { size, cycles: [], timeouts: [] };
  const bfs = new Bfs(local.nodeCount, alloc);
  const found = new Set<string>();
  const searched: string[] = [];
  const timedOut = new Set<string>();
  const pendingTimeouts = new Map<string, SearchTimeout>();
  let kindsPresent = 0;
  for (let e = 0; e < local.kinds.length; e++) kindsPresent |= local.kinds[e];

  for (const type of CYCLE_TYPES) {
    // A variant needs at least one of its own edges; without any it would repeat the base search.
    if (type.endsWith("-process") && (!opts.process || (kindsPresent & PROCESS_KINDS) === 0)) continue;
    if (type.endsWith("-realtime") && (!opts.realtime || (kindsPresent & REALTIME_KINDS) === 0)) continue;
    if (impliedAnomalies(found).has(type)) continue;
    const masks = masksFor(type);
    const family = type.replace(/-(process|realtime)$/, "");
    let walk: Walk | null;
    if (family === "G0" || family === "G1c") walk = anchoredCycle(local, bfs, masks.nonRw, masks.anchor, alloc);
    else if (family === "G-single") {
      const result = singleRwCycle(local, bfs, masks, opts.deadline, alloc);
      if (result === "timeout") {
        timedOut.add(type);
        pendingTimeouts.set(type, {
          type: "cycle-search-timeout",
          anomalySpecType: type,
          doesNotContain: searched.filter((t) => !found.has(t) && !timedOut.has(t)),
          sccSize: size,
        });
        walk = null;
      } else walk = result;
    } else if (family === "G-nonadjacent") {
      walk = nonadjacentCycle(local, masks, alloc);
      const singleType = type.replace("G-nonadjacent", "G-single");
      if (walk === null) pendingTimeouts.delete(singleType);
    } else walk = anchoredCycle(local, bfs, masks.nonRw | masks.rw, masks.rw, alloc);
    searched.push(type);
    if (walk === null) continue;
    const cycle = toTxnCycle(walk, members, opts.txnCount);
    if (found.has(cycle.type)) continue;
    found.add(cycle.type);
    report.cycles.push(cycle);
    pendingTimeouts.delete(cycle.type);
  }
  report.timeouts.push(...pendingTimeouts.values());
  return report;
}

/** A cycle over `allow` edges through some `anchor` edge, if one exists. */
function anchoredCycle(graph: Graph, bfs: Bfs, allow: number, anchor: number, alloc: Allocator): Walk | null {
  const { component } = stronglyConnected(graph, allow, alloc);
  const { offsets, targets, kinds } = graph;
  for (let u = 0; u < graph.nodeCount; u++) {
    for (let e = offsets[u]; e < offsets[u + 1]; e++) {
      if ((kinds[e] & anchor) === 0) continue;
      const v = targets[e];
      if (component[v] !== component[u]) continue;
      const c = component[u];
      const back = bfs.path(graph, v, u, allow, (node) => component[node] === c);
      if (back === null) throw new Error("no path back inside a strongly connected component");
      return { nodes: [u, ...back.nodes], masks: [kinds[e] & anchor, ...back.masks] };
    }
  }
  return null;
}

/** An rw edge u → v plus a path v ⇝ u without rw edges: a cycle with exactly one anti-dependency. */
function singleRwCycle(graph: Graph, bfs: Bfs, masks: Masks, deadline: number, alloc: Allocator): Walk | null | "timeout" {
  const { offsets, targets, kinds } = graph;
  const { component } = stronglyConnected(graph, masks.nonRw, alloc);
  const rwFrom: number[] = [];
  const rwEdge: number[] = [];
  // Phase 1, linear: both ends already mutually reachable without rw.
  for (let u = 0; u < graph.nodeCount; u++) {
    for (let e = offsets[u]; e < offsets[u + 1]; e++) {
      if ((kinds[e] & masks.rw) === 0) continue;
      const v = targets[e];
      if (component[v] === component[u]) {
        const c = component[u];
        const back = bfs.path(graph, v, u, masks.nonRw, (node) => component[node] === c);
        if (back === null) throw new Error("no path back inside a strongly connected component");
        return { nodes: [u, ...back.nodes], masks: [kinds[e] & masks.rw, ...back.masks] };
      }
      // v can reach u only if v's component comes later in Tarjan's (reverse topological) order.
      if (component[v] > component[u]) {
        rwFrom.push(u);
        rwEdge.push(e);
      }
    }
  }
  if (rwEdge.length === 0) return null;
  // Phase 2, budgeted: one reachability sweep per distinct rw target.
  const order = rwEdge.map((_, i) => i).sort((a, b) => targets[rwEdge[a]] - targets[rwEdge[b]]);
  try {
    for (let i = 0; i < order.length; ) {
      const v = targets[rwEdge[order[i]]];
      let j = i;
      let lowest = component[rwFrom[order[i]]];
      while (j < order.length && targets[rwEdge[order[j]]] === v) {
        lowest = Math.min(lowest, component[rwFrom[order[j]]]);
        j++;
      }
      if (performance.now() > deadline) return "timeout";
      // Nothing in a component numbered below every source can lead back to one.
      const mark = bfs.reach(graph, v, masks.nonRw, (node) => component[node] >= lowest, deadline);
      for (let k = i; k < j; k++) {
        const u = rwFrom[order[k]];
        if (!bfs.reached(u, mark)) continue;
        const back = bfs.walkTo(graph, v, u, masks.nonRw);
        const e = rwEdge[order[k]];
        return { nodes: [u, ...back.nodes], masks: [kinds[e] & masks.rw, ...back.masks] };
      }
      i = j;
    }
  } catch (err) {
    if (err === BUDGET_SPENT) return "timeout";
    throw err;
  }
  return null;
}

/** A closed walk whose rw steps are never adjacent, with at least one rw step. Nodes of the
 *  product graph: 2x = at x after a non-rw step, 2x + 1 = at x right after an rw step. */
function nonadjacentCycle(graph: Graph, masks: Masks, alloc: Allocator): Walk | null {
  const n = graph.nodeCount;
  const { offsets, targets, kinds } = graph;
  const degree = alloc.int32(2 * n + 1);
  for (let u = 0; u < n; u++) {
    for (let e = offsets[u]; e < offsets[u + 1]; e++) {
      if ((kinds[e] & masks.nonRw) !== 0) {
        degree[2 * u + 1]++;
        degree[2 * u + 2]++;
      }
      if ((kinds[e] & masks.rw) !== 0) degree[2 * u + 1]++;
    }
  }
  for (let i = 0; i < 2 * n; i++) degree[i + 1] += degree[i];
  const productOffsets = degree;
  const fill = alloc.int32(2 * n);
  fill.set(productOffsets.subarray(0, 2 * n));
  const productTargets = alloc.int32(productOffsets[2 * n]);
  const productKinds = alloc.uint16(productOffsets[2 * n]);
  for (let u = 0; u < n; u++) {
    for (let e = offsets[u]; e < offsets[u + 1]; e++) {
      const v = targets[e];
      const nonRw = kinds[e] & masks.nonRw;
      const rw = kinds[e] & masks.rw;
      if (nonRw !== 0) {
        for (const from of [2 * u, 2 * u + 1]) {
          const at = fill[from]++;
          productTargets[at] = 2 * v;
          productKinds[at] = nonRw;
        }
      }
      if (rw !== 0) {
        const at = fill[2 * u]++;
        productTargets[at] = 2 * v + 1;
        productKinds[at] = rw;
      }
    }
  }
  const product: Graph = { nodeCount: 2 * n, offsets: productOffsets, targets: productTargets, kinds: productKinds };
  const { component } = stronglyConnected(product, 0xffff, alloc);
  const bfs = new Bfs(2 * n, alloc);
  for (let u = 0; u < n; u++) {
    const from = 2 * u;
    for (let e = productOffsets[from]; e < productOffsets[from + 1]; e++) {
      const to = productTargets[e];
      if ((to & 1) === 0 || component[to] !== component[from]) continue;
      const c = component[from];
      const back = bfs.path(product, to, from, 0xffff, (node) => component[node] === c);
      if (back === null) throw new Error("no path back inside a strongly connected component");
      return { nodes: [u, ...back.nodes.map((x) => x >> 1)], masks: [productKinds[e], ...back.masks] };
    }
  }
  return null;
}

/** Maps a local closed walk to transactions: runs through time nodes become one realtime step,
 *  a walk that revisits a transaction is cut down to a simple cycle of the same kind when it can
 *  be, and the cycle starts at its earliest transaction. */
function toTxnCycle(walk: Walk, members: Int32Array, txnCount: number): FoundCycle {
  const length = walk.nodes.length;
  const firstTxn = walk.nodes.findIndex((node) => members[node] < txnCount);
  if (firstTxn === -1) throw new Error("a dependency cycle through time nodes only");
  let txns: number[] = [];
  let masks: number[] = [];
  for (let step = 0; step < length; ) {
    const i = (firstTxn + step) % length;
    txns.push(members[walk.nodes[i]]);
    let mask = walk.masks[i];
    step++;
    while (step < length && members[walk.nodes[(firstTxn + step) % length]] >= txnCount) {
      mask = REALTIME;
      step++;
    }
    masks.push(mask);
  }
  ({ txns, masks } = simplify(txns, masks));
  let start = 0;
  for (let i = 1; i < txns.length; i++) if (txns[i] < txns[start]) start = i;
  txns = [...txns.slice(start), ...txns.slice(0, start)];
  masks = [...masks.slice(start), ...masks.slice(0, start)];
  return { txns, ...classifyCycle(masks) };
}

function simplify(txns: number[], masks: number[]): { txns: number[]; masks: number[] } {
  const keepsKind = (candidate: number[]) => {
    const type = classifyCycle(candidate).type;
    return type.startsWith("G-single") || type.startsWith("G-nonadjacent");
  };
  for (;;) {
    const seen = new Map<number, number>();
    let repeat: [number, number] | undefined;
    for (let i = 0; i < txns.length && repeat === undefined; i++) {
      const earlier = seen.get(txns[i]);
      if (earlier !== undefined) repeat = [earlier, i];
      else seen.set(txns[i], i);
    }
    if (repeat === undefined) return { txns, masks };
    const [i, j] = repeat;
    const inner = { txns: txns.slice(i, j), masks: masks.slice(i, j) };
    const outer = { txns: [...txns.slice(0, i), ...txns.slice(j)], masks: [...masks.slice(0, i), ...masks.slice(j)] };
    const candidates = [inner, outer].filter((c) => c.txns.length >= 2 && c.masks.some((m) => (m & ANY_RW) !== 0) && keepsKind(c.masks));
    if (candidates.length === 0) return { txns, masks };
    candidates.sort((a, b) => a.txns.length - b.txns.length);
    ({ txns, masks } = candidates[0]);
  }
}
