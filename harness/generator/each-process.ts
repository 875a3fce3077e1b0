// Jepsen's each-thread: every client process runs its own copy of a generator (e.g. one final
// read each). A copy belongs to a slot — the process id modulo the number of client processes —
// so a process that replaces a retired one carries on with its predecessor's copy instead of
// starting over.

import { isClientProcess, type Op } from "../op.ts";
import type { GenContext, GenResult, Generator, PlannedOp } from "./generator.ts";
import { clientCount, earlier } from "./context.ts";

/** Marks a slot whose copy is exhausted. */
const EXHAUSTED = null;

class EachProcess implements Generator {
  constructor(
    private readonly factory: (process: number) => Generator,
    private readonly copies: ReadonlyMap<number, Generator | typeof EXHAUSTED>,
  ) {}

  op(ctx: GenContext): GenResult {
    const slots = clientCount(ctx);
    if (slots === 0) return { kind: "done" };
    let copies: Map<number, Generator | typeof EXHAUSTED> | undefined;
    const set = (slot: number, gen: Generator | typeof EXHAUSTED) => (copies ??= new Map(this.copies)).set(slot, gen);
    let soonest: { op: PlannedOp; next: Generator; slot: number } | undefined;
    let untilNs: number | undefined;

    for (const process of ctx.freeProcesses) {
      if (!isClientProcess(process)) continue;
      const slot = process % slots;
      let copy = this.copies.get(slot);
      if (copy === EXHAUSTED) continue;
      if (copy === undefined) {
        copy = this.factory(process);
        set(slot, copy);
      }
      const result = copy.op({ timeNs: ctx.timeNs, rng: ctx.rng, freeProcesses: [process], allProcesses: [process] });
      if (result.kind === "done") set(slot, EXHAUSTED);
      else if (result.kind === "pending") {
        set(slot, result.next);
        untilNs = earlier(untilNs, result.untilNs);
      } else if (soonest === undefined || result.op.timeNs < soonest.op.timeNs) {
        soonest = { op: result.op, next: result.next, slot };
        // The lowest free process with an op due now wins; asking the others would only burn
        // randomness on ops that are thrown away.
        if (result.op.timeNs <= ctx.timeNs) break;
      }
    }

    if (soonest !== undefined) {
      set(soonest.slot, soonest.next);
      return { kind: "op", op: soonest.op, next: new EachProcess(this.factory, copies ?? this.copies) };
    }
    const state = copies ?? this.copies;
    let exhausted = 0;
    for (let slot = 0; slot < slots; slot++) if (state.get(slot) === EXHAUSTED) exhausted++;
    if (exhausted === slots) return { kind: "done" };
    return { kind: "pending", next: copies === undefined ? this : new EachProcess(this.factory, copies), untilNs };
  }

  update(ctx: GenContext, event: Op): Generator {
    if (!isClientProcess(event.process)) return this;
    const slots = clientCount(ctx);
    if (slots === 0) return this;
    const slot = event.process % slots;
    const copy = this.copies.get(slot);
    if (copy === undefined || copy === EXHAUSTED) return this;
    const updated = copy.update(ctx, event);
    if (updated === copy) return this;
    return new EachProcess(this.factory, new Map(this.copies).set(slot, updated));
  }
}

/** A separate copy of a generator for every client process; done once every copy is. Pass a
 *  generator (immutable, so each process simply starts from it) or a factory called with the
 *  first process of each slot. The nemesis gets no copy: route nemesis ops with nemesis(...). */
export function eachProcess(source: Generator | ((process: number) => Generator)): Generator {
  const factory = typeof source === "function" ? source : () => source;
  return new EachProcess(factory, new Map());
}
