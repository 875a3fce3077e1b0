// rw-register's version order. A read returns one value, so unlike list-append the order in which
// a key's versions were installed is not observed; we only know what the history forces, one
// source at a time:
//
//   - initial state: every key starts nil, so nil precedes every value written to it;
//   - writes follow reads (wfrKeys): a transaction that read x = a and then wrote x = b installed b
//     after a;
//   - sequential keys (sequentialKeys): a process sees each key move forward, so what one of its
//     transactions last saw of a key precedes what its next one first sees. Only true if the
//     strong-session models hold, so ww/rw edges from it are tagged -process;
//   - linearizable keys (linearizableKeys): likewise along real-time order, tagged -realtime.
//
// A source that would make some key's version order cyclic is dropped and the cycle is reported
// (cyclic-versions), as Elle does.
//
// Versions are numbered as write ids (a transaction's final write of a key, unless it failed), then
// one initial nil version per key: write count + key id.

import { EdgeBuffer, IntVec } from "./edges.ts";
import { buildGraph } from "./graph.ts";
import type { AnomalyCase, InferenceScaffold } from "./inference-scaffold.ts";
import { show } from "./micro-ops.ts";
import { PairIndex } from "./pair-index.ts";
import { cyclicComponents, stronglyConnected } from "./scc.ts";
import { FAIL, INFO, OK, summarizeTxn } from "./txns.ts";

export const INITIAL = 0;
export const WFR = 1;
export const SEQUENTIAL = 2;
export const LINEARIZABLE = 3;
const SOURCE_NAMES = ["initial-state", "writes-follow-reads", "sequential-keys", "linearizable-keys"];

/** Per transaction, one touch per distinct key it accessed: its external read (a read id, or -1)
 *  and its final write (a write id, or -1). Transaction t's touches are start[t] .. start[t + 1]. */
export class Touches {
  readonly start: Int32Array;
  readonly key: IntVec;
  readonly read: IntVec;
  readonly write: IntVec;

  constructor(s: InferenceScaffold) {
    const capacity = Math.max(16, s.txns.mopCount);
    this.start = s.alloc.int32(s.txns.count + 1);
    this.key = new IntVec(capacity, s.alloc);
    this.read = new IntVec(capacity, s.alloc);
    this.write = new IntVec(capacity, s.alloc);
  }

  get count(): number {
    return this.key.length;
  }

  push(k: number, read: number, write: number): void {
    this.key.push(k);
    this.read.push(read);
    this.write.push(write);
  }
}

/** What the sources read: each transaction's touches, and the version each read observed (or -1). */
export interface RegisterHistory {
  s: InferenceScaffold;
  touches: Touches;
  readVersion: Int32Array;
}

type AddVersionEdge = (from: number, to: number, by?: number) => void;

export function initialVersion(s: InferenceScaffold, k: number): number {
  return s.writes.count + k;
}

/** What a transaction first saw of a key: its external read, else its own write. */
function firstVersion(h: RegisterHistory, touch: number, t: number): number {
  const read = h.touches.read.data[touch];
  if (read !== -1) return h.readVersion[read];
  const write = h.touches.write.data[touch];
  return write !== -1 && h.s.txns.type[t] !== FAIL ? write : -1;
}

/** What a transaction left a key at: its final write, else what it read. */
function finalVersion(h: RegisterHistory, touch: number, t: number): number {
  const write = h.touches.write.data[touch];
  if (write !== -1) return h.s.txns.type[t] === FAIL ? -1 : write;
  const read = h.touches.read.data[touch];
  return read === -1 ? -1 : h.readVersion[read];
}

/** Version edges in parallel arrays: from, to, the source that justified each, and for writes
 *  follow reads the transaction that did. */
export class VersionOrder {
  readonly from: IntVec;
  readonly to: IntVec;
  readonly source: IntVec;
  readonly by: IntVec;
  /** (from, to) → edge. A stage that gets taken back leaves stale entries here, which find() sees
   *  through. */
  private readonly index: PairIndex;
  readonly versionCount: number;

  constructor(private readonly s: InferenceScaffold) {
    const capacity = 2 * Math.max(16, s.txns.mopCount);
    this.from = new IntVec(capacity, s.alloc);
    this.to = new IntVec(capacity, s.alloc);
    this.source = new IntVec(capacity, s.alloc);
    this.by = new IntVec(capacity, s.alloc);
    this.index = new PairIndex(capacity, s.alloc);
    this.versionCount = s.writes.count + s.keyCount;
  }

  get length(): number {
    return this.from.length;
  }

  /** The edge from version `from` to version `to`, or -1. */
  find(from: number, to: number): number {
    const i = this.index.get(from, to);
    return i !== -1 && i < this.from.length && this.from.data[i] === from && this.to.data[i] === to ? i : -1;
  }

  /** Adds the edges `fill` finds from `source`. If they make some key's version order cyclic, takes
   *  them all back and returns the cycles as cyclic-versions cases. */
  stage(source: number, fill: (add: AddVersionEdge) => void): AnomalyCase[] {
    const start = this.from.length;
    fill((from, to, by = -1) => {
      if (from === to || from < 0 || to < 0 || this.find(from, to) !== -1) return;
      this.index.put(from, to, this.from.length);
      this.from.push(from);
      this.to.push(to);
      this.source.push(source);
      this.by.push(by);
    });
    if (source === INITIAL || this.from.length === start) return [];
    const cycles = this.cycles();
    if (cycles.length === 0) return [];
    const accepted = new Set<number>();
    for (let i = 0; i < start; i++) accepted.add(this.source.data[i]);
    this.truncate(start);
    const sources = [...accepted].sort().map((s) => SOURCE_NAMES[s]);
    sources.push(SOURCE_NAMES[source]);
    return cycles.map((members) => this.cyclicVersionsCase(members, sources, source));
  }

  /** Why the version order has this edge, for people. */
  because(edge: number): string {
    const source = this.source.data[edge];
    if (source === INITIAL) return "every key starts nil";
    if (source === WFR) return `the transaction at index ${summarizeTxn(this.s.txns, this.by.data[edge]).index} read the first and then wrote the second`;
    if (source === SEQUENTIAL) return "one process saw them in that order, and the model keeps each key sequential per process";
    return "one was seen before the other began, and the model keeps each key linearizable";
  }

  private cyclicVersionsCase(members: Int32Array, sources: string[], source: number): AnomalyCase {
    const { writes, txns, keys } = this.s;
    const writeCount = writes.count;
    const k = members[0] >= writeCount ? members[0] - writeCount : writes.key.data[members[0]];
    const values = Array.from(members, (v) => (v >= writeCount ? null : writes.value(txns, v)));
    return {
      key: keys.names[k],
      values,
      sources,
      explanation: `inferring the version order of key ${show(keys.names[k])} from ${sources.join(" + ")} gives a cycle among ${show(values)}; the ${SOURCE_NAMES[source]} inference was dropped`,
    };
  }

  private cycles(): Int32Array[] {
    const { alloc } = this.s;
    const buffer = new EdgeBuffer(this.from.length, alloc);
    for (let i = 0; i < this.from.length; i++) buffer.add(this.from.data[i], this.to.data[i], 1);
    return cyclicComponents(stronglyConnected(buildGraph(this.versionCount, buffer, alloc), 1, alloc), alloc);
  }

  private truncate(length: number): void {
    this.from.length = length;
    this.to.length = length;
    this.source.length = length;
    this.by.length = length;
  }
}

/** Every key starts nil: nil precedes each of its versions. */
export function initialState(s: InferenceScaffold, add: AddVersionEdge): void {
  const { writes } = s;
  const { type } = s.txns;
  for (let w = 0; w < writes.count; w++) {
    if (!writes.isIntermediate(w) && type[writes.txn.data[w]] !== FAIL) add(initialVersion(s, writes.key.data[w]), w);
  }
}

/** A committed transaction that read a key and then wrote it installed its write after what it read. */
export function writesFollowReads(h: RegisterHistory, add: AddVersionEdge): void {
  const { touches, readVersion } = h;
  const { count, type } = h.s.txns;
  const writeCount = h.s.writes.count;
  for (let t = 0; t < count; t++) {
    if (type[t] !== OK) continue;
    for (let touch = touches.start[t]; touch < touches.start[t + 1]; touch++) {
      const read = touches.read.data[touch];
      const write = touches.write.data[touch];
      if (read === -1 || write === -1) continue;
      const from = readVersion[read];
      if (from < 0 || from >= writeCount) continue;
      add(from, write, t);
    }
  }
}

/** What each process last saw of a key precedes what its next transaction first sees of it. */
export function sequentialKeys(h: RegisterHistory, add: AddVersionEdge): void {
  const { touches } = h;
  const { count, type, process } = h.s.txns;
  const last = new Map<number, Map<number, number>>();
  for (let t = 0; t < count; t++) {
    if (type[t] !== OK || process[t] === -1) continue;
    let seen = last.get(process[t]);
    if (seen === undefined) last.set(process[t], (seen = new Map()));
    for (let touch = touches.start[t]; touch < touches.start[t + 1]; touch++) {
      const k = touches.key.data[touch];
      const before = seen.get(k);
      if (before !== undefined) add(before, firstVersion(h, touch, t));
      const after = finalVersion(h, touch, t);
      if (after >= 0) seen.set(k, after);
      else seen.delete(k);
    }
  }
}

/** Per key, Elle's real-time frontier: the completed transactions no later completion has shown to
 *  be superseded; what they left a key at precedes what a transaction invoked after them saw.
 *  Entries join in completion order, so the ones a completion supersedes (those present when it
 *  was invoked) are always a prefix. */
export function linearizableKeys(h: RegisterHistory, add: AddVersionEdge): void {
  const { touches, s } = h;
  const { type, eventAt, invokePos, completionPos } = s.txns;
  const keyCount = s.keyCount;
  const frontierVersion: number[][] = Array.from({ length: keyCount }, () => []);
  const frontierPos: number[][] = Array.from({ length: keyCount }, () => []);
  const head = new Int32Array(keyCount);
  for (let pos = 0; pos < eventAt.length; pos++) {
    const event = eventAt[pos];
    if (event === -1) continue;
    const t = event >> 1;
    if (type[t] === FAIL) continue;
    if ((event & 1) === 0) {
      for (let touch = touches.start[t]; touch < touches.start[t + 1]; touch++) {
        const k = touches.key.data[touch];
        const to = type[t] === INFO ? finalVersion(h, touch, t) : firstVersion(h, touch, t);
        if (to < 0) continue;
        const versions = frontierVersion[k];
        for (let i = head[k]; i < versions.length; i++) add(versions[i], to);
      }
    } else if (type[t] === OK) {
      for (let touch = touches.start[t]; touch < touches.start[t + 1]; touch++) {
        const k = touches.key.data[touch];
        const positions = frontierPos[k];
        if (invokePos[t] !== -1) while (head[k] < positions.length && positions[head[k]] < invokePos[t]) head[k]++;
        const after = finalVersion(h, touch, t);
        if (after < 0) continue;
        frontierVersion[k].push(after);
        positions.push(completionPos[t]);
      }
    }
  }
}
