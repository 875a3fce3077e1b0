// Membership changes (Jepsen's membership nemesis): the start op takes one node out of the
// cluster's configuration — through the system's own configuration change (our Raft's log, etcd's
// member API) — and then stops its server; the stop op starts every removed node again and adds it
// back. Both ops report the members as the nodes themselves report them afterwards, which is what
// the report draws over time. The cluster never shrinks below the system's minimum.

import type { Completion, Invocation } from "../harness/op.ts";
import type { MembershipHook } from "../clusters/system.ts";
import type { Nemesis, NemesisContext } from "./nemesis.ts";

export type MemberMode = "remove" | "remove-leader";
export const MEMBER_MODES: readonly MemberMode[] = ["remove", "remove-leader"];

export function memberNemesis(): Nemesis {
  /** Removed nodes, oldest first: added back in that order. */
  const removed: string[] = [];

  function hook(ctx: NemesisContext): MembershipHook {
    const membership = ctx.system.faults?.membership;
    if (!membership) throw new Error(`member nemesis: system ${ctx.system.name} cannot change its membership (System.faults.membership)`);
    return membership;
  }

  async function addBack(ctx: NemesisContext): Promise<string[]> {
    const added: string[] = [];
    while (removed.length > 0) {
      const node = removed[0];
      await hook(ctx).add(ctx, node);
      removed.shift();
      added.push(node);
    }
    return added;
  }

  return {
    name: "member",
    fs: ["remove-member", "add-member"],
    async invoke(ctx: NemesisContext, op: Invocation): Promise<Completion> {
      const membership = hook(ctx);
      if (op.f === "add-member") {
        const nodes = await addBack(ctx);
        return { type: "ok", value: { nodes, members: await membership.members(ctx) } };
      }
      const mode = (op.value as MemberMode | null) ?? "remove";
      if (!MEMBER_MODES.includes(mode)) return { type: "fail", error: `member nemesis: unknown mode ${String(op.value)}; modes: ${MEMBER_MODES.join(", ")}` };
      const members = await membership.members(ctx);
      if (members.length <= membership.minMembers) {
        return { type: "ok", value: { mode, note: `${members.length} members, the fewest ${ctx.system.name} may have; nothing removed`, members } };
      }
      const leader = await ctx.system.leader?.(ctx).catch(() => undefined);
      const candidates = mode === "remove-leader" && leader && members.includes(leader) ? [leader] : members.filter((node) => node !== leader);
      if (candidates.length === 0) return { type: "fail", error: `member nemesis: no member to remove among ${members.join(", ")} (leader ${leader ?? "unknown"})` };
      const node = ctx.rng.pick(candidates);
      try {
        await membership.remove(ctx, node);
      } catch (error) {
        // A change nobody took is a definite failure; one taken but not seen done may still happen,
        // and the node is then treated as removed so that the stop op brings it back either way.
        if ((error as { notChanged?: boolean }).notChanged) return { type: "fail", error: (error as Error).message };
        removed.push(node);
        return { type: "info", error: (error as Error).message };
      }
      removed.push(node);
      return { type: "ok", value: { mode, node, ...(mode === "remove-leader" && node !== leader ? { note: "no leader found; removed a random member" } : {}), members: await membership.members(ctx) } };
    },
    async heal(ctx) {
      await addBack(ctx);
    },
  };
}
