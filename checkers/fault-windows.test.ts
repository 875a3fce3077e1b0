import { FAULT_OPS } from "../nemeses/catalog.ts";
import { describe, expect, it } from "vitest";
import { faultWindows, grudgeFromComponents, nodesNamed, partitionLayout, partitionSides } from "./fault-windows.ts";
import { HistoryBuilder } from "../test/support/history-builder.ts";

const N = "nemesis";

describe("fault windows", () => {
  it("takes the windows a nemesis reports it made on its own (reactive faults), with their own times", () => {
    const builder = new HistoryBuilder();
    builder.invoke(N, "react", "isolate-new-leader");
    const armed = builder.ok(N, { mode: "isolate-new-leader" });
    builder.invoke(N, "stop-react", null);
    const stopped = builder.ok(N, { fired: [], windows: [{ fault: "reactive", label: "isolate n2", nodes: ["n2"], startNs: 5, endNs: 7 }, { fault: "reactive", startNs: 8, endNs: 1e12 }, { label: "malformed" }] });
    const windows = faultWindows(builder.ops, FAULT_OPS).map((window) => [window.label, window.startNs, window.endNs, window.uncertain]);
    // The armed stretch itself, then the two well-formed reports (the second cut at the history's end).
    expect(windows).toEqual([
      ["isolate n2", 5, 7, false],
      ["reactive", 8, stopped.time, false],
      ["reactive", armed.time, stopped.time, false],
    ].sort((a, b) => (a[1] as number) - (b[1] as number)));
  });

  it("opens a partition window when start-partition completes and closes it when stop-partition completes", () => {
    const builder = new HistoryBuilder();
    builder.invoke(N, "start-partition", "random-halves");
    const started = builder.ok(N, { mode: "random-halves", components: [["n1", "n2", "n3"], ["n4", "n5"]], grudge: grudgeFromComponents([["n1", "n2", "n3"], ["n4", "n5"]]) });
    builder.invoke(N, "stop-partition", null);
    const stopped = builder.ok(N, "healed");
    expect(faultWindows(builder.ops, FAULT_OPS)).toEqual([
      {
        fault: "partition",
        label: "partition n1,n2,n3 | n4,n5",
        startNs: started.time,
        endNs: stopped.time,
        open: false,
        uncertain: false,
        start: expect.objectContaining({ index: started.index }),
        stop: expect.objectContaining({ index: stopped.index }),
        nodes: ["n1", "n2", "n3", "n4", "n5"],
        partition: { grudge: expect.any(Object), components: [["n1", "n2", "n3"], ["n4", "n5"]] },
      },
    ]);
  });

  it("understands a grudge alone, and labels it by the sides it makes", () => {
    const builder = new HistoryBuilder();
    builder.invoke(N, "start-partition", null);
    builder.ok(N, { grudge: { n1: ["n2", "n3"], n2: ["n1"], n3: ["n1"] } });
    const [window] = faultWindows(builder.ops, FAULT_OPS);
    expect(window).toMatchObject({ label: "partition n1 | n2,n3", open: true, partition: { components: null } });
  });

  it("keeps one kill window per node, closed by a start naming it or by a start naming no one", () => {
    const builder = new HistoryBuilder();
    builder.invoke(N, "kill", "minority");
    builder.ok(N, { killed: ["n1", "n2"] });
    builder.invoke(N, "start", null);
    const firstStart = builder.ok(N, { started: ["n1"] });
    builder.invoke(N, "start", null);
    const secondStart = builder.ok(N, { started: [] });
    const windows = faultWindows(builder.ops, FAULT_OPS);
    expect(windows.map((w) => [w.label, w.endNs])).toEqual([
      ["kill n1", firstStart.time],
      ["kill n2", secondStart.time],
    ]);
  });

  it("handles pause and resume, and nodes the nemesis did not name", () => {
    const builder = new HistoryBuilder();
    builder.invoke(N, "pause", "leader");
    builder.ok(N, "done");
    builder.invoke(N, "resume", null);
    const resumed = builder.ok(N, { resumed: ["n3"] });
    expect(faultWindows(builder.ops, FAULT_OPS)).toEqual([expect.objectContaining({ fault: "pause", label: "pause", nodes: null, endNs: resumed.time })]);
  });

  it("opens nothing for a failed start, marks an indeterminate one uncertain, and keeps a fault whose stop failed or is unknown", () => {
    const builder = new HistoryBuilder();
    builder.invoke(N, "kill", "leader");
    builder.fail(N);
    builder.invoke(N, "start-partition", null);
    builder.info(N);
    builder.invoke(N, "stop-partition", null);
    builder.fail(N);
    builder.invoke(N, "stop-partition", null);
    builder.info(N);
    const last = builder.call(0, "read", null, 1).completion;
    const windows = faultWindows(builder.ops, FAULT_OPS);
    expect(windows).toEqual([expect.objectContaining({ fault: "partition", uncertain: true, open: true, endNs: last.time, stop: null, partition: null })]);
  });

  it("replaces an open partition with the next one, and heal ends everything", () => {
    const builder = new HistoryBuilder();
    builder.invoke(N, "start-partition", null);
    builder.ok(N, { components: [["n1"], ["n2", "n3"]] });
    builder.invoke(N, "start-partition", null);
    const second = builder.ok(N, { components: [["n2"], ["n1", "n3"]] });
    builder.invoke(N, "start-clock", null);
    builder.ok(N, null);
    builder.invoke(N, "heal", null);
    const healed = builder.ok(N, null);
    expect(faultWindows(builder.ops, FAULT_OPS).map((w) => [w.label, w.endNs])).toEqual([
      ["partition n1 | n2,n3", second.time],
      ["partition n2 | n1,n3", healed.time],
      ["clock", healed.time],
    ]);
  });

  it("reads Jepsen-style info/info nemesis pairs as done", () => {
    const builder = new HistoryBuilder();
    builder.ops.push({ index: 0, time: 1, process: N, type: "info", f: "start-partition", value: null });
    builder.ops.push({ index: 1, time: 2, process: N, type: "info", f: "start-partition", value: [["n1"], ["n2", "n3"]] });
    builder.ops.push({ index: 2, time: 3, process: N, type: "info", f: "stop-partition", value: null });
    builder.ops.push({ index: 3, time: 4, process: N, type: "info", f: "stop-partition", value: null });
    expect(faultWindows(builder.ops, FAULT_OPS)).toEqual([expect.objectContaining({ uncertain: false, startNs: 2, endNs: 4, label: "partition n1 | n2,n3" })]);
  });
});

describe("fault value conventions", () => {
  it("finds node names in strings, arrays and the nemesis's fields", () => {
    expect(nodesNamed("leader")).toBeUndefined();
    expect(nodesNamed(["n1", "n2"])).toEqual(["n1", "n2"]);
    expect(nodesNamed({ killed: ["n4"], note: "no leader found" })).toEqual(["n4"]);
    expect(nodesNamed({ node: "n5" })).toEqual(["n5"]);
    expect(nodesNamed({ mode: "random-halves" })).toBeUndefined();
    expect(nodesNamed([])).toBeUndefined();
  });

  it("reads partitions from components, grudges or bare component arrays", () => {
    expect(partitionLayout({ components: [["a"], ["b"]] })).toEqual({ grudge: { a: ["b"], b: ["a"] }, components: [["a"], ["b"]] });
    expect(partitionLayout([["a"], ["b"]])).toEqual({ grudge: { a: ["b"], b: ["a"] }, components: [["a"], ["b"]] });
    expect(partitionLayout({ grudge: { a: ["b"] } })).toEqual({ grudge: { a: ["b"] }, components: null });
    expect(partitionLayout("healed")).toBeNull();
    expect(partitionLayout({ grudge: { a: "b" } })).toBeNull();
  });
});

describe("partition sides", () => {
  it("splits clean halves into a majority and a minority side", () => {
    const layout = partitionLayout({ components: [["n1", "n2", "n3"], ["n4", "n5"]] });
    expect(partitionSides(layout!, ["n1", "n2", "n3", "n4", "n5"])).toEqual({
      sides: [
        { nodes: ["n1", "n2", "n3"], majority: true },
        { nodes: ["n4", "n5"], majority: false },
      ],
      majority: { n1: true, n2: true, n3: true, n4: false, n5: false },
    });
  });

  it("sees no majority side in a majorities ring: every node reaches a majority, no two the same one", () => {
    const ring = ["n1", "n2", "n3", "n4", "n5"];
    const grudge: Record<string, string[]> = {};
    ring.forEach((node, i) => (grudge[node] = [ring[(i + 2) % 5], ring[(i + 3) % 5]]));
    const sides = partitionSides({ grudge, components: null }, ring);
    expect(Object.values(sides.majority)).toEqual([false, false, false, false, false]);
    expect(sides.sides).toEqual([{ nodes: ring, majority: false }]);
  });

  it("counts cluster nodes the partition does not mention, which hear everyone (and so bridge the sides: no majority side)", () => {
    const layout = partitionLayout({ components: [["n1"], ["n2"]] });
    const sides = partitionSides(layout!, ["n1", "n2", "n3", "n4", "n5"]);
    expect(sides.sides).toEqual([{ nodes: ["n1", "n2", "n3", "n4", "n5"], majority: false }]);
    expect(sides.majority).toEqual({ n1: false, n2: false, n3: false, n4: false, n5: false });
    const clean = partitionSides(partitionLayout({ components: [["n1", "n2"], ["n3", "n4", "n5"]] })!, ["n1", "n2", "n3", "n4", "n5"]);
    expect(clean.majority).toEqual({ n1: false, n2: false, n3: true, n4: true, n5: true });
    const isolated = partitionSides(partitionLayout({ components: [["n1"], ["n2", "n3", "n4", "n5"]] })!, []);
    expect(isolated.majority.n1).toBe(false);
  });

  it("links nodes only by links that work both ways", () => {
    const sides = partitionSides({ grudge: { n1: ["n2"] }, components: null }, ["n1", "n2", "n3"]);
    // n1 and n2 cannot talk (one way is enough to break a link); n3 links both: one side, not clean.
    expect(sides.sides).toEqual([{ nodes: ["n1", "n2", "n3"], majority: false }]);
    expect(sides.majority).toEqual({ n1: false, n2: false, n3: false });
  });
});
