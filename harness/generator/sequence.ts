// Running generators one after another: concat (straight on), synchronize (wait until every
// process is idle), and phases / andThen built from the two.

import type { Op } from "../op.ts";
import type { GenContext, GenResult, Generator } from "./generator.ts";
import { allIdle } from "./context.ts";
import { DONE } from "./done.ts";

class Concat implements Generator {
  constructor(
    /** The part running now (it alone hears about events, as in Jepsen: later parts start fresh). */
    private readonly current: Generator,
    /** Parts not asked yet are `upcoming[position..]`; the array is shared, never copied. */
    private readonly upcoming: readonly Generator[],
    private readonly position: number,
  ) {}

  op(ctx: GenContext): GenResult {
    let current = this.current;
    let position = this.position;
    for (;;) {
      const result = current.op(ctx);
      if (result.kind !== "done") {
        const next = result.next === this.current && position === this.position ? this : new Concat(result.next, this.upcoming, position);
        return result.kind === "op" ? { kind: "op", op: result.op, next } : { kind: "pending", next, untilNs: result.untilNs };
      }
      if (position >= this.upcoming.length) return { kind: "done" };
      current = this.upcoming[position++];
    }
  }

  update(ctx: GenContext, event: Op): Generator {
    const current = this.current.update(ctx, event);
    return current === this.current ? this : new Concat(current, this.upcoming, this.position);
  }
}

/** Each generator in turn; the next one starts as soon as the previous is exhausted. */
export function concat(...parts: Generator[]): Generator {
  return parts.length === 0 ? DONE : new Concat(parts[0], parts, 1);
}

class Synchronize implements Generator {
  constructor(private readonly inner: Generator) {}

  op(ctx: GenContext): GenResult {
    // Once every process is idle the barrier is passed for good: the inner generator's results,
    // and so its next state, replace this wrapper.
    if (allIdle(ctx)) return this.inner.op(ctx);
    return { kind: "pending", next: this };
  }

  update(ctx: GenContext, event: Op): Generator {
    const inner = this.inner.update(ctx, event);
    return inner === this.inner ? this : new Synchronize(inner);
  }
}

/** Waits until every process in the context is idle, then behaves as the inner generator. */
export function synchronize(inner: Generator): Generator {
  return new Synchronize(inner);
}

/** Each phase starts only once the previous one is exhausted and all its ops have completed. */
export function phases(...parts: Generator[]): Generator {
  return concat(...parts.map(synchronize));
}

/** `first`, then — once every process is idle — `second` (Jepsen's `then`). Not named `then`: a
 *  module exporting `then` is a thenable, and `await import(...)` of it never resolves. */
export function andThen(first: Generator, second: Generator): Generator {
  return concat(first, synchronize(second));
}
