// Rewriting or dropping a generator's ops on their way out (Jepsen's map and filter).

import type { Op } from "../op.ts";
import type { GenContext, GenResult, Generator, PlannedOp } from "./generator.ts";

class MapOps implements Generator {
  constructor(
    private readonly transform: (op: PlannedOp, ctx: GenContext) => PlannedOp,
    private readonly inner: Generator,
  ) {}

  op(ctx: GenContext): GenResult {
    const result = this.inner.op(ctx);
    if (result.kind === "done") return result;
    const next = result.next === this.inner ? this : new MapOps(this.transform, result.next);
    if (result.kind === "pending") return { kind: "pending", next, untilNs: result.untilNs };
    return { kind: "op", op: this.transform(result.op, ctx), next };
  }

  update(ctx: GenContext, event: Op): Generator {
    const inner = this.inner.update(ctx, event);
    return inner === this.inner ? this : new MapOps(this.transform, inner);
  }
}

/** Every op passes through `transform` (which must keep the op's process, one the context offered). */
export function map(transform: (op: PlannedOp, ctx: GenContext) => PlannedOp, inner: Generator): Generator {
  return new MapOps(transform, inner);
}

/** Consecutive rejected ops after which filter() gives up: the predicate most likely never holds. */
const MAX_REJECTED_IN_A_ROW = 100_000;

class FilterOps implements Generator {
  constructor(
    private readonly keep: (op: PlannedOp) => boolean,
    private readonly inner: Generator,
  ) {}

  op(ctx: GenContext): GenResult {
    let inner = this.inner;
    for (let rejected = 0; rejected < MAX_REJECTED_IN_A_ROW; rejected++) {
      const result = inner.op(ctx);
      if (result.kind === "done") return result;
      if (result.kind === "pending") {
        return { kind: "pending", next: result.next === this.inner ? this : new FilterOps(this.keep, result.next), untilNs: result.untilNs };
      }
      if (this.keep(result.op)) return { kind: "op", op: result.op, next: new FilterOps(this.keep, result.next) };
      // A rejected op is consumed: the inner generator moves past it.
      inner = result.next;
    }
    throw new Error(`filter(): the predicate rejected ${MAX_REJECTED_IN_A_ROW} ops in a row; check that it can ever hold for the inner generator's ops`);
  }

  update(ctx: GenContext, event: Op): Generator {
    const inner = this.inner.update(ctx, event);
    return inner === this.inner ? this : new FilterOps(this.keep, inner);
  }
}

/** Only the ops for which `keep` holds; the others are skipped (asked for and dropped). */
export function filter(keep: (op: PlannedOp) => boolean, inner: Generator): Generator {
  return new FilterOps(keep, inner);
}
