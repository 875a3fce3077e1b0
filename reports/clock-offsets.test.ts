import { describe, expect, it } from "vitest";
import type { Op } from "../harness/op.ts";
import { clockOffsetSection, clockReadings } from "./clock-offsets.ts";
import { faultDetailsSection } from "./fault-details.ts";

let index = 0;
const op = (time: number, type: Op["type"], f: string, value: unknown): Op => ({ index: index++, time: time * 1e9, process: "nemesis", type, f, value });

const history: Op[] = [
  op(1, "invoke", "clock", "offset"),
  op(1.1, "ok", "clock", { mode: "offset", nodes: ["n1", "n3"], set: { n1: 1200, n3: -800 }, observed: { n1: 1198.5, n3: null } }),
  op(3, "invoke", "clock", "strobe"),
  op(3.1, "ok", "clock", { mode: "strobe", nodes: ["n2"], set: { n2: 2500 }, between: [0, 2500], observed: { n2: 2499 } }),
  op(5, "invoke", "reset-clock", null),
  op(5.1, "ok", "reset-clock", { mode: "reset", set: { n1: 0, n2: 0, n3: 0 }, observed: { n1: 0.5, n2: -0.5, n3: 1 } }),
  op(6, "invoke", "start-link", "drop"),
  op(6.1, "ok", "start-link", { mode: "drop", scope: "all links", links: ["n1>n2"], faults: { dropFraction: 0.3 }, runtime: "local" }),
  op(8, "invoke", "stop-link", null),
  op(8.1, "ok", "stop-link", { mode: "drop", links: ["n1>n2"], observed: { unit: "frames", received: 1000, dropped: 297, duplicated: 0, heldBack: 0, delayed: 0, dropRate: 0.297, duplicateRate: 0, heldBackRate: 0, meanDelayMs: null, maxDelayMs: null } }),
  op(9, "invoke", "corrupt-disk", "bitflip"),
  op(9.5, "ok", "corrupt-disk", { node: "n2", mode: "bitflip", damage: "flipped bit 3 of byte 812", expected: "refused", observed: "refused", said: "WAL recovery: … Refusing to start <now>", detected: true }),
];

describe("clock offsets and fault details in the report", () => {
  it("takes what the nodes reported, and what was set where a node did not answer", () => {
    const readings = clockReadings(history);
    expect(readings.map((r) => [r.node, r.offsetMs, r.unobserved])).toEqual([
      ["n1", 1198.5, false],
      ["n3", -800, true],
      ["n2", 2499, false],
      ["n1", 0.5, false],
      ["n2", -0.5, false],
      ["n3", 1, false],
    ]);
    expect(readings[2].strobe).toEqual([0, 2500]);
  });

  it("draws one line per node, the strobe as a band, and nothing without clock faults", () => {
    const html = clockOffsetSection(history);
    expect(html).toContain("<h2>Clock offsets</h2>");
    expect(html.match(/<path /g)).toHaveLength(3);
    expect(html).toContain("n2 strobing between 0 ms and 2.5 s");
    expect(html).toContain("1 of them from nodes that did not answer");
    expect(clockOffsetSection(history.slice(6))).toBe("");
  });

  it("tabulates each link fault as asked and as seen, and each disk fault with the node's own words, escaped", () => {
    const html = faultDetailsSection(history);
    expect(html).toContain("drop 30.0% (local)");
    expect(html).toContain("1000 frames received; 297 dropped (29.7%)");
    expect(html).toContain("<strong>refused</strong> (as it must)");
    expect(html).toContain("Refusing to start &lt;now&gt;");
    expect(faultDetailsSection(history.slice(0, 6))).toBe("");
  });
});

describe("membership over time in the report", () => {
  it("draws each node's membership from what the member ops report, and each change", async () => {
    const { membershipChanges, membershipSection } = await import("./membership.ts");
    let at = 0;
    const member = (time: number, f: string, value: unknown): Op[] => [
      { index: at++, time: time * 1e9, process: "nemesis", type: "invoke", f, value: null },
      { index: at++, time: time * 1e9 + 1, process: "nemesis", type: "ok", f, value },
    ];
    const ops = [
      ...member(2, "remove-member", { mode: "remove", node: "n2", members: ["n1", "n3", "n4"] }),
      ...member(5, "add-member", { nodes: ["n2"], members: ["n1", "n2", "n3", "n4"] }),
    ];
    expect(membershipChanges(ops).map((change) => [change.what, change.members.join(",")])).toEqual([
      ["n2 removed", "n1,n3,n4"],
      ["n2 added", "n1,n2,n3,n4"],
    ]);
    const html = membershipSection(ops);
    expect(html).toContain("<h2>Membership</h2>");
    // n2: a member from the start until its removal, and again after it was added; others throughout.
    expect(html.match(/n2 a member from/g)).toHaveLength(2);
    expect(html.match(/n1 a member from/g)).toHaveLength(3);
    expect(membershipSection(history)).toBe("");
  });
});
