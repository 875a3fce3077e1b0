import { describe, expect, it } from "vitest";
import { mergeWindowsByStart, timelineSvg } from "./timeline-svg.ts";

const window = (label: string, startNs: number, endNs: number, start: number, nodes: string[] | null, fault = label.split(" ")[0]) => ({ label, startNs, endNs, start: { index: start }, nodes, fault });

describe("timeline fault bands", () => {
  it("a whole-cluster kill is one band and one row, naming every node, lasting until the last restart", () => {
    const kill = ["n1", "n2", "n3"].map((node, i) => window(`kill ${node}`, 10, 20 + i, 7, [node]));
    const merged = mergeWindowsByStart([...kill, window("partition n1 | n2,n3", 30, 40, 9, null)]);
    expect(merged.map((w) => [w.label, w.endNs])).toEqual([
      ["kill n1,n2,n3", 22],
      ["partition n1 | n2,n3", 40],
    ]);
  });

  it("labels of bands that start close together go on separate rows instead of over each other", () => {
    const history = [{ index: 0, time: 1e9, process: 0, type: "invoke" as const, f: "read", value: null }];
    const svg = timelineSvg(history, [window("partition n1 | n2,n3,n4,n5", 100, 5e8, 1, null), window("kill n2", 2e6, 3e8, 2, ["n2"])]);
    const rows = [...svg.matchAll(/<text x="[\d.]+" y="([\d.]+)" font-size="9"/g)].map((match) => Number(match[1]));
    expect(rows).toHaveLength(2);
    expect(rows[0]).not.toBe(rows[1]);
  });
});

describe("verdict badge", () => {
  it("an UNKNOWN badge has white text on its brown, not brown on brown", async () => {
    const { BASE_CSS, verdictBadge } = await import("./html.ts");
    expect(verdictBadge("unknown")).toBe('<span class="badge unknown">UNKNOWN</span>');
    expect(BASE_CSS).toMatch(/\.badge\.unknown\{background:#9a6700;color:#fff\}/);
  });
});
