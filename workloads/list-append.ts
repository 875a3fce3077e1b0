// Elle's list-append workload: transactions of [append k v] and [r k nil] over a small pool of
// integer keys, judged by the Elle checker. Appends are unique per key (a per-key counter), which
// is what lets a read of a whole list reveal the order appends took effect. A key that has taken
// maxWritesPerKey writes is retired and a fresh key takes its slot (Elle's key rotation), so lists
// stay short and each key's history small.
//
// The transaction generator here is shared with rw-register, which only names its write "w".

import { isClientProcess } from "../harness/op.ts";
import type { Generator, GenContext, GenResult } from "../harness/generator/generator.ts";
import type { Rng } from "../harness/rng.ts";
import type { Checker } from "../checkers/checker.ts";
import { elle, type ElleWorkload } from "../checkers/elle/elle.ts";
import type { Workload, WorkloadOptions } from "./workload.ts";

export interface ElleTxnOptions extends WorkloadOptions {
  /** Keys in play at once (default 10). */
  keys?: number;
  /** Micro-ops per transaction, inclusive bounds (defaults 1 and 4). */
  minTxnLength?: number;
  maxTxnLength?: number;
  /** Writes a key takes before it is retired for a fresh one (default 32). */
  maxWritesPerKey?: number;
  /** Probability that a micro-op is a read (default 0.5). */
  readFraction?: number;
  /** "exponential" (default, as Elle): key slot i is `keyDistributionBase` times likelier than
   *  slot i-1, so a few keys are hot; "uniform": all slots alike. */
  keyDistribution?: "exponential" | "uniform";
  keyDistributionBase?: number;
  /** Passed to the checker. */
  consistencyModels?: string[];
  timeLimitMs?: number;
}

interface Settings {
  writeF: string;
  keys: number;
  minTxnLength: number;
  maxTxnLength: number;
  maxWritesPerKey: number;
  readFraction: number;
  /** Cumulative slot weights, last = 1. */
  cumulative: readonly number[];
}

export type MicroOp = [f: string, key: number, value: number | null];

class ElleTxnGenerator implements Generator {
  constructor(
    private readonly settings: Settings,
    /** The key in each slot. */
    private readonly activeKeys: readonly number[],
    /** The next value to write to each slot's key (1-based, as Elle). */
    private readonly nextValue: readonly number[],
    private readonly nextKey: number,
  ) {}

  op(ctx: GenContext): GenResult {
    const process = ctx.freeProcesses.find(isClientProcess);
    if (process === undefined) return { kind: "pending", next: this };
    const { settings } = this;
    const { rng } = ctx;
    const activeKeys = this.activeKeys.slice();
    const nextValue = this.nextValue.slice();
    let nextKey = this.nextKey;
    const length = rng.between(settings.minTxnLength, settings.maxTxnLength);
    const txn: MicroOp[] = [];
    for (let i = 0; i < length; i++) {
      const slot = pickSlot(rng, settings.cumulative);
      if (rng.float() < settings.readFraction) {
        txn.push(["r", activeKeys[slot], null]);
        continue;
      }
      if (nextValue[slot] > settings.maxWritesPerKey) {
        activeKeys[slot] = nextKey++;
        nextValue[slot] = 1;
      }
      txn.push([settings.writeF, activeKeys[slot], nextValue[slot]]);
      nextValue[slot] += 1;
    }
    return {
      kind: "op",
      op: { process, timeNs: ctx.timeNs, f: "txn", value: txn },
      next: new ElleTxnGenerator(settings, activeKeys, nextValue, nextKey),
    };
  }

  update(): Generator {
    return this;
  }
}

function pickSlot(rng: Rng, cumulative: readonly number[]): number {
  const x = rng.float();
  for (let i = 0; i < cumulative.length - 1; i++) if (x < cumulative[i]) return i;
  return cumulative.length - 1;
}

function positive(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got ${value}`);
  return value;
}

/** The transaction generator behind list-append (writeF "append") and rw-register ("w"). */
export function elleTxnGenerator(writeF: string, opts: ElleTxnOptions = {}): Generator {
  const keys = positive("keys", opts.keys ?? 10);
  const minTxnLength = positive("minTxnLength", opts.minTxnLength ?? 1);
  const maxTxnLength = positive("maxTxnLength", opts.maxTxnLength ?? Math.max(4, minTxnLength));
  if (maxTxnLength < minTxnLength) throw new Error(`maxTxnLength ${maxTxnLength} is below minTxnLength ${minTxnLength}`);
  const readFraction = opts.readFraction ?? 0.5;
  if (!(readFraction >= 0 && readFraction <= 1)) throw new Error(`readFraction must be within [0, 1], got ${readFraction}`);
  const base = opts.keyDistributionBase ?? 2;
  if (!(base > 0)) throw new Error(`keyDistributionBase must be positive, got ${base}`);
  const weights = Array.from({ length: keys }, (_, i) => (opts.keyDistribution === "uniform" ? 1 : base ** i));
  const total = weights.reduce((a, b) => a + b, 0);
  let running = 0;
  const cumulative = weights.map((w) => (running += w) / total);
  cumulative[keys - 1] = 1;
  const settings: Settings = {
    writeF,
    keys,
    minTxnLength,
    maxTxnLength,
    maxWritesPerKey: positive("maxWritesPerKey", opts.maxWritesPerKey ?? 32),
    readFraction,
    cumulative,
  };
  const activeKeys = Array.from({ length: keys }, (_, i) => i);
  return new ElleTxnGenerator(settings, activeKeys, activeKeys.map(() => 1), keys);
}

export function elleChecker(workload: ElleWorkload, opts: WorkloadOptions): Checker {
  return elle({
    workload,
    consistencyModels: Array.isArray(opts.consistencyModels) ? (opts.consistencyModels as string[]) : undefined,
    timeLimitMs: typeof opts.timeLimitMs === "number" ? opts.timeLimitMs : undefined,
  });
}

export function listAppendGenerator(opts: ElleTxnOptions = {}): Generator {
  return elleTxnGenerator("append", opts);
}

export const listAppendWorkload: Workload = {
  name: "list-append",
  description: "transactions appending unique values to lists and reading whole lists, checked by Elle (strict serializability by default)",
  refutes: { kind: "transactional" },
  generator: (opts) => listAppendGenerator(opts as ElleTxnOptions),
  checker: (opts) => elleChecker("list-append", opts),
};
