// A participant's lock table: shared locks for keys a transaction only reads, exclusive ones for
// keys it writes, held until the transaction's outcome (strict two-phase locking: a transaction
// takes every lock it needs on this participant at once, when its ops arrive, and releases them
// all at commit or abort).
//
// Deadlocks across participants are prevented by wait-die: a request may wait only for younger
// holders (a later timestamp); one that conflicts with an older holder dies at once (votes no).
// Every wait then points from older to younger, so no cycle of waits can form. A wait is still
// bounded (TimingConfig.lockWaitTicks): a holder may be a prepared transaction whose coordinator is
// gone, and under 2PC nobody may release it but that coordinator — the blocking the seeds warn of.

import { assert } from "../../consensus/assert.ts";
import type { TxnId } from "./types.ts";

export type LockMode = "shared" | "exclusive";

export interface LockRequest {
  txn: TxnId;
  timestamp: number;
  modes: ReadonlyMap<string, LockMode>;
}

interface KeyLock {
  mode: LockMode;
  holders: Set<TxnId>;
}

/** Transaction order for wait-die: by timestamp, then id. Negative when `a` is older. */
export function compareAge(a: { txn: TxnId; timestamp: number }, b: { txn: TxnId; timestamp: number }): number {
  if (a.timestamp !== b.timestamp) return a.timestamp - b.timestamp;
  return a.txn < b.txn ? -1 : a.txn > b.txn ? 1 : 0;
}

export class LockTable {
  private readonly keys = new Map<string, KeyLock>();

  /** Holders whose locks the request cannot share. */
  conflicts(request: LockRequest): TxnId[] {
    const found = new Set<TxnId>();
    for (const [key, mode] of request.modes) {
      const lock = this.keys.get(key);
      if (!lock) continue;
      if (mode === "shared" && lock.mode === "shared") continue;
      for (const holder of lock.holders) if (holder !== request.txn) found.add(holder);
    }
    return [...found];
  }

  /** Takes every lock of the request; it must conflict with nobody. */
  acquire(request: LockRequest): void {
    assert(this.conflicts(request).length === 0, () => `lock table: ${request.txn} acquires locks that ${this.conflicts(request).join(", ")} hold`);
    for (const [key, mode] of request.modes) {
      const lock = this.keys.get(key);
      if (!lock) this.keys.set(key, { mode, holders: new Set([request.txn]) });
      else {
        lock.holders.add(request.txn);
        if (mode === "exclusive") lock.mode = "exclusive";
      }
    }
  }

  /** Releases the transaction's locks on `keys`. */
  release(txn: TxnId, keys: Iterable<string>): void {
    for (const key of keys) {
      const lock = this.keys.get(key);
      if (!lock) continue;
      lock.holders.delete(txn);
      if (lock.holders.size === 0) this.keys.delete(key);
    }
  }

  /** Keys locked now. */
  get size(): number {
    return this.keys.size;
  }
}
