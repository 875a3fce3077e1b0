// How each workload's ops become Redis commands on the primary: one planner per workload, in one
// record (the redis-sentinel system's clients are built from it).
//
// register  read  → GET key → number | null;  write → SET key value
//           cas   → EVAL (GET = old ? SET new) → ok if it swapped, fail if not
// set       add   → SADD faultline:set element;  read → SMEMBERS → the elements
// lock      acquire → SET faultline:lock <owner> NX PX <ttl> → ok (no fencing token), fail if held
//           release → EVAL (GET = owner ? DEL) → ok if this client's hold was deleted, fail if the
//                     lock was no longer its own (expired, or lost in a failover)
// With the wait option every successful write is followed by WAIT n: fewer replicas than n
// within the timeout turns the write's ok into info (applied on the primary, may be lost).

import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import type { Completion, Invocation } from "../../harness/op.ts";
import type { OpPlan, Planner } from "../client/planned-client.ts";
import { registerNumber } from "../client/timeout.ts";
import type { RedisSentinelOptions } from "./options.ts";

const SET_KEY = "faultline:set";
const LOCK_KEY = "faultline:lock";
const REGISTER_PREFIX = "faultline:register:";

const CAS_SCRIPT = "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) return 1 end return 0";
const RELEASE_SCRIPT = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

export type RedisPlan = OpPlan<Redis>;
type RedisPlanner = Planner<RedisPlan>;

/** What each workload's planner is made with. */
export interface RedisPlannerSetup {
  options: RedisSentinelOptions;
  /** The lock's lease (SET … PX), the one the lock checker allows for (workloads/lock.ts). */
  leaseMs: number;
  /** The client's node, part of the lock owner's name, so a hold says whose it is. */
  node: string;
}

function registerPlanner({ options }: RedisPlannerSetup): RedisPlanner {
  return {
    plan(op: Invocation): RedisPlan | string {
      const key = `${REGISTER_PREFIX}${op.key ?? "default"}`;
      switch (op.f) {
        case "read":
          return {
            readOnly: true,
            run: async (redis) => {
              const value = await redis.get(key);
              return { type: "ok", value: value === null ? null : registerNumber(value) };
            },
          };
        case "write": {
          if (typeof op.value !== "number") return `redis register: write needs a number, got ${JSON.stringify(op.value)}`;
          const value = String(op.value);
          return {
            readOnly: false,
            run: async (redis) => {
              await redis.set(key, value);
              return confirmed(redis, options, { type: "ok" });
            },
          };
        }
        case "cas": {
          const pair = op.value;
          if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== "number" || typeof pair[1] !== "number") {
            return `redis register: cas needs [expected, new] numbers, got ${JSON.stringify(op.value)}`;
          }
          const [expected, next] = pair.map(String);
          return {
            readOnly: false,
            run: async (redis) => {
              const swapped = await redis.eval(CAS_SCRIPT, 1, key, expected, next);
              if (swapped !== 1) return { type: "fail", answered: true, error: `cas: ${key} did not hold ${expected}` };
              return confirmed(redis, options, { type: "ok" });
            },
          };
        }
        default:
          return `redis register: unknown op ${op.f}; the register workload has read, write and cas`;
      }
    },
  };
}

function setPlanner({ options }: RedisPlannerSetup): RedisPlanner {
  return {
    plan(op: Invocation): RedisPlan | string {
      switch (op.f) {
        case "add": {
          const member = JSON.stringify(op.value);
          return {
            readOnly: false,
            run: async (redis) => {
              await redis.sadd(SET_KEY, member);
              return confirmed(redis, options, { type: "ok" });
            },
          };
        }
        case "read":
          return {
            readOnly: true,
            run: async (redis) => {
              const members = await redis.smembers(SET_KEY);
              return { type: "ok", value: members.map((member) => JSON.parse(member) as unknown) };
            },
          };
        default:
          return `redis set: unknown op ${op.f}; the set workload has add and read`;
      }
    },
  };
}

/** One per client process: it remembers the value its last acquire set, and release deletes only
 *  that. */
class LockPlanner implements RedisPlanner {
  private owner: string | undefined;

  constructor(private readonly setup: RedisPlannerSetup) {}

  plan(op: Invocation): RedisPlan | string {
    const { options, node } = this.setup;
    switch (op.f) {
      case "acquire":
        return {
          readOnly: false,
          run: async (redis) => {
            const owner = `${node}:${randomUUID()}`;
            // Remembered before sending: if the answer is lost, this client may hold the lock.
            this.owner = owner;
            const reply = await redis.set(LOCK_KEY, owner, "PX", this.setup.leaseMs, "NX");
            if (reply !== "OK") return { type: "fail", answered: true, error: "the lock is held by another client" };
            return confirmed(redis, options, { type: "ok", value: null });
          },
        };
      case "release": {
        const owner = this.owner;
        if (owner === undefined) return "redis lock: release without a preceding acquire by this client";
        return {
          readOnly: false,
          run: async (redis) => {
            const deleted = await redis.eval(RELEASE_SCRIPT, 1, LOCK_KEY, owner);
            if (deleted !== 1) return { type: "fail", answered: true, error: "the lock was no longer this client's (its lease ran out, or a failover lost it)" };
            this.owner = undefined;
            return confirmed(redis, options, { type: "ok" });
          },
        };
      }
      default:
        return `redis lock: unknown op ${op.f}; the lock workload has acquire and release`;
    }
  }
}

export const redisSentinelPlanners: Readonly<Record<string, (setup: RedisPlannerSetup) => RedisPlanner>> = {
  register: registerPlanner,
  set: setPlanner,
  lock: (setup) => new LockPlanner(setup),
};

/** `completion` if WAIT is off or enough replicas confirmed the write; otherwise info. */
async function confirmed(redis: Redis, { wait, "wait-timeout-ms": waitTimeoutMs }: RedisSentinelOptions, completion: Completion): Promise<Completion> {
  if (wait === 0) return completion;
  let replicas: number;
  try {
    replicas = await redis.wait(wait, waitTimeoutMs);
  } catch (error) {
    // Whatever went wrong, the write itself was applied on the primary.
    return { type: "info", error: `applied on the primary, but WAIT ${wait} did not answer: ${(error as Error).message}` };
  }
  if (replicas >= wait) return completion;
  return { type: "info", error: `applied on the primary, but WAIT ${wait} saw ${replicas} replica(s) confirm it within ${waitTimeoutMs} ms; a failover may lose it` };
}
