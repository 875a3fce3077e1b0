// Crashes: SIGKILL a node's server (with power-loss storage, what it had not fsynced is gone), and
// later start it again from its data directory. Several nodes are killed at once, as a power cut
// or a rack failure would (Jepsen kills in parallel): killed one after another, the survivors
// would still hold — and hand back — what the first ones lost.

import type { Completion, Invocation } from "../harness/op.ts";
import type { Nemesis, NemesisContext } from "./nemesis.ts";
import { resolveTarget, type Target } from "./targets.ts";

export function killNemesis(): Nemesis {
  const killed = new Set<string>();

  /** Starts every killed node, all at once; a node that fails to start stays in `killed`, so a
   *  later start or heal tries it again. */
  async function restartAll(ctx: NemesisContext): Promise<string[]> {
    const nodes = [...killed];
    const outcomes = await Promise.allSettled(
      nodes.map(async (node) => {
        await ctx.system.restartNode(ctx, node);
        killed.delete(node);
      }),
    );
    const errors = outcomes.flatMap((outcome, i) => (outcome.status === "rejected" ? [`${nodes[i]}: ${(outcome.reason as Error).message}`] : []));
    if (errors.length > 0) throw new Error(`restart failed for ${errors.join("; ")}`);
    return nodes;
  }

  return {
    name: "kill",
    fs: ["kill", "start"],
    async invoke(ctx: NemesisContext, op: Invocation): Promise<Completion> {
      if (op.f === "start") return { type: "ok", value: { started: await restartAll(ctx) } };
      // Only running servers: a node another nemesis stopped (a removed member, a disk that made
      // it refuse to start) is that nemesis's to bring back.
      const alive = ctx.nodes.filter((n) => !killed.has(n) && ctx.runtime.state(n) !== "stopped");
      const { nodes, note } = await resolveTarget(ctx, (op.value as Target) ?? "random-one", alive);
      await Promise.all(
        nodes.map(async (node) => {
          await ctx.runtime.kill(node, "SIGKILL");
          killed.add(node);
        }),
      );
      return { type: "ok", value: { killed: nodes, ...(note ? { note } : {}) } };
    },
    async heal(ctx) {
      await restartAll(ctx);
    },
  };
}
