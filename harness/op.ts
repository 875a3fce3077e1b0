// The one currency between all parts of Faultline (DESIGN §3), compatible with Jepsen's op map.

/** invoke: a process starts an operation. ok: it happened. fail: it definitely did not happen.
 *  info: unknown — it may have happened, at any time after its invocation. */
export type OpType = "invoke" | "ok" | "fail" | "info";

/** A client process is a number; a process that completes with `info` is retired and never reused.
 *  The nemesis records its own ops with process "nemesis". */
export type Process = number | "nemesis";

export interface Op<V = unknown> {
  /** Position in the history, 0-based, dense. */
  index: number;
  /** Nanoseconds since the run started, from the monotonic clock. */
  time: number;
  process: Process;
  type: OpType;
  /** The operation's function: read, write, cas, txn, add, enqueue, start-partition, … */
  f: string;
  value: V;
  /** Independent object the op acts on, when the workload has several (register per key, kv). */
  key?: string | number;
  /** The node the client talked to, when known. */
  node?: string;
  /** Why an op failed or is indeterminate, in words. */
  error?: string;
  /** On a fail: the system was available and answered no — a compare that did not match, a lock
   *  already held, a transfer that would overdraw, a transaction aborted for a conflict. Absent on
   *  a fail: the system refused or could not be reached (no leader, not enough replicas,
   *  connection refused). Availability counts answered ops as served. */
  answered?: true;
}

/** What a generator asks a worker to do; the worker turns it into an invoke op. */
export interface Invocation<V = unknown> {
  process: Process;
  f: string;
  value: V;
  key?: string | number;
}

/** What a client or nemesis reports back for one invocation. */
export interface Completion<V = unknown> {
  type: "ok" | "fail" | "info";
  /** The observed value (a read's result); defaults to the invocation's value. */
  value?: V;
  node?: string;
  error?: string;
  /** See Op.answered. */
  answered?: true;
}

export const isClientProcess = (p: Process): p is number => typeof p === "number";
