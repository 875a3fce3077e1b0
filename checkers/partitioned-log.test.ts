import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { checkPartitionedLog, type LogRecord } from "./partitioned-log.ts";
import { queueChecker } from "./queue.ts";
import { HistoryBuilder, simulate } from "../test/support/history-builder.ts";
import type { Op } from "../harness/op.ts";

const record = (partition: number, offset: number, value: unknown): LogRecord => ({ partition, offset, value });

function sent(builder: HistoryBuilder, process: number, message: number, at: LogRecord): Op {
  builder.invoke(process, "enqueue", { value: message, partition: at.partition });
  return builder.ok(process, at);
}

describe("partitioned log checker", () => {
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

describe("partitioned log checker properties", () => {
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
