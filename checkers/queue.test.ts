import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { checkPartitionedLog, checkQueue, queueChecker, type LogRecord } from "./queue.ts";
import { HistoryBuilder, simulate } from "../test/support/history-builder.ts";
import type { Op } from "../harness/op.ts";

function enqueued(builder: HistoryBuilder, process: number, message: unknown): void {
  builder.invoke(process, "enqueue", message);
  builder.ok(process);
}

describe("queue checker (unordered)", () => {
  it("accepts every acknowledged message dequeued once, by dequeue or drain", () => {
    const builder = new HistoryBuilder();
    enqueued(builder, 0, 1);
    enqueued(builder, 0, { value: 2 });
    builder.call(1, "dequeue", null, 1);
    builder.call(1, "dequeue", null, null);
    builder.call(1, "drain", null, [2]);
    const result = checkQueue(builder.ops);
    expect(result.valid).toBe(true);
    expect(result.counts).toMatchObject({ attempted: 2, acknowledged: 2, dequeued: 2, drains: 1, lost: 0 });
  });

  it("reports an acknowledged message the drain did not return as lost", () => {
    const builder = new HistoryBuilder();
    enqueued(builder, 0, 1);
    const send = builder.invoke(0, "enqueue", 2);
    const ack = builder.ok(0);
    builder.call(1, "dequeue", null, 1);
    builder.call(1, "drain", null, []);
    const result = checkQueue(builder.ops);
    expect(result.valid).toBe(false);
    expect(result.lost).toEqual([{ message: 2, enqueue: expect.objectContaining({ index: send.index }), enqueueCompletion: expect.objectContaining({ index: ack.index }) }]);
    expect(result.lostMayBeIndeterminateDequeues).toBe(false);
  });

  it("is unknown, not invalid, when indeterminate dequeues could have taken the lost messages", () => {
    const builder = new HistoryBuilder();
    enqueued(builder, 0, 1);
    builder.invoke(1, "dequeue", null);
    builder.info(1);
    builder.call(2, "drain", null, []);
    const result = checkQueue(builder.ops);
    expect(result.lost.map((l) => l.message)).toEqual([1]);
    expect(result.lostMayBeIndeterminateDequeues).toBe(true);
    expect(result.valid).toBe("unknown");
    // Two lost messages cannot both hide behind one indeterminate dequeue.
    const more = new HistoryBuilder();
    enqueued(more, 0, 1);
    enqueued(more, 0, 2);
    more.invoke(1, "dequeue", null);
    more.info(1);
    more.call(2, "drain", null, []);
    expect(checkQueue(more.ops).valid).toBe(false);
  });

  it("leaves messages acknowledged after the last drain began unresolved", () => {
    const builder = new HistoryBuilder();
    builder.invoke(0, "enqueue", 1);
    builder.invoke(1, "drain", null);
    builder.ok(0);
    builder.ok(1, []);
    const result = checkQueue(builder.ops);
    expect(result.lost).toEqual([]);
    expect(result.unresolved.map((u) => u.message)).toEqual([1]);
    expect(result.valid).toBe("unknown");
  });

  it("is unknown when acknowledged messages were never drained", () => {
    const builder = new HistoryBuilder();
    enqueued(builder, 0, 1);
    builder.call(1, "dequeue", null, null);
    const result = checkQueue(builder.ops);
    expect(result.valid).toBe("unknown");
    expect(result.counts.unresolved).toBe(1);
  });

  it("reports a message dequeued more often than enqueued as duplicated", () => {
    const builder = new HistoryBuilder();
    enqueued(builder, 0, 1);
    const first = builder.call(1, "dequeue", null, 1);
    const second = builder.call(2, "drain", null, [1]);
    const result = checkQueue(builder.ops);
    expect(result.valid).toBe(false);
    expect(result.duplicated).toEqual([{ message: 1, enqueued: 1, dequeued: 2, dequeues: [expect.objectContaining({ index: first.completion.index }), expect.objectContaining({ index: second.completion.index })] }]);
  });

  it("reports messages never enqueued, only enqueued by failed ops, or dequeued before their enqueue began, as unexpected", () => {
    const builder = new HistoryBuilder();
    const failed = builder.invoke(0, "enqueue", 1);
    builder.fail(0);
    const early = builder.call(1, "dequeue", null, 2);
    enqueued(builder, 0, 2);
    const drain = builder.call(1, "drain", null, [1, 9]);
    const result = checkQueue(builder.ops);
    expect(result.valid).toBe(false);
    expect(result.unexpected).toEqual([
      { message: 2, dequeues: [expect.objectContaining({ index: early.completion.index })], failedEnqueues: [] },
      { message: 1, dequeues: [expect.objectContaining({ index: drain.completion.index })], failedEnqueues: [expect.objectContaining({ index: failed.index })] },
      { message: 9, dequeues: [expect.objectContaining({ index: drain.completion.index })], failedEnqueues: [] },
    ]);
  });

  it("counts an indeterminate enqueue that was dequeued as recovered, and one never seen as fine", () => {
    const builder = new HistoryBuilder();
    builder.invoke(0, "enqueue", 1);
    builder.info(0);
    builder.invoke(1, "enqueue", 2);
    builder.info(1);
    builder.call(2, "drain", null, [1]);
    const result = checkQueue(builder.ops);
    expect(result.valid).toBe(true);
    expect(result.recovered.map((r) => r.message)).toEqual([1]);
  });

  it("is unknown when nothing was ever dequeued or drained, and at best unknown on a malformed drain", () => {
    const builder = new HistoryBuilder();
    builder.invoke(0, "enqueue", 1);
    builder.fail(0);
    expect(checkQueue(builder.ops).valid).toBe("unknown");
    const bad = new HistoryBuilder();
    bad.call(0, "dequeue", null, null);
    bad.call(0, "drain", null, "empty");
    expect(checkQueue(bad.ops)).toMatchObject({ valid: "unknown", malformed: [expect.objectContaining({ reason: expect.stringContaining("not an array") })] });
  });
});

const record = (partition: number, offset: number, value: unknown): LogRecord => ({ partition, offset, value });

function sent(builder: HistoryBuilder, process: number, message: number, at: LogRecord): Op {
  builder.invoke(process, "enqueue", { value: message, partition: at.partition });
  return builder.ok(process, at);
}

describe("queue checker (per-partition log)", () => {
  const ordered = queueChecker({ ordered: "per-partition" });

  it("accepts a log read in order by every consumer", () => {
    const builder = new HistoryBuilder();
    sent(builder, 0, 10, record(0, 0, 10));
    sent(builder, 0, 11, record(0, 1, 11));
    sent(builder, 1, 12, record(1, 0, 12));
    builder.call(5, "dequeue", null, [record(0, 0, 10), record(1, 0, 12)]);
    builder.call(5, "dequeue", null, [record(0, 1, 11)]);
    builder.call(6, "drain", null, [record(0, 0, 10), record(0, 1, 11), record(1, 0, 12)]);
    const result = ordered.check(builder.ops);
    expect(result.valid).toBe(true);
    expect(result).toMatchObject({ mode: "per-partition", highestOffsets: { 0: 1, 1: 0 } });
  });

  it("reports an acknowledged message below a polled offset, never polled, as lost", () => {
    const builder = new HistoryBuilder();
    const ack = sent(builder, 0, 10, record(0, 0, 10));
    sent(builder, 0, 11, record(0, 1, 11));
    builder.call(5, "dequeue", null, [record(0, 1, 11)]);
    const result = checkPartitionedLog(builder.ops);
    expect(result.valid).toBe(false);
    expect(result.lost).toEqual([{ partition: 0, offset: 0, message: 10, send: expect.objectContaining({ index: ack.index - 1 }), ack: expect.objectContaining({ index: ack.index }), reason: "later offsets polled" }]);
  });

  it("reports an acknowledged message a later drain missed as lost, and one without a drain as unseen", () => {
    const builder = new HistoryBuilder();
    sent(builder, 0, 10, record(0, 0, 10));
    builder.call(5, "drain", null, []);
    expect(checkPartitionedLog(builder.ops).lost).toEqual([expect.objectContaining({ message: 10, reason: "missing from drains" })]);
    const undrained = new HistoryBuilder();
    sent(undrained, 0, 10, record(0, 0, 10));
    sent(undrained, 0, 11, record(1, 0, 11));
    undrained.call(5, "dequeue", null, [record(1, 0, 11)]);
    const result = checkPartitionedLog(undrained.ops);
    expect(result.unseen).toEqual([expect.objectContaining({ message: 10, partition: 0, offset: 0 })]);
    expect(result.valid).toBe("unknown");
  });

  it("reports two messages at one offset as inconsistent", () => {
    const builder = new HistoryBuilder();
    builder.invoke(0, "enqueue", { value: 10, partition: 0 });
    builder.invoke(1, "enqueue", { value: 11, partition: 0 });
    builder.ok(0, record(0, 0, 10));
    builder.ok(1, record(0, 0, 11));
    builder.call(5, "drain", null, [record(0, 0, 10)]);
    const result = checkPartitionedLog(builder.ops);
    expect(result.valid).toBe(false);
    expect(result.inconsistentOffsets).toEqual([{ partition: 0, offset: 0, messages: [expect.objectContaining({ message: 10 }), expect.objectContaining({ message: 11 })] }]);
    expect(result.orderViolations).toEqual([]);
  });

  it("reports one message at two offsets as duplicated", () => {
    const builder = new HistoryBuilder();
    builder.invoke(0, "enqueue", { value: 10, partition: 0 });
    builder.info(0);
    sent(builder, 1, 10, record(0, 1, 10));
    builder.call(5, "drain", null, [record(0, 0, 10), record(0, 1, 10)]);
    const result = checkPartitionedLog(builder.ops);
    expect(result.valid).toBe(false);
    expect(result.duplicated).toEqual([{ message: 10, positions: [expect.objectContaining({ partition: 0, offset: 1 }), expect.objectContaining({ partition: 0, offset: 0 })] }]);
  });

  it("reports a polled message nobody sent as unexpected", () => {
    const builder = new HistoryBuilder();
    const poll = builder.call(5, "drain", null, [record(0, 0, 99)]);
    const result = checkPartitionedLog(builder.ops);
    expect(result.valid).toBe(false);
    expect(result.unexpected).toEqual([{ message: 99, polls: [expect.objectContaining({ index: poll.completion.index })] }]);
  });

  it("reports a send given a lower offset than one acknowledged before it began", () => {
    const builder = new HistoryBuilder();
    const first = sent(builder, 0, 10, record(0, 5, 10));
    const second = sent(builder, 1, 11, record(0, 3, 11));
    builder.call(5, "drain", null, [record(0, 3, 11), record(0, 5, 10)]);
    const result = checkPartitionedLog(builder.ops);
    expect(result.valid).toBe(false);
    expect(result.orderViolations).toEqual([
      { partition: 0, earlier: { partition: 0, offset: 5, ack: expect.objectContaining({ index: first.index }) }, later: { partition: 0, offset: 3, send: expect.objectContaining({ index: second.index - 1 }) } },
    ]);
  });

  it("accepts concurrent sends in either offset order", () => {
    const builder = new HistoryBuilder();
    builder.invoke(0, "enqueue", { value: 10, partition: 0 });
    builder.invoke(1, "enqueue", { value: 11, partition: 0 });
    builder.ok(0, record(0, 1, 10));
    builder.ok(1, record(0, 0, 11));
    builder.call(5, "drain", null, [record(0, 0, 11), record(0, 1, 10)]);
    expect(checkPartitionedLog(builder.ops).valid).toBe(true);
  });

  it("reports a consumer going back in a partition as a non-monotonic poll", () => {
    const builder = new HistoryBuilder();
    sent(builder, 0, 10, record(0, 0, 10));
    sent(builder, 0, 11, record(0, 1, 11));
    const first = builder.call(5, "dequeue", null, [record(0, 0, 10), record(0, 1, 11)]);
    const again = builder.call(5, "dequeue", null, [record(0, 1, 11)]);
    builder.call(6, "drain", null, [record(0, 0, 10), record(0, 1, 11)]);
    const result = checkPartitionedLog(builder.ops);
    expect(result.valid).toBe(false);
    expect(result.nonMonotonicPolls).toEqual([
      { process: 5, partition: 0, previous: { offset: 1, op: expect.objectContaining({ index: first.completion.index }) }, next: { offset: 1, op: expect.objectContaining({ index: again.completion.index }) } },
    ]);
  });

  it("reports a consumer jumping over offsets that exist, but not over gaps no one saw", () => {
    const builder = new HistoryBuilder();
    sent(builder, 0, 10, record(0, 0, 10));
    sent(builder, 0, 11, record(0, 1, 11));
    sent(builder, 0, 12, record(0, 2, 12));
    // Offsets 3 and 4 never appear (say, transaction markers): passing over them is fine.
    sent(builder, 0, 15, record(0, 5, 15));
    const from = builder.call(5, "dequeue", null, [record(0, 0, 10)]);
    const to = builder.call(5, "dequeue", null, [record(0, 2, 12), record(0, 5, 15)]);
    builder.call(6, "drain", null, [record(0, 0, 10), record(0, 1, 11), record(0, 2, 12), record(0, 5, 15)]);
    const result = checkPartitionedLog(builder.ops);
    expect(result.valid).toBe(false);
    expect(result.skippedOffsets).toEqual([
      { process: 5, partition: 0, from: { offset: 0, op: expect.objectContaining({ index: from.completion.index }) }, to: { offset: 2, op: expect.objectContaining({ index: to.completion.index }) }, skipped: [1], skippedCount: 1 },
    ]);
    expect(result.lost).toEqual([]);
  });

  it("is at best unknown when a send is acknowledged without a position", () => {
    const builder = new HistoryBuilder();
    builder.call(0, "enqueue", { value: 10, partition: 0 }, "ok");
    builder.call(5, "drain", null, []);
    expect(checkPartitionedLog(builder.ops)).toMatchObject({ valid: "unknown", malformed: [expect.objectContaining({ reason: expect.stringContaining("{partition, offset, value}") })] });
  });
});

function simulatedQueueHistory(seed: number, processes: number, ops: number, infoFraction: number): { history: Op[]; drain: Op } {
  const queue: number[] = [];
  let next = 0;
  const builder = new HistoryBuilder();
  const live = simulate(
    builder,
    {
      invocation: (rng) => (rng.bool(0.5) ? { f: "dequeue", value: null } : { f: "enqueue", value: next++ }),
      apply(f, value) {
        if (f === "enqueue") queue.push(value as number);
        return { type: "ok", value: f === "dequeue" ? (queue.shift() ?? null) : value };
      },
    },
    { seed, processes, ops, infoFraction },
  );
  const drain = builder.call(live[0], "drain", null, queue.splice(0)).completion;
  return { history: builder.ops, drain };
}

/** A correct partitioned log: each consumer process reads every partition from offset 0 on. */
function simulatedLogHistory(seed: number, processes: number, ops: number, partitions: number): Op[] {
  const log: number[][] = Array.from({ length: partitions }, () => []);
  const positions = new Map<number, number[]>();
  const positionOf = (process: number) => positions.get(process) ?? Array.from({ length: partitions }, () => 0);
  const poll = (process: number, limit: number): LogRecord[] => {
    const position = positionOf(process);
    const records: LogRecord[] = [];
    for (let p = 0; p < partitions; p++) {
      while (position[p] < log[p].length && records.length < limit) {
        records.push(record(p, position[p], log[p][position[p]]));
        position[p]++;
      }
    }
    positions.set(process, position);
    return records;
  };
  let next = 0;
  const builder = new HistoryBuilder();
  const live = simulate(
    builder,
    {
      invocation: (rng) => (rng.bool(0.4) ? { f: "dequeue", value: null } : { f: "enqueue", value: { value: next++, partition: rng.int(partitions) } }),
      apply(f, value, process) {
        if (f === "dequeue") return { type: "ok", value: poll(process, 3) };
        const { value: message, partition } = value as { value: number; partition: number };
        log[partition].push(message);
        return { type: "ok", value: record(partition, log[partition].length - 1, message) };
      },
    },
    { seed, processes, ops },
  );
  for (const process of live) builder.call(process, "drain", null, poll(process, Infinity));
  return builder.ops;
}

describe("queue checker properties", () => {
  it("never finds a correct queue invalid", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 150 }), (seed, processes, ops) => {
        const result = checkQueue(simulatedQueueHistory(seed, processes, ops, 0.05).history);
        expect(result.duplicated).toEqual([]);
        expect(result.unexpected).toEqual([]);
        expect(result.unresolved).toEqual([]);
        expect(result.lost.length === 0 || result.lostMayBeIndeterminateDequeues).toBe(true);
        expect(result.valid).toBe(result.lost.length > 0 ? "unknown" : true);
      }),
      { numRuns: 150 },
    );
  });

  it("catches an acknowledged message removed from the final drain", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 5, max: 150 }), fc.nat(), (seed, processes, ops, pick) => {
        const { history, drain } = simulatedQueueHistory(seed, processes, ops, 0);
        const drained = drain.value as number[];
        const acked = new Set(history.filter((op) => op.f === "enqueue" && op.type === "ok").map((op) => op.value));
        const candidates = drained.filter((m) => acked.has(m));
        fc.pre(candidates.length > 0);
        const victim = candidates[pick % candidates.length];
        const corrupted = history.map((op) => (op === drain ? { ...op, value: drained.filter((m) => m !== victim) } : op));
        const result = checkQueue(corrupted);
        expect(result.valid).toBe(false);
        expect(result.lost.map((l) => l.message)).toEqual([victim]);
      }),
      { numRuns: 150 },
    );
  });

  it("never finds a correct partitioned log invalid", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 150 }), fc.integer({ min: 1, max: 4 }), (seed, processes, ops, partitions) => {
        const result = checkPartitionedLog(simulatedLogHistory(seed, processes, ops, partitions));
        expect(result.counts).toMatchObject({ lost: 0, unseen: 0, inconsistentOffsets: 0, duplicated: 0, unexpected: 0, orderViolations: 0, nonMonotonicPolls: 0, skippedOffsets: 0 });
        expect(result.valid).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it("catches a record a consumer passed over", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 10, max: 150 }), fc.integer({ min: 1, max: 4 }), fc.nat(), (seed, processes, ops, partitions, pick) => {
        const history = simulatedLogHistory(seed, processes, ops, partitions);
        // Acknowledged records that the same process read between two others of their partition:
        // dropping one leaves a gap the checker knows to be real.
        const acked = new Set(history.filter((op) => op.f === "enqueue" && op.type === "ok").map((op) => (op.value as LogRecord).value));
        const seenBy = new Map<string, number[]>();
        for (const op of history) {
          if (op.type !== "ok" || (op.f !== "dequeue" && op.f !== "drain")) continue;
          for (const r of op.value as LogRecord[]) seenBy.set(`${op.process}/${r.partition}`, [...(seenBy.get(`${op.process}/${r.partition}`) ?? []), r.offset]);
        }
        const candidates: { op: Op; position: number }[] = [];
        for (const op of history) {
          if (op.type !== "ok" || (op.f !== "dequeue" && op.f !== "drain")) continue;
          (op.value as LogRecord[]).forEach((r, position) => {
            const offsets = seenBy.get(`${op.process}/${r.partition}`) ?? [];
            if (acked.has(r.value) && offsets[0] < r.offset && offsets[offsets.length - 1] > r.offset) candidates.push({ op, position });
          });
        }
        fc.pre(candidates.length > 0);
        const { op: target, position } = candidates[pick % candidates.length];
        const skipped = (target.value as LogRecord[])[position];
        const corrupted = history.map((op) => (op === target ? { ...op, value: (op.value as LogRecord[]).filter((_, i) => i !== position) } : op));
        const result = checkPartitionedLog(corrupted);
        expect(result.valid).toBe(false);
        expect(result.skippedOffsets.some((s) => s.process === target.process && s.partition === skipped.partition && s.skipped.includes(skipped.offset))).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});
