import { describe, expect, it } from "vitest";
import { reportHistory } from "../test/support/report-history.ts";
import { packHistory } from "./page-data.ts";
import { perfPlots, perfSeries } from "./perf-plots.ts";

describe("perf plots", () => {
  const data = packHistory(reportHistory({ ops: 2000, seed: 5 }));

  it("rates add up to the completed client ops, and quantiles are ordered", () => {
    const series = perfSeries(data);
    const completed = data.ops.d.filter((d, i) => d >= 0 && data.procs[data.ops.p[i]] !== "nemesis").length;
    expect(series.rate.reduce((sum, row) => sum + row.rate * series.bucketS, 0)).toBeCloseTo(completed, 6);
    const byT = new Map<number, Record<string, number>>();
    for (const row of series.quantiles) byT.set(row.t, { ...byT.get(row.t), [row.q]: row.ms });
    for (const q of byT.values()) expect(q.p50 <= q.p95 && q.p95 <= q.p99 && q.p99 <= q.max).toBe(true);
  });

  it("compiles to Vega specs with the points left for the page and fault bands shaded", () => {
    const plots = perfPlots(data, [{ kind: "partition", label: "partition n1 | n2,n3", detail: "d", startS: 0.1, endS: 0.2 }]) as { latency: { data: { name: string; values?: unknown[] }[]; marks: unknown[] }; throughput: object };
    const points = plots.latency.data.find((set) => set.name === "points");
    expect(points).toBeDefined();
    expect(points?.values).toBeUndefined();
    expect(JSON.stringify(plots.latency)).toContain('"type":"log"');
    expect(JSON.stringify(plots.throughput)).toContain("partition n1 | n2,n3");
  });
});
