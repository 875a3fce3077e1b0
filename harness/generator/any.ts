// Jepsen's any: several generators feeding one stream (typically clients(...) and nemesis(...)),
// each op taken from whichever member has the soonest.

import type { Op } from "../op.ts";
import type { GenContext, GenResult, Generator, PlannedOp } from "./generator.ts";
import { earlier } from "./context.ts";
import { updateAll } from "./members.ts";

class Any implements Generator {
  constructor(private readonly members: readonly Generator[]) {}

  op(ctx: GenContext): GenResult {
    // Members that returned pending keep their new state whatever is chosen; a member whose op is
    // not chosen keeps its old state, since its op was never taken.
    const kept: Generator[] = [];
    const offers: { op: PlannedOp; next: Generator; keptIndex: number }[] = [];
    let untilNs: number | undefined;
    for (const member of this.members) {
      const result = member.op(ctx);
      if (result.kind === "done") continue;
      if (result.kind === "pending") {
        kept.push(result.next);
        untilNs = earlier(untilNs, result.untilNs);
      } else {
        offers.push({ op: result.op, next: result.next, keptIndex: kept.length });
        kept.push(member);
      }
    }
    if (kept.length === 0) return { kind: "done" };
    if (offers.length === 0) return { kind: "pending", next: this.with(kept), untilNs };
    const chosen = soonest(offers, ctx);
    kept[chosen.keptIndex] = chosen.next;
    return { kind: "op", op: chosen.op, next: this.with(kept) };
  }

  update(ctx: GenContext, event: Op): Generator {
    const members = updateAll(this.members, ctx, event);
    return members === this.members ? this : new Any(members);
  }

  private with(members: Generator[]): Generator {
    return members.length === this.members.length && members.every((m, i) => m === this.members[i]) ? this : new Any(members);
  }
}

/** The offer due first; offers already due tie, and a tie is broken with ctx.rng so that no
 *  member (say the nemesis) is starved by another that always has an op ready. */
function soonest<T extends { op: PlannedOp }>(offers: readonly T[], ctx: GenContext): T {
  if (offers.length === 1) return offers[0];
  const dueAt = (offer: T) => Math.max(offer.op.timeNs, ctx.timeNs);
  let best = dueAt(offers[0]);
  for (const offer of offers) best = Math.min(best, dueAt(offer));
  const ties = offers.filter((offer) => dueAt(offer) === best);
  return ties.length === 1 ? ties[0] : ties[ctx.rng.int(ties.length)];
}

/** One stream from several generators: every op from the member that has one soonest; every
 *  event goes to every member. Done when all members are. */
export function any(...members: Generator[]): Generator {
  return new Any(members);
}
