// One logical client process with a session on one server only (its node), so a client bound to a
// follower really reads from that follower.
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

import type { Completion, Invocation } from "../../harness/op.ts";
import type { Client } from "../../harness/interpreter/client.ts";
import { ZK_ERRORS, ZkConnection, isZkError } from "./connection.ts";
import { completionForError } from "./outcome.ts";
import { OpTimedOut, registerNumber, untilAborted } from "../client-timeout.ts";

export const ZK_WORKLOADS = ["register", "set"] as const;
export type ZkWorkload = (typeof ZK_WORKLOADS)[number];

export const REGISTER_PATH = "/faultline/register";
export const SET_PATH = "/faultline/set";
const ELEMENT_PREFIX = "e-";

/** How long an op waits for a session that is (re)connecting before failing unsent. */
const RECONNECT_GRACE_MS = 250;

/** The signal lets a call with several steps stop before a write step once the op has timed out. */
type Call = (zk: ZkConnection, signal: AbortSignal) => Promise<Completion>;

export class ZooKeeperClient implements Client {
  private connection: ZkConnection;
  private closed = false;

  constructor(
    private readonly workload: ZkWorkload,
    private readonly node: string,
    private readonly endpoint: { host: string; port: number },
    private readonly syncReads: boolean,
  ) {
    this.connection = new ZkConnection(endpoint.host, endpoint.port);
  }

  waitConnected(timeoutMs: number): Promise<boolean> {
    return this.connection.waitConnected(timeoutMs);
  }

  async invoke(op: Invocation, signal: AbortSignal): Promise<Completion> {
    const node = this.node;
    if (this.closed) return { type: "fail", node, error: "the zookeeper client was closed before this op; nothing was sent" };
    const call = this.workload === "register" ? this.registerCall(op) : this.setCall(op);
    if (typeof call === "string") return { type: "fail", node, error: `zookeeper ${this.workload} client: ${call}; nothing was sent` };
    if (signal.aborted) return { type: "fail", node, error: "the op timed out before it was sent" };
    if (this.connection.expired) {
      // The server ended the session (e.g. while the node was down): start a new one.
      this.connection.close();
      this.connection = new ZkConnection(this.endpoint.host, this.endpoint.port);
    }
    const zk = this.connection;
    if (!(await zk.waitConnected(RECONNECT_GRACE_MS))) {
      return { type: "fail", node, error: `not sent: no session with ${node} (state ${zk.state})` };
    }
    try {
      return { ...(await untilAborted(call(zk, signal), signal)), node };
    } catch (error) {
      return completionForError(op, error, node);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.connection.close();
  }

  private registerCall(op: Invocation): Call | string {
    const path = `${REGISTER_PATH}/${op.key ?? "default"}`;
    switch (op.f) {
      case "read":
        return async (zk) => {
          if (this.syncReads) await zk.sync(path);
          try {
            const { data } = await zk.getData(path);
            return { type: "ok", value: registerValue(data) };
          } catch (error) {
            if (isZkError(error, ZK_ERRORS.NO_NODE)) return { type: "ok", value: null };
            throw error;
          }
        };
      case "write": {
        if (typeof op.value !== "number") return `write needs a number, got ${JSON.stringify(op.value)}`;
        const data = Buffer.from(String(op.value));
        return async (zk, signal) => {
          await writeCreating(zk, path, data, signal);
          return { type: "ok" };
        };
      }
      case "cas": {
        const pair = op.value;
        if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== "number" || typeof pair[1] !== "number") {
          return `cas needs [expected, new] numbers, got ${JSON.stringify(op.value)}`;
        }
        const [expected, next] = pair as [number, number];
        return async (zk, signal) => {
          let current: { data: Buffer | undefined; stat: { version: number } };
          try {
            if (this.syncReads) await zk.sync(path);
            current = await zk.getData(path);
          } catch (error) {
            if (isZkError(error, ZK_ERRORS.NO_NODE)) return { type: "fail", error: `cas: ${path} does not exist, so it does not hold ${expected}` };
            return { type: "fail", error: `cas: reading ${path} failed, so nothing was written: ${(error as Error).message}` };
          }
          const value = registerValue(current.data);
          if (value !== expected) return { type: "fail", error: `cas: ${path} held ${value}, not ${expected}` };
          if (signal.aborted) throw new OpTimedOut();
          try {
            await zk.setData(path, Buffer.from(String(next)), current.stat.version);
            return { type: "ok" };
          } catch (error) {
            if (isZkError(error, ZK_ERRORS.BAD_VERSION)) return { type: "fail", error: `cas: ${path} changed after it was read at version ${current.stat.version}` };
            throw error;
          }
        };
      }
      default:
        return `unknown op ${op.f}; the register workload has read, write and cas`;
    }
  }

  private setCall(op: Invocation): Call | string {
    switch (op.f) {
      case "add": {
        const path = `${SET_PATH}/${ELEMENT_PREFIX}${JSON.stringify(op.value)}`;
        if (path.includes("/", SET_PATH.length + 1)) return `set elements may not contain "/", got ${JSON.stringify(op.value)}`;
        return async (zk) => {
          try {
            await zk.create(path, Buffer.alloc(0));
          } catch (error) {
            if (!isZkError(error, ZK_ERRORS.NODE_EXISTS)) throw error;
          }
          return { type: "ok" };
        };
      }
      case "read":
        return async (zk) => {
          if (this.syncReads) await zk.sync(SET_PATH);
          const children = await zk.getChildren(SET_PATH);
          return { type: "ok", value: children.filter((name) => name.startsWith(ELEMENT_PREFIX)).map((name) => JSON.parse(name.slice(ELEMENT_PREFIX.length)) as unknown) };
        };
      default:
        return `unknown op ${op.f}; the set workload has add and read`;
    }
  }
}

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

