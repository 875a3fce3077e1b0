import { describe, expect, it } from "vitest";
import { queueWorkload } from "./queue.ts";
import { drive, HistoryBuilder, type SimulatedSystem } from "../test/support/history-builder.ts";
import type { Process } from "../harness/op.ts";
import { freeContext, take } from "../test/support/generator-context.ts";

const context = (free: readonly Process[], seed = 1) => freeContext(free, free, seed);

function fifo(): SimulatedSystem {
  const queue: unknown[] = [];
  return {
    apply(f, value) {
      if (f === "enqueue") queue.push(value);
      if (f === "dequeue") return { type: "ok", value: queue.shift() ?? null };
      if (f === "drain") return { type: "ok", value: queue.splice(0) };
      return { type: "ok", value };
    },
  };
}

/** Each client process reads every partition from offset 0 on, as the workload asks. */
function partitionedLog(partitions: number): SimulatedSystem {
  const log: unknown[][] = Array.from({ length: partitions }, () => []);
  const positions = new Map<number, number[]>();
  const poll = (process: number, limit: number) => {
    const position = positions.get(process) ?? log.map(() => 0);
    positions.set(process, position);
    const records: { partition: number; offset: number; value: unknown }[] = [];
    log.forEach((messages, partition) => {
      while (position[partition] < messages.length && records.length < limit) {
        records.push({ partition, offset: position[partition], value: messages[position[partition]] });
        position[partition]++;
      }
    });
    return records;
  };
  return {
    apply(f, value, process) {
      if (f === "enqueue") {
        const { value: message, partition } = value as { value: unknown; partition: number };
        log[partition].push(message);
        return { type: "ok", value: { partition, offset: log[partition].length - 1, value: message } };
      }
      return { type: "ok", value: poll(process, f === "drain" ? Infinity : 2) };
    },
  };
}

describe("queue workload", () => {
  it("enqueues unique integers and dequeues", () => {
    const ops = take(queueWorkload.generator({}), context([0, 1]), 300);
    const messages = ops.filter((op) => op.f === "enqueue").map((op) => op.value);
    expect(messages.every((m) => Number.isInteger(m))).toBe(true);
    expect(new Set(messages).size).toBe(messages.length);
    expect(ops.filter((op) => op.f === "dequeue").every((op) => op.value === null)).toBe(true);
    expect(queueWorkload.generator({}).op(context([])).kind).toBe("pending");
  });

  it("spreads messages over partitions when ordered", () => {
    const ops = take(queueWorkload.generator({ ordered: "per-partition", partitions: 3 }), context([0]), 300);
    const sends = ops.filter((op) => op.f === "enqueue").map((op) => op.value as { value: number; partition: number });
    expect(new Set(sends.map((s) => s.partition))).toEqual(new Set([0, 1, 2]));
    expect(new Set(sends.map((s) => s.value)).size).toBe(sends.length);
    expect(() => queueWorkload.generator({ ordered: "total" })).toThrow(/ordered/);
  });

  it("drains from every client at the end", () => {
    const final = queueWorkload.finalGenerator!({});
    const first = final.op(context([0, 1]));
    expect(first).toMatchObject({ kind: "op", op: { f: "drain", value: null } });
  });

  it("produces histories its checker accepts for a correct queue", () => {
    for (let seed = 0; seed < 20; seed++) {
      const system = fifo();
      const builder = new HistoryBuilder();
      const live = drive(builder, queueWorkload.generator({}), system, { seed, processes: 4, ops: 150, infoFraction: 0 });
      drive(builder, queueWorkload.finalGenerator!({}), system, { seed, processes: live, ops: 10, infoFraction: 0, failFraction: 0 });
      const result = queueWorkload.checker({}).check(builder.ops);
      expect(result.valid).toBe(true);
      expect(result.counts).toMatchObject({ drains: 4, lost: 0 });
    }
  });

  it("produces histories its checker accepts for a correct partitioned log", () => {
    for (let seed = 0; seed < 20; seed++) {
      const opts = { ordered: "per-partition", partitions: 3 };
      const system = partitionedLog(3);
      const builder = new HistoryBuilder();
      const live = drive(builder, queueWorkload.generator(opts), system, { seed, processes: 4, ops: 150 });
      drive(builder, queueWorkload.finalGenerator!(opts), system, { seed, processes: live, ops: 10, infoFraction: 0, failFraction: 0 });
      const result = queueWorkload.checker(opts).check(builder.ops);
      expect(result).toMatchObject({ valid: true, mode: "per-partition" });
    }
  });
});
