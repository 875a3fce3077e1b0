// Shared by the generator tests: a client op that says which generator it came from, and views
// of a simulated history.

import type { Op } from "../op.ts";
import type { Rng } from "../rng.ts";
import type { SimulatedResponse } from "../interpreter-simulation.ts";
import { fromFn } from "./lift.ts";
import type { Generator } from "./generator.ts";

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
