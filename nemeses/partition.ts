// Network partitions by grudge (node → nodes it cannot hear), made symmetric between components.

import type { Completion, Invocation } from "../harness/op.ts";
import { grudgeFromComponents, type Grudge } from "../harness/grudge.ts";

export { grudgeFromComponents };
import { setGrudge } from "./grudges.ts";
import type { Nemesis, NemesisContext } from "./nemesis.ts";
import { resolveTarget } from "./targets.ts";

export type PartitionMode = "random-halves" | "isolate-leader" | "isolate-one" | "majorities-ring" | "bridge";

export const PARTITION_MODES: readonly PartitionMode[] = ["random-halves", "isolate-leader", "isolate-one", "majorities-ring", "bridge"];


/** Each node hears only its neighbours within a window of a majority on a ring: every node sees a
 *  majority, but no two nodes see the same majority (Jepsen's majorities-ring). */
export function majoritiesRingGrudge(ring: readonly string[]): Grudge {
  const n = ring.length;
  const majority = Math.floor(n / 2) + 1;
  const grudge: Grudge = {};
  ring.forEach((node, i) => {
    const visible = new Set<string>();
    for (let d = -Math.floor((majority - 1) / 2); visible.size < majority; d++) visible.add(ring[(i + d + n) % n]);
    grudge[node] = ring.filter((other) => !visible.has(other));
  });
  return grudge;
}

/** Two halves that cannot hear each other, joined by one node that hears both (Jepsen's bridge):
 *  the first floor(n/2) nodes, then the bridge, then the rest. Each half plus the bridge is a
 *  majority, so a leader on one side keeps its quorum while the other side falls behind — and
 *  the bridge is the vote that lets a node of the stale side win once that leader is gone. */
export function bridgeGrudge(nodes: readonly string[]): Grudge {
  const cut = Math.floor(nodes.length / 2);
  const bridge = nodes[cut];
  const grudge = grudgeFromComponents([nodes.slice(0, cut), nodes.slice(cut)]);
  const result: Grudge = {};
  for (const [node, unheard] of Object.entries(grudge)) {
    if (node !== bridge) result[node] = unheard.filter((other) => other !== bridge);
  }
  result[bridge] = [];
  return result;
}

export function partitionNemesis(): Nemesis {
  return {
    name: "partition",
    fs: ["start-partition", "stop-partition"],
    async invoke(ctx: NemesisContext, op: Invocation): Promise<Completion> {
      if (op.f === "stop-partition") {
        // Only this nemesis's cut: link faults and another nemesis's isolation stay until their own stop.
        await setGrudge(ctx.runtime, "partition", undefined);
        return { type: "ok", value: "healed" };
      }
      const mode = (op.value as PartitionMode) ?? "random-halves";
      let components: string[][] | undefined;
      let grudge: Grudge;
      let note: string | undefined;
      if (mode === "majorities-ring") {
        grudge = majoritiesRingGrudge(ctx.rng.shuffle(ctx.nodes));
      } else if (mode === "bridge") {
        grudge = bridgeGrudge(ctx.rng.shuffle(ctx.nodes));
      } else {
        if (mode === "random-halves") {
          const shuffled = ctx.rng.shuffle(ctx.nodes);
          const cut = Math.floor(shuffled.length / 2);
          components = [shuffled.slice(0, cut), shuffled.slice(cut)];
        } else {
          const target = await resolveTarget(ctx, mode === "isolate-leader" ? "leader" : "random-one");
          note = target.note;
          components = [target.nodes, ctx.nodes.filter((n) => !target.nodes.includes(n))];
        }
        grudge = grudgeFromComponents(components);
      }
      await setGrudge(ctx.runtime, "partition", grudge);
      return { type: "ok", value: { mode, ...(components ? { components } : {}), grudge, ...(note ? { note } : {}) } };
    },
    async heal(ctx) {
      await setGrudge(ctx.runtime, "partition", undefined);
    },
  };
}
