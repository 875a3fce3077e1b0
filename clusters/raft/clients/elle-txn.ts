// Elle's transactions — a list of micro-ops [f, key, value] — as one MULTI … EXEC: our node
// applies the whole transaction as a single log entry, so a healthy cluster is strict
// serializable. A read micro-op comes back with what it read; write micro-ops as they were.
// list-append.ts and rw-register.ts say which commands a micro-op becomes.

import type { ChainableCommander } from "ioredis";
import type { Invocation } from "../../../harness/op.ts";
import { execTransaction, WATCH_ABORTED } from "./transaction.ts";
import type { RaftPlan, RaftPlanner } from "./raft-client.ts";
import { isKey, writable } from "./values.ts";

/** Reads carry null, writes the value written. */
type MicroOp = [f: string, key: number | string, value: number | string | null];

export interface MicroOpCommands {
  workload: string;
  /** The write micro-op's name ("append", "w"); reads are "r". */
  writeF: string;
  /** Queues the write of `value` to `key`. */
  write(transaction: ChainableCommander, key: string, value: number | string): void;
  /** Queues the read of `key`. */
  read(transaction: ChainableCommander, key: string): void;
  /** The value a read micro-op reports, from its command's reply. */
  readValue(reply: unknown): unknown;
}

export class ElleTxnPlanner implements RaftPlanner {
  constructor(
    private readonly commands: MicroOpCommands,
    private readonly namespace: string,
  ) {}

  plan(op: Invocation): RaftPlan | string {
    const { workload } = this.commands;
    if (op.f !== "txn") return `${workload}: unknown op f=${op.f}; the ${workload} client does txn`;
    const txn = this.microOps(op.value);
    if (typeof txn === "string") return `${workload}: ${txn}`;
    return {
      readOnly: txn.every(([f]) => f === "r"),
      run: async (redis) => {
        const transaction = redis.multi();
        for (const [f, key, value] of txn) {
          if (value === null) this.commands.read(transaction, this.keyOf(key));
          else this.commands.write(transaction, this.keyOf(key), value);
        }
        const replies = await execTransaction(transaction);
        if (replies === null) return WATCH_ABORTED;
        return { type: "ok", value: txn.map(([f, key, value], i) => (f === "r" ? [f, key, this.commands.readValue(replies[i])] : [f, key, value])) };
      },
    };
  }

  private keyOf(key: number | string): string {
    return `${this.namespace}:${key}`;
  }

  /** The transaction's micro-ops, or what is wrong with them. */
  private microOps(value: unknown): MicroOp[] | string {
    if (!Array.isArray(value)) return `txn value must be an array of micro-ops, got ${JSON.stringify(value)}`;
    const txn: MicroOp[] = [];
    for (const mop of value as unknown[]) {
      if (!Array.isArray(mop) || mop.length !== 3) return `micro-op must be [f, key, value], got ${JSON.stringify(mop)}`;
      const [f, key, v] = mop as unknown[];
      if (!isKey(key)) return `micro-op key must be a number or string, got ${JSON.stringify(mop)}`;
      if (f === "r") txn.push([f, key, null]);
      else if (f === this.commands.writeF && writable(v)) txn.push([f, key, v]);
      else return `micro-op must be ["r", key, null] or ["${this.commands.writeF}", key, value], got ${JSON.stringify(mop)}`;
    }
    return txn;
  }
}
