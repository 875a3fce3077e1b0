// A shared counter: clients add small signed deltas and read the value; every read must fall
// between what was certainly and what was possibly added by then. Checked by checkers/counter.ts.
//
// Ops a client must implement:
//   {f: "add", value: delta}    add the (possibly negative) integer delta; ok once applied.
//   {f: "read", value: null}    ok with the counter's value as a number. The counter starts at 0.

import { counterChecker } from "../checkers/counter.ts";
import type { Generator, GenContext, GenResult } from "../harness/generator/generator.ts";
import type { Workload, WorkloadOptions } from "./workload.ts";
import { booleanOption, EachClientOnce, numberOption } from "./set.ts";
import { pickFreeClient } from "./pick-client.ts";

/** The options this takes through `--opt` (documentation; read by name). @public */
export interface CounterWorkloadOptions extends WorkloadOptions {
  /** Fraction of ops that read. Default 0.3. */
  readFraction?: number;
  /** Deltas are drawn from 1..maxDelta. Default 5. */
  maxDelta?: number;
  /** Let a third of the adds subtract, so bounds are tested in both directions. Default true. */
  negativeDeltas?: boolean;
}

interface CounterSettings {
  readFraction: number;
  maxDelta: number;
  negativeDeltas: boolean;
}

class CounterGenerator implements Generator {
  constructor(private readonly settings: CounterSettings) {}

  op(ctx: GenContext): GenResult {
    const process = pickFreeClient(ctx);
    if (process === undefined) return { kind: "pending", next: this };
    if (ctx.rng.float() < this.settings.readFraction) return { kind: "op", op: { process, timeNs: ctx.timeNs, f: "read", value: null }, next: this };
    const magnitude = ctx.rng.between(1, this.settings.maxDelta);
    const delta = this.settings.negativeDeltas && ctx.rng.bool(1 / 3) ? -magnitude : magnitude;
    return { kind: "op", op: { process, timeNs: ctx.timeNs, f: "add", value: delta }, next: this };
  }

  update(): Generator {
    return this;
  }
}

export const counterWorkload: Workload = {
  name: "counter",
  description: "add signed deltas to one counter and read it; every read must lie between the certainly and the possibly applied adds",
  refutes: { kind: "property", property: "every read between the certain and the possible increments" },
  generator: (opts) =>
    new CounterGenerator({
      readFraction: numberOption(opts, "readFraction", 0.3, { min: 0, max: 1 }),
      maxDelta: numberOption(opts, "maxDelta", 5, { min: 1, integer: true }),
      negativeDeltas: booleanOption(opts, "negativeDeltas", true),
    }),
  finalGenerator: () => new EachClientOnce("read", null),
  checker: () => counterChecker({ initial: 0 }),
};
