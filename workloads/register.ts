// Independent read / write / cas registers (Jepsen's register test with jepsen.independent): ops
// spread over a window of keys, each key retired after a bounded number of ops so that every
// per-key history stays small enough for the linearizability search.

import type { Generator, GenContext, GenResult } from "../harness/generator/generator.ts";
import type { Checker } from "../checkers/checker.ts";
import { linearizable, type LinearizableOptions } from "../checkers/linearizable/check.ts";
import { pickFreeClient } from "./pick-client.ts";
import type { Workload, WorkloadOptions } from "./workload.ts";

export interface RegisterOptions extends WorkloadOptions {
  /** Keys in play at once. */
  keys?: number;
  /** Ops a key receives before a fresh key replaces it. */
  opsPerKey?: number;
  /** Values are drawn from 0..valueRange-1; small ranges make cas succeed often. */
  valueRange?: number;
  /** Share of reads among the ops; the rest are writes and cas, half each. */
  readFraction?: number;
  /** The checker's model; "register" has no compare-and-set, so then the rest are all writes (for
   *  systems without one: a leaderless quorum store). */
  model?: string;
}

// A key lives for many ops, so that it outlasts an outage (a whole-cluster kill and restart burns
// through ops quickly, as every op fails at once) and is still read afterwards; and half of the
// ops are reads, since only a read — or a cas — after the fact can show that a write was lost.
const DEFAULTS = { keys: 8, opsPerKey: 400, valueRange: 5, readFraction: 0.5, cas: true };

class RegisterGenerator implements Generator {
  constructor(
    private readonly settings: typeof DEFAULTS,
    private readonly activeKeys: readonly number[],
    private readonly opsOnKey: readonly number[],
    private readonly nextKey: number,
  ) {}

  op(ctx: GenContext): GenResult {
    const process = pickFreeClient(ctx);
    if (process === undefined) return { kind: "pending", next: this };
    const slot = ctx.rng.int(this.activeKeys.length);
    const key = this.activeKeys[slot];
    const range = this.settings.valueRange;
    const roll = ctx.rng.float() < this.settings.readFraction ? 0 : this.settings.cas ? 1 + ctx.rng.int(2) : 1;
    const [f, value] = roll === 0 ? ["read", null] : roll === 1 ? ["write", ctx.rng.int(range)] : ["cas", [ctx.rng.int(range), ctx.rng.int(range)]];

    const activeKeys = this.activeKeys.slice();
    const opsOnKey = this.opsOnKey.slice();
    let nextKey = this.nextKey;
    opsOnKey[slot] += 1;
    if (opsOnKey[slot] >= this.settings.opsPerKey) {
      activeKeys[slot] = nextKey++;
      opsOnKey[slot] = 0;
    }
    return {
      kind: "op",
      op: { process, timeNs: ctx.timeNs, f, value, key },
      next: new RegisterGenerator(this.settings, activeKeys, opsOnKey, nextKey),
    };
  }

  update(): Generator {
    return this;
  }
}

export function registerGenerator(opts: RegisterOptions = {}): Generator {
  const settings = {
    keys: opts.keys ?? DEFAULTS.keys,
    opsPerKey: opts.opsPerKey ?? DEFAULTS.opsPerKey,
    valueRange: opts.valueRange ?? DEFAULTS.valueRange,
    readFraction: opts.readFraction ?? DEFAULTS.readFraction,
    cas: opts.model !== "register",
  };
  const keys = Array.from({ length: settings.keys }, (_, i) => i);
  return new RegisterGenerator(settings, keys, keys.map(() => 0), settings.keys);
}

export const registerWorkload: Workload = {
  name: "register",
  description: "independent read/write/cas registers, checked per key for linearizability (cas-register model)",
  refutes: { kind: "linearizability" },
  generator: (opts) => registerGenerator(opts as RegisterOptions),
  checker: (opts): Checker =>
    linearizable({ model: (opts.model as LinearizableOptions["model"] | undefined) ?? "cas-register", timeLimitMs: opts.timeLimitMs as number | undefined }),
};
