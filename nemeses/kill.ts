// Crashes: SIGKILL a node's server (with power-loss storage, what it had not fsynced is gone), and
// later start it again from its data directory.

import type { Completion, Invocation } from "../harness/op.ts";
import type { Nemesis, NemesisContext } from "./nemesis.ts";
import { resolveTarget, type Target } from "./targets.ts";

export function killNemesis(): Nemesis {
  const killed = new Set<string>();

  async function restartAll(ctx: NemesisContext): Promise<string[]> {
    const started: string[] = [];
    for (const node of [...killed]) {
      await ctx.system.restartNode(ctx, node);
      killed.delete(node);
      started.push(node);
    }
    return started;
  }

  return {
    name: "kill",
    fs: ["kill", "start"],
    async invoke(ctx: NemesisContext, op: Invocation): Promise<Completion> {
      if (op.f === "start") return { type: "ok", value: { started: await restartAll(ctx) } };
      const alive = ctx.nodes.filter((n) => !killed.has(n));
      const { nodes, note } = await resolveTarget(ctx, (op.value as Target) ?? "random-one", alive);
      for (const node of nodes) {
        await ctx.runtime.kill(node, "SIGKILL");
        killed.add(node);
      }
      return { type: "ok", value: { killed: nodes, ...(note ? { note } : {}) } };
    },
    async heal(ctx) {
      await restartAll(ctx);
    },
  };
}
