// The unordered queue workload on one list key: enqueue → RPUSH, dequeue → LPOP (null when
// empty), drain → LRANGE 0 -1 and DEL in one MULTI … EXEC, so nothing enqueued between the two can
// slip away unseen.

import type { Invocation } from "../../../harness/op.ts";
import type { PlannerSetup, RaftPlan, RaftPlanner } from "./raft-client.ts";
import { execTransaction, WATCH_ABORTED } from "./transaction.ts";
import { storedList, storedValue, writable } from "./values.ts";

class QueuePlanner implements RaftPlanner {
  constructor(private readonly key: string) {}

  plan(op: Invocation): RaftPlan | string {
    switch (op.f) {
      case "enqueue": {
        const message = op.value;
        if (!writable(message)) return `queue: enqueue value must be a number or string (the unordered queue; per-partition logs are not supported), got ${JSON.stringify(message)}`;
        return {
          readOnly: false,
          run: async (redis) => {
            await redis.rpush(this.key, String(message));
            return { type: "ok" };
          },
        };
      }
      case "dequeue":
        return {
          readOnly: false,
          run: async (redis) => {
            const message = await redis.lpop(this.key);
            return { type: "ok", value: message === null ? null : storedValue(message) };
          },
        };
      case "drain":
        return {
          readOnly: false,
          run: async (redis) => {
            const replies = await execTransaction(redis.multi().lrange(this.key, 0, -1).del(this.key));
            if (replies === null) return WATCH_ABORTED;
            return { type: "ok", value: storedList(replies[0]) };
          },
        };
      default:
        return `queue: unknown op f=${op.f}; the queue client does enqueue, dequeue and drain`;
    }
  }
}

export function queuePlanner({ namespace }: PlannerSetup): RaftPlanner {
  return new QueuePlanner(namespace);
}
