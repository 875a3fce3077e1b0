// How each workload's ops become ZooKeeper requests: one planner per workload, in one record (the
// zookeeper system's clients are built from it).
//
// register  read  → [sync(path)] getData(path) → number | null (no such node)
//           write → setData(path, value, any version); a missing node is created (and if another
//                   client created it meanwhile, setData again)
//           cas   → [sync(path)] getData(path) → (value, version); fail unless value = old;
//                   then setData(path, new, version): ok, or fail on BadVersion (it changed since)
// set       add   → create(/faultline/set/e-<element>); already there counts as added
//           read  → [sync] getChildren(/faultline/set) → the elements
// [sync] only with the sync option: without it a follower answers from its own state, which may
// lag the leader (SEEDS C3). A stale read inside a cas only makes it fail (BadVersion or a wrong
// value), never succeed wrongly: setData checks the version at the leader.

import type { Invocation } from "../../harness/op.ts";
import type { OpPlan, Planner } from "../client/planned-client.ts";
import { OpTimedOut, registerNumber } from "../client/timeout.ts";
import { ZK_ERRORS, isZkError, type ZkConnection } from "./connection.ts";
import type { ZooKeeperOptions } from "./options.ts";

export const REGISTER_PATH = "/faultline/register";
export const SET_PATH = "/faultline/set";
const ELEMENT_PREFIX = "e-";

/** Calls on the session; the signal lets a call with several steps stop before a write step once
 *  the op has timed out. */
export type ZkPlan = OpPlan<ZkConnection>;
type ZkPlanner = Planner<ZkPlan>;

function registerPlanner({ sync: syncReads }: ZooKeeperOptions): ZkPlanner {
  return {
    plan(op: Invocation): ZkPlan | string {
      const path = `${REGISTER_PATH}/${op.key ?? "default"}`;
      switch (op.f) {
        case "read":
          return {
            readOnly: true,
            run: async (zk) => {
              if (syncReads) await zk.sync(path);
              try {
                const { data } = await zk.getData(path);
                return { type: "ok", value: registerValue(data) };
              } catch (error) {
                if (isZkError(error, ZK_ERRORS.NO_NODE)) return { type: "ok", value: null };
                throw error;
              }
            },
          };
        case "write": {
          if (typeof op.value !== "number") return `zookeeper register: write needs a number, got ${JSON.stringify(op.value)}`;
          const data = Buffer.from(String(op.value));
          return {
            readOnly: false,
            run: async (zk, signal) => {
              await writeCreating(zk, path, data, signal);
              return { type: "ok" };
            },
          };
        }
        case "cas": {
          const pair = op.value;
          if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== "number" || typeof pair[1] !== "number") {
            return `zookeeper register: cas needs [expected, new] numbers, got ${JSON.stringify(op.value)}`;
          }
          const [expected, next] = pair as [number, number];
          return {
            readOnly: false,
            run: async (zk, signal) => {
              let current: { data: Buffer | undefined; stat: { version: number } };
              try {
                if (syncReads) await zk.sync(path);
                current = await zk.getData(path);
              } catch (error) {
                if (isZkError(error, ZK_ERRORS.NO_NODE)) return { type: "fail", answered: true, error: `cas: ${path} does not exist, so it does not hold ${expected}` };
                return { type: "fail", error: `cas: reading ${path} failed, so nothing was written: ${(error as Error).message}` };
              }
              const value = registerValue(current.data);
              if (value !== expected) return { type: "fail", answered: true, error: `cas: ${path} held ${value}, not ${expected}` };
              if (signal.aborted) throw new OpTimedOut();
              try {
                await zk.setData(path, Buffer.from(String(next)), current.stat.version);
                return { type: "ok" };
              } catch (error) {
                if (isZkError(error, ZK_ERRORS.BAD_VERSION)) return { type: "fail", answered: true, error: `cas: ${path} changed after it was read at version ${current.stat.version}` };
                throw error;
              }
            },
          };
        }
        default:
          return `zookeeper register: unknown op ${op.f}; the register workload has read, write and cas`;
      }
    },
  };
}

function setPlanner({ sync: syncReads }: ZooKeeperOptions): ZkPlanner {
  return {
    plan(op: Invocation): ZkPlan | string {
      switch (op.f) {
        case "add": {
          const path = `${SET_PATH}/${ELEMENT_PREFIX}${JSON.stringify(op.value)}`;
          if (path.includes("/", SET_PATH.length + 1)) return `zookeeper set: elements may not contain "/", got ${JSON.stringify(op.value)}`;
          return {
            readOnly: false,
            run: async (zk) => {
              try {
                await zk.create(path, Buffer.alloc(0));
              } catch (error) {
                if (!isZkError(error, ZK_ERRORS.NODE_EXISTS)) throw error;
              }
              return { type: "ok" };
            },
          };
        }
        case "read":
          return {
            readOnly: true,
            run: async (zk) => {
              if (syncReads) await zk.sync(SET_PATH);
              const children = await zk.getChildren(SET_PATH);
              return { type: "ok", value: children.filter((name) => name.startsWith(ELEMENT_PREFIX)).map((name) => JSON.parse(name.slice(ELEMENT_PREFIX.length)) as unknown) };
            },
          };
        default:
          return `zookeeper set: unknown op ${op.f}; the set workload has add and read`;
      }
    },
  };
}

export const zooKeeperPlanners: Readonly<Record<string, (options: ZooKeeperOptions) => ZkPlanner>> = {
  register: registerPlanner,
  set: setPlanner,
};

/** setData at any version, creating the node if it does not exist yet. Each refused step (no
 *  node, node exists) had no effect, so only the last step's outcome is the write's. */
async function writeCreating(zk: ZkConnection, path: string, data: Buffer, signal: AbortSignal): Promise<void> {
  try {
    await zk.setData(path, data, -1);
    return;
  } catch (error) {
    if (!isZkError(error, ZK_ERRORS.NO_NODE)) throw error;
  }
  if (signal.aborted) throw new OpTimedOut();
  try {
    await zk.create(path, data);
    return;
  } catch (error) {
    if (!isZkError(error, ZK_ERRORS.NODE_EXISTS)) throw error;
  }
  if (signal.aborted) throw new OpTimedOut();
  await zk.setData(path, data, -1);
}

function registerValue(data: Buffer | undefined): number | null {
  return data === undefined || data.length === 0 ? null : registerNumber(data.toString());
}
