import { describe, expect, it } from "vitest";
import { classifyCycle } from "./classify.ts";
import { searchComponent, type SearchOptions } from "./cycle-search.ts";
import { EdgeBuffer, PROCESS, REALTIME, RW, WR, WW } from "./edges.ts";
import { buildGraph, SubgraphScratch } from "./graph.ts";
import { cyclicComponents, stronglyConnected } from "./scc.ts";

function search(nodeCount: number, edges: [number, number, number][], opts: Partial<SearchOptions> = {}) {
  const buffer = new EdgeBuffer(edges.length);
  for (const [from, to, kind] of edges) buffer.add(from, to, kind);
  const graph = buildGraph(nodeCount, buffer);
  const components = cyclicComponents(stronglyConnected(graph, 0xffff));
  const scratch = new SubgraphScratch(nodeCount);
  return components.map((members) =>
    searchComponent(graph, members, scratch, { txnCount: nodeCount, process: true, realtime: true, deadline: Infinity, ...opts }),
  );
}

describe("classifying cycles", () => {
  it("names cycles by their edges, as Elle does", () => {
    expect(classifyCycle([WW, WW]).type).toBe("G0");
    expect(classifyCycle([WW, WR]).type).toBe("G1c");
    expect(classifyCycle([RW, WR]).type).toBe("G-single");
    expect(classifyCycle([RW, WR, RW, WW]).type).toBe("G-nonadjacent");
    expect(classifyCycle([RW, WR, WW, RW]).type).toBe("G2-item"); // last and first are adjacent
    expect(classifyCycle([RW, RW]).type).toBe("G2-item");
    expect(classifyCycle([WW, PROCESS]).type).toBe("G0-process");
    expect(classifyCycle([RW, PROCESS, REALTIME]).type).toBe("G-single-realtime");
  });

  it("reads a step with several kinds as the one that makes the anomaly most specific", () => {
    expect(classifyCycle([RW | WW, WW]).type).toBe("G0");
    expect(classifyCycle([RW, WR | PROCESS]).type).toBe("G-single");
  });

  it("refuses a cycle of order edges only", () => {
    expect(() => classifyCycle([PROCESS, REALTIME])).toThrow();
  });
});

describe("searching a component", () => {
  it("finds each kind once per component, most severe first, skipping implied kinds", () => {
    // A G0 (0<->1 by ww) plus a G-single through node 2 in the same component.
    const [report] = search(3, [
      [0, 1, WW],
      [1, 0, WW],
      [1, 2, WR],
      [2, 1, RW],
    ]);
    expect(report.cycles.map((c) => c.type)).toEqual(["G0", "G-single"]);
    expect(report.size).toBe(3);
  });

  it("collapses a run through time nodes into one realtime step", () => {
    // Transactions 0 and 1; time nodes 2 and 3 carry real time from 0 to 1; 1 anti-depends back.
    const [report] = search(4, [
      [0, 2, REALTIME],
      [2, 3, REALTIME],
      [3, 1, REALTIME],
      [1, 0, RW],
    ], { txnCount: 2 });
    expect(report.size).toBe(2);
    expect(report.cycles).toHaveLength(1);
    expect(report.cycles[0]).toMatchObject({ type: "G-single-realtime", txns: [0, 1] });
    expect(report.cycles[0].kinds).toEqual([REALTIME, RW]);
  });

  it("a G-single search out of budget is settled by the complete G-nonadjacent search when it can be", () => {
    // rw 0->1, then 1 -> 2 -> 0 without rw: a G-single only phase two can find.
    const [report] = search(3, [
      [0, 1, RW],
      [1, 2, WR],
      [2, 0, WW],
    ], { deadline: -Infinity });
    expect(report.cycles.map((c) => c.type)).toEqual(["G-single"]);
    expect(report.timeouts).toEqual([]);
  });

  it("reports a G-single search out of budget when only a coarser cycle was found", () => {
    // A G-nonadjacent 0 -rw-> 1 -wr-> 2 -rw-> 3 -wr-> 0, and a G-single through 0 -rw-> 1 that
    // needs the long way back 1 -> 2 -> 5 -> 6 -> 3 -> 0.
    const edges: [number, number, number][] = [
      [0, 1, RW],
      [1, 2, WR],
      [2, 3, RW],
      [3, 0, WR],
      [4, 5, RW],
      [5, 6, WR],
      [6, 4, WW],
      [2, 5, WR],
      [6, 3, WR],
    ];
    const [timedOut] = search(7, edges, { deadline: -Infinity });
    expect(timedOut.cycles.map((c) => c.type)).toEqual(["G-nonadjacent"]);
    expect(timedOut.timeouts).toEqual([
      { type: "cycle-search-timeout", anomalySpecType: "G-single", doesNotContain: ["G0", "G1c"], sccSize: 7 },
    ]);
    const [complete] = search(7, edges);
    expect(complete.cycles.map((c) => c.type)).toEqual(["G-single"]);
    expect(complete.timeouts).toEqual([]);
  });
});
