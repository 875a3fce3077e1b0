// Shared by the generator tests: a client op that says which generator it came from, and views
// of a simulated history.

import type { Op, Process } from "../../harness/op.ts";
import { Rng } from "../../harness/rng.ts";
import type { SimulatedResponse } from "./simulated-interpreter.ts";
import { fromFn } from "../../harness/generator/lift.ts";
import type { GenContext, Generator, PlannedOp } from "../../harness/generator/generator.ts";

/** An endless generator of ops named `f`, each with a random value (so the rng is exercised). */
export function tagged(f: string): Generator {
  return fromFn((ctx) => ({ f, value: ctx.rng.int(1000) }));
}

export const invokes = (history: readonly Op[]) => history.filter((op) => op.type === "invoke");

/** Random latency in [0, maxLatencyNs], and `info` with probability pInfo, `fail` with pFail. */
export function flaky(maxLatencyNs: number, pInfo = 0, pFail = 0) {
  return (_op: unknown, rng: Rng): SimulatedResponse => {
    const roll = rng.float();
    const type = roll < pInfo ? "info" : roll < pInfo + pFail ? "fail" : "ok";
    return { completion: { type }, latencyNs: rng.int(maxLatencyNs + 1) };
  };
}

/** A context with the given free processes (all of them unless `all` says otherwise) at time 0. */
export function freeContext(free: readonly Process[], all: readonly Process[] = free, seed = 1): GenContext {
  return { timeNs: 0, freeProcesses: free, allProcesses: all, rng: new Rng(seed) };
}

/** Up to `count` ops a generator plans in an unchanging context (fewer if it finishes or waits). */
export function take(generator: Generator, ctx: GenContext, count: number): PlannedOp[] {
  const ops: PlannedOp[] = [];
  for (let current = generator, i = 0; i < count; i++) {
    const result = current.op(ctx);
    if (result.kind !== "op") break;
    ops.push(result.op);
    current = result.next;
  }
  return ops;
}
