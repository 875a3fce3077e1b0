import { describe, expect, it } from "vitest";
import { uniqueIdsWorkload } from "./unique-ids.ts";
import { drive, HistoryBuilder } from "../test/support/history-builder.ts";
import { Rng } from "../harness/rng.ts";

describe("unique-ids workload", () => {
  it("asks free clients to generate, and waits when none is free", () => {
    const generator = uniqueIdsWorkload.generator({});
    const ctx = { timeNs: 5, freeProcesses: ["nemesis" as const, 4], allProcesses: [4, "nemesis" as const], rng: new Rng(1) };
    expect(generator.op(ctx)).toMatchObject({ kind: "op", op: { process: 4, f: "generate", value: null, timeNs: 5 } });
    expect(generator.op({ ...ctx, freeProcesses: ["nemesis"] }).kind).toBe("pending");
  });

  it("produces histories its checker accepts from a correct id service and rejects from one that repeats", () => {
    let next = 0;
    const builder = new HistoryBuilder();
    drive(builder, uniqueIdsWorkload.generator({}), { apply: () => ({ type: "ok", value: next++ }) }, { seed: 1, processes: 4, ops: 100 });
    expect(uniqueIdsWorkload.checker({}).check(builder.ops).valid).toBe(true);
    let counter = 0;
    const wrapping = new HistoryBuilder();
    drive(wrapping, uniqueIdsWorkload.generator({}), { apply: () => ({ type: "ok", value: counter++ % 50 }) }, { seed: 1, processes: 4, ops: 100, infoFraction: 0, failFraction: 0 });
    expect(uniqueIdsWorkload.checker({}).check(wrapping.ops)).toMatchObject({ valid: false, duplicatedCount: 50 });
  });
});
