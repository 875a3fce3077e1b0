// The register workload: read → GET, write → SET, cas → CAS (our node's compare-and-set, where
// `__nil__` expects the key absent). A cas that did not match changed nothing: fail.

import type { Invocation } from "../../../harness/op.ts";
import { CAS_ABSENT } from "../kv/state-machine.ts";
import type { PlannerSetup, RaftPlan, RaftPlanner } from "./raft-client.ts";
import { isKey, storedValue } from "./values.ts";

class RegisterPlanner implements RaftPlanner {
  constructor(private readonly namespace: string) {}

  plan(op: Invocation): RaftPlan | string {
    if (op.key !== undefined && !isKey(op.key)) return `register: key must be a number or string, got ${JSON.stringify(op.key)}`;
    const key = `${this.namespace}:${op.key ?? "default"}`;
    switch (op.f) {
      case "read":
        return {
          readOnly: true,
          run: async (redis) => {
            const value = await redis.get(key);
            return { type: "ok", value: value === null ? null : storedValue(value) };
          },
        };
      case "write":
        if (typeof op.value !== "number") return `register: write value must be a number, got ${JSON.stringify(op.value)}`;
        return {
          readOnly: false,
          run: async (redis) => {
            await redis.set(key, String(op.value));
            return { type: "ok" };
          },
        };
      case "cas": {
        const pair = casPair(op.value);
        if (!pair) return `register: cas value must be [expected, new] numbers, got ${JSON.stringify(op.value)}`;
        const [expected, next] = pair;
        return {
          readOnly: false,
          run: async (redis) => {
            const swapped = await redis.call("CAS", key, expected === null ? CAS_ABSENT : String(expected), String(next));
            return swapped === 1 ? { type: "ok" } : { type: "fail", answered: true, error: "cas: the register did not hold the expected value" };
          },
        };
      }
      default:
        return `register: unknown op f=${op.f}; the register client does read, write and cas`;
    }
  }
}

function casPair(value: unknown): [number | null, number] | undefined {
  if (!Array.isArray(value) || value.length !== 2) return undefined;
  const [expected, next] = value as unknown[];
  if (typeof next !== "number" || (expected !== null && typeof expected !== "number")) return undefined;
  return [expected, next];
}

export function registerPlanner({ namespace }: PlannerSetup): RaftPlanner {
  return new RegisterPlanner(namespace);
}
