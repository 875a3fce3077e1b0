// The Elle-style transactional checker: infer dependencies from a list-append or rw-register
// history, find every strongly connected component, name the most specific anomaly in each, add
// the anomalies visible without cycles, and judge the whole against the requested consistency
// models. Pure and synchronous; the only clock it reads is performance.now() for its search budget.
//
// Verdict. `valid` is false when an anomaly that a requested model prohibits was found; "unknown"
// when the history broke an assumption inference needs (duplicate appends or writes, unknown
// micro-ops), when no dependency at all could be inferred, or when a budgeted search gave up in a
// way that could hide a prohibited anomaly; true otherwise. Anomalies the requested models allow
// are still reported, and `not` / `alsoNot` come from all of them.
//
// Timeouts. Only the search for G-single's second phase is budgeted (timeLimitMs); everything else
// is linear and complete. A component whose G-single search ran out is reported as
// cycle-search-timeout (with its size) unless the complete G-nonadjacent search settles it. That
// unresolved case arises only beside a G-nonadjacent found in the same component, and every model
// in our lattice that prohibits G-single prohibits G-nonadjacent too, so the verdict is still
// exact: the timeout makes `valid` unknown only if a requested model prohibits G-single while
// nothing it prohibits was found, which the lattice makes impossible today. "A cycle is a cycle":
// whether some cycle a model forbids exists is always decided; only its finest name can be missing.

import type { Op } from "../../harness/op.ts";
import type { Checker, CheckOptions, CheckResult, Validity } from "../checker.ts";
import { type SearchTimeout, searchComponent } from "./cycle-search.ts";
import { explainCycle } from "./explain.ts";
import { Arena } from "./arena.ts";
import { buildGraph, SubgraphScratch } from "./graph.ts";
import { type Inference, addAnomaly } from "./inference.ts";
import { inferListAppend } from "./list-append.ts";
import { UNKNOWN_ANOMALY_TYPES, anomaliesProhibitedBy, boundary, canonicalModel } from "./models.ts";
import { addProcessEdges, addRealtimeEdges } from "./order-edges.ts";
import { inferRwRegister } from "./rw-register.ts";
import { cyclicComponents, stronglyConnected } from "./scc.ts";
import { type Txns, collectTxns } from "./txns.ts";

export { renderCycleSvg } from "./svg.ts";

export type ElleWorkload = "list-append" | "rw-register";

export interface ElleOptions {
  workload: ElleWorkload;
  /** Models the history must satisfy; default ["strict-serializable"]. They decide `valid` and
   *  which order edges (process, real time) the graph carries. */
  consistencyModels?: readonly string[];
  /** Budget in ms for the one search that can explode (default 10 000). */
  timeLimitMs?: number;
  /** Evidence kept per anomaly type (all are counted in anomalyCounts); default 100. Cycles past
   *  it are counted but not explained. */
  maxAnomaliesPerType?: number;
  /** rw-register: infer version order from writes following reads in a transaction (default true). */
  wfrKeys?: boolean;
  /** rw-register: infer version order from process order (default: when a requested model
   *  promises it — the strong-session and stronger models). */
  sequentialKeys?: boolean;
  /** rw-register: infer version order from real-time order (default: when a requested model
   *  promises it — strong snapshot isolation, strict serializability). */
  linearizableKeys?: boolean;
}

export interface ElleResult extends CheckResult {
  valid: Validity;
  anomalyTypes: string[];
  anomalies: Record<string, unknown[]>;
  not: string[];
  alsoNot: string[];
  anomalyCounts: Record<string, number>;
  consistencyModels: string[];
  txnCount: number;
  stats: {
    keys: number;
    edges: number;
    timeNodes: number;
    cyclicComponents: number;
    largestComponent: number;
    checkMs: number;
    /** Typed-array memory the check took, and how often its first estimate fell short. */
    arenaMb: number;
    arenaExtraChunks: number;
    /** Wall time of each stage, ms. */
    phaseMs: Record<string, number>;
  };
}

export function elle(options: ElleOptions): Checker {
  return {
    name: "elle",
    check(history, opts?: CheckOptions) {
      const overrides: Partial<ElleOptions> = {};
      if (Array.isArray(opts?.consistencyModels)) overrides.consistencyModels = opts.consistencyModels;
      if (typeof opts?.timeLimitMs === "number") overrides.timeLimitMs = opts.timeLimitMs;
      return checkElle(history, { ...options, ...overrides });
    },
  };
}

export function checkElle(history: readonly Op[], options: ElleOptions): ElleResult {
  const started = performance.now();
  const models = [...new Set((options.consistencyModels ?? ["strict-serializable"]).map(canonicalModel))];
  const prohibited = anomaliesProhibitedBy(models);
  const needRealtime = [...prohibited].some((type) => type.endsWith("-realtime"));
  const needProcess = needRealtime || [...prohibited].some((type) => type.endsWith("-process"));
  const limit = options.maxAnomaliesPerType ?? 100;

  const phaseMs: Record<string, number> = {};
  let phaseStart = started;
  const phase = (name: string) => {
    const now = performance.now();
    phaseMs[name] = Math.round(now - phaseStart);
    phaseStart = now;
  };
  const txns = collectTxns(history, new Arena(17 * history.length));
  const arena = new Arena(arenaBytes(txns, options.workload));
  phase("collect");
  const sequentialKeys = options.sequentialKeys ?? needProcess;
  const linearizableKeys = options.linearizableKeys ?? needRealtime;
  // Process edges: at most one per transaction. Real time: a completion and an invoke per
  // transaction, and at most one chain edge per completion.
  const reserveEdges = (needProcess ? txns.count : 0) + (needRealtime ? 3 * txns.count + 1 : 0);
  const inference: Inference =
    options.workload === "list-append"
      ? inferListAppend(txns, arena, reserveEdges)
      : inferRwRegister(txns, { wfrKeys: options.wfrKeys ?? true, sequentialKeys, linearizableKeys }, arena, reserveEdges);
  const { anomalies } = inference;
  phase("infer");

  const stats = { keys: inference.keyCount, edges: 0, timeNodes: 0, cyclicComponents: 0, largestComponent: 0, checkMs: 0, arenaMb: 0, arenaExtraChunks: 0, phaseMs };
  const cycleCounts = new Map<string, number>();
  /** Cycles found beyond the evidence limit: counted, not worded. */
  const unexplained = new Map<string, number>();
  const timeouts: SearchTimeout[] = [];
  if (!inference.fatal) {
    const { edges } = inference;
    if (needProcess) addProcessEdges(txns, edges);
    if (needRealtime) stats.timeNodes = addRealtimeEdges(txns, edges, txns.count);
    phase("order");
    const graph = buildGraph(txns.count + stats.timeNodes, edges, arena);
    stats.edges = graph.targets.length;
    phase("graph");
    const components = cyclicComponents(stronglyConnected(graph, 0xffff, arena), arena);
    stats.cyclicComponents = components.length;
    phase("scc");
    const scratch = components.length > 0 ? new SubgraphScratch(graph.nodeCount, arena) : undefined;
    const deadline = started + (options.timeLimitMs ?? 10_000);
    // Each component's search works in this arena and leaves nothing behind in it.
    const searchArena = new Arena(components.length > 0 ? 1 << 16 : 0);
    for (const members of components) {
      searchArena.reset();
      const report = searchComponent(
        graph,
        members,
        scratch as SubgraphScratch,
        { txnCount: txns.count, process: needProcess || sequentialKeys, realtime: needRealtime || linearizableKeys, deadline },
        searchArena,
      );
      stats.largestComponent = Math.max(stats.largestComponent, report.size);
      for (const cycle of report.cycles) {
        const seen = (cycleCounts.get(cycle.type) ?? 0) + 1;
        cycleCounts.set(cycle.type, seen);
        // Counting is cheap; wording every cycle of a pathological history is not.
        if (seen <= limit) addAnomaly(anomalies, cycle.type, explainCycle(txns, inference.explainer, cycle));
        else unexplained.set(cycle.type, (unexplained.get(cycle.type) ?? 0) + 1);
      }
      for (const timeout of report.timeouts) {
        timeouts.push(timeout);
        addAnomaly(anomalies, "cycle-search-timeout", {
          ...timeout,
          explanation: `a component of ${timeout.sccSize} transactions holds a cycle; the search for ${timeout.anomalySpecType} ran out of its ${options.timeLimitMs ?? 10_000} ms budget, so a more specific anomaly than the ones reported for it may exist`,
        });
      }
    }
    phase("cycles");
    if (inference.dataEdgeCount === 0) {
      addAnomaly(anomalies, "empty-transaction-graph", {
        explanation: "no dependency between transactions could be inferred, so nothing about isolation was actually checked",
      });
    }
  }

  const anomalyTypes = [...anomalies.keys()].sort();
  const foundProhibited = anomalyTypes.some((type) => prohibited.has(type));
  const undecided = anomalyTypes.some(
    (type) => UNKNOWN_ANOMALY_TYPES.has(type) && (type !== "cycle-search-timeout" || timeouts.some((t) => prohibited.has(t.anomalySpecType))),
  );
  const valid: Validity = foundProhibited ? false : undecided ? "unknown" : true;

  const reported: Record<string, unknown[]> = {};
  const anomalyCounts: Record<string, number> = {};
  for (const type of anomalyTypes) {
    const list = anomalies.get(type) as unknown[];
    anomalyCounts[type] = list.length + (unexplained.get(type) ?? 0);
    reported[type] = list.length > limit ? list.slice(0, limit) : list;
  }
  const { not, alsoNot } = boundary(anomalyTypes);
  stats.checkMs = Math.round(performance.now() - started);
  stats.arenaMb = Math.round(arena.used / 2 ** 20);
  stats.arenaExtraChunks = arena.extraChunks;
  return {
    valid,
    anomalyTypes,
    anomalies: reported,
    not,
    alsoNot,
    anomalyCounts,
    consistencyModels: models,
    txnCount: txns.count,
    stats,
  };
}

/** Typed-array bytes the rest of a check will need, from the transaction and micro-op counts (see
 *  arena.ts for why we take them at once). Pages never touched cost no memory, so erring high is
 *  cheap; erring low costs one more chunk. */
function arenaBytes(txns: Txns, workload: ElleWorkload): number {
  const nodes = 2 * txns.count + 1;
  const edges = 3 * txns.mopCount + 4 * txns.count;
  // Inference: ~28 int32 per micro-op, the pair index included; edges: 10 bytes each, twice over
  // (buffer, then graph); graph and SCCs: ~12 int32 per node.
  const listAppend = 112 * txns.mopCount + 20 * edges + 48 * nodes;
  // rw-register also keeps version edges and rebuilds the version graph once per inference
  // source, and its nil-read anti-dependencies fan out: about three times as much, measured.
  return workload === "rw-register" ? 3 * listAppend : listAppend;
}
