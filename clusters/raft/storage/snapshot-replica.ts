// A second copy of the key-value state machine in a worker thread, fed the same committed entries
// as the node's own copy, so that serializing a large state for a snapshot runs there instead of
// on the node's event loop. At 100k keys a snapshot takes about half a second; on the event loop
// that starves heartbeats, so followers elect a new leader mid-load (seen as bursts of failed writes
// under bench/raft-vs-etcd.ts, whose workers write distinct keys, until snapshots moved here).
//
// Both copies apply the same entries in the same order with the same deterministic code (expiry is
// judged by the clock stamped into each entry), so the worker's image at index i is the one the
// node itself would have taken at i.

import type { Worker } from "node:worker_threads";
import { siblingModule, startModuleWorker } from "../../../harness/module-worker.ts";

export type ReplicaRequest =
  | { kind: "restore"; data: Uint8Array }
  | { kind: "apply"; entries: { index: number; data: Uint8Array }[] }
  | { kind: "snapshot"; index: number };

export type ReplicaReply = { kind: "snapshot"; index: number; data: Uint8Array } | { kind: "error"; message: string };

/** The worker module beside this one, in this module's own form: compiled JavaScript when the node
 *  runs from dist/, TypeScript through a tsx bootstrap otherwise (harness/module-worker.ts). */
const WORKER_MODULE = siblingModule(import.meta.url, "./snapshot-worker");

export class SnapshotReplica {
  private waiting: { index: number; resolve(data: Uint8Array): void; reject(error: Error): void } | undefined;
  private failure: Error | undefined;
  private closed = false;

  private constructor(
    private readonly worker: Worker,
    private readonly onFailure: (error: Error) => void,
  ) {
    worker.on("message", (reply: ReplicaReply) => this.receive(reply));
    worker.on("error", (error) => this.fail(error));
    worker.on("exit", (code) => {
      if (!this.closed) this.fail(new Error(`snapshot worker exited unexpectedly with code ${code}`));
    });
  }

  /** Starts the worker with the state machine image `initial` (a snapshot the node just took).
   *  `onFailure` hears about a worker that crashed or whose copy failed to apply an entry. */
  static start(initial: Uint8Array, onFailure: (error: Error) => void): SnapshotReplica {
    const worker = startModuleWorker(WORKER_MODULE);
    const replica = new SnapshotReplica(worker, onFailure);
    replica.restore(initial);
    return replica;
  }

  /** Replaces the copy's state (the node installed a snapshot from its leader). */
  restore(data: Uint8Array): void {
    this.post({ kind: "restore", data });
  }

  /** Applies committed entries, in order, right after the node applied them to its own copy. */
  apply(entries: readonly { index: number; data: Uint8Array }[]): void {
    if (entries.length > 0) this.post({ kind: "apply", entries: entries.map(({ index, data }) => ({ index, data })) });
  }

  /** The copy's image once it has applied exactly up to `index` (the node's applied index now).
   *  One at a time. */
  snapshot(index: number): Promise<Uint8Array> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.waiting) return Promise.reject(new Error(`snapshot at ${index} requested while the one at ${this.waiting.index} is still being taken`));
    return new Promise((resolve, reject) => {
      this.waiting = { index, resolve, reject };
      this.post({ kind: "snapshot", index });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.waiting?.reject(new Error("snapshot worker closed"));
    this.waiting = undefined;
    await this.worker.terminate();
  }

  private post(request: ReplicaRequest): void {
    if (!this.failure && !this.closed) this.worker.postMessage(request);
  }

  private receive(reply: ReplicaReply): void {
    if (reply.kind === "error") {
      this.fail(new Error(`snapshot worker: ${reply.message}`));
      return;
    }
    const waiting = this.waiting;
    if (!waiting || waiting.index !== reply.index) {
      this.fail(new Error(`snapshot worker answered for index ${reply.index}, but ${waiting ? `index ${waiting.index}` : "nothing"} was asked`));
      return;
    }
    this.waiting = undefined;
    waiting.resolve(reply.data);
  }

  private fail(error: Error): void {
    if (this.failure || this.closed) return;
    this.failure = error;
    this.waiting?.reject(error);
    this.waiting = undefined;
    this.onFailure(error);
  }
}
