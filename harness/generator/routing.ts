// Routing a generator to one kind of process (Jepsen's clients / nemesis): the inner generator
// sees a context holding only those processes, and hears only their events.

import { isClientProcess, type Op, type Process } from "../op.ts";
import type { GenContext, GenResult, Generator } from "./generator.ts";
import { withProcesses } from "./context.ts";

const NEMESIS_ONLY: readonly Process[] = Object.freeze(["nemesis"]);
const NONE: readonly Process[] = Object.freeze([]);

interface Route {
  /** The context narrowed to the routed processes, or undefined when there are none at all. */
  narrow(ctx: GenContext): GenContext | undefined;
  hears(event: Op): boolean;
}

class Routed implements Generator {
  constructor(
    private readonly route: Route,
    private readonly inner: Generator,
  ) {}

  op(ctx: GenContext): GenResult {
    const narrowed = this.route.narrow(ctx);
    // No process of this kind exists (e.g. a run without a nemesis): nothing could ever run the
    // inner generator's ops, so it counts as exhausted rather than waiting forever.
    if (narrowed === undefined) return { kind: "done" };
    const result = this.inner.op(narrowed);
    if (result.kind === "done") return result;
    const next = result.next === this.inner ? this : new Routed(this.route, result.next);
    return result.kind === "op" ? { kind: "op", op: result.op, next } : { kind: "pending", next, untilNs: result.untilNs };
  }

  update(ctx: GenContext, event: Op): Generator {
    if (!this.route.hears(event)) return this;
    const inner = this.inner.update(ctx, event);
    return inner === this.inner ? this : new Routed(this.route, inner);
  }
}

// The context lists clients first and "nemesis" last, so dropping or keeping the last element is
// all the narrowing either route needs.
const endsWithNemesis = (processes: readonly Process[]) => processes.length > 0 && processes[processes.length - 1] === "nemesis";

// allProcesses changes only when a process is retired, so its client-only copy is made once per
// version instead of once per op.
const clientsOfAll = new WeakMap<readonly Process[], readonly Process[]>();
function clientsOnly(all: readonly Process[]): readonly Process[] {
  let clients = clientsOfAll.get(all);
  if (clients === undefined) {
    clients = all.slice(0, -1);
    clientsOfAll.set(all, clients);
  }
  return clients;
}

const CLIENTS: Route = {
  narrow(ctx) {
    const all = ctx.allProcesses;
    if (all.length === 0 || !isClientProcess(all[0])) return undefined;
    if (!endsWithNemesis(all)) return ctx;
    const free = ctx.freeProcesses;
    return withProcesses(ctx, endsWithNemesis(free) ? free.slice(0, -1) : free, clientsOnly(all));
  },
  hears: (event) => isClientProcess(event.process),
};

const NEMESIS: Route = {
  narrow(ctx) {
    if (!endsWithNemesis(ctx.allProcesses)) return undefined;
    return withProcesses(ctx, endsWithNemesis(ctx.freeProcesses) ? NEMESIS_ONLY : NONE, NEMESIS_ONLY);
  },
  hears: (event) => event.process === "nemesis",
};

/** The inner generator's ops go to client processes only; done when the run has none. */
export function clients(inner: Generator): Generator {
  return new Routed(CLIENTS, inner);
}

/** The inner generator's ops go to the nemesis only; done when the run has no nemesis. */
export function nemesis(inner: Generator): Generator {
  return new Routed(NEMESIS, inner);
}
