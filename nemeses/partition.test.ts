import { describe, expect, it } from "vitest";
import { bridgeGrudge, grudgeFromComponents, majoritiesRingGrudge } from "./partition.ts";

describe("partition grudges", () => {
  it("cuts every link between components and none inside them", () => {
    expect(grudgeFromComponents([["n1", "n2"], ["n3", "n4", "n5"]])).toEqual({
      n1: ["n3", "n4", "n5"],
      n2: ["n3", "n4", "n5"],
      n3: ["n1", "n2"],
      n4: ["n1", "n2"],
      n5: ["n1", "n2"],
    });
  });

  it("majorities ring: every node sees a majority (itself included), no two see the same one", () => {
    const ring = ["n1", "n2", "n3", "n4", "n5"];
    const grudge = majoritiesRingGrudge(ring);
    const visible = ring.map((n) => ring.filter((m) => !grudge[n].includes(m)).sort().join(","));
    for (const node of ring) expect(ring.length - grudge[node].length).toBe(3);
    for (const node of ring) expect(grudge[node]).not.toContain(node);
    expect(new Set(visible).size).toBe(ring.length);
  });
});

describe("bridge grudge", () => {
  it("splits the nodes in two halves that both hear the bridge node, which hears everyone", () => {
    const grudge = bridgeGrudge(["n1", "n2", "n3", "n4", "n5"]);
    expect(grudge).toEqual({ n1: ["n4", "n5"], n2: ["n4", "n5"], n3: [], n4: ["n1", "n2"], n5: ["n1", "n2"] });
    // Each half plus the bridge is a majority; the halves never hear each other.
    for (const node of ["n1", "n2", "n4", "n5"]) expect(5 - grudge[node].length).toBe(3);
  });
});
