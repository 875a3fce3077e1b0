import { describe, expect, it } from "vitest";
import { faultWindows } from "../checkers/fault-windows.ts";
import type { Op } from "../harness/op.ts";
import { majoritiesRingGrudge } from "../nemeses/partition.ts";
import { FAULT_OPS } from "../nemeses/catalog.ts";
import { faultBands, mergeWindowsByStart } from "./fault-bands.ts";

const window = (label: string, startNs: number, endNs: number, start: number, nodes: string[] | null, fault = label.split(" ")[0]) => ({ label, startNs, endNs, start: { index: start }, nodes, fault });

describe("fault bands", () => {
  it("a whole-cluster kill is one band and one row, naming every node, lasting until the last restart", () => {
    const kill = ["n1", "n2", "n3"].map((node, i) => window(`kill ${node}`, 10, 20 + i, 7, [node]));
    const merged = mergeWindowsByStart([...kill, window("partition n1 | n2,n3", 30, 40, 9, null)]);
    expect(merged.map((w) => [w.label, w.endNs])).toEqual([
      ["kill n1,n2,n3", 22],
      ["partition n1 | n2,n3", 40],
    ]);
  });

  it("a majorities ring band carries its ring and the nemesis's mode, not every node as one side", () => {
    const grudge = majoritiesRingGrudge(["n1", "n2", "n3", "n4", "n5"]);
    const ops = [
      { time: 1e9, process: "nemesis", type: "invoke", f: "start-partition", value: "majorities-ring" },
      { time: 1.1e9, process: "nemesis", type: "ok", f: "start-partition", value: { mode: "majorities-ring", grudge } },
      { time: 3e9, process: "nemesis", type: "invoke", f: "stop-partition", value: null },
      { time: 3.1e9, process: "nemesis", type: "ok", f: "stop-partition", value: "healed" },
    ].map((op, index) => ({ ...op, index }) as Op);
    const [band] = faultBands(faultWindows(ops, FAULT_OPS), ops);
    expect(band.label).toBe("partition ring n1-n2-n3-n4-n5-n1");
    expect(band.mode).toBe("majorities-ring");
    expect(band.startS).toBeCloseTo(1.1);
    expect(band.endS).toBeCloseTo(3.1);
    expect(band.detail).toContain("no two nodes see the same majority");
  });
});
