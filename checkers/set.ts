// Jepsen's set-full checker: elements are added once each, and reads return the whole set. For
// every element we find when it was certainly in the set ("known": its add was acknowledged, or a
// read returned it) and then look at every read that began after that point. The last such read
// decides: an element a later read saw again was only stale; one the last reads still miss is lost.
//
// Op shapes:
//   add   invoke value: the element (number or string; other values are compared by their JSON)
//   read  invoke value: null for a read during the test, {final: true} for a final read after the
//         cluster healed; ok value: array of every element in the set.
// A final read that misses an element known before it began makes that element lost even when a
// concurrent final read on another node still had it: after healing, every node must agree.

import type { Checker, CheckResult, Validity } from "./checker.ts";
import { mergeValidity } from "./checker.ts";
import { pairOps, type OpPair } from "../harness/history/pairs.ts";
import type { Op } from "../harness/op.ts";
import { NS_PER_MS } from "../harness/clock.ts";
import { completionIndexOf, showValue, opRef, outcomeOf, type MalformedOp, type OpRef } from "./evidence.ts";
import { percentiles, type Percentiles } from "./percentiles.ts";
import { firstAbove } from "./sorted-search.ts";

export interface SetCheckerOptions {
  /** Every read must see every element acknowledged before it began: stale reads become errors. */
  linearizable?: boolean;
}

/** Reads listed per stale element; the rest are only counted. */
const STALE_READS_LISTED = 10;

export interface ElementEvidence {
  element: unknown;
  /** The first add of this element: when it was invoked and how it completed. */
  addInvoke: OpRef | null;
  addCompletion: OpRef | null;
  addOutcome: "ok" | "fail" | "info" | null;
  /** The read (completion) from which the element certainly existed, when no add was acknowledged. */
  knownByRead: OpRef | null;
  /** The first read (by invocation) that returned it. */
  firstSeen: OpRef | null;
  /** The last read (by invocation) that returned it. */
  lastSeen: OpRef | null;
  /** The last read that began after the element was known and missed it. */
  lastMissed: OpRef | null;
}

export interface LostElement extends ElementEvidence {
  /** Final reads (invoked with {final: true}) that began after it was known and missed it. */
  missingFromFinalReads: OpRef[];
}

export interface StaleElement extends ElementEvidence {
  /** Reads that began after it was known, missed it, and were followed by a read that saw it. */
  staleReadCount: number;
  staleReads: OpRef[];
  /** From when it was known to the start of the last read that still missed it. */
  invisibleForMs: number;
}

export interface UnexpectedElement {
  element: unknown;
  /** Reads that returned it although no add of it that could have happened had begun. */
  reads: OpRef[];
  /** Adds of it that definitely failed, if any. */
  failedAdds: OpRef[];
}

export interface DuplicatedElement {
  element: unknown;
  /** Reads that returned it more than once, with how many times. */
  reads: (OpRef & { copies: number })[];
}

export interface SetResult extends CheckResult {
  counts: {
    attempted: number;
    acknowledged: number;
    reads: number;
    finalReads: number;
    stable: number;
    lost: number;
    stale: number;
    /** (element, read) pairs in which a read missed an element that a later read saw again. */
    staleMisses: number;
    neverRead: number;
    recovered: number;
    unexpected: number;
    duplicated: number;
  };
  lost: LostElement[];
  stale: StaleElement[];
  neverRead: ElementEvidence[];
  recovered: ElementEvidence[];
  unexpected: UnexpectedElement[];
  duplicated: DuplicatedElement[];
  /** From an add's acknowledgement to the start of the first read that returned it (0 when a read
   *  that began earlier already had it), over acknowledged elements that were ever read. */
  visibilityLatencyMs: Percentiles;
  malformed: MalformedOp[];
}

export function setChecker(options: SetCheckerOptions = {}): Checker {
  return { name: "set", check: (history) => checkSet(history, options) };
}

type ElementKey = string | number;

function keyOf(element: unknown): ElementKey {
  return typeof element === "number" || typeof element === "string" ? element : `json:${JSON.stringify(element)}`;
}

interface Read {
  pair: OpPair;
  invoke: Op;
  completion: Op;
  /** Dense ids of the elements it returned, in its order, copies included. */
  ids: Int32Array;
  final: boolean;
}

interface ElementState {
  element: unknown;
  adds: OpPair[];
  /** The acknowledged add that completed first. */
  ack?: OpPair;
  /** Invocation index of the first add that did not definitely fail; Infinity if none. */
  firstAttemptIndex: number;
  /** The read that returned it and completed first. */
  firstCompletedRead?: Read;
  /** The first and last reads, by invocation, that returned it. */
  firstSeen?: Read;
  lastSeen?: Read;
  lastSeenPosition: number;
  /** Position (among reads by invocation) where the latest unbroken run of reads returning it began. */
  runStart: number;
  /** Completion index from which the element certainly exists; Infinity if never known. */
  knownIndex: number;
  knownTimeNs: number;
  /** Position of the first read that began after knownIndex. */
  knownPosition: number;
  presentAfterKnown: number;
  missedCount: number;
  missed: Read[];
  lastMissed?: Read;
  missingFromFinal: Read[];
}

// Reads return the whole set, so a history's reads hold (reads × elements) values: every pass
// below walks them once through dense element ids and typed arrays, never a hash set per read.
export function checkSet(history: readonly Op[], options: SetCheckerOptions = {}): SetResult {
  const malformed: MalformedOp[] = [];
  const idByKey = new Map<ElementKey, number>();
  const states: ElementState[] = [];
  const idOf = (element: unknown): number => {
    const key = keyOf(element);
    let id = idByKey.get(key);
    if (id === undefined) {
      id = states.length;
      idByKey.set(key, id);
      states.push({ element, adds: [], firstAttemptIndex: Infinity, lastSeenPosition: -1, runStart: -1, knownIndex: Infinity, knownTimeNs: Infinity, knownPosition: Infinity, presentAfterKnown: 0, missedCount: 0, missed: [], missingFromFinal: [] });
    }
    return id;
  };

  // pairOps yields pairs in invocation order, so reads come out sorted by invocation.
  const reads: Read[] = [];
  for (const pair of pairOps(history)) {
    const { invoke, completion } = pair;
    if (invoke.process === "nemesis") continue;
    if (invoke.f === "add") {
      const state = states[idOf(invoke.value)];
      state.adds.push(pair);
      if (outcomeOf(pair) !== "fail") state.firstAttemptIndex = Math.min(state.firstAttemptIndex, invoke.index);
      if (outcomeOf(pair) === "ok" && (!state.ack || completionIndexOf(pair) < completionIndexOf(state.ack))) state.ack = pair;
    } else if (invoke.f === "read" && completion?.type === "ok") {
      if (!Array.isArray(completion.value)) {
        malformed.push({ index: completion.index, reason: `read returned ${showValue(completion.value)}, not an array of elements` });
        continue;
      }
      // A plain loop: Int32Array.from with a mapping function is several times slower.
      const ids = new Int32Array(completion.value.length);
      for (let i = 0; i < ids.length; i++) ids[i] = idOf(completion.value[i]);
      reads.push({ pair, invoke, completion, ids, final: isFinalRead(invoke) });
    }
  }
  const readCount = reads.length;
  const stamp = new Int32Array(states.length);

  // Pass 1: who returned what, and from when each element certainly existed.
  const unexpected = new Map<number, UnexpectedElement>();
  const duplicated = new Map<number, DuplicatedElement>();
  stamp.fill(-1);
  reads.forEach((read, position) => {
    let distinct = 0;
    for (const id of read.ids) {
      if (stamp[id] === position) continue;
      stamp[id] = position;
      distinct++;
      const state = states[id];
      // Only an add that did not definitely fail, and had begun before the read ended, explains it.
      if (state.firstAttemptIndex >= read.completion.index) {
        const entry = unexpected.get(id) ?? { element: state.element, reads: [], failedAdds: state.adds.filter((add) => outcomeOf(add) === "fail").map((add) => opRef(add.invoke)) };
        entry.reads.push(opRef(read.completion));
        unexpected.set(id, entry);
        continue;
      }
      if (!state.firstCompletedRead || read.completion.index < state.firstCompletedRead.completion.index) state.firstCompletedRead = read;
      if (state.lastSeenPosition !== position - 1) state.runStart = position;
      state.firstSeen ??= read;
      state.lastSeen = read;
      state.lastSeenPosition = position;
    }
    if (distinct < read.ids.length) {
      const copies = new Map<number, number>();
      for (const id of read.ids) copies.set(id, (copies.get(id) ?? 0) + 1);
      for (const [id, count] of copies) {
        if (count < 2) continue;
        const entry = duplicated.get(id) ?? { element: states[id].element, reads: [] };
        entry.reads.push({ ...opRef(read.completion), copies: count });
        duplicated.set(id, entry);
      }
    }
  });
  const readInvokeIndexes = Float64Array.from(reads, (read) => read.invoke.index);
  const known: number[] = [];
  states.forEach((state, id) => {
    const ackIndex = state.ack ? completionIndexOf(state.ack) : Infinity;
    const readIndex = state.firstCompletedRead ? state.firstCompletedRead.completion.index : Infinity;
    if (ackIndex <= readIndex && state.ack?.completion) {
      state.knownIndex = ackIndex;
      state.knownTimeNs = state.ack.completion.time;
    } else if (state.firstCompletedRead) {
      state.knownIndex = readIndex;
      state.knownTimeNs = state.firstCompletedRead.completion.time;
    } else {
      return;
    }
    state.knownPosition = firstAbove(readInvokeIndexes, state.knownIndex);
    if (!unexpected.has(id)) known.push(id);
  });

  // Pass 2: how many reads that began after an element was known returned it; the rest missed it.
  stamp.fill(-1);
  reads.forEach((read, position) => {
    for (const id of read.ids) {
      if (stamp[id] === position) continue;
      stamp[id] = position;
      if (read.invoke.index > states[id].knownIndex) states[id].presentAfterKnown++;
    }
  });
  const missedSome: number[] = [];
  for (const id of known) {
    const state = states[id];
    state.missedCount = readCount - state.knownPosition - state.presentAfterKnown;
    if (state.missedCount === 0) continue;
    missedSome.push(id);
    // Every read from runStart on returned it, so the last miss is the last read, or the one just
    // before the final run of reads that returned it.
    const lastMissedPosition = state.lastSeenPosition === readCount - 1 ? state.runStart - 1 : readCount - 1;
    state.lastMissed = reads[lastMissedPosition];
  }

  // Final reads: each must return everything known before it began.
  const present = new Uint8Array(states.length);
  for (const read of reads) {
    if (!read.final) continue;
    present.fill(0);
    for (const id of read.ids) present[id] = 1;
    for (const id of known) if (states[id].knownIndex < read.invoke.index && present[id] === 0) states[id].missingFromFinal.push(read);
  }

  // Evidence: the first few reads that missed each element that was missed at all.
  let collecting = missedSome.slice();
  const from = collecting.reduce((earliest, id) => Math.min(earliest, states[id].knownPosition), readCount);
  stamp.fill(-1);
  for (let position = from; position < readCount && collecting.length > 0; position++) {
    for (const id of reads[position].ids) stamp[id] = position;
    for (const id of collecting) {
      const state = states[id];
      if (position >= state.knownPosition && stamp[id] !== position) state.missed.push(reads[position]);
    }
    collecting = collecting.filter((id) => states[id].missed.length < STALE_READS_LISTED);
  }

  const lost: LostElement[] = [];
  const stale: StaleElement[] = [];
  const neverRead: ElementEvidence[] = [];
  const recovered: ElementEvidence[] = [];
  const latenciesMs: number[] = [];
  let stable = 0;
  let staleMisses = 0;
  let acknowledged = 0;
  let attempted = 0;
  states.forEach((state, id) => {
    if (state.adds.length > 0) attempted++;
    if (state.ack) acknowledged++;
    if (unexpected.has(id)) return;
    const evidence = evidenceOf(state);
    if (!state.ack && state.firstSeen && state.adds.length > 0) recovered.push(evidence);
    if (state.ack?.completion && state.firstSeen) {
      latenciesMs.push(Math.max(0, state.firstSeen.invoke.time - state.ack.completion.time) / NS_PER_MS);
    }
    if (state.knownIndex === Infinity) return;
    const missedLast = state.lastMissed !== undefined && (!state.lastSeen || state.lastSeen.invoke.index < state.lastMissed.invoke.index);
    if (missedLast || state.missingFromFinal.length > 0) {
      lost.push({ ...evidence, missingFromFinalReads: state.missingFromFinal.map((read) => opRef(read.invoke)) });
    } else if (state.lastSeen) {
      stable++;
      if (state.missedCount > 0 && state.lastMissed) {
        staleMisses += state.missedCount;
        stale.push({
          ...evidence,
          staleReadCount: state.missedCount,
          staleReads: state.missed.map((read) => opRef(read.invoke)),
          invisibleForMs: Math.max(0, state.lastMissed.invoke.time - state.knownTimeNs) / NS_PER_MS,
        });
      }
    } else {
      neverRead.push(evidence);
    }
  });

  const byFirstAdd = (a: { addInvoke: OpRef | null }, b: { addInvoke: OpRef | null }) => (a.addInvoke?.index ?? Infinity) - (b.addInvoke?.index ?? Infinity);
  lost.sort(byFirstAdd);
  stale.sort(byFirstAdd);
  neverRead.sort(byFirstAdd);
  recovered.sort(byFirstAdd);

  let valid: Validity;
  if (readCount === 0 || stable + lost.length === 0) {
    // No read ever checked an element the set was known to hold: nothing was verified.
    valid = lost.length + unexpected.size + duplicated.size > 0 ? false : "unknown";
  } else {
    valid = lost.length > 0 || unexpected.size > 0 || duplicated.size > 0 || (options.linearizable === true && stale.length > 0) ? false : true;
  }
  if (malformed.length > 0) valid = mergeValidity([valid, "unknown"]);
  // An acknowledged add that no read looked for afterwards is lost or not — nobody can say. The
  // usual cause is final reads that all failed; a VALID beside it would vouch for unread data.
  const unknownBecause: string[] = [];
  if (neverRead.length > 0 && valid !== false) {
    const finalOk = reads.filter((read) => read.final).length;
    unknownBecause.push(`${neverRead.length} acknowledged add${neverRead.length === 1 ? " was" : "s were"} never read: no read began after ${neverRead.length === 1 ? "it was" : "they were"} acknowledged (${finalOk} final read${finalOk === 1 ? "" : "s"} completed ok), so ${neverRead.length === 1 ? "it" : "they"} may be lost`);
    valid = "unknown";
  }

  return {
    valid,
    ...(unknownBecause.length > 0 ? { unknownBecause } : {}),
    counts: {
      attempted,
      acknowledged,
      reads: readCount,
      finalReads: reads.filter((read) => read.final).length,
      stable,
      lost: lost.length,
      stale: stale.length,
      staleMisses,
      neverRead: neverRead.length,
      recovered: recovered.length,
      unexpected: unexpected.size,
      duplicated: duplicated.size,
    },
    lost,
    stale,
    neverRead,
    recovered,
    unexpected: [...unexpected.values()],
    duplicated: [...duplicated.values()],
    visibilityLatencyMs: percentiles(latenciesMs),
    malformed,
  };
}

function isFinalRead(invoke: Op): boolean {
  const value = invoke.value;
  return typeof value === "object" && value !== null && (value as { final?: unknown }).final === true;
}

function evidenceOf(state: ElementState): ElementEvidence {
  const add: OpPair | undefined = state.ack ?? state.adds[0];
  const read = state.firstCompletedRead;
  const knownByRead = read !== undefined && read.completion.index < (state.ack ? completionIndexOf(state.ack) : Infinity);
  return {
    element: state.element,
    addInvoke: add ? opRef(add.invoke) : null,
    addCompletion: add?.completion ? opRef(add.completion) : null,
    addOutcome: add ? outcomeOf(add) : null,
    knownByRead: knownByRead ? opRef(read.completion) : null,
    firstSeen: state.firstSeen ? opRef(state.firstSeen.invoke) : null,
    lastSeen: state.lastSeen ? opRef(state.lastSeen.invoke) : null,
    lastMissed: state.lastMissed ? opRef(state.lastMissed.invoke) : null,
  };
}
