// A pause in a sequence of generators: emits nothing for a span of time, then is done.

import type { GenContext, GenResult, Generator } from "./generator.ts";

class Sleep implements Generator {
  constructor(
    private readonly spanNs: number,
    /** Set the first time this generator is asked. */
    private readonly wakeNs: number | undefined,
  ) {}

  op(ctx: GenContext): GenResult {
    const wakeNs = this.wakeNs ?? ctx.timeNs + this.spanNs;
    if (ctx.timeNs >= wakeNs) return { kind: "done" };
    return { kind: "pending", next: wakeNs === this.wakeNs ? this : new Sleep(this.spanNs, wakeNs), untilNs: wakeNs };
  }

  update(): Generator {
    return this;
  }
}

/** Emits nothing for `spanNs` from the first time it is asked (e.g. to let a cluster recover
 *  between phases). */
export function sleep(spanNs: number): Generator {
  if (!(spanNs >= 0)) throw new Error(`sleep() needs a non-negative span in ns, got ${spanNs}`);
  return new Sleep(spanNs, undefined);
}
