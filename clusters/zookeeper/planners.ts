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
// lock      acquire → create(/faultline/lock/lock, EPHEMERAL) (ZooKeeper's lock recipe without the
//                   queue): ok with the node's czxid as the fencing token (exists() on the same
//                   session reads it back); NodeExists: fail, another client holds it. The lease
//                   is the session: the server deletes the node when the session expires, so the
//                   session timeout is the lock workload's leaseMs (zooKeeperPlanners.lock.session).
//           release → delete(/faultline/lock/lock): only the holder's session can reach its own
//                   ephemeral node (a request of an expired session is refused), so no version.
// unique-ids generate → create(/faultline/ids/id-, SEQUENTIAL) → the suffix ZooKeeper appended
//                   (the parent's cversion, unique per parent).
// [sync] only with the sync option: without it a follower answers from its own state, which may
// lag the leader (SEEDS C3). A stale read inside a cas only makes it fail (BadVersion or a wrong
// value), never succeed wrongly: setData checks the version at the leader.

import type { Invocation } from "../../harness/op.ts";
import type { OpPlan, Planner } from "../client/planned-client.ts";
import { OpTimedOut, registerNumber } from "../client/timeout.ts";
import { tokenOf } from "../../checkers/lock.ts";
import { leaseMsOf } from "../../workloads/lock.ts";
import { DEFAULT_SESSION_TIMEOUT_MS, ZK_ERRORS, isZkError, type ZkConnection } from "./connection.ts";
import { ZOO_EPHEMERAL, ZOO_SEQUENCE } from "./native-client.ts";

/** What the planners read of a system's options (the zookeeper and zab systems both have it). */
export interface ZooKeeperClientOptions {
  sync: boolean;
}
type ZooKeeperOptions = ZooKeeperClientOptions;

export const REGISTER_PATH = "/faultline/register";
export const SET_PATH = "/faultline/set";
export const LOCK_PATH = "/faultline/lock";
export const IDS_PATH = "/faultline/ids";
/** Every parent the planners create under; a system creates them before the first op. */
export const PARENT_PATHS = [REGISTER_PATH, SET_PATH, LOCK_PATH, IDS_PATH] as const;
const LOCK_NODE = `${LOCK_PATH}/lock`;
const ID_PREFIX = `${IDS_PATH}/id-`;
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

class LockPlanner implements ZkPlanner {
  /** The token of the lock this client process holds, as far as it knows. */
  private held: number | undefined;

  plan(op: Invocation): ZkPlan | string {
    switch (op.f) {
      case "acquire":
        return {
          readOnly: false,
          run: async (zk, signal) => {
            try {
              await zk.create(LOCK_NODE, Buffer.from(zk.session.id), ZOO_EPHEMERAL);
            } catch (error) {
              if (isZkError(error, ZK_ERRORS.NODE_EXISTS)) return { type: "fail", answered: true, error: "acquire: the lock is held by another client" };
              throw error;
            }
            if (signal.aborted) throw new OpTimedOut();
            const stat = await zk.exists(LOCK_NODE);
            // Our own session's ephemeral node cannot be gone unless the session is: then we may
            // have held it for a moment, and the acquire's outcome is not certain.
            if (stat === undefined || stat.ephemeralOwner !== zk.session.id) return { type: "info", error: `acquire: created ${LOCK_NODE}, but it is no longer this session's` };
            this.held = stat.czxid;
            return { type: "ok", value: { token: stat.czxid } };
          },
        };
      case "release": {
        const held = this.held;
        if (held === undefined) return "lock: release by a client that holds no lock";
        const token = op.value === null ? held : tokenOf(op.value);
        if (token !== held) return `lock: release of token ${JSON.stringify(op.value)}, but this client holds token ${held}`;
        return {
          readOnly: false,
          run: async (zk) => {
            try {
              await zk.delete(LOCK_NODE, -1);
            } catch (error) {
              if (!isZkError(error, ZK_ERRORS.NO_NODE)) throw error;
              this.held = undefined;
              return { type: "fail", answered: true, error: `release: ${LOCK_NODE} was gone (the session that held token ${held} expired)` };
            } finally {
              // Released, lost, or unknown: this client holds nothing it could release again.
              if (this.held === held) this.held = undefined;
            }
            return { type: "ok" };
          },
        };
      }
      default:
        return `zookeeper lock: unknown op ${op.f}; the lock workload has acquire and release`;
    }
  }
}

function uniqueIdsPlanner(): ZkPlanner {
  return {
    plan(op: Invocation): ZkPlan | string {
      if (op.f !== "generate") return `zookeeper unique-ids: unknown op ${op.f}; the unique-ids workload has generate`;
      return {
        readOnly: false,
        run: async (zk) => {
          const created = await zk.create(ID_PREFIX, Buffer.alloc(0), ZOO_SEQUENCE);
          const suffix = created.slice(ID_PREFIX.length);
          if (!/^\d+$/.test(suffix)) return { type: "info", error: `unique-ids: the server created ${created}, which has no sequence suffix` };
          return { type: "ok", value: Number(suffix) };
        },
      };
    },
  };
}

/** What one workload's client needs: its planner, and the session it runs on when that is not the
 *  default one (a session that holds nothing, replaced rather than waited for when it reconnects). */
export interface ZkWorkloadClient {
  planner(options: ZooKeeperOptions): ZkPlanner;
  session?(runOptions: Record<string, unknown>): { timeoutMs: number; keepSession: boolean };
}

export const zooKeeperPlanners: Readonly<Record<string, ZkWorkloadClient>> = {
  register: { planner: registerPlanner },
  set: { planner: setPlanner },
  // A lock's lease is its holder's session: the server deletes the lock node when the session
  // expires, which is never sooner than the session timeout after the holder's last request. The
  // session holds the lock's ephemeral node, so it is reconnected, never replaced.
  lock: {
    planner: () => new LockPlanner(),
    session: (runOptions) => ({ timeoutMs: Math.max(DEFAULT_SESSION_TIMEOUT_MS, Math.ceil(leaseMsOf(runOptions))), keepSession: true }),
  },
  "unique-ids": { planner: uniqueIdsPlanner },
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
