import { describe, expect, it } from "vitest";
import { HistoryBuilder } from "../../test/support/history-builder.ts";
import { checkedEnough } from "./checked-enough.ts";

const RUN = { everyOpType: true };

describe("checkedEnough: VALID means checked and held", () => {
  it("a register history in which every op failed is unknown, naming why", () => {
    const builder = new HistoryBuilder();
    builder.invoke(0, "write", 1);
    builder.fail(0);
    builder.invoke(1, "read", null);
    builder.fail(1);
    expect(checkedEnough(true, builder.ops, RUN)).toEqual({ valid: "unknown", unknownBecause: ["no write or read completed ok: nothing was checked"] });
  });

  it("a register history in which every op is info is unknown", () => {
    const builder = new HistoryBuilder();
    builder.invoke(0, "write", 1);
    builder.info(0);
    builder.invoke(1, "cas", [1, 2]);
    builder.info(1);
    expect(checkedEnough(true, builder.ops, RUN).valid).toBe("unknown");
  });

  it("an empty history is unknown", () => {
    expect(checkedEnough(true, [], RUN)).toEqual({ valid: "unknown", unknownBecause: ["the history holds no client operation: nothing was checked"] });
  });

  it("Jepsen's stats rule: an op type that never once completed ok keeps the run from being valid", () => {
    const builder = new HistoryBuilder();
    builder.call(0, "write", 1);
    builder.call(0, "read", null, 1);
    builder.invoke(1, "cas", [3, 4]);
    builder.fail(1);
    expect(checkedEnough(true, builder.ops, RUN)).toEqual({ valid: "unknown", unknownBecause: ["no cas completed ok (1 attempted), so the checker could not judge any"] });
  });

  it("a history checked on its own is judged on the ops that completed; only nothing at all is unknown", () => {
    const builder = new HistoryBuilder();
    builder.call(0, "write", 1);
    builder.invoke(1, "cas", [3, 4]);
    builder.fail(1);
    expect(checkedEnough(true, builder.ops, { everyOpType: false })).toEqual({ valid: true, unknownBecause: [] });
    expect(checkedEnough(true, [], { everyOpType: false }).valid).toBe("unknown");
  });

  it("a proven violation stands whatever else happened, and a well-exercised history keeps its verdict", () => {
    expect(checkedEnough(false, [], RUN).valid).toBe(false);
    const builder = new HistoryBuilder();
    builder.call(0, "write", 1);
    builder.call(0, "read", null, 1);
    builder.invoke("nemesis", "kill", "leader");
    builder.fail("nemesis");
    expect(checkedEnough(true, builder.ops, RUN)).toEqual({ valid: true, unknownBecause: [] });
  });
});
