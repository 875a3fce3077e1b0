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
// And one targets reads, nearly half the ops of most histories:
//   4. A read-only op (Model.readOnly: it never changes the state) that is legal at a
//      configuration is linearized there and then, and nothing else is tried at that
//      configuration: if X+r has no completion, neither has X.
//   5. A configuration is abandoned when the first read still pending (by return) can no longer
//      become legal from the current state with only the ops called before it returned — as the
//      model judges (Model.reachable): a kv value that is not a prefix of what the read saw, with
//      only appends left to run before it, say.
// Rule 5 loses nothing: ops called after the read returned must follow it, so every completion
// makes the read legal using only ops called before that (the read itself included, which
// changes nothing); the model says none can.
// Why rule 4 loses nothing: r is a candidate at X, so every op not yet placed returns after r
// was called, and none of them has to precede r. Take any completion of X and move r to its
// front: real-time order still holds, r is legal first (it is legal at X), and taking r out of
// its old place changes no state after it (r changes none). So X+r has a completion whenever X has.
// Why nothing is lost: suppose a linearization exists but the search reports none. Among the
// configurations it visited (all of them fully explored) that can still be completed, take X
// with the shortest completion, length d > 0. Some shortest completion of X starts with an op c
// the search tries at X (rule 2 may swap c for an earlier-called twin; rule 1 only reorders; by
// rule 4, when the search stopped trying at X after a legal read r, X+r has a completion of
// length d−1 too, and c = r will do). X+c has a completion of length d−1, and it was either
// visited — contradicting the choice of X — or pruned by a visited configuration, exact or
// dominating, which the same d−1 ops complete — the same contradiction.
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
  /** Ops that never change the state (rule 4 above); none when absent. */
  readOnly?(input: Input): boolean;
  /** Rule 5: false when the read cannot become legal from `state` using only ops among `before`. */
  reachable?(state: State, read: Input, output: Output | undefined, before: readonly Input[]): boolean;
}

export interface SearchOperation<Input, Output> {
  input: Input;
  output: Output | undefined;
  /** Real-time order of the call; unique among the operations. */
  callPosition: number;
  /** Real-time order of the return, after callPosition; Infinity when the outcome is unknown. */
  returnPosition: number;
}

export type SearchStatus = "linearizable" | "illegal" | "timeout" | "cache-full";

export interface SearchOutcome<State> {
  /** linearizable: a linearization exists. illegal: none does. timeout / cache-full: gave up. */
  status: SearchStatus;
  /** The deepest linearization found — the one placing the most ops with a known outcome, since
   *  placing an indeterminate op proves nothing — as operation indexes in linearization order.
   *  For a linearizable history, one that places every op with a known outcome. */
  longest: number[];
  /** Model states after linearizations placing the same known ops as `longest` (orders and
   *  indeterminate ops may differ, and so may the states), at most MAX_FINAL_STATES. */
  finalStates: State[];
  /** Configurations memoized, for benchmarks and curiosity. */
  cacheEntries: number;
  /** For an illegal history: the read rule 5 found could not become legal after the deepest
   *  linearization (an operation index), when that is what stopped it. */
  culprit?: number;
}

export const MAX_FINAL_STATES = 8;
const NONE = -1;
/** Roughly 400 MB of memoized configurations, counting bitsets, hashes, links and slots. */
const CACHE_BYTES = 400e6;

/** The search as a resumable computation: run(n) does at most n more steps and returns, so one
 *  thread can interleave many partitions (the first to turn out illegal decides the verdict, as in
 *  Porcupine, where every partition gets its own goroutine) and check the clock between slices. */
export class LinearizationSearch<State, Input, Output> {
  private readonly count: number;
  private readonly inputs: Input[];
  private readonly outputs: (Output | undefined)[];
  private readonly unknownReturn: Uint8Array;
  /** 1 for read-only ops with a known outcome, which rule 4 forces. */
  private readonly forced: Uint8Array;
  private readonly twins: InterchangeableUnknowns;
  private readonly knownWords: number;
  private readonly bitOf: Int32Array;
  private readonly bits: Uint32Array;
  private readonly maxCacheEntries: number;
  private readonly next: Int32Array;
  private readonly prev: Int32Array;
  private readonly unknownNext: Int32Array;
  private readonly unknownPrev: Int32Array;
  private readonly callPositions: Float64Array;
  private readonly returnPositions: Float64Array;
  private readonly zobristLow: Int32Array;
  private readonly zobristHigh: Int32Array;
  private readonly visited: VisitedConfigurations<State>;
  private readonly stackOps: Int32Array;
  private readonly stackStates: State[];
  /** For an indeterminate op on the stack: the boundary of the pass that chose it. */
  private readonly stackBoundaries: Float64Array;
  /** Whether the op on the stack was forced (rule 4): backtracking past it backtracks further. */
  private readonly stackForced: Uint8Array;
  /** Inputs of the ops that may run before the first pending return, for rule 5. */
  private readonly before: Input[] = [];
  /** The read the last failed rule-5 check was about. */
  private unreachable = NONE;
  /** The read rule 5 gave up on at the deepest configuration it abandoned. */
  private culprit = NONE;

  // The search's position, saved between slices.
  private hashLow = 0;
  private hashHigh = 0;
  private depth = 0;
  /** Ops with a known outcome among the `depth` linearized ones: the measure of progress. */
  private knownDepth = 0;
  private state: State;
  // Pass 1 walks the known list from `entry` up to its first return; pass 2 then walks the
  // indeterminate calls from `unknownEntry` while they were called before that return (`boundary`).
  private firstPass = true;
  private entry: number;
  private unknownEntry = NONE;
  private boundary = 0;
  private finished: Exclude<SearchStatus, "timeout"> | undefined;

  private bestKnownDepth = 0;
  private bestOps = new Int32Array(0);
  private bestBits: Uint32Array;
  private bestStates: State[];
  /** Steps taken so far, over every slice. */
  iterations = 0;

  constructor(
    private readonly model: SearchModel<State, Input, Output>,
    operations: readonly SearchOperation<Input, Output>[],
    maxCacheEntries?: number,
  ) {
    const count = operations.length;
    this.count = count;
    this.inputs = operations.map((operation) => operation.input);
    this.outputs = operations.map((operation) => operation.output);
    const unknownReturn = new Uint8Array(count);
    for (let i = 0; i < count; i++) unknownReturn[i] = operations[i].returnPosition === Infinity ? 1 : 0;
    this.unknownReturn = unknownReturn;
    this.forced = new Uint8Array(count);
    if (model.readOnly !== undefined) {
      for (let i = 0; i < count; i++) this.forced[i] = unknownReturn[i] === 0 && model.readOnly(operations[i].input) ? 1 : 0;
    }
    this.twins = interchangeableUnknowns(operations);

    // Bit layout: ops with a known outcome first, indeterminate ones in words after them, so the
    // memo can hash the known part and compare the indeterminate part as a subset.
    let knownCount = 0;
    for (let i = 0; i < count; i++) knownCount += 1 - unknownReturn[i];
    const knownWords = Math.ceil(knownCount / 32);
    const unknownWords = Math.ceil((count - knownCount) / 32);
    this.knownWords = knownWords;
    const bitOf = new Int32Array(count);
    for (let i = 0, known = 0, unknown = 0; i < count; i++) {
      bitOf[i] = unknownReturn[i] === 1 ? knownWords * 32 + unknown++ : known++;
    }
    this.bitOf = bitOf;
    this.bits = new Uint32Array(knownWords + unknownWords);
    this.maxCacheEntries = maxCacheEntries ?? Math.floor(CACHE_BYTES / ((knownWords + unknownWords) * 4 + 40));

    // Two linked lists. Events of ops with a known outcome, in real-time order: call of op i is
    // 2i, its return 2i+1, and 2n is the head. Calls of indeterminate ops, in call order (op i is
    // node i, n the head): their returns are at infinity, so they are candidates exactly when
    // called before the first remaining known return, and keeping them apart lets the first pass
    // skip them without walking past them.
    const head = 2 * count;
    this.next = new Int32Array(2 * count + 1);
    this.prev = new Int32Array(2 * count + 1);
    this.unknownNext = new Int32Array(count + 1);
    this.unknownPrev = new Int32Array(count + 1);
    this.callPositions = new Float64Array(count);
    this.returnPositions = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      this.callPositions[i] = operations[i].callPosition;
      this.returnPositions[i] = operations[i].returnPosition;
    }
    linkInOrder(knownEventsInRealTimeOrder(operations), head, this.next, this.prev);
    linkInOrder(unknownCallsInOrder(operations), count, this.unknownNext, this.unknownPrev);

    // Zobrist words; indeterminate ops get zero, as the memo hashes only the known part.
    this.zobristLow = new Int32Array(count);
    this.zobristHigh = new Int32Array(count);
    const rng = new Rng(0x5eed);
    for (let i = 0; i < count; i++) {
      const low = rng.nextUint32() | 0;
      const high = rng.nextUint32() | 0;
      if (unknownReturn[i] === 0) {
        this.zobristLow[i] = low;
        this.zobristHigh[i] = high;
      }
    }
    this.visited = new VisitedConfigurations<State>(knownWords, unknownWords, model.equal, count);
    this.stackOps = new Int32Array(count);
    this.stackStates = new Array(count);
    this.stackBoundaries = new Float64Array(count);
    this.stackForced = new Uint8Array(count);
    this.state = model.init();
    this.bestBits = this.bits.slice();
    this.bestStates = [this.state];
    this.entry = this.next[head];
    if (!this.viable(this.state)) {
      this.finished = "illegal";
      this.culprit = this.unreachable;
    }
  }

  /** Configurations memoized so far. */
  get cacheEntries(): number {
    return this.visited.size;
  }

  /** Takes at most `steps` more steps; "running" when the search is not decided yet. */
  run(steps: number): Exclude<SearchStatus, "timeout"> | "running" {
    if (this.finished !== undefined) return this.finished;
    const model = this.model;
    const inputs = this.inputs;
    const outputs = this.outputs;
    const unknownReturn = this.unknownReturn;
    const forced = this.forced;
    const stackForced = this.stackForced;
    const twins = this.twins;
    const bitOf = this.bitOf;
    const bits = this.bits;
    const next = this.next;
    const unknownNext = this.unknownNext;
    const callPositions = this.callPositions;
    const returnPositions = this.returnPositions;
    const zobristLow = this.zobristLow;
    const zobristHigh = this.zobristHigh;
    const visited = this.visited;
    const stackOps = this.stackOps;
    const stackStates = this.stackStates;
    const stackBoundaries = this.stackBoundaries;
    const head = 2 * this.count;
    const unknownHead = this.count;
    let { hashLow, hashHigh, depth, knownDepth, state, firstPass, entry, unknownEntry, boundary } = this;
    let status: Exclude<SearchStatus, "timeout"> | "running" = "running";
    let step = 0;

    search: for (; step < steps; step++) {
      let op = -1;
      if (firstPass) {
        // Every known op placed; the indeterminate rest may never have happened.
        if (entry === NONE) {
          status = "linearizable";
          break;
        }
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
          // A forced read leading somewhere already explored: this configuration is dead too.
          if (forced[op] === 0) continue;
        } else {
          if (visited.size > this.maxCacheEntries) {
            status = "cache-full";
            break;
          }
          stackOps[depth] = op;
          stackStates[depth] = state;
          stackBoundaries[depth] = boundary;
          stackForced[depth] = forced[op];
          depth++;
          knownDepth += 1 - unknownReturn[op];
          state = result.state;
          this.lift(op);
          if (knownDepth > this.bestKnownDepth) {
            this.bestKnownDepth = knownDepth;
            this.bestOps = stackOps.slice(0, depth);
            this.bestBits = bits.slice();
            this.bestStates = [state];
          } else if (knownDepth === this.bestKnownDepth && this.bestStates.length < MAX_FINAL_STATES) {
            this.noteFinalState(state);
          }
          if (this.viable(state)) {
            firstPass = true;
            entry = next[head];
            continue;
          }
          // Rule 5: the configuration just entered is dead; back out of it below.
          if (knownDepth === this.bestKnownDepth) this.culprit = this.unreachable;
        }
      }

      // No candidate of this configuration leads anywhere: undo the last choice and try the next
      // — unless that choice was forced, which makes the configuration before it dead as well.
      let undone: number;
      do {
        if (depth === 0) {
          status = "illegal";
          break search;
        }
        depth--;
        undone = stackOps[depth];
        knownDepth -= 1 - unknownReturn[undone];
        state = stackStates[depth];
        const bit = bitOf[undone];
        bits[bit >>> 5] &= ~(1 << (bit & 31));
        hashLow ^= zobristLow[undone];
        hashHigh ^= zobristHigh[undone];
        this.unlift(undone);
      } while (stackForced[depth] === 1);
      if (unknownReturn[undone] === 0) {
        firstPass = true;
        entry = next[2 * undone];
      } else {
        firstPass = false;
        boundary = stackBoundaries[depth];
        unknownEntry = unknownNext[undone];
      }
    }

    Object.assign(this, { hashLow, hashHigh, depth, knownDepth, state, firstPass, entry, unknownEntry, boundary });
    this.iterations += step;
    if (status !== "running") this.finished = status;
    return status;
  }

  /** Rule 5: whether the first read still pending can become legal from `state` with the ops
   *  that may run before it: those called before it returned (ops called after must follow it). */
  private viable(state: State): boolean {
    const reachable = this.model.reachable;
    if (reachable === undefined) return true;
    const next = this.next;
    const before = this.before;
    before.length = 0;
    let event = next[2 * this.count];
    for (; event !== NONE; event = next[event]) {
      if ((event & 1) === 0) before.push(this.inputs[event >> 1]);
      else if (this.forced[event >> 1] === 1) break;
    }
    if (event === NONE) return true;
    const read = event >> 1;
    const boundary = this.returnPositions[read];
    for (let op = this.unknownNext[this.count]; op !== NONE && this.callPositions[op] < boundary; op = this.unknownNext[op]) before.push(this.inputs[op]);
    if (reachable.call(this.model, state, this.inputs[read], this.outputs[read], before)) return true;
    this.unreachable = read;
    return false;
  }

  /** The result, once run() decided it or the caller gave up (status "timeout"). */
  outcome(status: SearchStatus): SearchOutcome<State> {
    const linearizable = status === "linearizable";
    const outcome: SearchOutcome<State> = {
      status,
      longest: Array.from(linearizable ? this.stackOps.subarray(0, this.depth) : this.bestOps),
      finalStates: linearizable ? [this.state] : this.bestStates,
      cacheEntries: this.visited.size,
    };
    if (status === "illegal" && this.culprit !== NONE && !outcome.longest.includes(this.culprit)) outcome.culprit = this.culprit;
    return outcome;
  }

  private lift(op: number): void {
    if (this.unknownReturn[op] === 1) {
      const unknownNext = this.unknownNext;
      const unknownPrev = this.unknownPrev;
      unknownNext[unknownPrev[op]] = unknownNext[op];
      if (unknownNext[op] !== NONE) unknownPrev[unknownNext[op]] = unknownPrev[op];
      this.twins.lifted(op);
      return;
    }
    const next = this.next;
    const prev = this.prev;
    const call = 2 * op;
    const ret = call + 1;
    next[prev[call]] = next[call];
    if (next[call] !== NONE) prev[next[call]] = prev[call];
    next[prev[ret]] = next[ret];
    if (next[ret] !== NONE) prev[next[ret]] = prev[ret];
  }

  private unlift(op: number): void {
    if (this.unknownReturn[op] === 1) {
      const unknownNext = this.unknownNext;
      const unknownPrev = this.unknownPrev;
      unknownNext[unknownPrev[op]] = op;
      if (unknownNext[op] !== NONE) unknownPrev[unknownNext[op]] = op;
      this.twins.unlifted(op);
      return;
    }
    const next = this.next;
    const prev = this.prev;
    const call = 2 * op;
    const ret = call + 1;
    next[prev[ret]] = ret;
    if (next[ret] !== NONE) prev[next[ret]] = ret;
    next[prev[call]] = call;
    if (next[call] !== NONE) prev[next[call]] = call;
  }

  /** Another order of the deepest set of known ops, or other indeterminate ops with them, may
   *  leave the model in another state. */
  private noteFinalState(state: State): void {
    for (let w = 0; w < this.knownWords; w++) if (this.bits[w] !== this.bestBits[w]) return;
    for (const known of this.bestStates) if (this.model.equal(known, state)) return;
    this.bestStates.push(state);
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
