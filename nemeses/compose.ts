// One nemesis from several: each fault op goes to the nemesis that handles its f (Jepsen's
// nemesis/compose). Heal heals them all, even if one of them fails.

import type { Completion, Invocation } from "../harness/op.ts";
import type { Nemesis, NemesisContext } from "./nemesis.ts";

export function composeNemeses(nemeses: readonly Nemesis[]): Nemesis {
  const byF = new Map<string, Nemesis>();
  for (const nemesis of nemeses) {
    for (const f of nemesis.fs) {
      const other = byF.get(f);
      if (other) throw new Error(`nemeses ${other.name} and ${nemesis.name} both handle "${f}"; each fault op needs one owner`);
      byF.set(f, nemesis);
    }
  }
  return {
    name: nemeses.map((n) => n.name).join("+") || "none",
    fs: [...byF.keys()],
    async invoke(ctx: NemesisContext, op: Invocation): Promise<Completion> {
      const nemesis = byF.get(op.f);
      if (!nemesis) return { type: "fail", error: `no nemesis handles "${op.f}"; handled: ${[...byF.keys()].join(", ")}` };
      return nemesis.invoke(ctx, op);
    },
    async heal(ctx) {
      const errors: string[] = [];
      for (const nemesis of nemeses) {
        try {
          await nemesis.heal(ctx);
        } catch (err) {
          errors.push(`${nemesis.name}: ${(err as Error).message}`);
        }
      }
      if (errors.length) throw new Error(`heal failed for ${errors.join("; ")}`);
    },
  };
}
