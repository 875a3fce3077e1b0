// Plain values as generators: a function of the context becomes an endless stream of ops for
// whichever process is free; a fixed op becomes a one-shot (Jepsen's maps and functions).

import type { Process } from "../op.ts";
import type { GenContext, GenResult, Generator } from "./generator.ts";
import { isFree, pickProcess, type OpSpec } from "./context.ts";
import { DONE } from "./done.ts";

class FromFn implements Generator {
  constructor(private readonly make: (ctx: GenContext) => OpSpec) {}

  op(ctx: GenContext): GenResult {
    const process = pickProcess(ctx);
    if (process === undefined) return { kind: "pending", next: this };
    const spec = this.make(ctx);
    // Built field by field: this runs once per op, and a spread costs several times as much.
    return { kind: "op", op: { process, f: spec.f, value: spec.value, key: spec.key, timeNs: ctx.timeNs }, next: this };
  }

  update(): Generator {
    return this;
  }
}

/** An endless generator: each op is `make(ctx)` (which may draw from ctx.rng) for a free client
 *  process picked at random. Bound it with limit/timeLimit. */
export function fromFn(make: (ctx: GenContext) => OpSpec): Generator {
  return new FromFn(make);
}

/** A fixed op, optionally pinned to one process. */
export type OnceSpec = OpSpec & { process?: Process };

class Once implements Generator {
  constructor(private readonly spec: OnceSpec) {}

  op(ctx: GenContext): GenResult {
    const pinned = this.spec.process;
    const process = pinned === undefined ? pickProcess(ctx) : isFree(ctx, pinned) ? pinned : undefined;
    if (process === undefined) return { kind: "pending", next: this };
    return { kind: "op", op: { ...this.spec, process, timeNs: ctx.timeNs }, next: DONE };
  }

  update(): Generator {
    return this;
  }
}

/** Emits `spec` once, then is done. */
export function once(spec: OnceSpec): Generator {
  return new Once(spec);
}
