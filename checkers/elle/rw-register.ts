// Inference for read/write registers (Elle's rw-register). A read returns one value, so the order
// of a key's versions is not observed but inferred from what the history forces
// (rw-register-versions.ts); ww and rw edges follow that order. wr edges need no version order:
// writes are unique, so a read of x = v came from the one transaction that wrote it.
//
// inferRwRegister is the list of passes over the shared scaffold (inference-scaffold.ts); each
// anomaly below is one function returning its cases, and each dependency kind one function adding
// its edges and one explaining them.

import { type Allocator, HEAP_ALLOCATOR } from "./arena.ts";
import { EdgeBuffer, RW, RW_PROCESS, RW_REALTIME, WR, WW, WW_PROCESS, WW_REALTIME } from "./edges.ts";
import { type AnomalyCase, InferenceScaffold, type KindExplainer, type MicroOpGrammar, StateReaders, explainerByKind, readBeforeOwnWrite, sameStateUpdates } from "./inference-scaffold.ts";
import type { Inference, PairExplainer, StepFacts } from "./inference.ts";
import { type Mop, READ, WRITE, show } from "./micro-ops.ts";
import {
  INITIAL,
  LINEARIZABLE,
  type RegisterHistory,
  SEQUENTIAL,
  Touches,
  VersionOrder,
  WFR,
  initialState,
  initialVersion,
  linearizableKeys,
  sequentialKeys,
  writesFollowReads,
} from "./rw-register-versions.ts";
import { FAIL, OK, type Txns, summarizeTxn } from "./txns.ts";

export interface RwRegisterOptions {
  wfrKeys: boolean;
  sequentialKeys: boolean;
  linearizableKeys: boolean;
}

const RW_REGISTER: MicroOpGrammar = {
  workload: "rw-register",
  forms: "[w k v] and [r k v]",
  accepts: (kind) => kind === READ || kind === WRITE,
};

/** What a read observed, besides a write id. */
const NIL = -1;
const GARBAGE = -2;

/** `reserveEdges`: room to leave in the edge buffer for the caller's process and real-time edges. */
export function inferRwRegister(txns: Txns, opts: RwRegisterOptions, alloc: Allocator = HEAP_ALLOCATOR, reserveEdges = 0): Inference {
  const s = new InferenceScaffold(txns, alloc, RW_REGISTER);
  const touches = recordTxns(s);
  const observed = observedWrites(s);
  s.report("garbage-read", garbageReadCases(s, observed));
  s.report("G1a", g1aCases(s, observed));
  s.report("G1b", g1bCases(s, observed));
  const h: RegisterHistory = { s, touches, readVersion: versionsRead(s, observed) };
  const order = new VersionOrder(s);
  // Nil before everything written cannot make a cycle on its own: nothing to report.
  order.stage(INITIAL, (add) => initialState(s, add));
  if (opts.wfrKeys) s.report("cyclic-versions", order.stage(WFR, (add) => writesFollowReads(h, add)));
  if (opts.sequentialKeys) s.report("cyclic-versions-process", order.stage(SEQUENTIAL, (add) => sequentialKeys(h, add)));
  if (opts.linearizableKeys) s.report("cyclic-versions-realtime", order.stage(LINEARIZABLE, (add) => linearizableKeys(h, add)));
  const edges = dependencyEdges(h, order, reserveEdges);
  s.report("lost-update", lostUpdateCases(h));
  return s.inference(edges, explainer(h, order));
}

// ---------------------------------------------------------------------------------------------
// Recording: per key a transaction touched, its external read and final write

function recordTxns(s: InferenceScaffold): Touches {
  const { txns } = s;
  const touches = new Touches(s);
  for (let t = 0; t < txns.count; t++) {
    touches.start[t] = touches.count;
    const m = txns.mops[t].length;
    if (s.describeTxn(t) < m) continue;
    for (let i = 0; i < m; i++) if (s.isFirstAccess(i)) recordKey(s, touches, t, i, m);
    if (txns.type[t] === OK && m > 1) {
      s.reportCase("future-read", futureReadCase(s, t));
      s.reportCase("internal", internalCase(s, t));
    }
  }
  touches.start[txns.count] = touches.count;
  return touches;
}

/** Micro-op i is transaction t's first on its key: records its external read (only a committed
 *  transaction's read observed anything) and its writes of the key, the last of them final. */
function recordKey(s: InferenceScaffold, touches: Touches, t: number, i: number, m: number): void {
  const { mopKey, mopKind, writes } = s;
  const value = s.txns.mops[t];
  const k = mopKey[i];
  const read = mopKind[i] === READ && s.txns.type[t] === OK ? s.reads.push(t, i, k, (value[i] as Mop)[2] ?? null) : -1;
  let final = -1;
  for (let j = i; j < m; j++) {
    if (mopKey[j] !== k || mopKind[j] !== WRITE) continue;
    const written = (value[j] as Mop)[2];
    const earlier = writes.record(t, k, j, written);
    if (earlier !== -1) {
      s.reportFatal("duplicate-writes", duplicateWriteCase(s, t, k, written, earlier));
      continue;
    }
    if (final !== -1) writes.markIntermediate(final);
    final = writes.count - 1;
  }
  if (read !== -1 && final !== -1) s.updates.push(read);
  touches.push(k, read, final);
}

function duplicateWriteCase(s: InferenceScaffold, t: number, k: number, written: unknown, earlier: number): AnomalyCase {
  const key = s.keys.names[k];
  return {
    key,
    value: written,
    ops: [summarizeTxn(s.txns, s.writes.txn.data[earlier]), summarizeTxn(s.txns, t)],
    explanation: `value ${show(written)} was written to key ${show(key)} more than once, so a read of it cannot name its writer`,
  };
}

const holdsWrite = (read: Mop, write: Mop): boolean => (read[2] ?? null) === (write[2] ?? null);

function futureReadCase(s: InferenceScaffold, t: number): AnomalyCase | undefined {
  const found = readBeforeOwnWrite(s, t, WRITE, holdsWrite);
  if (found === undefined) return undefined;
  const [read, write] = found;
  const v = write[2] ?? null;
  return {
    op: summarizeTxn(s.txns, t),
    mop: read,
    element: v,
    explanation: `the transaction read key ${show(write[1])} = ${show(v)} before it wrote ${show(v)} itself`,
  };
}

/** A read must equal the transaction's own latest write or read of the key. Scans back instead of
 *  keeping per-key state: transactions are short, and this runs for most of them. */
function internalCase(s: InferenceScaffold, t: number): AnomalyCase | undefined {
  const value = s.txns.mops[t];
  const { mopKey, mopKind } = s;
  for (let i = 0; i < value.length; i++) {
    if (mopKind[i] === WRITE) continue;
    let j = i - 1;
    while (j >= 0 && mopKey[j] !== mopKey[i]) j--;
    if (j < 0) continue;
    const mop = value[i] as Mop;
    const v = mop[2] ?? null;
    const expected = (value[j] as Mop)[2] ?? null;
    if (expected === v) continue;
    return {
      op: summarizeTxn(s.txns, t),
      mop,
      expected,
      explanation: `the transaction read key ${show(mop[1])} = ${show(v)}, but its own earlier operations imply ${show(expected)}`,
    };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// What each read observed

/** Per read, the write whose value it returned; NIL, or GARBAGE for a value nobody wrote. */
function observedWrites(s: InferenceScaffold): Int32Array {
  const { reads, writes } = s;
  const observed = s.alloc.int32(reads.count);
  for (let r = 0; r < reads.count; r++) {
    const v = reads.values[r];
    if (v === null) observed[r] = NIL;
    else {
      const w = writes.index.get(reads.key.data[r], v);
      observed[r] = w === -1 ? GARBAGE : w;
    }
  }
  return observed;
}

/** A read that returned the transaction's own later write is a future read, reported already. */
function readsOther(s: InferenceScaffold, observed: Int32Array, r: number): boolean {
  return observed[r] >= 0 && s.writes.txn.data[observed[r]] !== s.reads.txn.data[r];
}

function garbageReadCases(s: InferenceScaffold, observed: Int32Array): AnomalyCase[] {
  const cases: AnomalyCase[] = [];
  for (let r = 0; r < s.reads.count; r++) {
    if (observed[r] !== GARBAGE) continue;
    cases.push(readCase(s, r, -1, (key, v) => `the transaction read key ${show(key)} = ${show(v)}, a value no transaction ever wrote to it`));
  }
  return cases;
}

function g1aCases(s: InferenceScaffold, observed: Int32Array): AnomalyCase[] {
  const cases: AnomalyCase[] = [];
  for (let r = 0; r < s.reads.count; r++) {
    if (!readsOther(s, observed, r)) continue;
    const writer = s.writes.txn.data[observed[r]];
    if (s.txns.type[writer] !== FAIL) continue;
    cases.push(readCase(s, r, writer, (key, v) => `the transaction read key ${show(key)} = ${show(v)}, written by a transaction that failed (aborted)`));
  }
  return cases;
}

function g1bCases(s: InferenceScaffold, observed: Int32Array): AnomalyCase[] {
  const cases: AnomalyCase[] = [];
  for (let r = 0; r < s.reads.count; r++) {
    if (!readsOther(s, observed, r)) continue;
    const w = observed[r];
    const writer = s.writes.txn.data[w];
    if (s.txns.type[writer] === FAIL || !s.writes.isIntermediate(w)) continue;
    cases.push(
      readCase(s, r, writer, (key, v) => `the transaction read key ${show(key)} = ${show(v)}, which its writer overwrote later in the same transaction: an intermediate state`),
    );
  }
  return cases;
}

/** Evidence of an anomalous read: the reading op, its micro-op, the writer it read from (unless
 *  -1), and what it returned. */
function readCase(s: InferenceScaffold, r: number, writer: number, explain: (key: unknown, value: unknown) => string): AnomalyCase {
  const mop = s.reads.microOp(s.txns, r);
  const v = s.reads.values[r];
  return {
    op: summarizeTxn(s.txns, s.reads.txn.data[r]),
    mop,
    ...(writer === -1 ? {} : { writer: summarizeTxn(s.txns, writer) }),
    element: v,
    explanation: explain(mop[1], v),
  };
}

/** Per read, the version it observed: a final write of a transaction that did not fail, or its key's
 *  initial nil; -1 for anything else (garbage, aborted, intermediate, its own future). */
function versionsRead(s: InferenceScaffold, observed: Int32Array): Int32Array {
  const { reads, writes } = s;
  const { type } = s.txns;
  const version = s.alloc.int32(reads.count);
  for (let r = 0; r < reads.count; r++) {
    const w = observed[r];
    if (w === NIL) version[r] = initialVersion(s, reads.key.data[r]);
    else if (readsOther(s, observed, r) && type[writes.txn.data[w]] !== FAIL && !writes.isIntermediate(w)) version[r] = w;
    else version[r] = -1;
  }
  return version;
}

/** Committed transactions that read the same version of a key and each wrote it. */
function lostUpdateCases(h: RegisterHistory): AnomalyCase[] {
  const { s, readVersion } = h;
  const { updates, reads, txns } = s;
  const state = s.alloc.int32(updates.length);
  for (let u = 0; u < updates.length; u++) state[u] = readVersion[updates.data[u]];
  return sameStateUpdates(s, state).map((group) => {
    const mop = reads.microOp(txns, updates.data[group[0]]);
    const v = mop[2] ?? null;
    return {
      key: mop[1],
      value: v,
      txns: group.map((u) => summarizeTxn(txns, reads.txn.data[updates.data[u]])),
      explanation: `${group.length} committed transactions read key ${show(mop[1])} = ${show(v)} and each wrote it, so each overwrote an update the others never saw`,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Dependency edges: wr from what reads observed; ww and rw along every version edge

function dependencyEdges(h: RegisterHistory, order: VersionOrder, reserveEdges: number): EdgeBuffer {
  const { s, readVersion } = h;
  const readers = new StateReaders(order.versionCount, readVersion, s.reads, s.alloc);
  // Counted first, so the buffer is allocated once at its final size.
  let edgeCount = s.reads.count + reserveEdges;
  for (let i = 0; i < order.length; i++) edgeCount += 1 + readers.count(order.from.data[i]);
  const edges = new EdgeBuffer(edgeCount, s.alloc);
  wrEdges(h, edges);
  // Version edge by version edge, so each transaction's out-edges stay in the order the cycle
  // search has always walked them in.
  for (let i = 0; i < order.length; i++) {
    wwEdge(s, order, edges, i);
    rwEdges(s, order, readers, edges, i);
  }
  return edges;
}

/** Each read follows the write whose value it returned. */
function wrEdges(h: RegisterHistory, edges: EdgeBuffer): void {
  const { s, readVersion } = h;
  const writeCount = s.writes.count;
  for (let r = 0; r < readVersion.length; r++) {
    const w = readVersion[r];
    if (w >= 0 && w < writeCount) edges.add(s.writes.txn.data[w], s.reads.txn.data[r], WR);
  }
}

/** The writer of a version follows the writer of the version before it. */
function wwEdge(s: InferenceScaffold, order: VersionOrder, edges: EdgeBuffer, edge: number): void {
  const from = order.from.data[edge];
  if (from >= s.writes.count) return;
  const source = order.source.data[edge];
  const kind = source === SEQUENTIAL ? WW_PROCESS : source === LINEARIZABLE ? WW_REALTIME : WW;
  edges.add(s.writes.txn.data[from], s.writes.txn.data[order.to.data[edge]], kind);
}

/** The writer of a version follows every reader of the version before it. */
function rwEdges(s: InferenceScaffold, order: VersionOrder, readers: StateReaders, edges: EdgeBuffer, edge: number): void {
  const source = order.source.data[edge];
  const kind = source === SEQUENTIAL ? RW_PROCESS : source === LINEARIZABLE ? RW_REALTIME : RW;
  readers.addEdgesTo(edges, order.from.data[edge], s.writes.txn.data[order.to.data[edge]], kind);
}

// ---------------------------------------------------------------------------------------------
// Edges in words

function explainer(h: RegisterHistory, order: VersionOrder): PairExplainer {
  const ww = (sources: readonly number[]): KindExplainer => (from, to, fromName, toName) => explainWw(h, order, sources, from, to, fromName, toName);
  const rw = (sources: readonly number[]): KindExplainer => (from, to, fromName, toName) => explainRw(h, order, sources, from, to, fromName, toName);
  return explainerByKind(
    new Map<number, KindExplainer>([
      [WR, (from, to, fromName, toName) => explainWr(h, from, to, fromName, toName)],
      [WW, ww([INITIAL, WFR])],
      [WW_PROCESS, ww([SEQUENTIAL])],
      [WW_REALTIME, ww([LINEARIZABLE])],
      [RW, rw([INITIAL, WFR])],
      [RW_PROCESS, rw([SEQUENTIAL])],
      [RW_REALTIME, rw([LINEARIZABLE])],
    ]),
  );
}

function explainWr(h: RegisterHistory, from: number, to: number, fromName: string, toName: string): StepFacts | null {
  const { s, touches, readVersion } = h;
  for (let touch = touches.start[to]; touch < touches.start[to + 1]; touch++) {
    const read = touches.read.data[touch];
    if (read === -1) continue;
    const w = readVersion[read];
    if (w < 0 || w >= s.writes.count || s.writes.txn.data[w] !== from) continue;
    const key = s.keys.names[touches.key.data[touch]];
    const v = s.writes.value(s.txns, w);
    return { key, value: v, text: `${toName} read key ${show(key)} = ${show(v)}, which ${fromName} wrote` };
  }
  return null;
}

function explainWw(h: RegisterHistory, order: VersionOrder, sources: readonly number[], from: number, to: number, fromName: string, toName: string): StepFacts | null {
  const step = versionStep(h, order, sources, from, to, (touch) => h.touches.write.data[touch]);
  if (step === undefined) return null;
  const { key, before, after, edge } = step;
  return { key, value: before, valueAfter: after, text: `${fromName} wrote key ${show(key)} = ${show(before)} and ${toName} wrote ${show(after)}, which follows it (${order.because(edge)})` };
}

function explainRw(h: RegisterHistory, order: VersionOrder, sources: readonly number[], from: number, to: number, fromName: string, toName: string): StepFacts | null {
  const step = versionStep(h, order, sources, from, to, (touch) => (h.touches.read.data[touch] === -1 ? -1 : h.readVersion[h.touches.read.data[touch]]));
  if (step === undefined) return null;
  const { key, before, after, edge } = step;
  return { key, value: before, valueAfter: after, text: `${fromName} read key ${show(key)} = ${show(before)} and ${toName} wrote ${show(after)}, which follows it (${order.because(edge)})` };
}

/** The first key on which a version `from` had (as `versionOf` its touch says) precedes one `to`
 *  wrote, by a version edge from one of `sources`. */
function versionStep(
  h: RegisterHistory,
  order: VersionOrder,
  sources: readonly number[],
  from: number,
  to: number,
  versionOf: (touch: number) => number,
): { key: unknown; before: unknown; after: unknown; edge: number } | undefined {
  const { s, touches } = h;
  for (let touchTo = touches.start[to]; touchTo < touches.start[to + 1]; touchTo++) {
    const second = touches.write.data[touchTo];
    if (second === -1) continue;
    const k = touches.key.data[touchTo];
    for (let touchFrom = touches.start[from]; touchFrom < touches.start[from + 1]; touchFrom++) {
      if (touches.key.data[touchFrom] !== k) continue;
      const first = versionOf(touchFrom);
      if (first < 0) continue;
      const edge = order.find(first, second);
      if (edge === -1 || !sources.includes(order.source.data[edge])) continue;
      const before = first >= s.writes.count ? null : s.writes.value(s.txns, first);
      return { key: s.keys.names[k], before, after: s.writes.value(s.txns, second), edge };
    }
  }
  return undefined;
}
