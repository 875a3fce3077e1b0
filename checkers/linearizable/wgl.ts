// The Wing–Gong–Lowe search for a linearization, in the form Lowe ("Testing for linearizability",
// 2017) and Porcupine use:
//
// - Every op is two events, call and return, in one doubly linked list in real-time order.
// - Scanning from the head, a call whose step is legal is *lifted* (both its events unlinked),
//   pushed on a stack, and the scan restarts at the head. Reaching a return event means that op
//   should have been linearized already: pop the last choice, *unlift* it, and try the next call.
// - A memo of configurations (ops linearized, model state) already explored prunes the search:
//   two paths that reach the same configuration have the same future.
//
// Indeterminate ops (info, or never completed) return at +infinity: they are candidates from
// their call on, and once every op with a known outcome is linearized, the indeterminate rest
// may simply never have happened: success. Their calls live in a second list (below), so a scan
// does not walk past every info op still pending.
//
// Indeterminate ops are what make real histories explode (each may or may not have happened,
// anywhere after its call), so three refinements target them:
//   1. Each configuration tries its candidates with known outcomes first, indeterminate ones
//      after, so valid histories rarely need to guess when an info op happened.
//   2. Indeterminate ops with equal inputs are interchangeable: only the earliest-called pending
//      one of each such class is tried (InterchangeableUnknowns).
//   3. A configuration is pruned when a visited one has the same known ops and state and a
//      subset of its indeterminate ops (visited.ts).
// Why nothing is lost: suppose a linearization exists but the search reports none. Among the
// configurations it visited (all of them fully explored) that can still be completed, take X
// with the shortest completion, length d > 0. Some shortest completion of X starts with an op c
// the search tries at X (rule 2 may swap c for an earlier-called twin; rule 1 only reorders).
// X+c has a completion of length d−1, and it was either visited — contradicting the choice of X
// — or pruned by a visited configuration, exact or dominating, which the same d−1 ops complete
// — the same contradiction.
//
// The hot loop touches only typed arrays and the model's step/hash/equal: events and list links
// are integers, the linearized set is a bitset whose hash is maintained incrementally (Zobrist:
// one random word per op, XORed in and out), and the memo is a typed-array hash table.

import { Rng } from "../../harness/rng.ts";
import type { Step } from "./model.ts";
import { VisitedConfigurations } from "./visited.ts";

/** What the search needs from a model: a deterministic step, hash and equality. */
export interface SearchModel<State, Input, Output> {
  init(): State;
  step(state: State, input: Input, output: Output | undefined): Step<State>;
  hash(state: State): number;
  equal(a: State, b: State): boolean;
}

export interface SearchOperation<Input, Output> {
  input: Input;
  output: Output | undefined;
  /** Real-time order of the call; unique among the operations. */
  callPosition: number;
  /** Real-time order of the return, after callPosition; Infinity when the outcome is unknown. */
  returnPosition: number;
}

export interface SearchLimits {
  /** performance.now() value after which the search gives up. */
  deadlineMs: number;
  /** Cap on memoized configurations, to bound memory. */
  maxCacheEntries?: number;
}

export interface SearchOutcome<State> {
  /** linearizable: a linearization exists. illegal: none does. timeout / cache-full: gave up. */
  status: "linearizable" | "illegal" | "timeout" | "cache-full";
  /** The deepest linearization found — the one placing the most ops with a known outcome, since
   *  placing an indeterminate op proves nothing — as operation indexes in linearization order.
   *  For a linearizable history, one that places every op with a known outcome. */
  longest: number[];
  /** Model states after linearizations placing the same known ops as `longest` (orders and
   *  indeterminate ops may differ, and so may the states), at most MAX_FINAL_STATES. */
  finalStates: State[];
  /** Configurations memoized, for benchmarks and curiosity. */
  cacheEntries: number;
}

export const MAX_FINAL_STATES = 8;
const CHECK_CLOCK_EVERY = 0x3ff;
const NONE = -1;
/** Roughly 400 MB of memoized configurations, counting bitsets, hashes, links and slots. */
const CACHE_BYTES = 400e6;

export function searchLinearization<State, Input, Output>(
  model: SearchModel<State, Input, Output>,
  operations: readonly SearchOperation<Input, Output>[],
  limits: SearchLimits,
): SearchOutcome<State> {
  const count = operations.length;
  const inputs = operations.map((operation) => operation.input);
  const outputs = operations.map((operation) => operation.output);
  const unknownReturn = new Uint8Array(count);
  for (let i = 0; i < count; i++) unknownReturn[i] = operations[i].returnPosition === Infinity ? 1 : 0;
  const twins = interchangeableUnknowns(operations);

  // Bit layout: ops with a known outcome first, indeterminate ones in words after them, so the
  // memo can hash the known part and compare the indeterminate part as a subset.
  let knownCount = 0;
  for (let i = 0; i < count; i++) knownCount += 1 - unknownReturn[i];
  const knownWords = Math.ceil(knownCount / 32);
  const unknownWords = Math.ceil((count - knownCount) / 32);
  const bitOf = new Int32Array(count);
  for (let i = 0, known = 0, unknown = 0; i < count; i++) {
    bitOf[i] = unknownReturn[i] === 1 ? knownWords * 32 + unknown++ : known++;
  }
  const bits = new Uint32Array(knownWords + unknownWords);
  const maxCacheEntries = limits.maxCacheEntries ?? Math.floor(CACHE_BYTES / ((knownWords + unknownWords) * 4 + 40));

  // Two linked lists. Events of ops with a known outcome, in real-time order: call of op i is
  // 2i, its return 2i+1, and 2n is the head. Calls of indeterminate ops, in call order (op i is
  // node i, n the head): their returns are at infinity, so they are candidates exactly when
  // called before the first remaining known return, and keeping them apart lets the first pass
  // skip them without walking past them.
  const head = 2 * count;
  const next = new Int32Array(2 * count + 1);
  const prev = new Int32Array(2 * count + 1);
  const unknownHead = count;
  const unknownNext = new Int32Array(count + 1);
  const unknownPrev = new Int32Array(count + 1);
  const callPositions = new Float64Array(count);
  const returnPositions = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    callPositions[i] = operations[i].callPosition;
    returnPositions[i] = operations[i].returnPosition;
  }
  linkInOrder(knownEventsInRealTimeOrder(operations), head, next, prev);
  linkInOrder(unknownCallsInOrder(operations), unknownHead, unknownNext, unknownPrev);

  // Zobrist words; indeterminate ops get zero, as the memo hashes only the known part.
  const zobristLow = new Int32Array(count);
  const zobristHigh = new Int32Array(count);
  const rng = new Rng(0x5eed);
  for (let i = 0; i < count; i++) {
    const low = rng.nextUint32() | 0;
    const high = rng.nextUint32() | 0;
    if (unknownReturn[i] === 0) {
      zobristLow[i] = low;
      zobristHigh[i] = high;
    }
  }
  let hashLow = 0;
  let hashHigh = 0;
  const visited = new VisitedConfigurations<State>(knownWords, unknownWords, model.equal, count);

  const stackOps = new Int32Array(count);
  const stackStates: State[] = new Array(count);
  /** For an indeterminate op on the stack: the boundary of the pass that chose it. */
  const stackBoundaries = new Float64Array(count);
  let depth = 0;
  /** Ops with a known outcome among the `depth` linearized ones: the measure of progress. */
  let knownDepth = 0;
  let state = model.init();

  let bestKnownDepth = 0;
  let bestOps = new Int32Array(0);
  let bestBits = bits.slice();
  let bestStates: State[] = [state];

  const outcome = (status: SearchOutcome<State>["status"]): SearchOutcome<State> => ({
    status,
    longest: Array.from(status === "linearizable" ? stackOps.subarray(0, depth) : bestOps),
    finalStates: status === "linearizable" ? [state] : bestStates,
    cacheEntries: visited.size,
  });

  // Pass 1 walks the known list from `entry` up to its first return; pass 2 then walks the
  // indeterminate calls from `unknownEntry` while they were called before that return (`boundary`).
  let firstPass = true;
  let entry = next[head];
  let unknownEntry = NONE;
  let boundary = 0;
  let iterations = 0;
  for (;;) {
    if ((++iterations & CHECK_CLOCK_EVERY) === 0 && performance.now() > limits.deadlineMs) return outcome("timeout");
    let op = -1;
    if (firstPass) {
      // Every known op placed; the indeterminate rest may never have happened.
      if (entry === NONE) return outcome("linearizable");
      if ((entry & 1) === 1) {
        firstPass = false;
        boundary = returnPositions[entry >> 1];
        unknownEntry = unknownNext[unknownHead];
        continue;
      }
      op = entry >> 1;
      entry = next[entry];
    } else if (unknownEntry !== NONE && callPositions[unknownEntry] < boundary) {
      op = unknownEntry;
      unknownEntry = unknownNext[unknownEntry];
      if (!twins.isNextOfItsClass(op)) continue;
    }

    if (op >= 0) {
      const result = model.step(state, inputs[op], outputs[op]);
      if (!result.ok) continue;
      const bit = bitOf[op];
      bits[bit >>> 5] |= 1 << (bit & 31);
      hashLow ^= zobristLow[op];
      hashHigh ^= zobristHigh[op];
      const stateHash = model.hash(result.state) | 0;
      const low = hashLow ^ Math.imul(stateHash, 0x9e3779b1);
      const high = hashHigh ^ Math.imul(stateHash ^ (stateHash >>> 15), 0x85ebca6b);
      if (!visited.add(bits, result.state, low, high)) {
        bits[bit >>> 5] &= ~(1 << (bit & 31));
        hashLow ^= zobristLow[op];
        hashHigh ^= zobristHigh[op];
        continue;
      }
      if (visited.size > maxCacheEntries) return outcome("cache-full");
      stackOps[depth] = op;
      stackStates[depth] = state;
      stackBoundaries[depth] = boundary;
      depth++;
      knownDepth += 1 - unknownReturn[op];
      state = result.state;
      lift(op);
      if (knownDepth > bestKnownDepth) {
        bestKnownDepth = knownDepth;
        bestOps = stackOps.slice(0, depth);
        bestBits = bits.slice();
        bestStates = [state];
      } else if (knownDepth === bestKnownDepth && bestStates.length < MAX_FINAL_STATES) {
        noteFinalState();
      }
      firstPass = true;
      entry = next[head];
      continue;
    }

    // No candidate of this configuration leads anywhere: undo the last choice and try the next.
    if (depth === 0) return outcome("illegal");
    depth--;
    const undone = stackOps[depth];
    knownDepth -= 1 - unknownReturn[undone];
    state = stackStates[depth];
    const bit = bitOf[undone];
    bits[bit >>> 5] &= ~(1 << (bit & 31));
    hashLow ^= zobristLow[undone];
    hashHigh ^= zobristHigh[undone];
    unlift(undone);
    if (unknownReturn[undone] === 0) {
      firstPass = true;
      entry = next[2 * undone];
    } else {
      firstPass = false;
      boundary = stackBoundaries[depth];
      unknownEntry = unknownNext[undone];
    }
  }

  function lift(op: number): void {
    if (unknownReturn[op] === 1) {
      unknownNext[unknownPrev[op]] = unknownNext[op];
      if (unknownNext[op] !== NONE) unknownPrev[unknownNext[op]] = unknownPrev[op];
      twins.lifted(op);
      return;
    }
    const call = 2 * op;
    const ret = call + 1;
    next[prev[call]] = next[call];
    if (next[call] !== NONE) prev[next[call]] = prev[call];
    next[prev[ret]] = next[ret];
    if (next[ret] !== NONE) prev[next[ret]] = prev[ret];
  }

  function unlift(op: number): void {
    if (unknownReturn[op] === 1) {
      unknownNext[unknownPrev[op]] = op;
      if (unknownNext[op] !== NONE) unknownPrev[unknownNext[op]] = op;
      twins.unlifted(op);
      return;
    }
    const call = 2 * op;
    const ret = call + 1;
    next[prev[ret]] = ret;
    if (next[ret] !== NONE) prev[next[ret]] = ret;
    next[prev[call]] = call;
    if (next[call] !== NONE) prev[next[call]] = call;
  }

  /** Another order of the deepest set of known ops, or other indeterminate ops with them, may
   *  leave the model in another state. */
  function noteFinalState(): void {
    for (let w = 0; w < knownWords; w++) if (bits[w] !== bestBits[w]) return;
    for (const known of bestStates) if (model.equal(known, state)) return;
    bestStates.push(state);
  }
}

/** Rule 2 of the search. Two pending ops with unknown outcome and equal inputs are
 *  interchangeable: a linearization that places the later-called one somewhere can place the
 *  earlier-called one there instead (its call is earlier still) and the other one where the first
 *  was, or nowhere, with the same states throughout. So within each class of equal inputs only
 *  the earliest-called pending member is tried, and members are linearized in call order: k
 *  identical info writes give k+1 prefixes instead of 2^k subsets. */
class InterchangeableUnknowns {
  constructor(
    /** Class of each op; -1 for ops with a known outcome or an input without a safe key. */
    private readonly classOf: Int32Array,
    /** Members of each class, in call order. */
    private readonly members: Int32Array[],
    /** Per class, how many members (always a prefix) are linearized. */
    private readonly linearized: Int32Array,
  ) {}

  isNextOfItsClass(op: number): boolean {
    const c = this.classOf[op];
    return c < 0 || this.members[c][this.linearized[c]] === op;
  }

  lifted(op: number): void {
    const c = this.classOf[op];
    if (c >= 0) this.linearized[c]++;
  }

  unlifted(op: number): void {
    const c = this.classOf[op];
    if (c >= 0) this.linearized[c]--;
  }
}

function interchangeableUnknowns(operations: readonly SearchOperation<unknown, unknown>[]): InterchangeableUnknowns {
  const classOf = new Int32Array(operations.length).fill(-1);
  const classes = new Map<string, number[]>();
  const byCall = operations.map((_, i) => i).sort((a, b) => operations[a].callPosition - operations[b].callPosition);
  for (const i of byCall) {
    const { input, output, returnPosition } = operations[i];
    if (returnPosition !== Infinity || output !== undefined || !isPlainData(input)) continue;
    const key = JSON.stringify(input);
    let members = classes.get(key);
    if (members === undefined) {
      members = [];
      classes.set(key, members);
    }
    members.push(i);
  }
  const members: Int32Array[] = [];
  for (const group of classes.values()) {
    for (const i of group) classOf[i] = members.length;
    members.push(Int32Array.from(group));
  }
  return new InterchangeableUnknowns(classOf, members, new Int32Array(members.length));
}

/** Values whose JSON text identifies them exactly: primitives, arrays and plain objects of those.
 *  Anything else (a Map, a class instance) could print the same for different values. */
function isPlainData(value: unknown): boolean {
  if (value === null || typeof value === "string" || typeof value === "boolean") return true;
  if (typeof value === "number") return Number.isFinite(value) && !Object.is(value, -0);
  if (Array.isArray(value)) return value.every(isPlainData);
  if (typeof value !== "object") return false;
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return false;
  return Object.values(value as object).every(isPlainData);
}

/** Call and return events of the ops with a known outcome, by position. */
function knownEventsInRealTimeOrder(operations: readonly SearchOperation<unknown, unknown>[]): number[] {
  const events: number[] = [];
  for (let i = 0; i < operations.length; i++) {
    const { callPosition, returnPosition } = operations[i];
    if (returnPosition === Infinity) continue;
    if (!(returnPosition > callPosition)) {
      throw new Error(`operation ${i} returns at position ${returnPosition}, not after its call at ${callPosition}`);
    }
    events.push(2 * i, 2 * i + 1);
  }
  const position = (event: number): number => {
    const operation = operations[event >> 1];
    return (event & 1) === 0 ? operation.callPosition : operation.returnPosition;
  };
  return events.sort((a, b) => position(a) - position(b));
}

/** The indeterminate ops, by call position. */
function unknownCallsInOrder(operations: readonly SearchOperation<unknown, unknown>[]): number[] {
  const calls: number[] = [];
  for (let i = 0; i < operations.length; i++) if (operations[i].returnPosition === Infinity) calls.push(i);
  return calls.sort((a, b) => operations[a].callPosition - operations[b].callPosition);
}

/** Links `nodes` in order after `head`; the last node's next is NONE. */
function linkInOrder(nodes: readonly number[], head: number, next: Int32Array, prev: Int32Array): void {
  let last = head;
  for (const node of nodes) {
    next[last] = node;
    prev[node] = last;
    last = node;
  }
  next[last] = NONE;
}
