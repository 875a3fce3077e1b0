// The set workload on one list key: add → RPUSH (the node has no sets; a list keeps every add, so
// an add applied twice shows up as a duplicate, which is what the checker looks for), read →
// LRANGE 0 -1, by ReadIndex on the leader.

import type { Invocation } from "../../../harness/op.ts";
import type { PlannerSetup, RaftPlan, RaftPlanner } from "./raft-client.ts";
import { storedValue, writable } from "./values.ts";

class SetPlanner implements RaftPlanner {
  constructor(private readonly key: string) {}

  plan(op: Invocation): RaftPlan | string {
    switch (op.f) {
      case "add": {
        const element = op.value;
        if (!writable(element)) return `set: add value must be a number or string, got ${JSON.stringify(element)}`;
        return {
          readOnly: false,
          run: async (redis) => {
            await redis.rpush(this.key, String(element));
            return { type: "ok" };
          },
        };
      }
      case "read":
        return {
          readOnly: true,
          run: async (redis) => ({ type: "ok", value: (await redis.lrange(this.key, 0, -1)).map(storedValue) }),
        };
      default:
        return `set: unknown op f=${op.f}; the set client does add and read`;
    }
  }
}

export function setPlanner({ namespace }: PlannerSetup): RaftPlanner {
  return new SetPlanner(namespace);
}
