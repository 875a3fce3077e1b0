// Rate control: stagger (random spacing, how --rate is implemented) and delay (fixed spacing).
// Both hold back the inner generator's ops until the next slot is due and say when that is, so
// the op they emit is always due now and the interpreter never drops their state.

import type { Op } from "../op.ts";
import type { Rng } from "../rng.ts";
import type { GenContext, GenResult, Generator } from "./generator.ts";

interface Spacing {
  meanNs: number;
  draw(rng: Rng): number;
}

class Spaced implements Generator {
  constructor(
    private readonly spacing: Spacing,
    private readonly inner: Generator,
    /** When the next op may go; undefined before the first, which goes at once. */
    private readonly dueNs: number | undefined,
  ) {}

  op(ctx: GenContext): GenResult {
    const result = this.inner.op(ctx);
    if (result.kind === "done") return result;
    if (result.kind === "pending") return { kind: "pending", next: this.with(result.next), untilNs: result.untilNs };
    const dueNs = Math.max(this.dueNs ?? ctx.timeNs, result.op.timeNs);
    if (dueNs > ctx.timeNs) return { kind: "pending", next: this, untilNs: dueNs };
    // Counting from the slot rather than from now keeps the rate when wake-ups run a little late;
    // the floor stops a long stall (every process busy) from turning into a burst of catch-up ops.
    const anchorNs = Math.max(dueNs, ctx.timeNs - this.spacing.meanNs);
    const nextDueNs = anchorNs + this.spacing.draw(ctx.rng);
    return { kind: "op", op: { ...result.op, timeNs: ctx.timeNs }, next: new Spaced(this.spacing, result.next, nextDueNs) };
  }

  update(ctx: GenContext, event: Op): Generator {
    return this.with(this.inner.update(ctx, event));
  }

  private with(inner: Generator): Generator {
    return inner === this.inner ? this : new Spaced(this.spacing, inner, this.dueNs);
  }
}

/** Spaces the inner generator's ops by a uniform random 0..2×meanIntervalNs (mean rate
 *  1/meanIntervalNs over all processes together — Jepsen's stagger). */
export function stagger(meanIntervalNs: number, inner: Generator): Generator {
  if (!(meanIntervalNs > 0)) throw new Error(`stagger() needs a positive mean interval in ns, got ${meanIntervalNs}`);
  return new Spaced({ meanNs: meanIntervalNs, draw: (rng) => Math.floor(rng.float() * 2 * meanIntervalNs) }, inner, undefined);
}

/** Spaces the inner generator's ops exactly intervalNs apart; the first goes at once. */
export function delay(intervalNs: number, inner: Generator): Generator {
  if (!(intervalNs >= 0)) throw new Error(`delay() needs a non-negative interval in ns, got ${intervalNs}`);
  return new Spaced({ meanNs: intervalNs, draw: () => intervalNs }, inner, undefined);
}

/** Ops per second → the mean interval stagger() wants. */
export function rateToIntervalNs(opsPerSecond: number): number {
  if (!(opsPerSecond > 0)) throw new Error(`a rate must be a positive number of ops per second, got ${opsPerSecond}`);
  return 1e9 / opsPerSecond;
}
