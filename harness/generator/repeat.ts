// Doing things again: repeat (the same generator state over and over, Jepsen's repeat) and
// cycle (a finite generator run from the start once it is exhausted).

import type { Op } from "../op.ts";
import type { GenContext, GenResult, Generator } from "./generator.ts";

class Repeat implements Generator {
  constructor(
    /** Ops left; Infinity for no bound. */
    private readonly remaining: number,
    private readonly inner: Generator,
  ) {}

  op(ctx: GenContext): GenResult {
    if (this.remaining <= 0) return { kind: "done" };
    const result = this.inner.op(ctx);
    if (result.kind === "done") return result;
    if (result.kind === "pending") return { kind: "pending", next: this.with(result.next), untilNs: result.untilNs };
    // The inner generator's state does not advance: the next op is asked of the same state, so a
    // one-shot repeats and a random generator gives a fresh random op each time.
    return { kind: "op", op: result.op, next: this.remaining === Infinity ? this : new Repeat(this.remaining - 1, this.inner) };
  }

  update(ctx: GenContext, event: Op): Generator {
    return this.with(this.inner.update(ctx, event));
  }

  private with(inner: Generator): Generator {
    return inner === this.inner ? this : new Repeat(this.remaining, inner);
  }
}

/** Emits ops from `inner`'s current state again and again: `repeat(3, once(op))` emits op three
 *  times. Without a count, forever. */
export function repeat(inner: Generator): Generator;
export function repeat(count: number, inner: Generator): Generator;
export function repeat(countOrInner: number | Generator, maybeInner?: Generator): Generator {
  if (typeof countOrInner !== "number") return new Repeat(Infinity, countOrInner);
  if (maybeInner === undefined) throw new Error("repeat(count, inner) was given a count but no generator to repeat");
  if (!(Number.isInteger(countOrInner) && countOrInner >= 0)) throw new Error(`repeat() needs a non-negative integer count, got ${countOrInner}`);
  return new Repeat(countOrInner, maybeInner);
}

class Cycle implements Generator {
  constructor(
    private readonly original: Generator,
    private readonly current: Generator,
    /** Runs left including the current one; Infinity for no bound. */
    private readonly runsLeft: number,
  ) {}

  op(ctx: GenContext): GenResult {
    let current = this.current;
    let runsLeft = this.runsLeft;
    let freshRunGaveNothing = false;
    for (;;) {
      const result = current.op(ctx);
      if (result.kind !== "done") {
        const next = result.next === this.current && runsLeft === this.runsLeft ? this : new Cycle(this.original, result.next, runsLeft);
        return result.kind === "op" ? { kind: "op", op: result.op, next } : { kind: "pending", next, untilNs: result.untilNs };
      }
      // A run that is exhausted before emitting anything would be restarted forever.
      if (freshRunGaveNothing || runsLeft <= 1) return { kind: "done" };
      current = this.original;
      runsLeft--;
      freshRunGaveNothing = true;
    }
  }

  update(ctx: GenContext, event: Op): Generator {
    const current = this.current.update(ctx, event);
    return current === this.current ? this : new Cycle(this.original, current, this.runsLeft);
  }
}

/** Runs `inner` to exhaustion, then again from its initial state; `runs` times in all, or
 *  forever. */
export function cycle(inner: Generator, runs = Infinity): Generator {
  if (!(runs >= 1)) throw new Error(`cycle() needs at least one run, got ${runs}`);
  return new Cycle(inner, inner, runs);
}
