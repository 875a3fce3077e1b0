// Fault windows as a report draws them: one band per fault the nemesis put in place (windows one
// kill op opened on five nodes are one band), labelled with whom it hit — partitions with their
// actual layout (partition-layout.ts), never a flat list of every node.

import type { FaultWindow } from "../checkers/fault-windows.ts";
import type { Op } from "../harness/op.ts";
import { describePartition, type PartitionDescription } from "./partition-layout.ts";

export interface Window {
  label: string;
  startNs: number;
  endNs: number;
  /** The nemesis op that started it: windows one op opened (a whole-cluster kill) are one band. */
  start?: { index: number };
}

/** Windows one fault op opened (one per node it killed or paused) merged into one, its label
 *  naming every node: "kill n1,n2,n3,n4,n5", not five bands or rows. The merged window is the
 *  longest of them (its end and its statistics: the fault lasted until the last node came back). */
export function mergeWindowsByStart<W extends Window & { nodes?: string[] | null; fault?: string }>(windows: readonly W[]): W[] {
  const groups: W[][] = [];
  const byStart = new Map<number, W[]>();
  for (const window of windows) {
    const index = window.start?.index;
    const group = index === undefined || !window.nodes ? undefined : byStart.get(index);
    if (group) group.push(window);
    else {
      const fresh = [window];
      groups.push(fresh);
      if (index !== undefined && window.nodes) byStart.set(index, fresh);
    }
  }
  return groups.map((group) => {
    if (group.length === 1) return group[0];
    const longest = group.reduce((a, b) => (b.endNs > a.endNs ? b : a));
    const nodes = group.flatMap((window) => window.nodes ?? []);
    return { ...longest, nodes, label: `${longest.fault ?? longest.label.split(" ")[0]} ${nodes.join(",")}` };
  });
}

export interface FaultBand {
  /** The fault kind: partition, kill, pause, or X of start-X. */
  kind: string;
  /** Short text for plots: "partition n1,n2 | n3,n4,n5", "kill n1,n2,n3". */
  label: string;
  /** A sentence for tooltips and tables. */
  detail: string;
  startS: number;
  endS: number;
  open: boolean;
  uncertain: boolean;
  /** The nemesis's mode when its op named one ("isolate-leader", "majorities-ring"). */
  mode: string | null;
  partition: PartitionDescription | null;
}

/** Bands for the windows (already merged by start or not), in start order, in seconds after
 *  originNs (the page's time 0). */
export function faultBands(windows: readonly FaultWindow[], history: readonly Op[], clusterNodes: readonly string[] = [], originNs = 0): FaultBand[] {
  const byIndex = indexLookup(history);
  return mergeWindowsByStart(windows).map((window) => {
    const startOp = byIndex(window.start.index);
    const value = startOp?.value;
    const mode = typeof value === "object" && value !== null && typeof (value as { mode?: unknown }).mode === "string" ? (value as { mode: string }).mode : null;
    const partition = window.partition ? describePartition(window.partition, clusterNodes) : null;
    const label = partition ? `${window.fault} ${partition.label}` : window.label;
    const when = `${(window.startNs / 1e9).toFixed(2)} s – ${(window.endNs / 1e9).toFixed(2)} s${window.open ? " (never stopped)" : ""}${window.uncertain ? " (the nemesis could not tell whether it took effect)" : ""}`;
    const detail = `${window.fault}${mode ? ` (${mode})` : ""}, ${when}: ${partition ? partition.detail : window.nodes ? `hit ${window.nodes.join(", ")}.` : "whole cluster."}`;
    return { kind: window.fault, label, detail, startS: (window.startNs - originNs) / 1e9, endS: (window.endNs - originNs) / 1e9, open: window.open, uncertain: window.uncertain, mode, partition };
  });
}

/** Op by its index: the history's own position when the history is dense, else a map. */
export function indexLookup(history: readonly Op[]): (index: number) => Op | undefined {
  let map: Map<number, Op> | undefined;
  return (index) => {
    const direct = history[index];
    if (direct && direct.index === index) return direct;
    map ??= new Map(history.map((op) => [op.index, op]));
    return map.get(index);
  };
}
