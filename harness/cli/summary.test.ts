import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import type { CheckResult } from "../../checkers/checker.ts";
import { printSummary } from "./summary.ts";

function summaryOf(results: CheckResult): string {
  const out = new PassThrough();
  let text = "";
  out.on("data", (chunk: Buffer) => (text += chunk.toString()));
  printSummary(out, results);
  return text;
}

const tally = (ok: number, fail: number, answered: number, info: number) => {
  const total = ok + fail + info;
  return { ok, fail, answered, info, total, availability: total === 0 ? null : (ok + answered) / total };
};

describe("the summary's availability line", () => {
  it("calls the share served, not ok, when failures the system answered count in it", () => {
    const stats = { valid: true, availability: tally(3, 1770, 1767, 900), faults: { windows: [], partitions: null } };
    const text = summaryOf({ valid: "unknown", stats } as unknown as CheckResult);
    const line = text.split("\n").find((l) => l.startsWith("availability:"));
    expect(line).toBe("availability: 66.2% of 2673 client ops served, ok or answered (3 ok, 1770 fail, 900 info); 1767 of the fails were the system's answer");
  });

  it("says nothing of answered fails when there were none", () => {
    const stats = { valid: true, availability: tally(90, 10, 0, 0), faults: { windows: [], partitions: null } };
    const line = summaryOf({ valid: true, stats } as unknown as CheckResult).split("\n").find((l) => l.startsWith("availability:"));
    expect(line).toBe("availability: 90.0% of 100 client ops served, ok or answered (90 ok, 10 fail, 0 info)");
  });
});
