// The lock workload on one key, with fencing tokens:
//   acquire → MULTI; SET lock <owner> NX PX <ttl>; INCR fence; EXEC — one log entry, so tokens grow
//             in the order acquires take effect; ok {token} when the SET took the lock, else fail.
//   release → DELIFEQ lock <owner> (our node's delete-if-equal): ok if this acquire still held the
//             lock, fail if it no longer did (its lease ran out and perhaps someone else holds it).
// The lock is a lease so that a holder that crashed or was cut off cannot block everyone for ever:
// its length is the lock workload's lease (workloads/lock.ts leaseMsOf: the --opt leaseMs the
// checker reads too, 5 s by default), rounded up so the store's lease is never the shorter.

import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import type { Completion, Invocation } from "../../../harness/op.ts";
import { tokenOf } from "../../../checkers/lock.ts";
import { leaseMsOf } from "../../../workloads/lock.ts";
import type { PlannerSetup, RaftPlan, RaftPlanner } from "./raft-client.ts";
import { execTransaction, WATCH_ABORTED } from "./transaction.ts";


interface Held {
  token: number;
  /** The lock's value while this client holds it: only this client can name it to release. */
  owner: string;
}

class LockPlanner implements RaftPlanner {
  private readonly lockKey: string;
  private readonly fenceKey: string;
  /** The lock this client process holds, as far as it knows. */
  private held: Held | undefined;

  constructor(
    namespace: string,
    private readonly ttlMs: number,
  ) {
    this.lockKey = `${namespace}:lock`;
    this.fenceKey = `${namespace}:fence`;
  }

  plan(op: Invocation): RaftPlan | string {
    switch (op.f) {
      case "acquire":
        return { readOnly: false, run: (redis) => this.acquire(redis) };
      case "release": {
        const held = this.held;
        if (!held) return "lock: release by a client that holds no lock";
        const token = op.value === null ? held.token : tokenOf(op.value);
        if (token !== held.token) return `lock: release of token ${JSON.stringify(op.value)}, but this client holds token ${held.token}`;
        return {
          readOnly: false,
          run: async (redis) => {
            const deleted = await redis.call("DELIFEQ", this.lockKey, held.owner);
            // Either way this client holds nothing now: released, or lost to the lease running out.
            this.held = undefined;
            return deleted === 1 ? { type: "ok" } : { type: "fail", answered: true, error: `release: the lock no longer held token ${held.token}'s owner (its lease of ${this.ttlMs} ms ran out)` };
          },
        };
      }
      default:
        return `lock: unknown op f=${op.f}; the lock client does acquire and release`;
    }
  }

  private async acquire(redis: Redis): Promise<Completion> {
    // A fresh owner per acquire, so that a release can never free somebody else's hold. It is never
    // recorded, so it need not come from the run's seeded RNG.
    const owner = randomUUID();
    const replies = await execTransaction(redis.multi().set(this.lockKey, owner, "PX", this.ttlMs, "NX").incr(this.fenceKey));
    if (replies === null) return WATCH_ABORTED;
    const [taken, token] = replies;
    if (taken !== "OK") return { type: "fail", answered: true, error: "acquire: the lock is held by another client" };
    // The lock was taken, but with no token this client cannot report the hold as the checker needs.
    if (typeof token !== "number") return { type: "info", error: `acquire: took the lock, but INCR ${this.fenceKey} answered ${JSON.stringify(token)}, not a token` };
    this.held = { token, owner };
    return { type: "ok", value: { token } };
  }
}

export function lockPlanner({ namespace, options }: PlannerSetup): RaftPlanner {
  return new LockPlanner(namespace, Math.ceil(leaseMsOf(options)));
}
