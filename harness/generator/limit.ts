// Bounds on how much a generator emits: a count (limit) or a span of time (timeLimit).

import type { Op } from "../op.ts";
import type { GenContext, GenResult, Generator } from "./generator.ts";
import { earlier } from "./context.ts";

class Limit implements Generator {
  constructor(
    private readonly remaining: number,
    private readonly inner: Generator,
  ) {}

  op(ctx: GenContext): GenResult {
    if (this.remaining <= 0) return { kind: "done" };
    const result = this.inner.op(ctx);
    if (result.kind === "done") return result;
    if (result.kind === "pending") return { kind: "pending", next: this.with(result.next), untilNs: result.untilNs };
    return { kind: "op", op: result.op, next: new Limit(this.remaining - 1, result.next) };
  }

  update(ctx: GenContext, event: Op): Generator {
    return this.with(this.inner.update(ctx, event));
  }

  private with(inner: Generator): Generator {
    return inner === this.inner ? this : new Limit(this.remaining, inner);
  }
}

/** At most `count` ops from the inner generator. */
export function limit(count: number, inner: Generator): Generator {
  if (!(Number.isInteger(count) && count >= 0)) throw new Error(`limit() needs a non-negative integer count, got ${count}`);
  return new Limit(count, inner);
}

class TimeLimit implements Generator {
  constructor(
    private readonly spanNs: number,
    private readonly inner: Generator,
    /** Set the first time this generator is asked for an op. */
    private readonly deadlineNs: number | undefined,
  ) {}

  op(ctx: GenContext): GenResult {
    const deadlineNs = this.deadlineNs ?? ctx.timeNs + this.spanNs;
    if (ctx.timeNs >= deadlineNs) return { kind: "done" };
    const result = this.inner.op(ctx);
    if (result.kind === "done") return result;
    if (result.kind === "pending") {
      // Asked again at the deadline at the latest, so a phase ends on time even when nothing
      // completes in the meantime.
      return { kind: "pending", next: new TimeLimit(this.spanNs, result.next, deadlineNs), untilNs: earlier(result.untilNs, deadlineNs) };
    }
    if (result.op.timeNs >= deadlineNs) return { kind: "done" };
    const next = result.next === this.inner && deadlineNs === this.deadlineNs ? this : new TimeLimit(this.spanNs, result.next, deadlineNs);
    return { kind: "op", op: result.op, next };
  }

  update(ctx: GenContext, event: Op): Generator {
    const inner = this.inner.update(ctx, event);
    return inner === this.inner ? this : new TimeLimit(this.spanNs, inner, this.deadlineNs);
  }
}

/** Emits from the inner generator until `spanNs` after the first time it is asked, then is done.
 *  Ops in flight at the deadline are not cut short. */
export function timeLimit(spanNs: number, inner: Generator): Generator {
  if (!(spanNs >= 0)) throw new Error(`timeLimit() needs a non-negative span in ns, got ${spanNs}`);
  return new TimeLimit(spanNs, inner, undefined);
}
