// Which nodes a fault hits (Jepsen's db-nodes targets: one, minority, majority, all, primaries).
// Leader-targeted faults matter most: most consensus bugs only show when the leader is the one cut
// off, killed or frozen. Whole-majority and whole-cluster targets matter for durability: a write is
// lost only when every node that held it loses it at once.

import type { NemesisContext } from "./nemesis.ts";

export type Target = "leader" | "random-one" | "minority" | "majority" | "all" | "all-but-leader";

export const TARGETS: readonly Target[] = ["leader", "random-one", "minority", "majority", "all", "all-but-leader"];

/** The nodes a target names right now, chosen among `among` (default: every node). Sizes are
 *  fractions of the whole cluster, capped by what `among` offers. A leader that cannot be found
 *  falls back to a random node, and the completion says so. */
export async function resolveTarget(ctx: NemesisContext, target: Target, among: readonly string[] = ctx.nodes): Promise<{ nodes: string[]; note?: string }> {
  if (among.length === 0) return { nodes: [], note: "no node available for this target" };
  const shuffled = ctx.rng.shuffle(among);
  const minoritySize = Math.max(1, Math.floor((ctx.nodes.length - 1) / 2));
  switch (target) {
    case "leader":
    case "all-but-leader": {
      const leader = ctx.system.leader ? await ctx.system.leader(ctx).catch(() => undefined) : undefined;
      const chosen = leader && among.includes(leader) ? leader : shuffled[0];
      const note = chosen === leader ? undefined : "no leader found; chose a random node";
      return target === "leader" ? { nodes: [chosen], note } : { nodes: among.filter((n) => n !== chosen), note };
    }
    case "random-one":
      return { nodes: shuffled.slice(0, 1) };
    case "minority":
      return { nodes: shuffled.slice(0, Math.min(minoritySize, shuffled.length)) };
    case "majority":
      return { nodes: shuffled.slice(0, Math.min(ctx.nodes.length - minoritySize, shuffled.length)) };
    case "all":
      return { nodes: shuffled };
  }
}
