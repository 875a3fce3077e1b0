// What generators need to know about a context beyond its fields: which process a lifted op goes
// to, how routing narrows a context, and how waiting times combine.

import { isClientProcess, type Invocation, type Process } from "../op.ts";
import type { GenContext } from "./generator.ts";

/** An op as a workload writes it; the generator decides the process and the time. */
export type OpSpec = Omit<Invocation, "process">;

/** The process a lifted op goes to: a free client process chosen with ctx.rng. Always taking the
 *  lowest would pile the load onto the first few processes, and so onto the first few nodes they
 *  are bound to. Inside `nemesis(...)` the context holds no client processes at all, and there the
 *  nemesis takes the op — so a lifted op never lands on the nemesis merely because every client
 *  is busy. */
export function pickProcess(ctx: GenContext): Process | undefined {
  const free = ctx.freeProcesses;
  if (free.length === 0) return undefined;
  // Clients come first and "nemesis" last, so the free clients are a prefix of the list.
  const freeClients = free[free.length - 1] === "nemesis" ? free.length - 1 : free.length;
  if (freeClients > 0) return free[freeClients === 1 ? 0 : ctx.rng.int(freeClients)];
  return ctx.allProcesses.some(isClientProcess) ? undefined : free[0];
}

export function isFree(ctx: GenContext, process: Process): boolean {
  return ctx.freeProcesses.includes(process);
}

/** Every live process is idle (free is always a subset of all, so counting suffices). */
export function allIdle(ctx: GenContext): boolean {
  return ctx.freeProcesses.length === ctx.allProcesses.length;
}

export function withProcesses(ctx: GenContext, freeProcesses: readonly Process[], allProcesses: readonly Process[]): GenContext {
  return { timeNs: ctx.timeNs, rng: ctx.rng, freeProcesses, allProcesses };
}

/** The earlier of two optional wake-up times; undefined means "no time, wait for a completion". */
export function earlier(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

/** Client processes live in the context (the numeric ones). */
export function clientCount(ctx: GenContext): number {
  let count = 0;
  for (const p of ctx.allProcesses) if (isClientProcess(p)) count++;
  return count;
}
