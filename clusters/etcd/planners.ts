// How each workload's ops become etcd calls: one planner per workload, in one record (the etcd
// system's clients are built from it).
//
// register   read  → Range(key), linearizable or serializable (option reads)  → number | null
//            write → Put(key, value)
//            cas   → Txn(if Value(key) == old then Put(key, new)); ok if it swapped, fail if the
//                    compare failed (a missing key fails the compare: etcd never matches a value
//                    against a key that does not exist)
// set        add   → Put(prefix + element, "") — one key per element, so adds never contend
//            read  → Range(prefix, keys only) → the elements
//
// Values are decimal strings; set elements are JSON in the key.

import type { Etcd3 } from "etcd3";
import type { Invocation } from "../../harness/op.ts";
import type { OpPlan, Planner } from "../client/planned-client.ts";
import { registerNumber } from "../client/timeout.ts";
import type { EtcdOptions } from "./options.ts";

const REGISTER_PREFIX = "faultline/register/";
const SET_PREFIX = "faultline/set/";

export type EtcdPlan = OpPlan<Etcd3>;
type EtcdPlanner = Planner<EtcdPlan>;

function registerPlanner({ reads }: EtcdOptions): EtcdPlanner {
  return {
    plan(op: Invocation): EtcdPlan | string {
      const key = `${REGISTER_PREFIX}${op.key ?? "default"}`;
      switch (op.f) {
        case "read":
          return {
            readOnly: true,
            run: async (etcd) => {
              const value = await etcd.get(key).serializable(reads === "serializable").string();
              return { type: "ok", value: value === null ? null : registerNumber(value) };
            },
          };
        case "write": {
          if (typeof op.value !== "number") return `etcd register: write needs a number, got ${JSON.stringify(op.value)}`;
          const value = String(op.value);
          return {
            readOnly: false,
            run: async (etcd) => {
              await etcd.put(key).value(value);
              return { type: "ok" };
            },
          };
        }
        case "cas": {
          const pair = op.value;
          if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== "number" || typeof pair[1] !== "number") {
            return `etcd register: cas needs [expected, new] numbers, got ${JSON.stringify(op.value)}`;
          }
          const [expected, next] = pair.map(String);
          return {
            readOnly: false,
            run: async (etcd) => {
              const result = await etcd.if(key, "Value", "==", expected).then(etcd.put(key).value(next)).commit();
              return result.succeeded ? { type: "ok" } : { type: "fail", answered: true, error: `cas: ${key} did not hold ${expected}` };
            },
          };
        }
        default:
          return `etcd register: unknown op ${op.f}; the register workload has read, write and cas`;
      }
    },
  };
}

function setPlanner({ reads }: EtcdOptions): EtcdPlanner {
  return {
    plan(op: Invocation): EtcdPlan | string {
      switch (op.f) {
        case "add": {
          const key = `${SET_PREFIX}${JSON.stringify(op.value)}`;
          return {
            readOnly: false,
            run: async (etcd) => {
              await etcd.put(key).value("");
              return { type: "ok" };
            },
          };
        }
        case "read":
          return {
            readOnly: true,
            run: async (etcd) => {
              const keys = await etcd.getAll().prefix(SET_PREFIX).serializable(reads === "serializable").keys();
              return { type: "ok", value: keys.map((key) => JSON.parse(key.slice(SET_PREFIX.length)) as unknown) };
            },
          };
        default:
          return `etcd set: unknown op ${op.f}; the set workload has add and read`;
      }
    },
  };
}

export const etcdPlanners: Readonly<Record<string, (options: EtcdOptions) => EtcdPlanner>> = {
  register: registerPlanner,
  set: setPlanner,
};
