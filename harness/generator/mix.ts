// Jepsen's mix: each op comes from a member chosen at random, so a workload's op kinds
// interleave in the proportions given by repeating members.

import type { Op } from "../op.ts";
import type { GenContext, GenResult, Generator } from "./generator.ts";
import { replace, updateAll, without } from "./members.ts";

class Mix implements Generator {
  constructor(private readonly members: readonly Generator[]) {}

  op(ctx: GenContext): GenResult {
    let members = this.members;
    while (members.length > 0) {
      const i = ctx.rng.int(members.length);
      const result = members[i].op(ctx);
      if (result.kind === "done") {
        members = without(members, i);
        continue;
      }
      const nextMembers = replace(members, i, result.next);
      const next = nextMembers === this.members ? this : new Mix(nextMembers);
      return result.kind === "op" ? { kind: "op", op: result.op, next } : { kind: "pending", next, untilNs: result.untilNs };
    }
    return { kind: "done" };
  }

  update(ctx: GenContext, event: Op): Generator {
    const members = updateAll(this.members, ctx, event);
    return members === this.members ? this : new Mix(members);
  }
}

/** Each op from a member chosen uniformly with ctx.rng; exhausted members drop out. Give a member
 *  twice to double its share. */
export function mix(members: readonly Generator[]): Generator {
  if (members.length === 0) throw new Error("mix() needs at least one member generator; got an empty list");
  return new Mix(members.slice());
}
