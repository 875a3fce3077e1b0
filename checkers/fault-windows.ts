// When was each fault active? Read from the nemesis's own ops in the history (process
// "nemesis"), so a history file alone is enough to shade plots and split availability.
//
// Which ops start and stop which fault is the nemesis catalog's vocabulary (nemeses/catalog.ts
// FAULT_OPS), passed in by whoever reads a history: checkers sit below the nemeses. Per kind:
//   per-node kinds (kill / start, pause / resume): one window per node the start's completion
//       value names (an array of names, or an object whose killed | started | paused | resumed |
//       nodes | node field holds a name or an array of names); a stop that names nodes ends their
//       windows, one that names none ends every window of the kind.
//   whole-cluster kinds (start-partition / stop-partition …): one window, which a new start of the
//       kind replaces (the partition nemesis installs a whole grudge at a time). When the start's
//       value describes a cut — {grudge: {node: [nodes it cannot hear]}}, {components: [[n1, n2],
//       [n3]]} or a bare array of arrays — the window carries that partition's layout.
// Besides the vocabulary: start-X / stop-X for any other fault X, without node detail (other
// tools' histories), and heal, which ends every open window. A nemesis that acted on its own
// between its ops (reactive faults) reports what it did in the value of a completed op:
// {windows: [{fault, label, nodes, startNs, endNs}]}, each a window of its own.
// A window starts when the start op completed (the fault is in place by then) and ends when the
// stop op completed (it is certainly gone by then). A start that failed opened nothing; one that
// ended info may or may not have happened: its window is marked uncertain. A stop that failed or
// ended info closed nothing: the fault may still be in place. A window never closed lasts until
// the end of the history and is marked open.
// Jepsen-style nemesis logs (an info op opening, another info completing) count as done.

import { pairOps, type OpPair } from "../harness/history/pairs.ts";
import type { Op } from "../harness/op.ts";
import { opRef, type OpRef } from "./evidence.ts";

import { grudgeFromComponents, type Grudge } from "../harness/grudge.ts";

export { grudgeFromComponents, type Grudge };

/** How a history names the start and the stop of one kind of fault. */
export interface FaultOps {
  /** The fault's name in windows and statistics ("partition", "kill"). */
  fault: string;
  start: string;
  stop: string;
  /** Windows per node (kill, pause), or one window for the whole cluster (partition). */
  perNode: boolean;
}

export interface PartitionLayout {
  grudge: Grudge;
  /** As the nemesis described them; null when it only gave a grudge. */
  components: string[][] | null;
}

export interface FaultWindow {
  /** "partition", "kill", "pause", or X for start-X. */
  fault: string;
  /** Short text for plots: the fault and whom it hit. */
  label: string;
  startNs: number;
  endNs: number;
  /** Never stopped: endNs is the time of the history's last op. */
  open: boolean;
  /** The start op ended info (or never ended): the fault may not have happened at all. */
  uncertain: boolean;
  /** The nemesis op that put the fault in place (its completion, or its invocation if none). */
  start: OpRef;
  stop: OpRef | null;
  /** Nodes the fault hit, when the nemesis named them. */
  nodes: string[] | null;
  partition: PartitionLayout | null;
}

const NODE_FIELDS = ["killed", "started", "paused", "resumed", "nodes", "node"];

/** Node names an op value mentions, by the conventions above; undefined when it names none. A
 *  bare string is not taken for a node: it is as likely a target ("leader") or a message ("done"). */
export function nodesNamed(value: unknown): string[] | undefined {
  if (Array.isArray(value)) return value.length > 0 && value.every((item) => typeof item === "string") ? (value as string[]) : undefined;
  if (typeof value === "object" && value !== null) {
    for (const field of NODE_FIELDS) {
      const named: unknown = (value as Record<string, unknown>)[field];
      if (typeof named === "string") return [named];
      if (Array.isArray(named)) return nodesNamed(named);
    }
  }
  return undefined;
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

/** The partition a start-partition's value describes, or null if it describes none. */
export function partitionLayout(value: unknown): PartitionLayout | null {
  if (Array.isArray(value) && value.length > 0 && value.every(isStringArray)) return { grudge: grudgeFromComponents(value), components: value };
  if (typeof value !== "object" || value === null) return null;
  const { grudge, components } = value as { grudge?: unknown; components?: unknown };
  const validComponents = Array.isArray(components) && components.every(isStringArray) ? (components as string[][]) : null;
  if (typeof grudge === "object" && grudge !== null && !Array.isArray(grudge) && Object.values(grudge).every(isStringArray)) {
    return { grudge: grudge as Grudge, components: validComponents };
  }
  return validComponents ? { grudge: grudgeFromComponents(validComponents), components: validComponents } : null;
}


export interface PartitionSides {
  /** Groups of nodes linked (directly or through each other) by links that work both ways. */
  sides: { nodes: string[]; majority: boolean }[];
  /** Whether each node is on a clean majority side: a side of more than half the cluster whose
   *  nodes all exchange messages both ways with each other — the nodes a CP system promises to
   *  keep serving from (SEEDS C4). */
  majority: Record<string, boolean>;
}

/** Splits the cluster by a partition. A side is a majority side when it holds more than half the
 *  cluster and the partition is clean: every side's nodes all hear each other, so the sides are
 *  disjoint groups. Under a ring-shaped grudge, a bridge, or a cut between two nodes that others
 *  still link, every node reaches some majority but they do not agree on which: a leader reaches
 *  only the nodes next to it and the others' elections disturb it, so no CP system promises to
 *  serve there (SEEDS C4 speaks of a majority cut off from a minority), and no side counts as the
 *  majority's. */
export function partitionSides(layout: PartitionLayout, clusterNodes: readonly string[]): PartitionSides {
  const nodes = [...new Set([...clusterNodes, ...Object.keys(layout.grudge), ...Object.values(layout.grudge).flat()])].sort();
  const hears = (a: string, b: string) => !(layout.grudge[a] ?? []).includes(b);
  const linked = (a: string, b: string) => a === b || (hears(a, b) && hears(b, a));
  const majority: Record<string, boolean> = {};
  const sides: PartitionSides["sides"] = [];
  const placed = new Set<string>();
  for (const node of nodes) {
    if (placed.has(node)) continue;
    const side: string[] = [];
    const frontier = [node];
    placed.add(node);
    while (frontier.length > 0) {
      const current = frontier.pop() as string;
      side.push(current);
      for (const other of nodes) {
        if (!placed.has(other) && linked(current, other)) {
          placed.add(other);
          frontier.push(other);
        }
      }
    }
    side.sort();
    sides.push({ nodes: side, majority: side.length * 2 > nodes.length });
  }
  const clean = sides.every((side) => side.nodes.every((a) => side.nodes.every((b) => linked(a, b))));
  for (const side of sides) {
    side.majority &&= clean;
    for (const member of side.nodes) majority[member] = side.majority;
  }
  return { sides, majority };
}

interface OpenWindow {
  fault: string;
  nodes: string[] | null;
  partition: PartitionLayout | null;
  startNs: number;
  uncertain: boolean;
  start: OpRef;
}

/** Every fault window in the history, in the order the faults started. */
export function faultWindows(history: readonly Op[], vocabulary: readonly FaultOps[]): FaultWindow[] {
  const starting = new Map(vocabulary.map((ops) => [ops.start, ops]));
  const stopping = new Map(vocabulary.map((ops) => [ops.stop, ops]));
  const historyEndNs = history.reduce((latest, op) => Math.max(latest, op.time), 0);
  const windows: FaultWindow[] = [];
  let open: OpenWindow[] = [];

  const close = (which: (candidate: OpenWindow) => boolean, stop: OpPair | null) => {
    const closing = open.filter(which);
    open = open.filter((candidate) => !which(candidate));
    for (const closed of closing) {
      const endOp = stop?.completion;
      windows.push({
        fault: closed.fault,
        label: labelOf(closed),
        startNs: closed.startNs,
        endNs: endOp ? Math.max(endOp.time, closed.startNs) : historyEndNs,
        open: endOp === undefined,
        uncertain: closed.uncertain,
        start: closed.start,
        stop: stop ? opRef(stop.completion ?? stop.invoke) : null,
        nodes: closed.nodes,
        partition: closed.partition,
      });
    }
  };

  for (const pair of pairOps(history)) {
    const { invoke, completion } = pair;
    if (invoke.process !== "nemesis" || completion?.type === "fail") continue;
    if (completion) windows.push(...reportedWindows(completion, historyEndNs));
    const f = invoke.f;
    // Our nemesis says info when it does not know whether the fault took; Jepsen's says info always.
    const uncertain = !completion || (completion.type === "info" && invoke.type === "invoke");
    const effect = completion ?? invoke;
    const named = completion ? nodesNamed(completion.value) : undefined;
    const opening = (fault: string, nodes: string[] | null, partition: PartitionLayout | null): OpenWindow => ({ fault, nodes, partition, startNs: effect.time, uncertain, start: opRef(effect) });

    const starts = starting.get(f);
    const stops = stopping.get(f);
    if (f === "heal") {
      close(() => true, pair);
    } else if (starts?.perNode) {
      if (named) for (const node of named) open.push(opening(starts.fault, [node], null));
      else open.push(opening(starts.fault, null, null));
    } else if (starts) {
      close((candidate) => candidate.fault === starts.fault, pair);
      const partition = partitionLayout(completion?.value);
      open.push(opening(starts.fault, partition ? Object.keys(partition.grudge).sort() : null, partition));
    } else if (stops) {
      // A stop whose effect is unknown may have done nothing; keep the fault open until one is known.
      if (uncertain && completion) continue;
      const perNodeMatch = (candidate: OpenWindow) => !named || candidate.nodes === null || named.includes(candidate.nodes[0]);
      close((candidate) => candidate.fault === stops.fault && (!stops.perNode || perNodeMatch(candidate)), pair);
    } else if (f.startsWith("start-")) {
      open.push(opening(f.slice("start-".length), null, null));
    } else if (f.startsWith("stop-")) {
      if (uncertain && completion) continue;
      const fault = f.slice("stop-".length);
      close((candidate) => candidate.fault === fault, pair);
    }
  }
  close(() => true, null);
  return windows.sort((a, b) => a.startNs - b.startNs || a.start.index - b.start.index);
}

/** The windows a completed nemesis op reports it made on its own (see the top of this file). */
function reportedWindows(completion: Op, historyEndNs: number): FaultWindow[] {
  const reported = (completion.value as { windows?: unknown } | null)?.windows;
  if (!Array.isArray(reported)) return [];
  const found: FaultWindow[] = [];
  for (const item of reported) {
    const { fault, label, nodes, startNs, endNs } = (item ?? {}) as Record<string, unknown>;
    if (typeof fault !== "string" || typeof startNs !== "number" || typeof endNs !== "number") continue;
    const named = isStringArray(nodes) ? nodes : null;
    found.push({
      fault,
      label: typeof label === "string" ? label : named ? `${fault} ${named.join(",")}` : fault,
      startNs,
      endNs: Math.min(Math.max(endNs, startNs), Math.max(historyEndNs, startNs)),
      open: false,
      uncertain: false,
      start: opRef(completion),
      stop: opRef(completion),
      // Named in the label only: windows one op reports share its index, and a report merges
      // windows of one op that name nodes into a single band.
      nodes: null,
      partition: null,
    });
  }
  return found;
}

function labelOf(faultWindow: OpenWindow): string {
  if (faultWindow.partition) {
    const components = faultWindow.partition.components ?? componentsOfGrudge(faultWindow.partition.grudge);
    return `partition ${components.map((component) => component.join(",")).join(" | ")}`;
  }
  return faultWindow.nodes ? `${faultWindow.fault} ${faultWindow.nodes.join(",")}` : faultWindow.fault;
}

function componentsOfGrudge(grudge: Grudge): string[][] {
  return partitionSides({ grudge, components: null }, []).sides.map((side) => side.nodes);
}
