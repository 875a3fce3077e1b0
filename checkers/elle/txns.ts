// Turns a history of invoke/complete ops into transactions with dense integer ids, the unit every
// later pass works on. A transaction's id is its rank by completion position; an invoke that never
// completed is an `info` transaction (it may have committed, at any time after it began).

import type { Op } from "../../harness/op.ts";
import { type Allocator, HEAP_ALLOCATOR } from "./arena.ts";
import { KeyIds } from "./key-ids.ts";

export const OK = 0;
export const INFO = 1;
export const FAIL = 2;

export interface Txns {
  count: number;
  history: readonly Op[];
  /** History position of the op that ended the transaction (its invoke, if it never ended). */
  completionPos: Int32Array;
  /** History position of its invoke; -1 when the history holds only the completion. */
  invokePos: Int32Array;
  /** OK, INFO or FAIL. */
  type: Uint8Array;
  /** Interned client process, -1 when the op has none we can use. */
  process: Int32Array;
  /** The micro-ops we learn from: an ok's completion value (reads filled in); for info and fail
   *  the completion value when it is a list, else the invocation's. */
  mops: (readonly unknown[])[];
  /** For each history position: txn * 2 for its invoke, txn * 2 + 1 for its completion, -1 when
   *  the op is not part of a transaction. Drives the real-time order. */
  eventAt: Int32Array;
  /** Process ids as they appear in the history, by interned id. */
  processNames: unknown[];
  /** Total micro-ops over all transactions: what later passes size their arrays by. */
  mopCount: number;
}

/** An op belongs to the transactional workload when it is a client op whose f is "txn" (or
 *  absent, as in hand-written Elle examples) and whose value is a list of micro-ops. */
function isTxnOp(op: Op): boolean {
  if (op.process === "nemesis") return false;
  if (op.f !== undefined && op.f !== "txn" && op.f !== "") return false;
  return op.type === "invoke" ? op.value === null || Array.isArray(op.value) : true;
}

export function collectTxns(history: readonly Op[], alloc: Allocator = HEAP_ALLOCATOR): Txns {
  const length = history.length;
  // Every transaction takes at least one op, so `length` slots never overflow.
  const capacity = length;
  const completionPos = alloc.int32(capacity);
  const invokePos = alloc.int32(capacity);
  const types = alloc.uint8(capacity);
  const processes = alloc.int32(capacity);
  // Allocated once at full size: growing a million-entry array by pushes reallocates it in old
  // space again and again, and each of those can cost a full collection of the history's heap.
  const mops = new Array<readonly unknown[]>(capacity);
  // Processes get dense ids (ops without a process share one, as in Elle's hand-written examples,
  // which run one transaction at a time); open[id] is 1 + the position of its pending invoke.
  const processIds = new KeyIds();
  let open = new Int32Array(64);
  let count = 0;
  let mopCount = 0;
  // Completions arrive in position order; only an invoke that never completed lands out of order.
  let unordered: number[] | undefined;

  // The hot loop is written out flat (no closures over its counters): it runs once per op.
  for (let pos = 0; pos < length; pos++) {
    const op = history[pos];
    if (!isTxnOp(op)) continue;
    const process = op.process;
    const id = processIds.intern(process);
    if (id >= open.length) {
      const wider = new Int32Array(open.length * 2);
      wider.set(open);
      open = wider;
    }
    let type: number;
    switch (op.type) {
      case "invoke": {
        const earlier = open[id] - 1;
        // A process never has two transactions in flight; if the history says otherwise, the
        // earlier one never completed as far as we can tell.
        if (earlier !== -1) {
          (unordered ??= []).push(earlier);
          open[id] = 0;
        }
        open[id] = pos + 1;
        continue;
      }
      case "ok":
        type = OK;
        break;
      case "info":
        type = INFO;
        break;
      case "fail":
        type = FAIL;
        break;
      default:
        continue;
    }
    const invoke = open[id] - 1;
    open[id] = 0;
    completionPos[count] = pos;
    invokePos[count] = invoke;
    types[count] = type;
    processes[count] = typeof process === "number" || typeof process === "string" ? id : -1;
    const value = type === OK || Array.isArray(op.value) || invoke === -1 ? asMops(op.value) : asMops(history[invoke].value);
    mops[count] = value;
    mopCount += value.length;
    count++;
  }
  for (let id = 0; id < processIds.count; id++) if (open[id] !== 0) (unordered ??= []).push(open[id] - 1);
  // Invocations that never completed: info transactions, placed by their invoke position.
  for (const invoke of unordered ?? []) {
    const process = history[invoke].process;
    completionPos[count] = invoke;
    invokePos[count] = invoke;
    types[count] = INFO;
    processes[count] = typeof process === "number" || typeof process === "string" ? processIds.intern(process) : -1;
    mops[count] = asMops(history[invoke].value);
    mopCount += mops[count].length;
    count++;
  }
  mops.length = count;

  const txns: Txns = {
    count,
    history,
    completionPos: completionPos.subarray(0, count),
    invokePos: invokePos.subarray(0, count),
    type: types.subarray(0, count),
    process: processes.subarray(0, count),
    mops,
    eventAt: alloc.int32(length).fill(-1),
    processNames: processIds.names,
    mopCount,
  };
  // Ids follow completion position, so scanning ids is scanning the history in order.
  if (unordered !== undefined) {
    const order = Array.from({ length: count }, (_, i) => i).sort((a, b) => completionPos[a] - completionPos[b]);
    const copy = <T extends Int32Array | Uint8Array>(array: T): T => {
      const before = array.slice();
      for (let t = 0; t < count; t++) array[t] = before[order[t]];
      return array;
    };
    copy(txns.completionPos);
    copy(txns.invokePos);
    copy(txns.type);
    copy(txns.process);
    txns.mops = order.map((i) => mops[i]);
  }
  for (let t = 0; t < count; t++) {
    const invoke = txns.invokePos[t];
    const completion = txns.completionPos[t];
    if (invoke !== -1) txns.eventAt[invoke] = t * 2;
    if (completion !== invoke) txns.eventAt[completion] = t * 2 + 1;
  }
  return txns;
}

function asMops(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/** The op's own index when it has one, else its position: what reports call it. */
export function opIndex(txns: Txns, pos: number): number {
  const index = txns.history[pos].index;
  return typeof index === "number" ? index : pos;
}

export interface OpSummary {
  index: number;
  invokeIndex: number | null;
  process: Op["process"];
  type: Op["type"];
  value: unknown;
}

/** The completion op of a transaction as evidence shows it. */
export function summarizeTxn(txns: Txns, txn: number): OpSummary {
  const pos = txns.completionPos[txn];
  const op = txns.history[pos];
  const invoke = txns.invokePos[txn];
  return {
    index: opIndex(txns, pos),
    invokeIndex: invoke === -1 ? null : opIndex(txns, invoke),
    process: op.process,
    type: pos === invoke ? "info" : op.type,
    value: txns.mops[txn],
  };
}
