// A consumer that the queue workload can poll. kafkajs pushes batches to a callback and has no
// manual partition assignment, so each client process runs its own consumer group (a group of one:
// it is assigned every partition and reads each from its first offset, which is what the
// partitioned-log checker expects of a process) and buffers what arrives; a poll takes the buffer.
// After each poll the client commits the next offsets to its group, as a consumer that processed
// them would.
//
// The kafkajs consumer itself runs in a worker thread (consumer-worker.ts says why); one that stops
// answering is terminated and replaced by a new one in the same group, which resumes from the last
// commit. A consumer that rejoins its group (a new worker, a coordinator that moved, a session that
// expired under a partition) resumes from its last commit, so Kafka delivers again what it had
// already delivered (at-least-once). Those records — the same message at an offset this consumer
// already received — are dropped here, so a poll continues where the last one ended. A record at
// an offset this consumer received with a different message, or below one it has passed, is kept:
// that is the log changing under the consumer (offsets reused after a truncation), evidence for
// the checker.

import { randomBytes } from "node:crypto";
import type { Worker } from "node:worker_threads";
import { siblingModule, startModuleWorker } from "../../harness/module-worker.ts";
import { TOPIC } from "./cluster.ts";

export interface LogRecord {
  partition: number;
  offset: number;
  value: number | string;
}

/** How long a poll waits for a record when the buffer is empty. */
const POLL_WAIT_MS = 200;
/** Most records one poll returns. */
const POLL_MAX = 500;

/** A running worker silent this long (it posts every 250 ms) is stuck and is replaced. */
const STUCK_MS = 5000;
/** A new worker's first message may take this long: it loads kafkajs (through tsx from the
 *  sources) on a machine whose cores other runs share. */
const STARTING_MS = 60_000;

export class PollingConsumer {
  private readonly groupId = `faultline-${randomBytes(6).toString("hex")}`;
  private worker: Worker | undefined;
  private lastHeard = 0;
  /** Whether the current worker has posted anything yet. */
  private heard = false;
  private readonly buffer: LogRecord[] = [];
  /** partition → offset → message received there (for telling redeliveries from a changed log). */
  private readonly received = new Map<number, Map<number, number | string>>();
  /** Highest offset received per partition. */
  private readonly highest = new Map<number, number>();
  private readonly arrivals = new Set<() => void>();
  private closed = false;

  constructor(private readonly brokers: readonly string[]) {}

  /** Starts (or replaces a stuck) consumer worker. */
  start(): void {
    if (this.closed) throw new Error("the consumer was closed");
    if (this.worker && Date.now() - this.lastHeard < (this.heard ? STUCK_MS : STARTING_MS)) return;
    if (this.worker) void this.worker.terminate();
    const worker = startModuleWorker(siblingModule(import.meta.url, "./consumer-worker"), { workerData: { brokers: [...this.brokers], groupId: this.groupId, topic: TOPIC } });
    this.worker = worker;
    this.lastHeard = Date.now();
    this.heard = false;
    worker.unref();
    worker.on("message", (message: { alive?: boolean; records?: { partition: number; offset: number; text: string }[] }) => {
      if (this.worker !== worker) return;
      this.lastHeard = Date.now();
      this.heard = true;
      if (message.records) this.receive(message.records);
    });
    worker.on("error", () => {
      if (this.worker === worker) this.worker = undefined;
    });
    worker.on("exit", () => {
      if (this.worker === worker) this.worker = undefined;
    });
  }

  private receive(records: readonly { partition: number; offset: number; text: string }[]): void {
    for (const { partition, offset, text } of records) {
      const value: number | string = /^-?\d+$/.test(text) ? Number(text) : text;
      let offsets = this.received.get(partition);
      if (!offsets) this.received.set(partition, (offsets = new Map()));
      if (offsets.get(offset) === value) continue;
      offsets.set(offset, value);
      this.highest.set(partition, Math.max(this.highest.get(partition) ?? -1, offset));
      this.buffer.push({ partition, offset, value });
    }
    for (const wake of this.arrivals) wake();
  }

  /** Takes what arrived since the last poll, waiting a moment if nothing has. */
  async poll(signal: AbortSignal): Promise<LogRecord[]> {
    this.start();
    if (this.buffer.length === 0) await this.arrival(POLL_WAIT_MS, signal);
    return this.take(POLL_MAX);
  }

  /** Resolves when every partition has been received up to `ends` (partition → next offset). */
  async reach(ends: ReadonlyMap<number, number>, signal: AbortSignal): Promise<void> {
    const reached = (): boolean => [...ends].every(([partition, end]) => (this.highest.get(partition) ?? -1) + 1 >= end);
    while (!reached()) {
      if (signal.aborted) return;
      this.start();
      await this.arrival(POLL_WAIT_MS, signal);
    }
  }

  /** Every buffered record, leaving the buffer empty; commits the offsets after them. */
  take(limit = Infinity): LogRecord[] {
    const taken = this.buffer.splice(0, Math.min(limit, this.buffer.length));
    this.commit(taken);
    return taken;
  }

  private commit(records: readonly LogRecord[]): void {
    const next = new Map<number, number>();
    for (const record of records) next.set(record.partition, Math.max(next.get(record.partition) ?? 0, record.offset + 1));
    if (next.size === 0) return;
    // Not awaited, and a failure changes nothing: this object drops what it had received before
    // when the consumer re-reads from an older commit.
    this.worker?.postMessage({ commit: [...next] });
  }

  private arrival(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        this.arrivals.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener("abort", done, { once: true });
      this.arrivals.add(done);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const wake of this.arrivals) wake();
    const worker = this.worker;
    this.worker = undefined;
    if (!worker) return;
    worker.postMessage({ close: true });
    const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
    const timer = setTimeout(() => void worker.terminate(), 3000);
    await exited;
    clearTimeout(timer);
  }
}
