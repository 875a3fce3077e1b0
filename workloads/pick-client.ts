// Which idle client process gets the next op: a random one. Taking the lowest free process would
// pile most ops onto the first few processes — and so onto the first few nodes, since processes
// are bound to nodes round-robin — leaving followers and minority sides barely exercised.

import type { GenContext } from "../harness/generator/generator.ts";

export function pickFreeClient(ctx: GenContext): number | undefined {
  const free = ctx.freeProcesses.filter((candidate): candidate is number => typeof candidate === "number");
  return free.length === 0 ? undefined : ctx.rng.pick(free);
}
