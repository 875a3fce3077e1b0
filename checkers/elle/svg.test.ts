import { describe, expect, it } from "vitest";
import { checkElle, renderCycleSvg } from "./elle.ts";
import type { CycleEvidence } from "./explain.ts";
import { cycleDot } from "./svg.ts";
import { concurrentTxns } from "../../test/support/elle-histories.ts";

const gSingle = () =>
  checkElle(concurrentTxns(["ax1ay1", "ax2ry", "rx12"]), { workload: "list-append", consistencyModels: ["serializable"] }).anomalies[
    "G-single"
  ][0] as CycleEvidence;

describe("cycle SVG", () => {
  it("renders a cycle with one node per transaction and one labelled edge per step", async () => {
    const anomaly = gSingle();
    const svg = await renderCycleSvg(anomaly);
    expect(svg).toMatch(/^<\?xml|^<svg|<svg/);
    expect(svg).toContain("</svg>");
    for (const op of anomaly.ops) expect(svg).toContain(`${op.name} (index ${op.index}, process ${String(op.process)})`);
    expect((svg.match(/class="edge"/g) ?? []).length).toBe(anomaly.steps.length);
    expect(svg).toContain("rw y");
    expect(svg).toContain("ww x");
  });

  it("escapes what DOT would misread", () => {
    const anomaly = gSingle();
    const tricky: CycleEvidence = { ...anomaly, type: 'G-"single"', ops: anomaly.ops.map((op) => ({ ...op, value: [["r", 'k"\\', null]] })) };
    const dot = cycleDot(tricky);
    expect(dot).toContain('digraph "G-\\"single\\""');
    expect(dot).toContain('r \\"k\\\\\\"\\\\\\\\\\" nil');
  });
});
