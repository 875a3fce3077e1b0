import { describe, expect, it } from "vitest";
import { grudgeFromComponents } from "../harness/grudge.ts";
import { bridgeGrudge, majoritiesRingGrudge } from "../nemeses/partition.ts";
import { describePartition, partitionSvg } from "./partition-layout.ts";

const NODES = ["n1", "n2", "n3", "n4", "n5"];

describe("partition layouts in words", () => {
  it("a clean split names its sides and which one holds a majority", () => {
    const d = describePartition({ grudge: grudgeFromComponents([["n1", "n2"], ["n3", "n4", "n5"]]), components: null }, NODES);
    expect(d.shape).toBe("split");
    expect(d.label).toBe("n1,n2 | n3,n4,n5");
    expect(d.detail).toContain("n3, n4, n5 (a majority)");
    expect(d.majority).toEqual(["n3", "n4", "n5"]);
  });

  it("a majorities ring is a ring in ring order, not one side of five nodes", () => {
    const d = describePartition({ grudge: majoritiesRingGrudge(["n3", "n1", "n5", "n2", "n4"]), components: null }, NODES);
    expect(d.shape).toBe("ring");
    expect(d.label).toMatch(/^ring (n\d-){5}n\d$/);
    expect(d.label).not.toBe("n1,n2,n3,n4,n5");
    for (const [a, b] of [["n3", "n1"], ["n1", "n5"], ["n5", "n2"], ["n2", "n4"], ["n4", "n3"]]) expect(d.links[a]).toContain(b);
    expect(d.majority).toEqual(NODES);
  });

  it("a bridge names the node that joins the two halves", () => {
    const d = describePartition({ grudge: bridgeGrudge(["n4", "n2", "n5", "n1", "n3"]), components: null }, NODES);
    expect(d.shape).toBe("bridge");
    expect(d.label).toBe("bridge n5 joins n1,n3 | n2,n4");
    expect(d.detail).toContain("only n5 talks to both");
  });

  it("one-way cuts are named and drawn as arrows", () => {
    const d = describePartition({ grudge: { n1: ["n2"] }, components: null }, ["n1", "n2", "n3"]);
    expect(d.oneWay).toEqual([["n1", "n2"]]);
    expect(d.detail).toContain("n1 cannot hear n2");
    expect(partitionSvg(d)).toContain("marker-end");
  });

  it("node names are escaped in the drawing", () => {
    const d = describePartition({ grudge: grudgeFromComponents([["<b>x</b>"], ["n2", "n3"]]), components: null });
    const svg = partitionSvg(d);
    expect(svg).not.toContain("<b>");
    expect(svg).toContain("&lt;b&gt;x&lt;/b&gt;");
  });
});
