// One direction of one relayed connection: reads frames from the sender's socket, applies its
// link's faults, and writes the survivors to the receiver's socket.
//
// Order of judgement per frame: partition (drop, no randomness used), drop fraction, duplicate
// fraction, delay + jitter, and at the moment of delivery partition again (a frame still in flight
// when a partition begins is lost, as on a wire) and the reorder hold-back.
// Invariant: without reorder, frames leave in the order they arrived — the delay queue is kept
// sorted by due time and a frame is never due before the one ahead of it.

import type { Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { FrameDecoder, encodeFrame } from "./frames.ts";
import type { LinkChannel } from "./link-channel.ts";

interface Pending {
  payload: Buffer;
  dueAt: number;
  /** When the frame arrived from the sender: the delay it really got is measured at delivery. */
  arrivedAt: number;
}

export interface PipeHooks {
  /** The sender broke the framing; the connection must be closed. */
  onProtocolError(error: Error): void;
  /** The sender has finished and every frame it sent has been delivered or dropped. */
  onDrained(): void;
}

export class FramePipe {
  private readonly decoder = new FrameDecoder();
  /** Sorted by dueAt; equal due times keep arrival order. */
  private queue: Pending[] = [];
  /** Latest due time handed out, so an undelayed frame cannot overtake a delayed one. */
  private lastDueAt = 0;
  private queueTimer: NodeJS.Timeout | undefined;
  private held: Buffer | undefined;
  private holdTimer: NodeJS.Timeout | undefined;
  private sourceFinished = false;
  private waitingForDrain = false;
  private disposed = false;

  constructor(
    private readonly source: Socket,
    private readonly destination: Socket,
    private readonly channel: LinkChannel,
    private readonly hooks: PipeHooks,
  ) {}

  /** The sender has finished and nothing is waiting to be delivered. */
  get drained(): boolean {
    return this.sourceFinished && this.queue.length === 0 && this.held === undefined;
  }

  /** Bytes read from the sender's socket. */
  accept(chunk: Buffer): void {
    if (this.disposed) return;
    let payloads: Buffer[];
    try {
      payloads = this.decoder.push(chunk);
    } catch (error) {
      this.hooks.onProtocolError(error as Error);
      return;
    }
    for (const payload of payloads) this.admit(payload);
  }

  /** The sender's socket has ended or closed; no more frames will arrive. */
  finishSource(): void {
    this.sourceFinished = true;
    this.reportIfDrained();
  }

  /** Delivers everything delayed or held back right now (on heal). */
  flush(): void {
    if (this.disposed) return;
    clearTimeout(this.queueTimer);
    this.queueTimer = undefined;
    const pending = this.queue;
    this.queue = [];
    this.lastDueAt = 0;
    for (const { payload, arrivedAt } of pending) this.emit(payload, arrivedAt);
    this.releaseHeld();
  }

  /** Forgets every pending frame and timer; the connection is gone. */
  dispose(): void {
    this.disposed = true;
    clearTimeout(this.queueTimer);
    clearTimeout(this.holdTimer);
    this.queue = [];
    this.held = undefined;
  }

  private admit(payload: Buffer): void {
    const { stats, rng } = this.channel;
    const { cut, faults } = this.channel.conditions;
    stats.received++;
    if (cut) {
      stats.droppedByPartition++;
      return;
    }
    if (faults.dropFraction && rng.float() < faults.dropFraction) {
      stats.droppedByFault++;
      return;
    }
    const copies = faults.duplicateFraction && rng.float() < faults.duplicateFraction ? 2 : 1;
    if (copies === 2) stats.duplicated++;
    const reordering = (faults.reorderFraction ?? 0) > 0;
    for (let copy = 0; copy < copies; copy++) {
      const now = performance.now();
      let dueAt = now + (faults.delayMs ?? 0) + (faults.jitterMs ? rng.float() * faults.jitterMs : 0);
      // With reorder on, jitter may reorder frames too; without it a frame waits for its predecessors.
      if (!reordering) dueAt = Math.max(dueAt, this.lastDueAt);
      this.lastDueAt = Math.max(this.lastDueAt, dueAt);
      if (dueAt <= now && (this.queue.length === 0 || reordering)) this.emit(payload);
      else this.enqueue({ payload, dueAt, arrivedAt: now });
    }
  }

  private enqueue(entry: Pending): void {
    let index = this.queue.length;
    while (index > 0 && this.queue[index - 1].dueAt > entry.dueAt) index--;
    this.queue.splice(index, 0, entry);
    if (index === 0) this.armQueueTimer();
  }

  private armQueueTimer(): void {
    clearTimeout(this.queueTimer);
    this.queueTimer = undefined;
    if (this.queue.length === 0) return;
    const waitMs = Math.max(0, Math.ceil(this.queue[0].dueAt - performance.now()));
    this.queueTimer = setTimeout(() => this.deliverDue(), waitMs);
  }

  private deliverDue(): void {
    this.queueTimer = undefined;
    const now = performance.now();
    while (this.queue.length > 0 && this.queue[0].dueAt <= now) {
      const { payload, arrivedAt } = this.queue.shift()!;
      this.emit(payload, arrivedAt);
    }
    this.armQueueTimer();
    this.reportIfDrained();
  }

  private emit(payload: Buffer, arrivedAt?: number): void {
    const { stats, rng } = this.channel;
    const { cut, faults } = this.channel.conditions;
    if (cut) {
      stats.droppedByPartition++;
      return;
    }
    if (this.held === undefined && faults.reorderFraction && rng.float() < faults.reorderFraction) {
      this.held = payload;
      stats.heldBack++;
      this.holdTimer = setTimeout(() => {
        this.releaseHeld();
        this.reportIfDrained();
      }, this.channel.reorderHoldMs);
      return;
    }
    this.write(payload, arrivedAt);
    this.releaseHeld();
  }

  private releaseHeld(): void {
    const held = this.held;
    if (held === undefined) return;
    clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    this.held = undefined;
    if (this.channel.conditions.cut) this.channel.stats.droppedByPartition++;
    else this.write(held);
  }

  /** `arrivedAt` is set for a frame that waited in the delay queue. */
  private write(payload: Buffer, arrivedAt?: number): void {
    const destination = this.destination;
    const stats = this.channel.stats;
    if (destination.destroyed || !destination.writable) {
      stats.droppedClosed++;
      return;
    }
    stats.delivered++;
    if (arrivedAt !== undefined) {
      const waitedMs = performance.now() - arrivedAt;
      stats.delayed++;
      stats.delayMsTotal += waitedMs;
      stats.delayMsMax = Math.max(stats.delayMsMax, waitedMs);
    }
    if (destination.write(encodeFrame(payload)) || this.waitingForDrain) return;
    // The receiver is not reading (paused, slow): stop reading from the sender so the backlog sits
    // in the kernel's buffers and the sender feels it, as over a real connection.
    this.waitingForDrain = true;
    this.source.pause();
    destination.once("drain", () => {
      this.waitingForDrain = false;
      if (!this.source.destroyed) this.source.resume();
    });
  }

  private reportIfDrained(): void {
    if (this.drained && !this.disposed) this.hooks.onDrained();
  }
}
