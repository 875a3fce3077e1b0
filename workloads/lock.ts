// A distributed lock: clients acquire it, hold it a moment, and release it. Checked by
// checkers/lock.ts for two clients certainly holding it at once and, with fencing tokens, for a
// lower token accepted after a higher one (SEEDS C2: a Redis lock across failover).
//
// Ops a client must implement:
//   {f: "acquire", value: null}      ok once this client holds the lock, with a fencing token
//                                    ({token: n} or n) if the system hands them out, else null;
//                                    fail if the lock is held by someone else.
//   {f: "release", value: null | {token: n}}
//                                    release the lock; the token is the one the acquire returned.
//                                    ok when released; fail if this client no longer held it.
// A client holds until it invokes release; the generator releases after holdMs, and retries a
// release that failed (the client still holds the lock) a few times.

import { lockChecker, tokenOf } from "../checkers/lock.ts";
import type { Generator, GenContext, GenResult } from "../harness/generator/generator.ts";
import { NS_PER_MS } from "../harness/clock.ts";
import type { Op, Process } from "../harness/op.ts";
import type { Workload, WorkloadOptions } from "./workload.ts";
import { numberOption } from "./set.ts";
import { pickFreeClient } from "./pick-client.ts";

/** The options this takes through `--opt` (documentation; read by name). @public */
export interface LockWorkloadOptions extends WorkloadOptions {
  /** How long a client holds the lock before releasing it. Default 10. */
  holdMs?: number;
  /** The lock is a lease of this length: the system's lock expires after it, and the checker
   *  stops trusting a hold after it. One setting, read by both (leaseMsOf). Default 5 000. */
  leaseMs?: number;
}

/** Lease length when the test names none: far longer than a hold (holdMs), so that only a client
 *  stuck past it — cut off, paused, killed — ever loses the lock to it. */
export const DEFAULT_LEASE_MS = 5_000;

/** The lock's lease, as every lock client and the lock checker read it. */
export function leaseMsOf(opts: WorkloadOptions): number {
  return numberOption(opts, "leaseMs", DEFAULT_LEASE_MS, { min: Number.MIN_VALUE });
}

/** A failed release means the client still holds the lock; it tries again this many times
 *  before giving up on it (the lock may think it no longer holds, e.g. after its lease ran out). */
const RELEASE_ATTEMPTS = 3;

interface Holding {
  token: number | null;
  releaseAtNs: number;
  /** A release is in flight. */
  releasing: boolean;
  failedReleases: number;
}

class LockGenerator implements Generator {
  constructor(
    private readonly holdNs: number,
    /** Clients that hold the lock, as far as the generator knows. */
    private readonly holders: ReadonlyMap<Process, Holding>,
  ) {}

  op(ctx: GenContext): GenResult {
    const free = ctx.freeProcesses.filter((candidate): candidate is number => typeof candidate === "number");
    if (free.length === 0) return { kind: "pending", next: this };
    const freeHolders = free.filter((client) => this.holders.get(client)?.releasing === false);
    const due = freeHolders.filter((client) => (this.holders.get(client) as Holding).releaseAtNs <= ctx.timeNs);
    if (due.length > 0) return this.release(ctx.rng.pick(due), ctx.timeNs);
    const process = pickFreeClient({ ...ctx, freeProcesses: free.filter((client) => !this.holders.has(client)) });
    if (process !== undefined) return { kind: "op", op: { process, timeNs: ctx.timeNs, f: "acquire", value: null }, next: this };
    if (freeHolders.length === 0) return { kind: "pending", next: this };
    // Every idle client holds the lock and is not due yet: plan the earliest release.
    const earliest = freeHolders.reduce((a, b) => ((this.holders.get(a) as Holding).releaseAtNs <= (this.holders.get(b) as Holding).releaseAtNs ? a : b));
    return this.release(earliest, (this.holders.get(earliest) as Holding).releaseAtNs);
  }

  update(_ctx: GenContext, event: Op): Generator {
    if (typeof event.process !== "number") return this;
    const holding = this.holders.get(event.process);
    if (event.f === "acquire" && event.type === "ok") {
      return this.with(event.process, { token: tokenOf(event.value) ?? null, releaseAtNs: event.time + this.holdNs, releasing: false, failedReleases: 0 });
    }
    if (event.f !== "release" || !holding) return this;
    if (event.type === "invoke") return this.with(event.process, { ...holding, releasing: true });
    if (event.type === "fail" && holding.failedReleases + 1 < RELEASE_ATTEMPTS) {
      return this.with(event.process, { ...holding, releasing: false, failedReleases: holding.failedReleases + 1, releaseAtNs: event.time });
    }
    return this.with(event.process, undefined);
  }

  private release(process: number, timeNs: number): GenResult {
    const holding = this.holders.get(process) as Holding;
    const op = { process, timeNs, f: "release", value: holding.token === null ? null : { token: holding.token } };
    return { kind: "op", op, next: this.with(process, { ...holding, releasing: true }) };
  }

  private with(process: Process, holding: Holding | undefined): LockGenerator {
    const holders = new Map(this.holders);
    if (holding) holders.set(process, holding);
    else holders.delete(process);
    return new LockGenerator(this.holdNs, holders);
  }
}

export const lockWorkload: Workload = {
  name: "lock",
  description: "acquire a lock, hold it briefly, release it; two clients must never hold it at once, and fencing tokens must only grow",
  refutes: { kind: "property", property: "mutual exclusion" },
  generator: (opts) => new LockGenerator(numberOption(opts, "holdMs", 10, { min: 0 }) * NS_PER_MS, new Map()),
  checker: (opts) => lockChecker({ leaseMs: leaseMsOf(opts) }),
};
