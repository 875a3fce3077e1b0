// The shared Elle fixtures, with the verdicts /work/shared/fixtures/README.md records.

import { describe, expect, it } from "vitest";
import { readHistory } from "../../harness/history/read.ts";
import { checkElle } from "./elle.ts";
import type { CycleEvidence } from "./explain.ts";

const FIXTURES = new URL("../../../shared/fixtures/elle/", import.meta.url);
const load = (file: string) => readHistory(new URL(file, FIXTURES)).ops;

describe("elle/paper-example.edn", () => {
  const result = checkElle(load("paper-example.edn"), { workload: "list-append" });

  it("is not serializable: one G-single", () => {
    expect(result.valid).toBe(false);
    expect(checkElle(load("paper-example.edn"), { workload: "list-append", consistencyModels: ["serializable"] }).valid).toBe(false);
    expect(checkElle(load("paper-example.edn"), { workload: "list-append", consistencyModels: ["read-committed"] }).valid).toBe(true);
    expect(result.anomalyTypes).toEqual(["G-single"]);
    expect(result.anomalyCounts).toEqual({ "G-single": 1 });
  });

  it("rules out snapshot isolation (and repeatable read) as the weakest models", () => {
    expect(result.not).toEqual(["repeatable-read", "snapshot-isolation"]);
    expect(result.alsoNot).toContain("serializable");
    expect(result.alsoNot).toContain("strict-serializable");
  });

  it("is the cycle the README describes: T(2,3) wr→ T(4,5) ww→ T(6,7) rw→ T(2,3)", () => {
    const cycle = result.anomalies["G-single"][0] as CycleEvidence;
    expect(cycle.ops.map((op) => [op.invokeIndex, op.index])).toEqual([
      [2, 3],
      [4, 5],
      [6, 7],
    ]);
    expect(cycle.steps.map(({ kind, key, value, valueAfter }) => ({ kind, key, value, valueAfter }))).toEqual([
      // T(4,5) read 255 and saw 8, appended by T(2,3).
      { kind: "wr", key: 255, value: 8, valueAfter: undefined },
      // On 256, T(6,7)'s 3 came after T(4,5)'s 4: no read shows 3, so it follows the last one seen.
      { kind: "ww", key: 256, value: 4, valueAfter: 3 },
      // T(6,7)'s read of 255 ended at 5 and missed T(2,3)'s 8.
      { kind: "rw", key: 255, value: 5, valueAfter: 8 },
    ]);
    expect(cycle.explanation).toBe(
      "T1 < T2 because T2 read T1's append of 8 to key 255 (wr); " +
        "T2 < T3 because T3 appended 3 to key 256 after T2's append of 4 (ww); " +
        "T3 < T1 because T3's read of key 255 did not observe T1's append of 8 (rw)",
    );
    expect(cycle.edges).toEqual([
      [3, 5, "wr"],
      [5, 7, "ww"],
      [7, 3, "rw"],
    ]);
  });
});

describe("elle/si-without-g-single.edn", () => {
  const ops = load("si-without-g-single.edn");

  it("has exactly one anomaly type, G2-item, and rules out repeatable read but not SI", () => {
    const result = checkElle(ops, { workload: "list-append", consistencyModels: ["snapshot-isolation", "repeatable-read"] });
    expect(result.valid).toBe(false);
    expect(result.anomalyTypes).toEqual(["G2-item"]);
    expect(result.not).toEqual(["repeatable-read"]);
    expect([...result.not, ...result.alsoNot]).not.toContain("snapshot-isolation");
  });

  it("is valid under snapshot isolation alone, and reported the same", () => {
    const result = checkElle(ops, { workload: "list-append", consistencyModels: ["snapshot-isolation"] });
    expect(result.valid).toBe(true);
    expect(result.anomalyTypes).toEqual(["G2-item"]);
  });

  it("is not serializable", () => {
    expect(checkElle(ops, { workload: "list-append", consistencyModels: ["serializable"] }).valid).toBe(false);
  });
});
