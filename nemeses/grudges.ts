// Several nemeses may cut links at once — the partition lane and a reactive isolation of a new
// leader — but a runtime holds one grudge at a time, each partition() replacing the last. Each
// nemesis therefore names its own grudge here, and the runtime gets their union: lifting one
// nemesis's cut never heals another's.

import type { Grudge } from "../harness/grudge.ts";
import type { Runtime } from "../clusters/runtime/runtime.ts";

const bySource = new WeakMap<Pick<Runtime, "partition">, Map<string, Grudge>>();

/** Every node → the nodes it cannot hear under any of `grudges`. */
export function unionOfGrudges(grudges: Iterable<Grudge>): Grudge {
  const union: Record<string, Set<string>> = {};
  for (const grudge of grudges) {
    for (const [node, unheard] of Object.entries(grudge)) for (const other of unheard) (union[node] ??= new Set()).add(other);
  }
  return Object.fromEntries(Object.entries(union).map(([node, set]) => [node, [...set].sort()]));
}

/** Replaces `source`'s grudge (undefined lifts it) and applies the union of every source's. */
export async function setGrudge(runtime: Pick<Runtime, "partition">, source: string, grudge: Grudge | undefined): Promise<void> {
  let sources = bySource.get(runtime);
  if (!sources) bySource.set(runtime, (sources = new Map()));
  if (grudge === undefined) sources.delete(source);
  else sources.set(source, grudge);
  await runtime.partition(unionOfGrudges(sources.values()));
}
