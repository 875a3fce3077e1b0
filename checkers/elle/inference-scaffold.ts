// The one state every inference pass works on, list-append and rw-register alike (Elle's txn.clj
// plays this part). A workload's inference is a sequence of small passes over it:
//
//   1. a recording pass walks each transaction once: describeTxn() checks its micro-ops against
//      the workload's grammar and gives each a key id and kind; the workload then records its
//      writes (appends or register writes, indexed by (key, value): values are unique per key, so
//      a value names its write), the reads it learns from, and its read-modify-writes, and finds
//      the anomalies visible inside one transaction;
//   2. later passes derive what each workload needs (version orders, what each read observed)
//      and hand it on to the next explicitly;
//   3. every non-cycle anomaly is one function returning its cases, each naming the ops that
//      prove it; report() files them;
//   4. each dependency kind is one function adding its edges, and one explaining them.
//
// Tables are typed arrays from the check's arena, sized by the micro-op count: no pass records more
// than one entry per micro-op, so none ever grows.

import type { Allocator } from "./arena.ts";
import { type EdgeBuffer, IntVec } from "./edges.ts";
import { type Anomalies, type Inference, type PairExplainer, type StepFacts, addAnomaly } from "./inference.ts";
import { KeyIds } from "./key-ids.ts";
import { type Mop, READ, UNKNOWN, microOpKind } from "./micro-ops.ts";
import { PairIndex } from "./pair-index.ts";
import { OK, type Txns, summarizeTxn } from "./txns.ts";

/** One occurrence of a non-cycle anomaly: the ops (or values) that prove it, and why in words. */
export interface AnomalyCase {
  explanation: string;
  [field: string]: unknown;
}

/** The micro-ops a workload's transactions may hold. */
export interface MicroOpGrammar {
  workload: string;
  /** As people write them, for the explanation of an unexpected one: "[w k v] and [r k v]". */
  forms: string;
  /** Whether a micro-op of a known kind is one this workload can learn from; `committed` says
   *  whether its transaction completed ok. */
  accepts(kind: number, mop: Mop, committed: boolean): boolean;
}

/** Write flag: the same transaction wrote the key again afterwards, so this version was only ever
 *  intermediate (reading it is G1b). */
const INTERMEDIATE = 1;

/** Every write inference learns from, by id in recording order. */
export class WriteLog {
  readonly txn: IntVec;
  readonly key: IntVec;
  /** Index of the micro-op within its transaction. */
  readonly mop: IntVec;
  private readonly flags: IntVec;
  /** (key id, value) → write id. */
  readonly index: PairIndex;

  constructor(capacity: number, alloc: Allocator) {
    this.txn = new IntVec(capacity, alloc);
    this.key = new IntVec(capacity, alloc);
    this.mop = new IntVec(capacity, alloc);
    this.flags = new IntVec(capacity, alloc);
    this.index = new PairIndex(capacity, alloc);
  }

  get count(): number {
    return this.txn.length;
  }

  /** Records micro-op i of transaction t writing `value` to key k, as write id `count - 1`;
   *  unless that value was written to k before: then it records nothing and returns the earlier
   *  write's id (else -1). */
  record(t: number, k: number, i: number, value: unknown): number {
    const earlier = this.index.setIfAbsent(k, value, this.txn.length);
    if (earlier !== -1) return earlier;
    this.txn.push(t);
    this.key.push(k);
    this.mop.push(i);
    this.flags.push(0);
    return -1;
  }

  /** Write w's transaction wrote its key again afterwards. */
  markIntermediate(w: number): void {
    this.flags.data[w] |= INTERMEDIATE;
  }

  isIntermediate(w: number): boolean {
    return (this.flags.data[w] & INTERMEDIATE) !== 0;
  }

  /** The value write w wrote. */
  value(txns: Txns, w: number): unknown {
    return (txns.mops[this.txn.data[w]][this.mop.data[w]] as Mop)[2];
  }
}

/** The committed reads inference learns from, by id in recording order. */
export class ReadLog {
  readonly txn: IntVec;
  readonly mop: IntVec;
  readonly key: IntVec;
  /** What each read returned (a list for list-append, a value or null for rw-register), so later
   *  passes need not walk back through the history. */
  readonly values: unknown[];

  constructor(capacity: number, alloc: Allocator) {
    this.txn = new IntVec(capacity, alloc);
    this.mop = new IntVec(capacity, alloc);
    this.key = new IntVec(capacity, alloc);
    this.values = new Array<unknown>(capacity);
  }

  get count(): number {
    return this.txn.length;
  }

  push(t: number, i: number, k: number, value: unknown): number {
    this.values[this.txn.length] = value;
    this.mop.push(i);
    this.key.push(k);
    return this.txn.push(t);
  }

  /** The read's micro-op as the history holds it. */
  microOp(txns: Txns, r: number): Mop {
    return txns.mops[this.txn.data[r]][this.mop.data[r]] as Mop;
  }
}

export class InferenceScaffold {
  readonly anomalies: Anomalies = new Map();
  /** Set when the history breaks an assumption inference rests on (see Inference.fatal). */
  fatal = false;
  readonly keys: KeyIds;
  readonly writes: WriteLog;
  readonly reads: ReadLog;
  /** Reads whose transaction went on to write the same key: the raw material of lost updates. */
  readonly updates: IntVec;
  /** The micro-ops of the transaction describeTxn() last described: key id and kind of each, and
   *  the write or read id the recording pass gave it (-1 for none). */
  mopKey: Int32Array;
  mopKind: Int32Array;
  mopEntry: Int32Array;

  constructor(
    readonly txns: Txns,
    readonly alloc: Allocator,
    private readonly grammar: MicroOpGrammar,
  ) {
    const capacity = Math.max(16, txns.mopCount);
    // Arena tables first, and no ArrayBuffer of our own before them (KeyIds makes one; the
    // scratch arrays come from the arena). The arena's allocation has just started a V8 marking
    // under external-memory pressure, and an ArrayBuffer allocated in its first milliseconds was
    // measured to make V8 declare that marking done and finish it in one pause of seconds (a
    // million transactions on this machine); a little later it is harmless.
    this.writes = new WriteLog(capacity, alloc);
    this.reads = new ReadLog(capacity, alloc);
    this.keys = new KeyIds();
    this.updates = new IntVec(1024, alloc);
    this.mopKey = alloc.int32(64);
    this.mopKind = alloc.int32(64);
    this.mopEntry = alloc.int32(64);
  }

  get keyCount(): number {
    return this.keys.count;
  }

  /** Fills mopKey and mopKind for transaction t and returns how many of its micro-ops, from the
   *  first, are well formed: all of them, unless one the grammar rejects was found, which is then
   *  reported (unexpected-txn-micro-op-types) and makes the inference fatal. */
  describeTxn(t: number): number {
    const value = this.txns.mops[t];
    const m = value.length;
    if (m > this.mopKey.length) {
      this.mopKey = this.alloc.int32(m * 2);
      this.mopKind = this.alloc.int32(m * 2);
      this.mopEntry = this.alloc.int32(m * 2);
    }
    const committed = this.txns.type[t] === OK;
    for (let i = 0; i < m; i++) {
      const mop = value[i];
      const kind = Array.isArray(mop) && mop.length >= 2 ? microOpKind(mop[0]) : UNKNOWN;
      if (kind === UNKNOWN || !this.grammar.accepts(kind, mop as Mop, committed)) {
        this.reportFatal("unexpected-txn-micro-op-types", {
          op: summarizeTxn(this.txns, t),
          mop,
          explanation: `${this.grammar.workload} transactions hold only ${this.grammar.forms}; got ${JSON.stringify(mop)}`,
        });
        return i;
      }
      this.mopKey[i] = this.keys.intern((mop as Mop)[1]);
      this.mopKind[i] = kind;
    }
    return m;
  }

  /** Whether two of the described transaction's first m micro-ops share a key: only then can it
   *  contradict itself. */
  repeatsKey(m: number): boolean {
    const { mopKey } = this;
    for (let i = 1; i < m; i++) for (let j = 0; j < i; j++) if (mopKey[i] === mopKey[j]) return true;
    return false;
  }

  /** Whether micro-op i is the described transaction's first on its key. */
  isFirstAccess(i: number): boolean {
    const { mopKey } = this;
    for (let j = 0; j < i; j++) if (mopKey[j] === mopKey[i]) return false;
    return true;
  }

  /** Whether a micro-op of `kind` on micro-op i's key follows it among the first m. */
  followedBy(i: number, m: number, kind: number): boolean {
    const { mopKey, mopKind } = this;
    for (let j = i + 1; j < m; j++) if (mopKind[j] === kind && mopKey[j] === mopKey[i]) return true;
    return false;
  }

  report(type: string, cases: readonly AnomalyCase[]): void {
    for (const found of cases) addAnomaly(this.anomalies, type, found);
  }

  reportCase(type: string, found: AnomalyCase | undefined): void {
    if (found !== undefined) addAnomaly(this.anomalies, type, found);
  }

  /** Reports a case that leaves the inferred edges untrustworthy. */
  reportFatal(type: string, found: AnomalyCase): void {
    this.fatal = true;
    addAnomaly(this.anomalies, type, found);
  }

  /** What the inference hands the checker; `edges` holds data edges only so far. */
  inference(edges: EdgeBuffer, explainer: PairExplainer): Inference {
    return { edges, anomalies: this.anomalies, explainer, fatal: this.fatal, keyCount: this.keyCount, dataEdgeCount: edges.length };
  }
}

/** The first read in transaction t (already described) that holds what a later write of the same
 *  transaction to the same key puts there, as [read, write] micro-ops; the transaction saw its own
 *  future (future-read). */
export function readBeforeOwnWrite(
  s: InferenceScaffold,
  t: number,
  writeKind: number,
  holds: (read: Mop, write: Mop) => boolean,
): [Mop, Mop] | undefined {
  const value = s.txns.mops[t];
  const { mopKey, mopKind } = s;
  for (let i = 0; i < value.length; i++) {
    if (mopKind[i] !== writeKind) continue;
    for (let j = 0; j < i; j++) {
      if (mopKey[j] === mopKey[i] && mopKind[j] === READ && holds(value[j] as Mop, value[i] as Mop)) return [value[j] as Mop, value[i] as Mop];
    }
  }
  return undefined;
}

/** The transactions that observed each state, bucketed by state (a counting sort): an anti-
 *  dependency runs from each of them to whoever installed the next state. */
export class StateReaders {
  readonly start: Int32Array;
  readonly txns: Int32Array;

  /** `stateOfRead[r]`: the state read r observed, in [0, stateCount), or -1 for none. */
  constructor(stateCount: number, stateOfRead: Int32Array, reads: ReadLog, alloc: Allocator) {
    const start = alloc.int32(stateCount + 1);
    const readCount = reads.count;
    for (let r = 0; r < readCount; r++) if (stateOfRead[r] >= 0) start[stateOfRead[r] + 1]++;
    for (let v = 0; v < stateCount; v++) start[v + 1] += start[v];
    const txns = alloc.int32(start[stateCount]);
    const fill = alloc.int32(stateCount);
    fill.set(start.subarray(0, stateCount));
    const readTxn = reads.txn.data;
    for (let r = 0; r < readCount; r++) if (stateOfRead[r] >= 0) txns[fill[stateOfRead[r]]++] = readTxn[r];
    this.start = start;
    this.txns = txns;
  }

  count(state: number): number {
    return this.start[state + 1] - this.start[state];
  }

  /** Adds an edge of `kind` from each reader of `state` to `writer`. */
  addEdgesTo(edges: EdgeBuffer, state: number, writer: number, kind: number): void {
    const { start, txns } = this;
    for (let i = start[state]; i < start[state + 1]; i++) edges.add(txns[i], writer, kind);
  }
}

/** Lost updates' common shape: the updates (indexes into s.updates) that read the same state of
 *  the same key, in groups of two or more, in the order the groups formed. `state[u]` names the
 *  state update u read; negative when unknown (that update is left out). */
export function sameStateUpdates(s: InferenceScaffold, state: Int32Array): number[][] {
  const { updates, reads } = s;
  const firstByState = new PairIndex(updates.length, s.alloc);
  const groups = new Map<number, number[]>();
  for (let u = 0; u < updates.length; u++) {
    if (state[u] < 0) continue;
    const first = firstByState.setIfAbsent(reads.key.data[updates.data[u]], state[u], u);
    if (first === -1) continue;
    const group = groups.get(first);
    if (group === undefined) groups.set(first, [first, u]);
    else group.push(u);
  }
  return [...groups.values()];
}

/** Says why `from` precedes `to` by one dependency kind, or null when that edge was not inferred. */
export type KindExplainer = (from: number, to: number, fromName: string, toName: string) => StepFacts | null;

/** A PairExplainer from one explainer per dependency kind. */
export function explainerByKind(byKind: ReadonlyMap<number, KindExplainer>): PairExplainer {
  return {
    explain(from, to, kind, fromName, toName) {
      const explain = byKind.get(kind);
      return explain === undefined ? null : explain(from, to, fromName, toName);
    },
  };
}
