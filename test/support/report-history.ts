// Timed register histories with faults, for report tests and the report bench: client processes
// bound to nodes run reads and writes against registers (one per key) in a simulated cluster
// while a nemesis partitions it (a clean split, a majorities ring, a bridge) and kills a node.
// Ops on a node cut off from the majority fail fast (no leader) or time out (info, the process
// retired); with `staleReads` the minority side answers reads from its old copy, which a
// linearizability checker must catch. Deterministic for a seed.

import { Rng } from "../../harness/rng.ts";
import type { Op, OpType } from "../../harness/op.ts";
import { grudgeFromComponents, type Grudge } from "../../harness/grudge.ts";

export interface ReportHistoryOptions {
  ops: number;
  processes?: number;
  keys?: number;
  seed?: number;
  nodes?: readonly string[];
  /** Minority-side reads return the value from before the partition. */
  staleReads?: boolean;
  /** Written values, errors and one node's name become this string (for escaping tests). */
  hostile?: string;
}

const MS = 1_000_000;

interface Fault {
  startNs: number;
  endNs: number;
  kind: "partition" | "kill";
  mode: string;
  grudge: Grudge;
  components?: string[][];
  /** Nodes that cannot serve during the fault. */
  down: Set<string>;
  killed?: string;
}

function majorityOf(nodes: readonly string[], grudge: Grudge): Set<string> {
  const hears = (a: string, b: string) => !(grudge[a] ?? []).includes(b);
  return new Set(nodes.filter((node) => nodes.filter((other) => other === node || (hears(node, other) && hears(other, node))).length * 2 > nodes.length));
}

function schedule(nodes: readonly string[], durationNs: number, rng: Rng): Fault[] {
  const faults: Fault[] = [];
  const slot = durationNs / 8;
  const shapes = ["random-halves", "kill", "majorities-ring", "bridge"];
  for (let i = 0; i < 4; i++) {
    const startNs = Math.round(slot * (2 * i + 0.6 + rng.float() * 0.2));
    const endNs = Math.round(startNs + slot * (0.7 + rng.float() * 0.2));
    const mode = shapes[i];
    const shuffled = rng.shuffle([...nodes]);
    if (mode === "kill") {
      const victim = shuffled[0];
      faults.push({ startNs, endNs, kind: "kill", mode, grudge: {}, down: new Set([victim]), killed: victim });
    } else if (mode === "random-halves") {
      const cut = Math.floor(nodes.length / 2);
      const components = [shuffled.slice(0, cut), shuffled.slice(cut)];
      const grudge = grudgeFromComponents(components);
      faults.push({ startNs, endNs, kind: "partition", mode, grudge, components, down: new Set(components[0]) });
    } else if (mode === "majorities-ring") {
      const grudge: Grudge = {};
      const n = shuffled.length;
      shuffled.forEach((node, j) => (grudge[node] = shuffled.filter((_, k) => k !== j && k !== (j + 1) % n && k !== (j + n - 1) % n)));
      const majority = majorityOf(nodes, grudge);
      faults.push({ startNs, endNs, kind: "partition", mode, grudge, down: new Set(nodes.filter((node) => !majority.has(node))) });
    } else {
      const cut = Math.floor(nodes.length / 2);
      const bridge = shuffled[cut];
      const halves = [shuffled.slice(0, cut), shuffled.slice(cut + 1)];
      const grudge: Grudge = { [bridge]: [] };
      for (const [h, half] of halves.entries()) for (const node of half) grudge[node] = halves[1 - h];
      // The half without the old leader (the first half here) loses its quorum's leader.
      faults.push({ startNs, endNs, kind: "partition", mode, grudge, down: new Set(halves[0]) });
    }
  }
  return faults;
}


interface Event {
  time: number;
  order: number;
  op: Omit<Op, "index">;
}

export function reportHistory(options: ReportHistoryOptions): Op[] {
  const rng = new Rng(options.seed ?? 1);
  const processes = options.processes ?? 10;
  const keys = options.keys ?? 8;
  const hostile = options.hostile;
  const nodes = options.nodes ?? (hostile ? ["n1", "n2", "n3", "n4", hostile] : ["n1", "n2", "n3", "n4", "n5"]);
  const perProcess = Math.ceil(options.ops / processes);
  // Expected mean op + gap ≈ 3 ms: the run lasts about perProcess × 3 ms.
  const durationNs = perProcess * 3 * MS;
  const faults = schedule(nodes, durationNs, rng);
  const faultAt = (t: number, node: string) => faults.find((fault) => t >= fault.startNs && t < fault.endNs && fault.down.has(node));

  // Each client op: when it was invoked and completed, and how it turned out, decided per process;
  // the values come after, in one pass in time order over linearization points.
  interface Planned {
    process: number;
    node: string;
    key: number;
    f: "read" | "write";
    value: number | string | null;
    invokeNs: number;
    completeNs: number;
    atNs: number;
    type: OpType;
    error?: string;
    /** Whether the op took effect (an info write may have). */
    applied: boolean;
    stale: boolean;
    output?: unknown;
  }
  const planned: Planned[] = [];
  let nextProcess = processes;
  let issued = 0;
  for (let p = 0; p < processes; p++) {
    let process = p;
    let t = Math.round(rng.float() * MS);
    for (let j = 0; j < perProcess && issued < options.ops; j++, issued++) {
      const node = nodes[process % nodes.length];
      const key = rng.int(keys);
      const f = rng.float() < 0.5 ? "read" : "write";
      const value = f === "write" ? (hostile && rng.float() < 0.01 ? hostile : rng.int(5)) : null;
      const latency = Math.round((0.4 + rng.float() * 2.5 + (rng.float() < 0.02 ? 20 + rng.float() * 40 : 0)) * MS);
      const fault = faultAt(t, node);
      let op: Planned;
      if (fault && !(options.staleReads && f === "read" && fault.kind === "partition")) {
        const timeout = rng.float() < 0.3;
        const completeNs = t + (timeout ? 500 * MS : Math.round(0.2 * MS + rng.float() * MS));
        const error = hostile && rng.float() < 0.2 ? hostile : timeout ? "timeout" : fault.kind === "kill" ? "connection refused" : "NOLEADER";
        op = { process, node, key, f, value, invokeNs: t, completeNs, atNs: t + 1, type: timeout ? "info" : "fail", error, applied: timeout && f === "write" && rng.float() < 0.5, stale: false };
      } else {
        op = { process, node, key, f, value, invokeNs: t, completeNs: t + latency, atNs: t + Math.round(latency * rng.float()), type: "ok", applied: true, stale: fault !== undefined };
      }
      planned.push(op);
      t = op.completeNs + Math.round(rng.float() * 0.6 * MS);
      if (op.type === "info") process = nextProcess++;
    }
  }

  // Values: registers in linearization order; a stale read returns the register as it was when
  // its fault began.
  const registers: (number | string | null)[] = new Array(keys).fill(null);
  const snapshots = new Map<Fault, (number | string | null)[]>();
  const points = planned.filter((op) => op.applied).sort((a, b) => a.atNs - b.atNs);
  const faultStarts = [...faults].sort((a, b) => a.startNs - b.startNs);
  let nextFault = 0;
  for (const op of points) {
    while (nextFault < faultStarts.length && faultStarts[nextFault].startNs <= op.atNs) snapshots.set(faultStarts[nextFault++], [...registers]);
    if (op.f === "write") registers[op.key] = op.value;
    else if (op.stale) {
      const fault = faultAt(op.invokeNs, op.node) as Fault;
      op.output = (snapshots.get(fault) ?? registers)[op.key];
    } else op.output = registers[op.key];
  }

  const events: Event[] = [];
  let order = 0;
  for (const op of planned) {
    const base = { process: op.process, f: op.f, key: op.key, node: op.node };
    events.push({ time: op.invokeNs, order: order++, op: { ...base, time: op.invokeNs, type: "invoke", value: op.value } });
    const completion: Omit<Op, "index"> = { ...base, time: op.completeNs, type: op.type, value: op.f === "read" ? (op.type === "ok" ? (op.output ?? null) : null) : op.value };
    if (op.error) completion.error = op.error;
    events.push({ time: op.completeNs, order: order++, op: completion });
  }
  for (const fault of faults) {
    const [startF, stopF] = fault.kind === "kill" ? ["kill", "start"] : ["start-partition", "stop-partition"];
    const startValue = fault.kind === "kill" ? { killed: [fault.killed] } : { mode: fault.mode, ...(fault.components ? { components: fault.components } : {}), grudge: fault.grudge };
    const stopValue = fault.kind === "kill" ? { started: [fault.killed] } : "healed";
    events.push({ time: fault.startNs - 2 * MS, order: order++, op: { process: "nemesis", time: fault.startNs - 2 * MS, type: "invoke", f: startF, value: fault.kind === "kill" ? "random-one" : fault.mode } });
    events.push({ time: fault.startNs, order: order++, op: { process: "nemesis", time: fault.startNs, type: "ok", f: startF, value: startValue } });
    events.push({ time: fault.endNs - 2 * MS, order: order++, op: { process: "nemesis", time: fault.endNs - 2 * MS, type: "invoke", f: stopF, value: null } });
    events.push({ time: fault.endNs, order: order++, op: { process: "nemesis", time: fault.endNs, type: "ok", f: stopF, value: stopValue } });
  }
  events.sort((a, b) => a.time - b.time || a.order - b.order);
  return events.map((event, index) => ({ ...event.op, index }) as Op);
}
