// One logical client process talking to one etcd member (its node), so that what a member on
// either side of a partition does shows in the history (SEEDS C4).
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
import type { Completion, Invocation } from "../../harness/op.ts";
import type { Client } from "../../harness/interpreter/client.ts";
import { connectToMember } from "./connection.ts";
import type { ReadMode } from "./options.ts";
import { completionForError } from "./outcome.ts";
import { OpTimedOut, untilAborted, registerNumber } from "../client-timeout.ts";

export const REGISTER_PREFIX = "faultline/register/";
export const SET_PREFIX = "faultline/set/";
export const ETCD_WORKLOADS = ["register", "set"] as const;
export type EtcdWorkload = (typeof ETCD_WORKLOADS)[number];

type Call = (etcd: Etcd3) => Promise<Completion>;

export class EtcdClient implements Client {
  private readonly etcd: Etcd3;
  private closed = false;

  constructor(
    private readonly workload: EtcdWorkload,
    private readonly node: string,
    endpoint: { host: string; port: number },
    private readonly reads: ReadMode,
  ) {
    this.etcd = connectToMember(endpoint.host, endpoint.port);
  }

  async invoke(op: Invocation, signal: AbortSignal): Promise<Completion> {
    const node = this.node;
    if (this.closed) return { type: "fail", node, error: "the etcd client was closed before this op; nothing was sent" };
    const call = this.workload === "register" ? registerCall(op, this.reads) : setCall(op, this.reads);
    if (typeof call === "string") return { type: "fail", node, error: `etcd ${this.workload} client: ${call}; nothing was sent` };
    if (signal.aborted) return { type: "fail", node, error: "the op timed out before it was sent" };
    try {
      return { ...(await untilAborted(call(this.etcd), signal)), node };
    } catch (error) {
      return completionForError(op, error, node);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.etcd.close();
  }
}

function registerCall(op: Invocation, reads: ReadMode): Call | string {
  const key = `${REGISTER_PREFIX}${op.key ?? "default"}`;
  switch (op.f) {
    case "read":
      return async (etcd) => {
        const value = await etcd.get(key).serializable(reads === "serializable").string();
        return { type: "ok", value: value === null ? null : registerNumber(value) };
      };
    case "write": {
      if (typeof op.value !== "number") return `write needs a number, got ${JSON.stringify(op.value)}`;
      const value = String(op.value);
      return async (etcd) => {
        await etcd.put(key).value(value);
        return { type: "ok" };
      };
    }
    case "cas": {
      const pair = op.value;
      if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== "number" || typeof pair[1] !== "number") {
        return `cas needs [expected, new] numbers, got ${JSON.stringify(op.value)}`;
      }
      const [expected, next] = pair.map(String);
      return async (etcd) => {
        const result = await etcd.if(key, "Value", "==", expected).then(etcd.put(key).value(next)).commit();
        return result.succeeded ? { type: "ok" } : { type: "fail", error: `cas: ${key} did not hold ${expected}` };
      };
    }
    default:
      return `unknown op ${op.f}; the register workload has read, write and cas`;
  }
}

function setCall(op: Invocation, reads: ReadMode): Call | string {
  switch (op.f) {
    case "add": {
      const key = `${SET_PREFIX}${JSON.stringify(op.value)}`;
      return async (etcd) => {
        await etcd.put(key).value("");
        return { type: "ok" };
      };
    }
    case "read":
      return async (etcd) => {
        const keys = await etcd.getAll().prefix(SET_PREFIX).serializable(reads === "serializable").keys();
        return { type: "ok", value: keys.map((key) => JSON.parse(key.slice(SET_PREFIX.length)) as unknown) };
      };
    default:
      return `unknown op ${op.f}; the set workload has add and read`;
  }
}

