// Jepsen's perf graphs, drawn by Vega: latency over time (a point per completed client op at its
// invocation time, coloured by outcome, with p50/p95/p99/max lines over time buckets) and
// throughput over time by outcome, fault windows shaded on both. The specs are written in
// Vega-Lite and compiled to Vega here, in Node, so the page carries only the Vega runtime
// (vega-runtime.ts). The latency points are not in the spec: the page fills the named data set
// "points" from the packed ops (page-data.ts) it already has for the timeline.

import { compile, type TopLevelSpec } from "vega-lite";
import type { FaultBand } from "./fault-bands.ts";
import { OUTCOMES, type PageData } from "./page-data.ts";

export const OUTCOME_COLORS: Record<string, string> = { ok: "#1a7f37", fail: "#cf222e", info: "#d4a72c", open: "#8c959f" };
export const FAULT_COLORS = ["#0969da", "#8250df", "#bf3989", "#1b7c83", "#953800", "#57606a"];

/** Buckets over the run for quantile lines and rates. */
const BUCKETS = 100;
const QUANTILES: [string, number][] = [
  ["p50", 0.5],
  ["p95", 0.95],
  ["p99", 0.99],
  ["max", 1],
];
/** Points the latency plot draws at most (the page samples ok ops beyond it, keeping every fail
 *  and info op first): Vega draws 20,000 in well under a second, 100,000 in several. */
export const MAX_PLOTTED_POINTS = 10_000;
/** Latencies below this are drawn at it: the axis is logarithmic. */
export const MIN_LATENCY_MS = 0.01;

export interface PerfSeries {
  bucketS: number;
  quantiles: { t: number; q: string; ms: number }[];
  rate: { t: number; outcome: string; f: string; rate: number }[];
}

export function niceStep(raw: number): number {
  if (!(raw > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * magnitude >= raw) return m * magnitude;
  return 10 * magnitude;
}

/** Quantile lines (over ok ops, by invocation bucket) and completions per second (by completion
 *  bucket, per outcome and f) from the packed client ops. */
export function perfSeries(data: PageData): PerfSeries {
  const bucketS = niceStep(Math.max(data.endS, 1e-3) / BUCKETS);
  const buckets = Math.max(1, Math.ceil(data.endS / bucketS + 1e-9));
  const latencies: number[][] = Array.from({ length: buckets }, () => []);
  const counts = new Map<string, number[]>();
  const nemesisRow = data.procs.indexOf("nemesis");
  const { ops } = data;
  let startUs = 0;
  for (let i = 0; i < ops.p.length; i++) {
    startUs += ops.s[i];
    if (ops.p[i] === nemesisRow || ops.d[i] < 0) continue;
    const outcome = OUTCOMES[ops.o[i]];
    const ms = ops.d[i] / 1000;
    if (outcome === "ok") latencies[Math.min(buckets - 1, Math.floor(startUs / 1e6 / bucketS))].push(ms);
    const key = `${outcome}\u0000${data.fs[ops.f[i]]}`;
    let list = counts.get(key);
    if (!list) counts.set(key, (list = new Array<number>(buckets).fill(0)));
    list[Math.min(buckets - 1, Math.floor((startUs + ops.d[i]) / 1e6 / bucketS))]++;
  }
  const quantiles: PerfSeries["quantiles"] = [];
  latencies.forEach((list, b) => {
    if (list.length === 0) return;
    list.sort((x, y) => x - y);
    for (const [q, at] of QUANTILES) quantiles.push({ t: b * bucketS, q, ms: Math.max(MIN_LATENCY_MS, list[Math.min(list.length - 1, Math.floor(at * list.length))]) });
  });
  const rate: PerfSeries["rate"] = [];
  for (const [key, list] of [...counts.entries()].sort()) {
    const [outcome, f] = key.split("\u0000");
    list.forEach((count, b) => rate.push({ t: b * bucketS, outcome, f, rate: count / bucketS }));
  }
  return { bucketS, quantiles, rate };
}

type Band = Pick<FaultBand, "kind" | "label" | "detail" | "startS" | "endS">;

function bandLayer(bands: readonly Band[], endS: number) {
  const kinds = [...new Set(bands.map((band) => band.kind))];
  return {
    data: { values: bands.map(({ kind, label, detail, startS, endS: stop }) => ({ kind, label, detail, startS, endS: Math.max(stop, startS + endS / 2000) })) },
    mark: { type: "rect" as const, opacity: 0.14 },
    encoding: {
      x: { field: "startS", type: "quantitative" as const, scale: { domain: [0, endS], nice: false, zero: true }, title: "time since start (s)" },
      x2: { field: "endS" },
      fill: { field: "kind", type: "nominal" as const, scale: { domain: kinds.length ? kinds : ["none"], range: FAULT_COLORS }, legend: { title: "fault" } },
      tooltip: [
        { field: "label", type: "nominal" as const, title: "fault" },
        { field: "detail", type: "nominal" as const, title: "detail" },
      ],
    },
  };
}

const outcomeScale = { domain: ["ok", "fail", "info"], range: [OUTCOME_COLORS.ok, OUTCOME_COLORS.fail, OUTCOME_COLORS.info] };

export function latencySpec(series: PerfSeries, bands: readonly Band[], endS: number, fs: readonly string[]): TopLevelSpec {
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    width: "container",
    height: 280,
    autosize: { type: "fit-x", contains: "padding" },
    layer: [
      bandLayer(bands, endS),
      {
        data: { name: "points" },
        mark: { type: "point", filled: true, size: 10, opacity: 0.55 },
        encoding: {
          x: { field: "t", type: "quantitative" },
          y: { field: "ms", type: "quantitative", scale: { type: "log" }, title: "latency (ms)", axis: { grid: true } },
          color: { field: "outcome", type: "nominal", scale: outcomeScale, legend: { title: "outcome" } },
          shape: fs.length > 1 && fs.length <= 6 ? { field: "f", type: "nominal", legend: { title: "f" } } : { value: "circle" },
          tooltip: [
            { field: "op", type: "nominal", title: "op" },
            { field: "f", type: "nominal" },
            { field: "outcome", type: "nominal" },
            { field: "ms", type: "quantitative", title: "latency (ms)", format: ".2f" },
            { field: "t", type: "quantitative", title: "invoked (s)", format: ".3f" },
          ],
        },
      },
      {
        data: { values: series.quantiles },
        mark: { type: "line", strokeWidth: 1.6, interpolate: "step-after" },
        encoding: {
          x: { field: "t", type: "quantitative" },
          y: { field: "ms", type: "quantitative" },
          stroke: { field: "q", type: "nominal", scale: { domain: QUANTILES.map(([q]) => q), range: ["#24292f", "#6e7781", "#0550ae", "#8250df"] }, legend: { title: "quantile (ok ops)" } },
        },
      },
    ],
  } as TopLevelSpec;
}

export function throughputSpec(series: PerfSeries, bands: readonly Band[], endS: number, fs: readonly string[]): TopLevelSpec {
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    width: "container",
    height: 220,
    autosize: { type: "fit-x", contains: "padding" },
    layer: [
      bandLayer(bands, endS),
      {
        data: { values: series.rate },
        mark: { type: "line", strokeWidth: 1.4, interpolate: "step-after" },
        encoding: {
          x: { field: "t", type: "quantitative" },
          y: { field: "rate", type: "quantitative", title: `completions per second (${+series.bucketS.toPrecision(6)} s buckets)` },
          color: { field: "outcome", type: "nominal", scale: outcomeScale, legend: { title: "outcome" } },
          detail: { field: "f", type: "nominal" },
          strokeDash: fs.length > 1 && fs.length <= 6 ? { field: "f", type: "nominal", legend: { title: "f" } } : { value: [1, 0] },
          tooltip: [
            { field: "outcome", type: "nominal" },
            { field: "f", type: "nominal" },
            { field: "rate", type: "quantitative", format: ".1f", title: "per second" },
            { field: "t", type: "quantitative", format: ".2f", title: "time (s)" },
          ],
        },
      },
    ],
  } as TopLevelSpec;
}

/** Both plots as Vega specs, ready for `new vega.View(vega.parse(spec))` in the page. */
export function perfPlots(data: PageData, bands: readonly Band[]): { latency: object; throughput: object } {
  const series = perfSeries(data);
  const endS = Math.max(data.endS, 1e-3);
  const clientFs = [...new Set(series.rate.map((row) => row.f))];
  return { latency: compile(latencySpec(series, bands, endS, clientFs)).spec, throughput: compile(throughputSpec(series, bands, endS, clientFs)).spec };
}
