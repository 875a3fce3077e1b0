import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EdgeBuffer } from "./edges.ts";
import { buildGraph } from "./graph.ts";
import { cyclicComponents, stronglyConnected } from "./scc.ts";

function graphOf(nodeCount: number, edges: [number, number, number?][]) {
  const buffer = new EdgeBuffer(edges.length + 1);
  for (const [from, to, kind] of edges) buffer.add(from, to, kind ?? 1);
  return buildGraph(nodeCount, buffer);
}

function reachable(nodeCount: number, edges: [number, number][], from: number): Set<number> {
  const seen = new Set([from]);
  const queue = [from];
  while (queue.length > 0) {
    const u = queue.pop() as number;
    for (const [a, b] of edges) if (a === u && !seen.has(b)) (seen.add(b), queue.push(b));
  }
  return seen;
}

describe("strongly connected components", () => {
  it("a million-node cycle is one component, without recursion", () => {
    const n = 1_000_000;
    const buffer = new EdgeBuffer(n);
    for (let i = 0; i < n; i++) buffer.add(i, (i + 1) % n, 1);
    const components = stronglyConnected(buildGraph(n, buffer), 1);
    expect(components.count).toBe(1);
    expect(cyclicComponents(components)[0].length).toBe(n);
  });

  it("a million-node chain is a million singletons", () => {
    const n = 1_000_000;
    const buffer = new EdgeBuffer(n);
    for (let i = 0; i + 1 < n; i++) buffer.add(i, i + 1, 1);
    const components = stronglyConnected(buildGraph(n, buffer), 1);
    expect(components.count).toBe(n);
    expect(cyclicComponents(components)).toEqual([]);
  });

  it("follows only edges whose kind is in the mask", () => {
    const graph = graphOf(3, [[0, 1, 1], [1, 2, 1], [2, 0, 4]]);
    expect(stronglyConnected(graph, 1).count).toBe(3);
    expect(stronglyConnected(graph, 5).count).toBe(1);
  });

  it("merges parallel edges into one with both kinds", () => {
    const graph = graphOf(2, [[0, 1, 1], [0, 1, 4], [1, 0, 2]]);
    expect(Array.from(graph.targets)).toEqual([1, 0]);
    expect(Array.from(graph.kinds)).toEqual([5, 2]);
  });

  it("agrees with mutual reachability, and numbers components in reverse topological order", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }).chain((n) =>
          fc.tuple(fc.constant(n), fc.array(fc.tuple(fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: 0, max: n - 1 })), { maxLength: 30 })),
        ),
        ([n, raw]) => {
          const edges = raw.filter(([a, b]) => a !== b);
          const { component } = stronglyConnected(graphOf(n, edges), 1);
          const reach = Array.from({ length: n }, (_, i) => reachable(n, edges, i));
          for (let a = 0; a < n; a++) {
            for (let b = 0; b < n; b++) {
              expect(component[a] === component[b]).toBe(reach[a].has(b) && reach[b].has(a));
              if (component[a] !== component[b] && reach[a].has(b)) expect(component[a]).toBeGreaterThan(component[b]);
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
