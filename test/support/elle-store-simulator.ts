// Simulated transactional stores that produce histories with known isolation, for the property
// tests and the benchmark. Concurrency is a seeded random interleaving of per-process steps:
// invoke, the store's work (one step, or one per micro-op), commit, complete.
//
//   strict-serializable  each transaction runs atomically at one step between its invoke and its
//                        completion: the real-time order is respected.
//   serializable         the same, except a read-only transaction may read a recent snapshot
//                        instead of the latest state (it serializes earlier than real time says).
//   snapshot-isolation   a transaction reads the snapshot taken right after its invoke plus its
//                        own writes, and commits unless another transaction committed a write to
//                        one of its keys since that snapshot (first committer wins).
//   read-committed       every read sees the latest committed state plus its own writes; a write
//                        takes a long write lock on its key (no waiting: a transaction that finds
//                        the lock taken aborts), and writes are installed atomically at commit.
//                        That is lock-based read committed (Adya's PL-2): no dirty reads or writes,
//                        but read skew, lost updates and write skew.
//
// Histories are for the list-append or rw-register workload, with unique values per key and Elle's
// key rotation. `staleReadEvery` (strict store, list-append) injects an anomaly: every N-th
// transaction reads a key without its latest append and then appends to it (a G-single).

import type { Op } from "../../harness/op.ts";
import { Rng } from "../../harness/rng.ts";

export type SimulatedStore = "strict-serializable" | "serializable" | "snapshot-isolation" | "read-committed";

export interface SimulationOptions {
  store: SimulatedStore;
  workload: "list-append" | "rw-register";
  txns: number;
  processes: number;
  seed: number;
  /** Keys in play at once (default 5). */
  keys?: number;
  /** Micro-ops per transaction, 1..maxTxnLength (default 4). */
  maxTxnLength?: number;
  readFraction?: number;
  /** Writes per key before rotation (default 16). */
  maxWritesPerKey?: number;
  /** Probability that a transaction aborts on its own (completes `fail`). */
  failFraction?: number;
  /** Probability that a transaction's completion is lost (`info`); it took effect or not, at random. */
  infoFraction?: number;
  staleReadEvery?: number;
}

type Mop = [string, number, unknown];

interface Slot {
  process: number;
  running: boolean;
  ready: boolean;
  invoke: Mop[];
  result: Mop[];
  next: number;
  snapshot: number;
  snapshotTaken: boolean;
  /** Own writes: key → appended elements (list-append) or [last value] (rw-register). */
  writes: Map<number, unknown[]>;
  outcome: "ok" | "fail" | "info";
  stale: boolean;
}

const EMPTY: readonly unknown[] = Object.freeze([]);

export function simulate(opts: SimulationOptions): Op[] {
  const rng = new Rng(opts.seed);
  const append = opts.workload === "list-append";
  const writeF = append ? "append" : "w";
  const keyCount = opts.keys ?? 5;
  const maxLength = opts.maxTxnLength ?? 4;
  const readFraction = opts.readFraction ?? 0.5;
  const maxWrites = opts.maxWritesPerKey ?? 16;
  const versioned = opts.store === "serializable" || opts.store === "snapshot-isolation";

  // Committed state. latest: key → list (append) or value (register). For snapshot reads, every
  // version with the commit sequence number that installed it.
  const latest = new Map<number, unknown>();
  const latestSeq = new Map<number, number>();
  const versionSeqs = new Map<number, number[]>();
  const versionValues = new Map<number, unknown[]>();
  let commitSeq = 0;

  const activeKeys = Array.from({ length: keyCount }, (_, i) => i);
  const nextValue = activeKeys.map(() => 1);
  let nextKey = keyCount;
  let nextProcess = opts.processes;
  let started = 0;
  let completed = 0;
  const ops: Op[] = [];
  const lockOwner = new Map<number, Slot>();

  const slots: Slot[] = Array.from({ length: opts.processes }, (_, i) => ({
    process: i,
    running: false,
    ready: false,
    invoke: [],
    result: [],
    next: 0,
    snapshot: 0,
    snapshotTaken: false,
    writes: new Map(),
    outcome: "ok" as const,
    stale: false,
  }));

  const initial = (): unknown => (append ? EMPTY : null);
  const committedAt = (key: number, seq: number): unknown => {
    const seqs = versionSeqs.get(key);
    if (seqs === undefined) return initial();
    let i = seqs.length - 1;
    while (i >= 0 && seqs[i] > seq) i--;
    return i < 0 ? initial() : (versionValues.get(key) as unknown[])[i];
  };
  const visible = (slot: Slot, key: number, base: unknown): unknown => {
    const own = slot.writes.get(key);
    if (own === undefined) return base;
    return append ? [...(base as unknown[]), ...own] : own[own.length - 1];
  };
  const install = (slot: Slot) => {
    commitSeq++;
    for (const [key, own] of slot.writes) {
      const value = append ? Object.freeze([...((latest.get(key) as unknown[] | undefined) ?? EMPTY), ...own]) : own[own.length - 1];
      latest.set(key, value);
      latestSeq.set(key, commitSeq);
      if (versioned) {
        if (!versionSeqs.has(key)) {
          versionSeqs.set(key, []);
          versionValues.set(key, []);
        }
        (versionSeqs.get(key) as number[]).push(commitSeq);
        (versionValues.get(key) as unknown[]).push(value);
      }
    }
  };
  const execute = (slot: Slot, i: number, base: (key: number) => unknown) => {
    const [f, key, v] = slot.invoke[i];
    if (slot.outcome === "fail") return;
    if (f === "r") {
      let seen = visible(slot, key, base(key));
      if (slot.stale && append && (seen as unknown[]).length > 0) seen = (seen as unknown[]).slice(0, -1);
      slot.result.push([f, key, seen]);
      return;
    }
    if (opts.store === "read-committed") {
      const owner = lockOwner.get(key);
      if (owner !== undefined && owner !== slot) {
        slot.outcome = "fail";
        return;
      }
      lockOwner.set(key, slot);
    }
    const own = slot.writes.get(key) ?? [];
    own.push(v);
    slot.writes.set(key, own);
    slot.result.push(slot.invoke[i]);
  };

  const newTxn = (slot: Slot) => {
    const n = started++;
    slot.stale = opts.staleReadEvery !== undefined && append && n % opts.staleReadEvery === opts.staleReadEvery - 1;
    const txn: Mop[] = [];
    const length = slot.stale ? 2 : rng.between(1, maxLength);
    for (let i = 0; i < length; i++) {
      const s = rng.int(keyCount);
      const read = slot.stale ? i === 0 : rng.float() < readFraction;
      if (slot.stale && i === 1) {
        txn.push([writeF, txn[0][1], nextValue[activeKeys.indexOf(txn[0][1])]++]);
        continue;
      }
      if (read) {
        txn.push(["r", activeKeys[s], null]);
        continue;
      }
      if (nextValue[s] > maxWrites) {
        activeKeys[s] = nextKey++;
        nextValue[s] = 1;
      }
      txn.push([writeF, activeKeys[s], nextValue[s]++]);
    }
    slot.invoke = txn;
    slot.result = [];
    slot.next = 0;
    slot.writes = new Map();
    slot.snapshotTaken = false;
    slot.running = true;
    slot.ready = false;
    const roll = rng.float();
    slot.outcome = roll < (opts.failFraction ?? 0) ? "fail" : roll < (opts.failFraction ?? 0) + (opts.infoFraction ?? 0) ? "info" : "ok";
    ops.push({ index: ops.length, time: ops.length * 1000, process: slot.process, type: "invoke", f: "txn", value: txn });
  };

  const commit = (slot: Slot) => {
    if (slot.outcome === "fail") return;
    if (opts.store === "snapshot-isolation") {
      for (const key of slot.writes.keys()) {
        if ((latestSeq.get(key) ?? 0) > slot.snapshot) {
          slot.outcome = "fail";
          return;
        }
      }
    }
    if (slot.outcome === "info" && rng.bool()) return;
    install(slot);
  };

  const step = (slot: Slot) => {
    const store = opts.store;
    if (store === "strict-serializable" || store === "serializable") {
      const readOnly = slot.invoke.every(([f]) => f === "r");
      let at = commitSeq;
      if (store === "serializable" && readOnly && rng.bool()) at = Math.max(0, commitSeq - rng.int(4));
      const base = at === commitSeq ? (key: number) => latest.get(key) ?? initial() : (key: number) => committedAt(key, at);
      for (let i = 0; i < slot.invoke.length; i++) execute(slot, i, base);
      commit(slot);
      slot.ready = true;
      return;
    }
    if (store === "snapshot-isolation" && !slot.snapshotTaken) {
      slot.snapshot = commitSeq;
      slot.snapshotTaken = true;
      return;
    }
    if (slot.next < slot.invoke.length) {
      const base = store === "snapshot-isolation" ? (key: number) => committedAt(key, slot.snapshot) : (key: number) => latest.get(key) ?? initial();
      execute(slot, slot.next++, base);
      return;
    }
    commit(slot);
    slot.ready = true;
  };

  const complete = (slot: Slot) => {
    for (const key of slot.writes.keys()) if (lockOwner.get(key) === slot) lockOwner.delete(key);
    const type = slot.outcome;
    ops.push({ index: ops.length, time: ops.length * 1000, process: slot.process, type, f: "txn", value: type === "ok" ? slot.result : slot.invoke });
    slot.running = false;
    completed++;
    // Jepsen retires a process whose operation's outcome is unknown.
    if (type === "info") slot.process = nextProcess++;
  };

  while (completed < opts.txns) {
    const slot = slots[rng.int(slots.length)];
    if (!slot.running) {
      if (started < opts.txns) newTxn(slot);
    } else if (!slot.ready) {
      step(slot);
    } else {
      complete(slot);
    }
  }
  return ops;
}
