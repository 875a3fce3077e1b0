// Hand-built transactional histories for the Elle checker's tests, in Elle's own shorthand:
// "ax1ry12" appends 1 to x then reads y = [1, 2]; "wx1rx" writes 1 to x then reads x = nil;
// keys are single letters, values single digits.

import type { Op, OpType } from "../../harness/op.ts";

export type Mop = [string, string, unknown];

/** Parses shorthand into micro-ops: a = append, w = write, r = read (list-append reads collect
 *  digits into a list; rw-register reads take one digit, or nil when none follows). */
export function mops(shorthand: string, workload: "list-append" | "rw-register" = "list-append"): Mop[] {
  const result: Mop[] = [];
  let i = 0;
  while (i < shorthand.length) {
    const f = shorthand[i++];
    const key = shorthand[i++];
    if (!/[a-z]/.test(key ?? "")) throw new Error(`bad shorthand ${shorthand} at ${i - 1}`);
    let digits = "";
    while (i < shorthand.length && /\d/.test(shorthand[i])) digits += shorthand[i++];
    if (f === "a") result.push(["append", key, Number(digits)]);
    else if (f === "w") result.push(["w", key, Number(digits)]);
    else if (f === "r") {
      if (workload === "list-append") result.push(["r", key, digits === "" ? null : [...digits].map(Number)]);
      else result.push(["r", key, digits === "" ? null : Number(digits)]);
    } else throw new Error(`bad micro-op ${f} in ${shorthand}`);
  }
  return result;
}

/** The invocation's value: reads not yet known. */
export function invocationOf(value: Mop[]): Mop[] {
  return value.map(([f, k, v]) => (f === "r" ? [f, k, null] : [f, k, v]));
}

export interface TxnSpec {
  process: number;
  value: Mop[];
  type?: Exclude<OpType, "invoke">;
}

export class TxnHistory {
  readonly ops: Op[] = [];

  private push(process: number, type: OpType, value: unknown): Op {
    const op: Op = { index: this.ops.length, time: this.ops.length * 1000, process, type, f: "txn", value };
    this.ops.push(op);
    return op;
  }

  invoke(process: number, value: Mop[]): this {
    this.push(process, "invoke", invocationOf(value));
    return this;
  }

  complete(process: number, value: Mop[], type: Exclude<OpType, "invoke"> = "ok"): this {
    this.push(process, type, type === "ok" ? value : invocationOf(value));
    return this;
  }

  /** Invoke then complete at once: ordered in real time after everything before it. */
  txn(process: number, value: Mop[], type: Exclude<OpType, "invoke"> = "ok"): this {
    return this.invoke(process, value).complete(process, value, type);
  }
}

/** Every transaction invoked before any completes: no real-time order among them. */
export function concurrent(specs: TxnSpec[]): Op[] {
  const history = new TxnHistory();
  for (const spec of specs) history.invoke(spec.process, spec.value);
  for (const spec of specs) history.complete(spec.process, spec.value, spec.type ?? "ok");
  return history.ops;
}

/** Shorthand transactions, each on its own process, all concurrent. */
export function concurrentTxns(shorthands: string[], workload: "list-append" | "rw-register" = "list-append"): Op[] {
  return concurrent(shorthands.map((s, i) => ({ process: i, value: mops(s, workload) })));
}
