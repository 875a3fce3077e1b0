// A consumer that the queue workload can poll. kafkajs pushes batches to a callback and has no
// manual partition assignment, so each client process runs its own consumer group (a group of one:
// it is assigned every partition and reads each from its first offset, which is what the
// partitioned-log checker expects of a process) and buffers what arrives; a poll takes the buffer.
// After each poll the client commits the next offsets to its group, as a consumer that processed
// them would.
//
// A consumer that rejoins its group (after a coordinator moved, a session expired under a
// partition) resumes from its last commit, so Kafka delivers again what it had already delivered
// (at-least-once). Those records — the same message at an offset this consumer already received —
// are dropped here, so a poll continues where the last one ended. A record at an offset this
// consumer received with a different message, or below one it has passed, is kept: that is the
// log changing under the consumer (offsets reused after a truncation), evidence for the checker.

import { randomBytes } from "node:crypto";
import type { Consumer, EachBatchPayload, Kafka } from "kafkajs";
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

export class PollingConsumer {
  private readonly groupId = `faultline-${randomBytes(6).toString("hex")}`;
  private consumer: Consumer | undefined;
  private readonly buffer: LogRecord[] = [];
  /** partition → offset → message received there (for telling redeliveries from a changed log). */
  private readonly received = new Map<number, Map<number, number | string>>();
  /** Highest offset received per partition. */
  private readonly highest = new Map<number, number>();
  private readonly arrivals = new Set<() => void>();
  private started: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly kafka: Kafka) {}

  /** Joins the group and starts fetching; resolves when the consumer runs. A consumer that kafkajs
   *  gave up on (it crashed and will not restart itself, e.g. no group coordinator for a while) is
   *  replaced by a new one in the same group, which resumes from the group's last commit; what
   *  this object received stays, so polls go on where they ended. */
  start(): Promise<void> {
    this.started ??= this.run().catch((error: unknown) => {
      this.started = undefined;
      throw error;
    });
    return this.started;
  }

  private async run(): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: this.groupId,
      // Kafka's group.min.session.timeout.ms is 6 s; a member silent that long is dropped.
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
      rebalanceTimeout: 10_000,
      maxWaitTimeInMs: 250,
      allowAutoTopicCreation: false,
      retry: { retries: 10, initialRetryTime: 200, maxRetryTime: 2000 },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, (event) => {
      if (event.payload.restart || this.consumer !== consumer) return;
      this.consumer = undefined;
      this.started = undefined;
      void consumer.disconnect().catch(() => {});
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [TOPIC], fromBeginning: true });
      await consumer.run({ autoCommit: false, eachBatch: (payload) => this.receive(payload) });
    } catch (error) {
      if (this.consumer === consumer) this.consumer = undefined;
      await consumer.disconnect().catch(() => {});
      throw error;
    }
    if (this.closed) await consumer.disconnect().catch(() => {});
  }

  private async receive({ batch }: EachBatchPayload): Promise<void> {
    for (const message of batch.messages) {
      const offset = Number(message.offset);
      const text = message.value?.toString() ?? "";
      const value: number | string = /^-?\d+$/.test(text) ? Number(text) : text;
      let offsets = this.received.get(batch.partition);
      if (!offsets) this.received.set(batch.partition, (offsets = new Map()));
      if (offsets.get(offset) === value) continue;
      offsets.set(offset, value);
      this.highest.set(batch.partition, Math.max(this.highest.get(batch.partition) ?? -1, offset));
      this.buffer.push({ partition: batch.partition, offset, value });
    }
    for (const wake of this.arrivals) wake();
  }

  /** Takes what arrived since the last poll, waiting a moment if nothing has. */
  async poll(signal: AbortSignal): Promise<LogRecord[]> {
    if (this.buffer.length === 0) await this.arrival(POLL_WAIT_MS, signal);
    return this.take(POLL_MAX);
  }

  /** Resolves when every partition has been received up to `ends` (partition → next offset). */
  async reach(ends: ReadonlyMap<number, number>, signal: AbortSignal): Promise<void> {
    const reached = (): boolean => [...ends].every(([partition, end]) => (this.highest.get(partition) ?? -1) + 1 >= end);
    while (!reached()) {
      if (signal.aborted) return;
      if (!this.consumer) await this.start();
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
    // Not awaited, and a failure changes nothing: the consumer itself drops what it had received
    // before when it re-reads from an older commit.
    this.consumer?.commitOffsets([...next].map(([partition, offset]) => ({ topic: TOPIC, partition, offset: String(offset) }))).catch(() => {});
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
    await this.consumer?.disconnect().catch(() => {});
  }
}
