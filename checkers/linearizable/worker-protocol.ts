// What the checking threads tell each other (parallel.ts is the hub in the calling thread,
// worker.ts the other threads). Messages travel on MessagePorts and are read synchronously with
// receiveMessageOnPort, because the checker is a synchronous function: the calling thread searches
// partitions itself between reading messages, and blocks in Atomics.wait when it has nothing left
// to do. A shared Int32Array carries the stop flag and one sequence number per reader, bumped by
// every sender after posting, so a reader can sleep until something arrives.

import type { MessagePort } from "node:worker_threads";
import type { ModelName } from "./models/index.ts";
import type { PartitionJob, PartitionReport } from "./round-robin.ts";

/** Index of the stop flag in the control array: 1 once the verdict no longer needs the workers. */
export const STOP = 0;
/** Index of the hub's sequence number; workers bump it after posting. */
export const HUB_SEQUENCE = 1;
/** Index of worker i's sequence number: WORKER_SEQUENCE + i. */
export const WORKER_SEQUENCE = 2;

export interface WorkerData {
  index: number;
  model: ModelName;
  control: Int32Array;
  port: MessagePort;
  /** The deadline as an absolute time (performance.timeOrigin + performance.now()), since each
   *  thread's performance.now() counts from its own start. */
  deadlineEpochMs: number;
}

export type ToWorker =
  | { type: "work"; jobs: PartitionJob<unknown, unknown>[] }
  /** Give up the partition with the least search spent, for an idle thread to take over. */
  | { type: "release" };

export type FromWorker =
  | { type: "ready" }
  | { type: "report"; report: PartitionReport<unknown> }
  | { type: "released"; id: number | undefined }
  /** Nothing left to search: send work. */
  | { type: "idle" }
  /** The worker failed (a model threw, say); its partitions go back to the hub. */
  | { type: "failed"; ids: number[]; error: string };
