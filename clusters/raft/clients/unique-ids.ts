// The unique-ids workload: generate → INCR on one key; the id is the counter's new value, which
// the log hands out once however many clients ask at once.

import type { Invocation } from "../../../harness/op.ts";
import type { PlannerSetup, RaftPlan, RaftPlanner } from "./raft-client.ts";

class UniqueIdsPlanner implements RaftPlanner {
  constructor(private readonly key: string) {}

  plan(op: Invocation): RaftPlan | string {
    if (op.f !== "generate") return `unique-ids: unknown op f=${op.f}; the unique-ids client does generate`;
    return {
      readOnly: false,
      run: async (redis) => ({ type: "ok", value: await redis.incr(this.key) }),
    };
  }
}

export function uniqueIdsPlanner({ namespace }: PlannerSetup): RaftPlanner {
  return new UniqueIdsPlanner(namespace);
}
