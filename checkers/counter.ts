// A counter that clients add signed deltas to and read. Each read must return a value the counter
// could have held at some moment during the read: every add acknowledged before the read began is
// certainly in it; every add that had begun before the read ended and did not definitely fail
// (ok but concurrent, info, or never completed) may or may not be. A positive delta that may be in
// raises the upper bound, a negative one lowers the lower bound.
//
// Op shapes:
//   add   invoke value: the delta (a finite number, may be negative); ok value ignored.
//   read  invoke value: null; ok value: the counter's value (a finite number).

import type { Checker, CheckResult, Validity } from "./checker.ts";
import { mergeValidity } from "./checker.ts";
import { pairOps, type OpPair } from "../harness/history/pairs.ts";
import type { Op } from "../harness/op.ts";
import { showValue, opRef, outcomeOf, type MalformedOp, type OpRef } from "./evidence.ts";

export interface CounterCheckerOptions {
  /** The counter's value before the first op; 0 unless the system starts elsewhere. */
  initial?: number;
}

export interface CounterError {
  /** The read's completion. */
  read: OpRef;
  readInvoke: OpRef;
  value: number;
  lower: number;
  upper: number;
}

export interface CounterResult extends CheckResult {
  reads: number;
  errorCount: number;
  errors: CounterError[];
  /** Plot-ready: one [timeNs of the read's completion, lower, value, upper] per ok read. */
  series: [number, number, number, number][];
  /** Bounds on the counter's value once every op has ended. */
  finalBounds: { lower: number; upper: number };
  malformed: MalformedOp[];
}

export function counterChecker(options: CounterCheckerOptions = {}): Checker {
  return { name: "counter", check: (history) => checkCounter(history, options) };
}

interface Sums {
  /** Sum of the deltas of adds acknowledged so far. */
  applied: number;
  /** Sums of the positive / negative parts of those deltas. */
  appliedUp: number;
  appliedDown: number;
  /** Sums of the positive / negative parts of every add invoked so far that did not fail. */
  attemptedUp: number;
  attemptedDown: number;
}

export function checkCounter(history: readonly Op[], options: CounterCheckerOptions = {}): CounterResult {
  const initial = options.initial ?? 0;
  const malformed: MalformedOp[] = [];
  const pairs = pairOps(history).filter((pair) => pair.invoke.process !== "nemesis");
  const pairByOp = new Map<number, OpPair>();
  for (const pair of pairs) {
    pairByOp.set(pair.invoke.index, pair);
    if (pair.completion) pairByOp.set(pair.completion.index, pair);
    if (pair.invoke.f === "add" && !isDelta(pair.invoke.value)) {
      malformed.push({ index: pair.invoke.index, reason: `add of ${showValue(pair.invoke.value)}, not a finite number` });
    }
  }

  const sums: Sums = { applied: 0, appliedUp: 0, appliedDown: 0, attemptedUp: 0, attemptedDown: 0 };
  const atReadInvoke = new Map<OpPair, Sums>();
  const errors: CounterError[] = [];
  const series: [number, number, number, number][] = [];
  let reads = 0;
  for (const op of history) {
    const pair = pairByOp.get(op.index);
    if (!pair) continue;
    const { invoke } = pair;
    if (invoke.f === "add" && isDelta(invoke.value)) {
      const delta = invoke.value;
      if (op === invoke && outcomeOf(pair) !== "fail") {
        sums.attemptedUp += Math.max(0, delta);
        sums.attemptedDown += Math.min(0, delta);
      } else if (op === pair.completion && op.type === "ok") {
        sums.applied += delta;
        sums.appliedUp += Math.max(0, delta);
        sums.appliedDown += Math.min(0, delta);
      }
    } else if (invoke.f === "read") {
      if (op === invoke) {
        atReadInvoke.set(pair, { ...sums });
      } else if (op === pair.completion && op.type === "ok") {
        if (!isDelta(op.value)) {
          malformed.push({ index: op.index, reason: `read returned ${showValue(op.value)}, not a finite number` });
          continue;
        }
        const before = atReadInvoke.get(pair) as Sums;
        // Acknowledged before the read began: certainly counted. Everything else that began before
        // the read ended and did not fail: maybe counted.
        const lower = initial + before.applied + (sums.attemptedDown - before.appliedDown);
        const upper = initial + before.applied + (sums.attemptedUp - before.appliedUp);
        reads++;
        series.push([op.time, lower, op.value, upper]);
        if (op.value < lower || op.value > upper) {
          errors.push({ read: opRef(op), readInvoke: opRef(invoke), value: op.value, lower, upper });
        }
      }
    }
  }

  let valid: Validity = reads === 0 ? "unknown" : errors.length === 0;
  if (malformed.length > 0) valid = mergeValidity([valid, "unknown"]);
  return {
    valid,
    reads,
    errorCount: errors.length,
    errors,
    series,
    finalBounds: { lower: initial + sums.applied + (sums.attemptedDown - sums.appliedDown), upper: initial + sums.applied + (sums.attemptedUp - sums.appliedUp) },
    malformed,
  };
}

function isDelta(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}
