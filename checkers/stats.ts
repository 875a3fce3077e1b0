// How the client ops fared: counts and latencies by f, availability overall, inside and outside
// each fault window, and — during partitions — per node and per side, so the report can show a
// CP system's majority side serving while its minority side refuses (SEEDS C4).
//
// Availability is ok / (ok + fail + info) over client ops; an op that never completed counts as
// info. An op is inside a fault window when its run — invocation to completion, or to the end of
// the history if it never completed — overlaps the window (see fault-windows.ts): an op that was
// started before a partition and timed out during it was hurt by it. A node's ops are those whose
// completion (or else invocation) names it in `node`; ops naming no node count only in totals.
//
// Validity follows Jepsen's stats checker: invalid when some f never succeeded (a workload that
// never got one write through checked nothing). It is an option because unavailability is not a
// safety violation; the report shows it beside the verdict, never as part of it.

import type { Checker, CheckResult, Validity } from "./checker.ts";
import { pairOps, type OpPair } from "../harness/history/pairs.ts";
import type { Op } from "../harness/op.ts";
import { NS_PER_MS } from "../harness/clock.ts";
import { nodeOf, outcomeOf, type Outcome } from "./evidence.ts";
import { faultWindows, nodesNamed, partitionSides, type FaultOps, type FaultWindow } from "./fault-windows.ts";
import { percentiles, type Percentiles } from "./percentiles.ts";

export interface StatsOptions {
  /** Which ops start and stop which fault (nemeses/catalog.ts FAULT_OPS). */
  faultOps: readonly FaultOps[];
  /** Jepsen's rule: an f with no ok op makes the result invalid. Default true. */
  invalidWhenNeverSucceeded?: boolean;
  /** Every node of the cluster, for deciding which partition side is a majority; default: the
   *  nodes named by client ops and fault ops. */
  nodes?: readonly string[];
}

export interface Availability {
  ok: number;
  /** Every definite failure, answered ones included. */
  fail: number;
  /** Failures that were the system's answer (a compare that did not match, a lock already held):
   *  the system served them. */
  answered: number;
  info: number;
  total: number;
  /** Ops the system served — ok, or failed with an answer — over all; null when there were none. */
  availability: number | null;
}

export interface SideAvailability extends Availability {
  nodes: string[];
  majority: boolean;
}

export interface WindowStats extends FaultWindow {
  availability: Availability;
  /** Client ops inside the window, by the node they talked to. */
  byNode: Record<string, Availability>;
  /** For partitions: each side, and all ops on nodes that did / did not reach a majority. */
  sides: SideAvailability[] | null;
  majoritySide: Availability | null;
  minoritySide: Availability | null;
}

export interface StatsResult extends CheckResult {
  clientOps: number;
  availability: Availability;
  byF: Record<string, Availability & { latencyMs: Percentiles }>;
  /** Client fs that never had an ok op. */
  neverSucceeded: string[];
  nemesisOps: Record<string, Availability>;
  faults: {
    windows: WindowStats[];
    /** Client ops that overlapped at least one fault window / none. */
    insideAnyFault: Availability;
    outsideFaults: Availability;
    /** Inside windows of each fault kind. */
    byFault: Record<string, Availability>;
    /** Over every partition window: ops on nodes that reached a majority, and on nodes that did not. */
    partitions: { majoritySide: Availability; minoritySide: Availability } | null;
    /** The same, over ops that no other fault overlapped: a kill or pause on the majority side
     *  can cost it its quorum, which says nothing of how the partition alone was handled. Null
     *  when no op was in a partition without another fault. */
    partitionsAlone: { majoritySide: Availability; minoritySide: Availability } | null;
  };
}

export function statsChecker(options: StatsOptions): Checker {
  return { name: "stats", check: (history) => checkStats(history, options) };
}


/** What one client op amounted to for availability. */
interface Served {
  outcome: Outcome;
  /** A fail that was the system's answer. */
  answered: boolean;
}

function servedOf(pair: OpPair): Served {
  const outcome = outcomeOf(pair);
  return { outcome, answered: outcome === "fail" && pair.completion?.answered === true };
}

class Tally {
  ok = 0;
  fail = 0;
  answered = 0;
  info = 0;

  add(served: Served): void {
    this[served.outcome]++;
    if (served.answered) this.answered++;
  }

  summary(): Availability {
    const total = this.ok + this.fail + this.info;
    return { ok: this.ok, fail: this.fail, answered: this.answered, info: this.info, total, availability: total === 0 ? null : (this.ok + this.answered) / total };
  }
}

class TallyMap {
  private readonly tallies = new Map<string, Tally>();

  add(key: string, served: Served): void {
    let tally = this.tallies.get(key);
    if (!tally) this.tallies.set(key, (tally = new Tally()));
    tally.add(served);
  }

  summary(): Record<string, Availability> {
    const out: Record<string, Availability> = {};
    for (const key of [...this.tallies.keys()].sort()) out[key] = (this.tallies.get(key) as Tally).summary();
    return out;
  }
}

export function checkStats(history: readonly Op[], options: StatsOptions): StatsResult {
  const historyEndNs = history.reduce((latest, op) => Math.max(latest, op.time), 0);
  const pairs = pairOps(history);
  const clientPairs = pairs.filter((pair) => pair.invoke.process !== "nemesis");
  const nemesisPairs = pairs.filter((pair) => pair.invoke.process === "nemesis");

  const overall = new Tally();
  const byF = new TallyMap();
  const latencies = new Map<string, number[]>();
  for (const pair of clientPairs) {
    const served = servedOf(pair);
    overall.add(served);
    byF.add(pair.invoke.f, served);
    if (served.outcome === "ok" && pair.completion) {
      const list = latencies.get(pair.invoke.f) ?? [];
      list.push((pair.completion.time - pair.invoke.time) / NS_PER_MS);
      latencies.set(pair.invoke.f, list);
    }
  }
  const fSummaries = byF.summary();
  const byFWithLatency: StatsResult["byF"] = {};
  for (const [f, summary] of Object.entries(fSummaries)) byFWithLatency[f] = { ...summary, latencyMs: percentiles(latencies.get(f) ?? []) };
  const neverSucceeded = Object.entries(fSummaries)
    .filter(([, s]) => s.ok === 0)
    .map(([f]) => f);
  const nemesisOps = new TallyMap();
  for (const pair of nemesisPairs) nemesisOps.add(pair.invoke.f, servedOf(pair));

  const windows = faultWindows(history, options.faultOps);
  const clusterNodes = options.nodes ?? inferNodes(clientPairs, nemesisPairs, windows);
  const faults = faultStats(clientPairs, windows, clusterNodes, historyEndNs);

  let valid: Validity = true;
  if (clientPairs.length === 0) valid = "unknown";
  else if (neverSucceeded.length > 0 && options.invalidWhenNeverSucceeded !== false) valid = false;
  return {
    valid,
    clientOps: clientPairs.length,
    availability: overall.summary(),
    byF: byFWithLatency,
    neverSucceeded,
    nemesisOps: nemesisOps.summary(),
    faults,
  };
}

function inferNodes(clientPairs: readonly OpPair[], nemesisPairs: readonly OpPair[], windows: readonly FaultWindow[]): string[] {
  const nodes = new Set<string>();
  for (const pair of clientPairs) {
    const node = nodeOf(pair);
    if (node !== undefined) nodes.add(node);
  }
  for (const pair of nemesisPairs) for (const node of nodesNamed(pair.completion?.value) ?? []) nodes.add(node);
  for (const faultWindow of windows) {
    for (const node of faultWindow.nodes ?? []) nodes.add(node);
    if (faultWindow.partition) for (const [node, unheard] of Object.entries(faultWindow.partition.grudge)) [node, ...unheard].forEach((name) => nodes.add(name));
  }
  return [...nodes].sort();
}

function faultStats(clientPairs: readonly OpPair[], windows: readonly FaultWindow[], clusterNodes: readonly string[], historyEndNs: number): StatsResult["faults"] {
  const inside = new Tally();
  const outside = new Tally();
  const byFault = new TallyMap();
  const windowTallies = windows.map(() => ({ all: new Tally(), byNode: new TallyMap() }));
  const sidesOf = windows.map((faultWindow) => (faultWindow.partition ? partitionSides(faultWindow.partition, clusterNodes) : null));
  const sideTallies = sidesOf.map((split) => (split ? { sides: split.sides.map(() => new Tally()), majority: new Tally(), minority: new Tally() } : null));
  const partitionMajority = new Tally();
  const partitionMinority = new Tally();
  const aloneMajority = new Tally();
  const aloneMinority = new Tally();

  for (const pair of clientPairs) {
    const outcome = servedOf(pair);
    const fromNs = pair.invoke.time;
    const toNs = pair.completion?.time ?? historyEndNs;
    const node = nodeOf(pair);
    const faultsHit = new Set<string>();
    // An op spanning two partitions counts under each side it was on (majority in one cut,
    // minority in the next), but once per side in the partition-wide totals.
    let countedOnMajority = false;
    let countedOnMinority = false;
    let otherFaultHit = false;
    windows.forEach((faultWindow, i) => {
      if (fromNs > faultWindow.endNs || toNs < faultWindow.startNs) return;
      faultsHit.add(faultWindow.fault);
      if (!faultWindow.partition) otherFaultHit = true;
      windowTallies[i].all.add(outcome);
      if (node !== undefined) windowTallies[i].byNode.add(node, outcome);
      const sides = sidesOf[i];
      const tallies = sideTallies[i];
      if (!sides || !tallies || node === undefined || !(node in sides.majority)) return;
      const sideIndex = sides.sides.findIndex((side) => side.nodes.includes(node));
      tallies.sides[sideIndex].add(outcome);
      (sides.majority[node] ? tallies.majority : tallies.minority).add(outcome);
      if (sides.majority[node] && !countedOnMajority) {
        partitionMajority.add(outcome);
        countedOnMajority = true;
      } else if (!sides.majority[node] && !countedOnMinority) {
        partitionMinority.add(outcome);
        countedOnMinority = true;
      }
    });
    (faultsHit.size > 0 ? inside : outside).add(outcome);
    for (const fault of faultsHit) byFault.add(fault, outcome);
    if (!otherFaultHit) {
      if (countedOnMajority) aloneMajority.add(outcome);
      if (countedOnMinority) aloneMinority.add(outcome);
    }
  }

  const windowStats: WindowStats[] = windows.map((faultWindow, i) => {
    const sides = sidesOf[i];
    const tallies = sideTallies[i];
    return {
      ...faultWindow,
      availability: windowTallies[i].all.summary(),
      byNode: windowTallies[i].byNode.summary(),
      sides: sides && tallies ? sides.sides.map((side, s) => ({ ...tallies.sides[s].summary(), nodes: side.nodes, majority: side.majority })) : null,
      majoritySide: tallies ? tallies.majority.summary() : null,
      minoritySide: tallies ? tallies.minority.summary() : null,
    };
  });
  return {
    windows: windowStats,
    insideAnyFault: inside.summary(),
    outsideFaults: outside.summary(),
    byFault: byFault.summary(),
    partitions: windows.some((faultWindow) => faultWindow.partition) ? { majoritySide: partitionMajority.summary(), minoritySide: partitionMinority.summary() } : null,
    partitionsAlone: aloneMajority.summary().total + aloneMinority.summary().total > 0 ? { majoritySide: aloneMajority.summary(), minoritySide: aloneMinority.summary() } : null,
  };
}
