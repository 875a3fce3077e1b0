// Draws a cycle anomaly as SVG with Graphviz (@viz-js/viz, compiled to WebAssembly). The wasm
// module loads asynchronously, which is why this lives apart from the synchronous, pure check.

import { instance, type Viz } from "@viz-js/viz";
import type { CycleEvidence } from "./explain.ts";
import { show } from "./micro-ops.ts";

let vizPromise: Promise<Viz> | undefined;

const EDGE_COLORS: Readonly<Record<string, string>> = {
  ww: "#1f77b4",
  wr: "#2ca02c",
  rw: "#d62728",
  process: "#7f7f7f",
  realtime: "#9467bd",
  "ww-process": "#1f77b4",
  "rw-process": "#d62728",
  "ww-realtime": "#1f77b4",
  "rw-realtime": "#d62728",
};

function quote(text: string): string {
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

/** Lists longer than this show their first and last elements only; the full ops are in the data. */
const MAX_LISTED = 6;

function showPart(part: unknown): string {
  if (Array.isArray(part) && part.length > MAX_LISTED) {
    const head = part.slice(0, 2).map((v) => show(v));
    const tail = part.slice(-3).map((v) => show(v));
    return `[${head.join(",")},…(${part.length - 5} more)…,${tail.join(",")}]`;
  }
  return show(part);
}

function describeOps(value: unknown): string {
  if (!Array.isArray(value)) return show(value);
  return value.map((mop) => (Array.isArray(mop) ? mop.map(showPart).join(" ") : show(mop))).join("\n");
}

/** The DOT source for a cycle: one node per transaction (name, op index, process, micro-ops), one
 *  labelled, coloured edge per step. */
export function cycleDot(anomaly: CycleEvidence): string {
  const lines = [`digraph ${quote(anomaly.type)} {`, "  rankdir=LR;", '  node [shape=box, fontname="Courier", fontsize=10];', '  edge [fontname="Helvetica", fontsize=10];'];
  for (const op of anomaly.ops) {
    const label = `${op.name} (index ${op.index}, process ${String(op.process)})\n${describeOps(op.value)}`;
    lines.push(`  ${quote(op.name)} [label=${quote(label)}];`);
  }
  for (const step of anomaly.steps) {
    const color = EDGE_COLORS[step.kind] ?? "black";
    const label = step.key === undefined ? step.kind : `${step.kind} ${show(step.key)}`;
    const tooltip = `${step.from} < ${step.to} because ${step.text}`;
    lines.push(`  ${quote(step.from)} -> ${quote(step.to)} [label=${quote(label)}, color=${quote(color)}, fontcolor=${quote(color)}, tooltip=${quote(tooltip)}];`);
  }
  lines.push("}");
  return lines.join("\n");
}

/** Renders a cycle anomaly (an entry of result.anomalies[type] for a cycle type) to SVG. */
export async function renderCycleSvg(anomaly: CycleEvidence): Promise<string> {
  vizPromise ??= instance();
  const viz = await vizPromise;
  return viz.renderString(cycleDot(anomaly), { format: "svg" });
}
