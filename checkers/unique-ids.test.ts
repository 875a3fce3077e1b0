import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { checkUniqueIds } from "./unique-ids.ts";
import { HistoryBuilder, simulate } from "../test/support/history-builder.ts";

describe("unique-ids checker", () => {
  it("accepts distinct ids and reports their range", () => {
    const builder = new HistoryBuilder();
    builder.call(0, "generate", null, 3);
    builder.call(1, "generate", null, 1);
    builder.invoke(2, "generate", null);
    builder.info(2);
    const result = checkUniqueIds(builder.ops);
    expect(result).toMatchObject({ valid: true, attempted: 3, acknowledged: 2, duplicatedCount: 0, range: { min: 1, max: 3 } });
  });

  it("reports an id returned twice, with both ops", () => {
    const builder = new HistoryBuilder();
    const first = builder.call(0, "generate", null, "a-1");
    builder.call(1, "generate", null, "a-2");
    const second = builder.call(2, "generate", null, "a-1");
    const result = checkUniqueIds(builder.ops);
    expect(result.valid).toBe(false);
    expect(result.duplicated).toEqual([{ id: "a-1", ops: [expect.objectContaining({ index: first.completion.index, process: 0 }), expect.objectContaining({ index: second.completion.index, process: 2 })] }]);
    expect(result.range).toBeNull();
  });

  it("ignores what failed or indeterminate generates carried", () => {
    const builder = new HistoryBuilder();
    builder.call(0, "generate", null, 1);
    builder.invoke(1, "generate", null);
    builder.fail(1, 1);
    builder.invoke(2, "generate", null);
    builder.info(2, 1);
    expect(checkUniqueIds(builder.ops).valid).toBe(true);
  });

  it("is unknown with no successful generate, and at best unknown with an ok that carries no id", () => {
    const builder = new HistoryBuilder();
    builder.invoke(0, "generate", null);
    builder.fail(0);
    expect(checkUniqueIds(builder.ops).valid).toBe("unknown");
    builder.call(1, "generate", null, 1);
    builder.call(1, "generate", null, null);
    expect(checkUniqueIds(builder.ops)).toMatchObject({ valid: "unknown", malformed: [expect.objectContaining({ reason: expect.stringContaining("instead of an id") })] });
  });

  it("accepts a correct sequence under concurrency and catches any id handed out again", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 2, max: 100 }), fc.nat(), (seed, processes, ops, pick) => {
        const builder = new HistoryBuilder();
        let next = 0;
        simulate(builder, { invocation: () => ({ f: "generate", value: null }), apply: () => ({ type: "ok", value: next++ }) }, { seed, processes, ops });
        const result = checkUniqueIds(builder.ops);
        expect(result.valid).toBe(result.acknowledged > 0 ? true : "unknown");
        const oks = builder.ops.filter((op) => op.type === "ok");
        fc.pre(oks.length >= 2);
        const [source, target] = [oks[pick % oks.length], oks[(pick + 1) % oks.length]];
        const corrupted = builder.ops.map((op) => (op === target ? { ...op, value: source.value } : op));
        expect(checkUniqueIds(corrupted).duplicated.map((d) => d.id)).toEqual([source.value]);
      }),
      { numRuns: 100 },
    );
  });
});
