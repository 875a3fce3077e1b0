import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { checkQueue, queueChecker } from "./queue.ts";
import { HistoryBuilder, simulate } from "../test/support/history-builder.ts";
import type { Op } from "../harness/op.ts";

function enqueued(builder: HistoryBuilder, process: number, message: unknown): void {
  builder.invoke(process, "enqueue", message);
  builder.ok(process);
}

describe("queueChecker", () => {
  it("checks an unordered queue by default, and a partitioned log when ordered per partition", () => {
    const builder = new HistoryBuilder();
    enqueued(builder, 0, 1);
    builder.call(1, "drain", null, [1]);
    expect(queueChecker().check(builder.ops)).toMatchObject({ valid: true, mode: "unordered" });
    expect(queueChecker({ ordered: "per-partition" }).check(builder.ops)).toMatchObject({ mode: "per-partition" });
  });
});

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
});
