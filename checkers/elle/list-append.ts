// Inference for list-append histories (Elle §4): every read returns the whole list, so the longest
// read of a key spells out the order its appends took effect, and each read pins down exactly
// which append it saw last. From that order we get ww, wr and rw edges, and without any cycle
// search: aborted and intermediate reads, incompatible orders, duplicates, garbage, internal
// inconsistency, future reads, dirty updates and lost updates.
//
// inferListAppend is the list of passes over the shared scaffold (inference-scaffold.ts); each
// anomaly below is one function returning its cases, and each dependency kind one function adding
// its edges and one explaining them.
//
// Performance shape: one pass over transactions records appends and reads in typed arrays (and
// each key's longest read, while the list is in cache); a pass per key positions its longest
// read; a pass per read resolves only the read's last element (a read compatible with the longest
// is its prefix, so the rest is known without lookups); and a pass per append emits edges. Element-by-element work happens only for the rare reads that the
// per-key summaries flag (failed, unknown or repeated elements, incompatible keys).

import { type Allocator, HEAP_ALLOCATOR } from "./arena.ts";
import { EdgeBuffer, RW, WR, WW } from "./edges.ts";
import { type AnomalyCase, InferenceScaffold, type KindExplainer, type MicroOpGrammar, StateReaders, explainerByKind, readBeforeOwnWrite, sameStateUpdates } from "./inference-scaffold.ts";
import type { Inference, PairExplainer, StepFacts } from "./inference.ts";
import { APPEND, type Mop, READ, microOpKind, show } from "./micro-ops.ts";
import { FAIL, OK, type Txns, summarizeTxn } from "./txns.ts";

const EMPTY: readonly unknown[] = [];
const NONE = 0x7fffffff;

const LIST_APPEND: MicroOpGrammar = {
  workload: "list-append",
  forms: "[append k v] and [r k list]",
  // What an uncommitted transaction's read holds was never observed, so it is not checked.
  accepts: (kind, mop, committed) => kind === APPEND || (kind === READ && (!committed || readList(mop) !== undefined)),
};

/** `reserveEdges`: room to leave in the edge buffer for the caller's process and real-time edges. */
export function inferListAppend(txns: Txns, alloc: Allocator = HEAP_ALLOCATOR, reserveEdges = 0): Inference {
  const s = new InferenceScaffold(txns, alloc, LIST_APPEND);
  const longest = new LongestReads();
  recordTxns(s, longest);
  s.report("incompatible-order", incompatibleOrderCases(s, longest));
  const order = appendOrder(s, longest);
  const seen = lastElements(s, longest, order);
  s.report("G1b", g1bCases(s, seen));
  s.report("garbage-read", garbageReadCases(s, seen.suspects));
  s.report("G1a", g1aCases(s, seen.suspects));
  s.report("duplicate-elements", duplicateElementCases(s, seen.suspects));
  const edges = dependencyEdges(s, order, seen, reserveEdges);
  s.report("dirty-update", dirtyUpdateCases(s, order));
  s.report("lost-update", lostUpdateCases(s, seen));
  return s.inference(edges, explainer(s, order));
}

function isPrefix(shorter: readonly unknown[], longer: readonly unknown[]): boolean {
  for (let i = 0; i < shorter.length; i++) if (shorter[i] !== longer[i]) return false;
  return true;
}

function readList(mop: Mop): readonly unknown[] | undefined {
  const list = mop[2];
  if (list === null || list === undefined) return EMPTY;
  return Array.isArray(list) ? list : undefined;
}

// ---------------------------------------------------------------------------------------------
// Recording: appends, committed reads (and each key's longest), and what one transaction shows of
// itself

function recordTxns(s: InferenceScaffold, longest: LongestReads): void {
  const { txns, writes, reads } = s;
  const { count, mops, type } = txns;
  for (let t = 0; t < count; t++) {
    const value = mops[t];
    const m = value.length;
    const ok = type[t] === OK;
    // A malformed transaction still contributes the micro-ops before the one that is not.
    const wellFormed = s.describeTxn(t);
    const { mopKey, mopKind, mopEntry } = s;
    for (let i = 0; i < wellFormed; i++) {
      const mop = value[i] as Mop;
      mopEntry[i] = -1;
      if (mopKind[i] === APPEND) {
        const earlier = writes.record(t, mopKey[i], i, mop[2]);
        if (earlier === -1) mopEntry[i] = writes.count - 1;
        else s.reportFatal("duplicate-appends", duplicateAppendCase(s, t, mop, earlier));
      } else if (ok) {
        const list = readList(mop) ?? EMPTY;
        mopEntry[i] = reads.push(t, i, mopKey[i], list);
        // Here rather than in a pass of its own: the list is in cache now.
        longest.observe(mopKey[i], list);
      }
    }
    if (wellFormed < m || m < 2 || !s.repeatsKey(m)) continue;
    flagIntermediateAppends(s, m);
    if (!ok) continue;
    s.reportCase("future-read", futureReadCase(s, t));
    s.reportCase("internal", internalCase(s, t));
    recordUpdates(s, m);
  }
}

function flagIntermediateAppends(s: InferenceScaffold, m: number): void {
  const { mopKind, mopEntry } = s;
  for (let i = 0; i < m; i++) {
    if (mopKind[i] === APPEND && mopEntry[i] !== -1 && s.followedBy(i, m, APPEND)) s.writes.markIntermediate(mopEntry[i]);
  }
}

/** The first access to a key being a read, followed by an append: read-modify-write. */
function recordUpdates(s: InferenceScaffold, m: number): void {
  const { mopKind, mopEntry } = s;
  for (let i = 0; i < m; i++) {
    if (mopKind[i] === READ && s.isFirstAccess(i) && s.followedBy(i, m, APPEND)) s.updates.push(mopEntry[i]);
  }
}

function duplicateAppendCase(s: InferenceScaffold, t: number, mop: Mop, earlier: number): AnomalyCase {
  return {
    key: mop[1],
    value: mop[2],
    ops: [summarizeTxn(s.txns, s.writes.txn.data[earlier]), summarizeTxn(s.txns, t)],
    explanation: `value ${show(mop[2])} was appended to key ${show(mop[1])} more than once, so reads cannot say which append they saw`,
  };
}

const holdsAppend = (read: Mop, append: Mop): boolean => (readList(read) ?? EMPTY).includes(append[2]);

function futureReadCase(s: InferenceScaffold, t: number): AnomalyCase | undefined {
  const found = readBeforeOwnWrite(s, t, APPEND, holdsAppend);
  if (found === undefined) return undefined;
  const [read, append] = found;
  return {
    op: summarizeTxn(s.txns, t),
    mop: read,
    element: append[2],
    explanation: `the transaction read ${show(append[2])} in key ${show(append[1])} before it appended ${show(append[2])} itself`,
  };
}

/** Elle's INT axiom: a read must agree with this transaction's own latest read of the key plus its
 *  appends since (or, with no earlier read, end with those appends). Scans back instead of keeping
 *  per-key state: transactions are short, and this runs for many of them. */
function internalCase(s: InferenceScaffold, t: number): AnomalyCase | undefined {
  const value = s.txns.mops[t];
  const { mopKey, mopKind } = s;
  for (let i = 0; i < value.length; i++) {
    if (mopKind[i] === APPEND) continue;
    const k = mopKey[i];
    let base = -1;
    let appends = 0;
    let touched = false;
    for (let j = i - 1; j >= 0; j--) {
      if (mopKey[j] !== k) continue;
      touched = true;
      if (mopKind[j] === APPEND) appends++;
      else {
        base = j;
        break;
      }
    }
    if (!touched) continue;
    const mop = value[i] as Mop;
    const list = readList(mop) ?? EMPTY;
    const baseList = base === -1 ? undefined : (readList(value[base] as Mop) ?? EMPTY);
    let offset: number;
    let bad: boolean;
    if (baseList !== undefined) {
      offset = baseList.length;
      bad = list.length !== offset + appends || !isPrefix(baseList, list);
    } else {
      offset = list.length - appends;
      bad = offset < 0;
    }
    for (let j = base + 1; j < i && !bad; j++) {
      if (mopKey[j] === k && mopKind[j] === APPEND) bad = list[offset++] !== (value[j] as Mop)[2];
    }
    if (!bad) continue;
    const own: unknown[] = [];
    for (let j = base + 1; j < i; j++) if (mopKey[j] === k && mopKind[j] === APPEND) own.push((value[j] as Mop)[2]);
    const expected = baseList === undefined ? ["...", ...own] : [...baseList, ...own];
    return {
      op: summarizeTxn(s.txns, t),
      mop,
      expected,
      explanation: `the transaction read key ${show(mop[1])} as ${show(list)}, but its own earlier operations imply ${show(expected)}`,
    };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Each key's version order

/** Per key, its longest read so far, and the reads no single append order explains. */
class LongestReads {
  /** Per key, its longest non-empty read. */
  readonly lists: (readonly unknown[] | undefined)[] = [];
  /** Per key, whether two of its reads are not prefixes one of the other. */
  readonly incompatible: boolean[] = [];
  /** The first such pair per key, shorter (or equal) first. */
  readonly conflicts: { k: number; lists: [readonly unknown[], readonly unknown[]] }[] = [];

  observe(k: number, list: readonly unknown[]): void {
    if (list.length === 0) return;
    while (k >= this.lists.length) {
      this.lists.push(undefined);
      this.incompatible.push(false);
    }
    const known = this.lists[k];
    if (known === undefined) {
      this.lists[k] = list;
    } else if (list !== known) {
      if (list.length > known.length) {
        if (!isPrefix(known, list)) this.conflict(k, known, list);
        this.lists[k] = list;
      } else if (!isPrefix(list, known)) {
        this.conflict(k, list, known);
      }
    }
  }

  private conflict(k: number, a: readonly unknown[], b: readonly unknown[]): void {
    if (this.incompatible[k]) return;
    this.incompatible[k] = true;
    this.conflicts.push({ k, lists: [a, b] });
  }
}

function incompatibleOrderCases(s: InferenceScaffold, longest: LongestReads): AnomalyCase[] {
  return longest.conflicts.map(({ k, lists: [a, b] }) => {
    const key = s.keys.names[k];
    return {
      key,
      values: [a, b],
      explanation: `key ${show(key)} was read as ${show(a)} and as ${show(b)}; neither is a prefix of the other, so no single order of appends explains both`,
    };
  });
}

/** Each key's versions: the distinct elements of its longest read, as append ids. Key k's states
 *  are numbered from base[k] + k: the empty list, then the list after each of its versions. */
interface AppendOrder {
  /** Per append, its position among its key's versions; -1 when the longest read lacks it. */
  position: Int32Array;
  /** Per append, the state it builds on: the one before its version, or for an append no read
   *  saw, the last one observed. */
  before: Int32Array;
  base: Int32Array;
  count: Int32Array;
  version: Int32Array;
  stateCount: number;
  /** Per key, the index in its longest read of the first element appended by a failed
   *  transaction, never appended, or repeated (NONE when there is none). */
  firstFailed: Int32Array;
  firstGarbage: Int32Array;
  firstDuplicate: Int32Array;
}

function appendOrder(s: InferenceScaffold, longest: LongestReads): AppendOrder {
  const { writes, alloc } = s;
  const { type } = s.txns;
  const keyCount = s.keyCount;
  const appendCount = writes.count;
  const position = alloc.int32(appendCount).fill(-1);
  const base = alloc.int32(keyCount + 1);
  const count = alloc.int32(keyCount);
  const firstFailed = alloc.int32(keyCount).fill(NONE);
  const firstGarbage = alloc.int32(keyCount).fill(NONE);
  const firstDuplicate = alloc.int32(keyCount).fill(NONE);
  const version = alloc.int32(Math.max(1, appendCount));
  let versions = 0;
  for (let k = 0; k < keyCount; k++) {
    base[k] = versions;
    const list = longest.lists[k];
    if (list === undefined) continue;
    for (let i = 0; i < list.length; i++) {
      const a = writes.index.get(k, list[i]);
      if (a === -1) {
        if (firstGarbage[k] === NONE) firstGarbage[k] = i;
        continue;
      }
      if (position[a] !== -1) {
        if (firstDuplicate[k] === NONE) firstDuplicate[k] = i;
        continue;
      }
      position[a] = versions - base[k];
      version[versions++] = a;
      if (type[writes.txn.data[a]] === FAIL && firstFailed[k] === NONE) firstFailed[k] = i;
    }
    count[k] = versions - base[k];
  }
  base[keyCount] = versions;
  const before = alloc.int32(appendCount);
  const appendKey = writes.key.data;
  for (let a = 0; a < appendCount; a++) {
    const k = appendKey[a];
    const p = position[a];
    before[a] = base[k] + k + (p >= 0 ? p : count[k]);
  }
  return { position, before, base, count, version, stateCount: versions + keyCount, firstFailed, firstGarbage, firstDuplicate };
}

/** The state of key k once its version at `position` is in (-1: the empty list). */
function stateOf(order: AppendOrder, k: number, position: number): number {
  return order.base[k] + k + position + 1;
}

/** The append whose version append a builds on, or -1 for the empty list. */
function previousAppend(s: InferenceScaffold, order: AppendOrder, a: number): number {
  const k = s.writes.key.data[a];
  const state = order.before[a];
  return state === stateOf(order, k, -1) ? -1 : order.version[state - k - 1];
}

// ---------------------------------------------------------------------------------------------
// What each read saw

interface LastElements {
  /** Per read, the append its last element names; -1 when it is empty or nobody appended that. */
  append: Int32Array;
  /** Per read, the transaction it read from (a wr edge), or -1. */
  writer: Int32Array;
  wrCount: number;
  /** Per read, the state it observed, or -1 when its last element has no place in the order. */
  state: Int32Array;
  /** Reads holding elements the version order does not vouch for: checked element by element. */
  suspects: number[];
}

function lastElements(s: InferenceScaffold, longest: LongestReads, order: AppendOrder): LastElements {
  const { reads, writes, alloc } = s;
  const { type } = s.txns;
  const readCount = reads.count;
  const append = alloc.int32(readCount);
  const writer = alloc.int32(readCount).fill(-1);
  const state = alloc.int32(readCount);
  const suspects: number[] = [];
  let wrCount = 0;
  const { firstFailed, firstGarbage, firstDuplicate, position } = order;
  const values = reads.values as (readonly unknown[])[];
  const readTxn = reads.txn.data;
  const readKey = reads.key.data;
  const appendTxn = writes.txn.data;
  for (let r = 0; r < readCount; r++) {
    const t = readTxn[r];
    const k = readKey[r];
    const list = values[r];
    const len = list.length;
    const a = len === 0 ? -1 : writes.index.get(k, list[len - 1]);
    append[r] = a;
    state[r] = len === 0 ? stateOf(order, k, -1) : a !== -1 && position[a] !== -1 ? stateOf(order, k, position[a]) : -1;
    if (a !== -1) {
      const w = appendTxn[a];
      if (w !== t && type[w] !== FAIL) {
        writer[r] = w;
        wrCount++;
      }
    }
    if (longest.incompatible[k] === true || len > firstFailed[k] || len > firstGarbage[k] || len > firstDuplicate[k]) suspects.push(r);
  }
  return { append, writer, wrCount, state, suspects };
}

function g1bCases(s: InferenceScaffold, seen: LastElements): AnomalyCase[] {
  const { reads, writes, txns } = s;
  const cases: AnomalyCase[] = [];
  for (let r = 0; r < reads.count; r++) {
    const a = seen.append[r];
    if (a === -1 || !writes.isIntermediate(a)) continue;
    const t = reads.txn.data[r];
    const writer = writes.txn.data[a];
    if (writer === t) continue;
    const mop = reads.microOp(txns, r);
    const list = reads.values[r] as readonly unknown[];
    const element = list[list.length - 1];
    cases.push({
      op: summarizeTxn(txns, t),
      mop,
      writer: summarizeTxn(txns, writer),
      element,
      explanation: `the read of key ${show(mop[1])} ended in ${show(element)}, which the writer followed with another append to that key in the same transaction: an intermediate state`,
    });
  }
  return cases;
}

function garbageReadCases(s: InferenceScaffold, suspects: readonly number[]): AnomalyCase[] {
  const cases: AnomalyCase[] = [];
  for (const { r, mop, element, a } of suspectElements(s, suspects)) {
    if (a !== -1) continue;
    cases.push({
      op: summarizeTxn(s.txns, s.reads.txn.data[r]),
      mop,
      element,
      explanation: `the read of key ${show(mop[1])} contains ${show(element)}, which no transaction ever appended to that key`,
    });
  }
  return cases;
}

function g1aCases(s: InferenceScaffold, suspects: readonly number[]): AnomalyCase[] {
  const { writes, txns } = s;
  const cases: AnomalyCase[] = [];
  for (const { r, mop, element, a } of suspectElements(s, suspects)) {
    if (a === -1 || txns.type[writes.txn.data[a]] !== FAIL) continue;
    cases.push({
      op: summarizeTxn(txns, s.reads.txn.data[r]),
      mop,
      writer: summarizeTxn(txns, writes.txn.data[a]),
      element,
      explanation: `the read of key ${show(mop[1])} contains ${show(element)}, appended by a transaction that failed (aborted)`,
    });
  }
  return cases;
}

/** Each distinct element of each suspect read, with the append that put it there (-1: none). */
function* suspectElements(s: InferenceScaffold, suspects: readonly number[]): Generator<{ r: number; mop: Mop; element: unknown; a: number }> {
  for (const r of suspects) {
    const mop = s.reads.microOp(s.txns, r);
    for (const element of new Set(s.reads.values[r] as readonly unknown[])) yield { r, mop, element, a: s.writes.index.get(s.reads.key.data[r], element) };
  }
}

function duplicateElementCases(s: InferenceScaffold, suspects: readonly number[]): AnomalyCase[] {
  const { reads, txns } = s;
  const cases: AnomalyCase[] = [];
  for (const r of suspects) {
    const counts = new Map<unknown, number>();
    const seen = new Set<unknown>();
    for (const element of reads.values[r] as readonly unknown[]) {
      if (seen.has(element)) counts.set(element, (counts.get(element) ?? 1) + 1);
      else seen.add(element);
    }
    if (counts.size === 0) continue;
    const mop = reads.microOp(txns, r);
    cases.push({
      op: summarizeTxn(txns, reads.txn.data[r]),
      mop,
      duplicates: Object.fromEntries(counts),
      explanation: `the read of key ${show(mop[1])} contains ${[...counts].map(([e, c]) => `${show(e)} ${c} times`).join(", ")}, but every value is appended once`,
    });
  }
  return cases;
}

/** Elle's dirty update: walking a key's version order, a committed append directly (or through
 *  unknown ones) on top of an aborted one. */
function dirtyUpdateCases(s: InferenceScaffold, order: AppendOrder): AnomalyCase[] {
  const { writes, txns } = s;
  const { base, version } = order;
  const appendTxn = writes.txn.data;
  const { type } = txns;
  const cases: AnomalyCase[] = [];
  for (let k = 0; k < s.keyCount; k++) {
    let previousTxn = -1;
    let previousType = OK;
    let from = base[k];
    for (let i = base[k]; i < base[k + 1]; i++) {
      const writer = appendTxn[version[i]];
      const writerType = type[writer];
      if (writerType === OK) {
        if (previousType === FAIL) {
          const values = [];
          for (let j = from; j <= i; j++) values.push(writes.value(txns, version[j]));
          const key = s.keys.names[k];
          cases.push({
            key,
            values,
            from: summarizeTxn(txns, previousTxn),
            to: summarizeTxn(txns, writer),
            explanation: `on key ${show(key)} a committed append of ${show(values[values.length - 1])} builds on ${show(values[0])}, appended by a failed transaction`,
          });
        }
        previousTxn = writer;
        previousType = OK;
        from = i;
      } else if (writerType === FAIL && previousType !== FAIL) {
        previousTxn = writer;
        previousType = FAIL;
        from = i;
      }
    }
  }
  return cases;
}

/** Two committed transactions that read the same version of a key and both appended to it. The
 *  version read is named by its last element's append (0 for the empty list, append id + 1
 *  otherwise). */
function lostUpdateCases(s: InferenceScaffold, seen: LastElements): AnomalyCase[] {
  const { updates, reads, txns } = s;
  const state = s.alloc.int32(updates.length);
  for (let u = 0; u < updates.length; u++) {
    const r = updates.data[u];
    state[u] = (reads.values[r] as readonly unknown[]).length === 0 ? 0 : seen.append[r] === -1 ? -1 : seen.append[r] + 1;
  }
  return sameStateUpdates(s, state).map((group) => {
    const r = updates.data[group[0]];
    const mop = reads.microOp(txns, r);
    const list = reads.values[r];
    return {
      key: mop[1],
      value: list,
      txns: group.map((u) => summarizeTxn(txns, reads.txn.data[updates.data[u]])),
      explanation: `${group.length} committed transactions read key ${show(mop[1])} as ${show(list)} and each appended to it, so each overwrote an update the others never saw`,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Dependency edges

function dependencyEdges(s: InferenceScaffold, order: AppendOrder, seen: LastElements, reserveEdges: number): EdgeBuffer {
  const { writes, alloc } = s;
  const { type } = s.txns;
  const appendTxn = writes.txn.data;
  const readers = new StateReaders(order.stateCount, seen.state, s.reads, alloc);
  // Counted first, so the buffer is allocated once at its final size.
  let edgeCount = seen.wrCount + reserveEdges;
  for (let a = 0; a < writes.count; a++) if (type[appendTxn[a]] !== FAIL) edgeCount += 1 + readers.count(order.before[a]);
  const edges = new EdgeBuffer(edgeCount, alloc);
  wrEdges(s, seen, edges);
  // Append by append, so each transaction's out-edges stay in history order, which is the order
  // the cycle search walks them in.
  for (let a = 0; a < writes.count; a++) {
    if (type[appendTxn[a]] === FAIL) continue;
    wwEdge(s, order, edges, a);
    rwEdges(order, readers, edges, a, appendTxn[a]);
  }
  return edges;
}

/** Each read follows the append its last element names. */
function wrEdges(s: InferenceScaffold, seen: LastElements, edges: EdgeBuffer): void {
  const { writer } = seen;
  const readTxn = s.reads.txn.data;
  for (let r = 0; r < s.reads.count; r++) if (writer[r] !== -1) edges.add(writer[r], readTxn[r], WR);
}

/** An append follows the append of the version it builds on. */
function wwEdge(s: InferenceScaffold, order: AppendOrder, edges: EdgeBuffer, a: number): void {
  const previous = previousAppend(s, order, a);
  if (previous === -1) return;
  const appendTxn = s.writes.txn.data;
  const w = appendTxn[a];
  const pw = appendTxn[previous];
  if (pw !== w && s.txns.type[pw] !== FAIL) edges.add(pw, w, WW);
}

/** An append (by `writer`) follows every read of the state it builds on. */
function rwEdges(order: AppendOrder, readers: StateReaders, edges: EdgeBuffer, a: number, writer: number): void {
  readers.addEdgesTo(edges, order.before[a], writer, RW);
}

// ---------------------------------------------------------------------------------------------
// Edges in words

function explainer(s: InferenceScaffold, order: AppendOrder): PairExplainer {
  return explainerByKind(
    new Map<number, KindExplainer>([
      [WR, (from, to, fromName, toName) => explainWr(s, from, to, fromName, toName)],
      [WW, (from, to, fromName, toName) => explainWw(s, order, from, to, fromName, toName)],
      [RW, (from, to, fromName, toName) => explainRw(s, order, from, to, fromName, toName)],
    ]),
  );
}

function explainWr(s: InferenceScaffold, from: number, to: number, fromName: string, toName: string): StepFacts | null {
  for (const raw of s.txns.mops[to]) {
    const mop = raw as Mop;
    const k = s.keys.lookup(mop[1]);
    if (k === -1 || microOpKind(mop[0]) !== READ) continue;
    const list = readList(mop) ?? EMPTY;
    if (list.length === 0) continue;
    const element = list[list.length - 1];
    const a = s.writes.index.get(k, element);
    if (a === -1 || s.writes.txn.data[a] !== from) continue;
    return { key: mop[1], value: element, text: `${toName} read ${fromName}'s append of ${show(element)} to key ${show(mop[1])}` };
  }
  return null;
}

function explainWw(s: InferenceScaffold, order: AppendOrder, from: number, to: number, fromName: string, toName: string): StepFacts | null {
  for (const { mop, a } of appendsOf(s, to)) {
    const pa = previousAppend(s, order, a);
    if (pa === -1 || s.writes.txn.data[pa] !== from) continue;
    const before = s.writes.value(s.txns, pa);
    return {
      key: mop[1],
      value: before,
      valueAfter: mop[2],
      text: `${toName} appended ${show(mop[2])} to key ${show(mop[1])} after ${fromName}'s append of ${show(before)}`,
    };
  }
  return null;
}

function explainRw(s: InferenceScaffold, order: AppendOrder, from: number, to: number, fromName: string, toName: string): StepFacts | null {
  for (const { mop, k, a } of appendsOf(s, to)) {
    const pa = previousAppend(s, order, a);
    for (const other of s.txns.mops[from]) {
      const read = other as Mop;
      if (microOpKind(read[0]) !== READ || s.keys.lookup(read[1]) !== k) continue;
      if (stateRead(s, order, k, readList(read) ?? EMPTY) !== order.before[a]) continue;
      return {
        key: mop[1],
        value: pa === -1 ? null : s.writes.value(s.txns, pa),
        valueAfter: mop[2],
        text:
          pa === -1
            ? `${fromName} read key ${show(mop[1])} as empty, so it did not observe ${toName}'s append of ${show(mop[2])}`
            : `${fromName}'s read of key ${show(mop[1])} did not observe ${toName}'s append of ${show(mop[2])}`,
      };
    }
  }
  return null;
}

/** Transaction t's own recorded appends, with their key and append ids. */
function* appendsOf(s: InferenceScaffold, t: number): Generator<{ mop: Mop; k: number; a: number }> {
  for (const raw of s.txns.mops[t]) {
    const mop = raw as Mop;
    if (microOpKind(mop[0]) !== APPEND) continue;
    const k = s.keys.lookup(mop[1]);
    if (k === -1) continue;
    const a = s.writes.index.get(k, mop[2]);
    if (a !== -1 && s.writes.txn.data[a] === t) yield { mop, k, a };
  }
}

/** The state a read of key k observed, or -1 when its last element has no place in the order. */
function stateRead(s: InferenceScaffold, order: AppendOrder, k: number, list: readonly unknown[]): number {
  if (list.length === 0) return stateOf(order, k, -1);
  const a = s.writes.index.get(k, list[list.length - 1]);
  return a === -1 || order.position[a] === -1 ? -1 : stateOf(order, k, order.position[a]);
}
