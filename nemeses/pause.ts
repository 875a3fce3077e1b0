// Process pauses (SIGSTOP / SIGCONT): a frozen leader that wakes up still believing it leads is the
// classic way to expose lease and stale-read bugs. Several nodes freeze and wake together.

import type { Completion, Invocation } from "../harness/op.ts";
import type { Nemesis, NemesisContext } from "./nemesis.ts";
import { resolveTarget, type Target } from "./targets.ts";

export function pauseNemesis(): Nemesis {
  const paused = new Set<string>();

  async function resumeAll(ctx: NemesisContext): Promise<string[]> {
    const nodes = [...paused];
    await Promise.all(
      nodes.map(async (node) => {
        if (ctx.runtime.state(node) === "paused") await ctx.runtime.resume(node);
        paused.delete(node);
      }),
    );
    return nodes;
  }

  return {
    name: "pause",
    fs: ["pause", "resume"],
    async invoke(ctx: NemesisContext, op: Invocation): Promise<Completion> {
      if (op.f === "resume") return { type: "ok", value: { resumed: await resumeAll(ctx) } };
      const running = ctx.nodes.filter((n) => !paused.has(n) && ctx.runtime.state(n) === "running");
      const { nodes, note } = await resolveTarget(ctx, (op.value as Target) ?? "random-one", running);
      await Promise.all(
        nodes.map(async (node) => {
          await ctx.runtime.pause(node);
          paused.add(node);
        }),
      );
      return { type: "ok", value: { paused: nodes, ...(note ? { note } : {}) } };
    },
    async heal(ctx) {
      await resumeAll(ctx);
    },
  };
}
