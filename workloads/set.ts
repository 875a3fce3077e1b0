// Jepsen's set-full workload: clients add unique elements, and now and then read the whole set;
// after the faults heal, every client reads the set once more. Checked by checkers/set.ts.
//
// Ops a client must implement:
//   {f: "add", value: element}       add a number to the set; ok when the system acknowledged it.
//   {f: "read", value: null | {final: true}}
//                                    ok with the array of every element in the set. The invoke
//                                    value only tells the checker a read is final; ignore it.
//
// This file also holds the small generator pieces the other non-transactional workloads share
// (picking a free client, one op per client, option parsing).

import { setChecker } from "../checkers/set.ts";
import type { Generator, GenContext, GenResult, PlannedOp } from "../harness/generator/generator.ts";
import type { Process } from "../harness/op.ts";
import { pickFreeClient } from "./pick-client.ts";
import type { Workload, WorkloadOptions } from "./workload.ts";

/** The options this takes through `--opt` (documentation; read by name). @public */
export interface SetWorkloadOptions extends WorkloadOptions {
  /** Fraction of main-phase ops that read the whole set (the rest add). Default 0.1. */
  readFraction?: number;
  /** Judge stale reads as errors. Default: whether the system claims linearizability (the runner
   *  passes its claimed model as claimedModel); false for a history checked on its own. */
  linearizable?: boolean;
  claimedModel?: string;
}


/** Reads a numeric workload option, failing loudly on a value that cannot be meant. */
export function numberOption(opts: WorkloadOptions, name: string, fallback: number, range: { min: number; max?: number; integer?: boolean }): number {
  const value = opts[name] ?? fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < range.min || (range.max !== undefined && value > range.max) || (range.integer && !Number.isInteger(value))) {
    const bounds = `${range.integer ? "an integer" : "a number"} ≥ ${range.min}${range.max !== undefined ? ` and ≤ ${range.max}` : ""}`;
    throw new RangeError(`workload option ${name} must be ${bounds}, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function booleanOption(opts: WorkloadOptions, name: string, fallback: boolean): boolean {
  const value = opts[name] ?? fallback;
  if (typeof value !== "boolean") throw new RangeError(`workload option ${name} must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

/** One op for each client process there is when it first runs (Jepsen's each-thread + once):
 *  it waits for busy clients to come free, and a client retired meanwhile is stood in for by its
 *  replacement, so there are as many ops as clients, each on a different process. */
export class EachClientOnce implements Generator {
  constructor(
    private readonly f: string,
    private readonly value: unknown,
    private readonly remaining: number | null = null,
    private readonly served: ReadonlySet<Process> = new Set(),
  ) {}

  op(ctx: GenContext): GenResult {
    const remaining = this.remaining ?? ctx.allProcesses.filter((candidate) => typeof candidate === "number").length;
    if (remaining === 0) return { kind: "done" };
    const process = ctx.freeProcesses.find((candidate) => typeof candidate === "number" && !this.served.has(candidate));
    if (process === undefined) return { kind: "pending", next: new EachClientOnce(this.f, this.value, remaining, this.served) };
    const op: PlannedOp = { process, timeNs: ctx.timeNs, f: this.f, value: this.value };
    return { kind: "op", op, next: new EachClientOnce(this.f, this.value, remaining - 1, new Set([...this.served, process])) };
  }

  update(): Generator {
    return this;
  }
}

/** Claims under which every read must see every add acknowledged before it began. */
const LINEARIZABLE_CLAIMS = ["linearizable", "strict-serializable"];

class SetGenerator implements Generator {
  constructor(
    private readonly readFraction: number,
    private readonly nextElement: number,
  ) {}

  op(ctx: GenContext): GenResult {
    const process = pickFreeClient(ctx);
    if (process === undefined) return { kind: "pending", next: this };
    if (ctx.rng.float() < this.readFraction) return { kind: "op", op: { process, timeNs: ctx.timeNs, f: "read", value: null }, next: this };
    return { kind: "op", op: { process, timeNs: ctx.timeNs, f: "add", value: this.nextElement }, next: new SetGenerator(this.readFraction, this.nextElement + 1) };
  }

  update(): Generator {
    return this;
  }
}

export const setWorkload: Workload = {
  name: "set",
  description: "add unique elements to a set, read it now and then and once from every client after healing; finds lost, stale and phantom elements (Jepsen set-full)",
  refutes: { kind: "property", property: "no add lost once acknowledged or read" },
  generator: (opts) => new SetGenerator(numberOption(opts, "readFraction", 0.1, { min: 0, max: 1 }), 0),
  finalGenerator: () => new EachClientOnce("read", { final: true }),
  checker: (opts) => setChecker({ linearizable: booleanOption(opts, "linearizable", LINEARIZABLE_CLAIMS.includes(String(opts.claimedModel))) }),
};
