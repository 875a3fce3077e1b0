// The counter workload on one key: add → INCRBY delta, read → GET (an absent counter is 0).

import type { Invocation } from "../../../harness/op.ts";
import type { PlannerSetup, RaftPlan, RaftPlanner } from "./raft-client.ts";
import { storedValue } from "./values.ts";

class CounterPlanner implements RaftPlanner {
  constructor(private readonly key: string) {}

  plan(op: Invocation): RaftPlan | string {
    switch (op.f) {
      case "add": {
        const delta = op.value;
        if (typeof delta !== "number" || !Number.isSafeInteger(delta)) return `counter: add value must be an integer delta, got ${JSON.stringify(delta)}`;
        return {
          readOnly: false,
          run: async (redis) => {
            await redis.incrby(this.key, delta);
            return { type: "ok" };
          },
        };
      }
      case "read":
        return {
          readOnly: true,
          run: async (redis) => {
            const value = await redis.get(this.key);
            return { type: "ok", value: value === null ? 0 : storedValue(value) };
          },
        };
      default:
        return `counter: unknown op f=${op.f}; the counter client does add and read`;
    }
  }
}

export function counterPlanner({ namespace }: PlannerSetup): RaftPlanner {
  return new CounterPlanner(namespace);
}
