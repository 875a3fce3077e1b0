// Latency over time (Jepsen's latency-raw plot): one dot per completed client op at its
// invocation time, height = latency on a log scale, colour = outcome; fault windows shaded.

import type { Op } from "../harness/op.ts";
import { escapeHtml } from "./html.ts";

export interface Window {
  label: string;
  startNs: number;
  endNs: number;
  /** The nemesis op that started it: windows one op opened (a whole-cluster kill) are one band. */
  start?: { index: number };
}

/** Windows one fault op opened (one per node it killed or paused) merged into one, its label
 *  naming every node: "kill n1,n2,n3,n4,n5", not five bands or rows. The merged window is the
 *  longest of them (its end and its statistics: the fault lasted until the last node came back). */
export function mergeWindowsByStart<W extends Window & { nodes?: string[] | null; fault?: string }>(windows: readonly W[]): W[] {
  const groups: W[][] = [];
  const byStart = new Map<number, W[]>();
  for (const window of windows) {
    const index = window.start?.index;
    const group = index === undefined || !window.nodes ? undefined : byStart.get(index);
    if (group) group.push(window);
    else {
      const fresh = [window];
      groups.push(fresh);
      if (index !== undefined && window.nodes) byStart.set(index, fresh);
    }
  }
  return groups.map((group) => {
    if (group.length === 1) return group[0];
    const longest = group.reduce((a, b) => (b.endNs > a.endNs ? b : a));
    const nodes = group.flatMap((window) => window.nodes ?? []);
    return { ...longest, nodes, label: `${longest.fault ?? longest.label.split(" ")[0]} ${nodes.join(",")}` };
  });
}

/** Height of one row of band labels. */
const LABEL_ROW_PX = 11;
/** Rough width of a 9px label character, for keeping labels from running into each other. */
const LABEL_CHAR_PX = 5;

const WIDTH = 1100;
const HEIGHT = 320;
const PAD = { left: 56, right: 12, top: 12, bottom: 34 };
const COLORS: Record<string, string> = { ok: "#1a7f37", fail: "#cf222e", info: "#d4a72c" };
const FAULT_COLORS = ["#0969da", "#8250df", "#bf3989", "#1b7c83", "#953800"];
/** Beyond this many dots the SVG gets slow to open; we keep an even sample and every non-ok op. */
const MAX_DOTS = 20_000;

export function timelineSvg(history: readonly Op[], allWindows: readonly Window[]): string {
  const windows = mergeWindowsByStart(allWindows);
  const points: { t: number; latencyMs: number; type: string; f: string }[] = [];
  const open = new Map<unknown, Op>();
  let endNs = 1;
  for (const op of history) {
    endNs = Math.max(endNs, op.time);
    if (op.process === "nemesis") continue;
    if (op.type === "invoke") open.set(op.process, op);
    else {
      const invoke = open.get(op.process);
      open.delete(op.process);
      if (invoke) points.push({ t: invoke.time, latencyMs: Math.max(0.01, (op.time - invoke.time) / 1e6), type: op.type, f: op.f });
    }
  }
  for (const w of windows) endNs = Math.max(endNs, w.startNs);

  const sampled = points.length <= MAX_DOTS ? points : points.filter((p, i) => p.type !== "ok" || i % Math.ceil(points.length / MAX_DOTS) === 0);
  const maxLatency = Math.max(10, ...sampled.map((p) => p.latencyMs));
  const minLog = Math.log10(0.1);
  const maxLog = Math.log10(maxLatency * 1.2);
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const x = (ns: number) => PAD.left + (ns / endNs) * plotW;
  const y = (ms: number) => PAD.top + plotH - ((Math.log10(Math.max(ms, 0.1)) - minLog) / (maxLog - minLog)) * plotH;

  const parts: string[] = [];
  const faultNames = [...new Set(windows.map((w) => w.label.split(" ")[0]))];
  // Each label takes the first row where it does not run into the label before it.
  const rowEnds: number[] = [];
  windows.forEach((w) => {
    const color = FAULT_COLORS[faultNames.indexOf(w.label.split(" ")[0]) % FAULT_COLORS.length];
    const x0 = x(w.startNs);
    const x1 = x(Math.min(w.endNs, endNs));
    parts.push(`<rect x="${x0.toFixed(1)}" y="${PAD.top}" width="${Math.max(1, x1 - x0).toFixed(1)}" height="${plotH}" fill="${color}" opacity="0.12"><title>${escapeHtml(w.label)} ${(w.startNs / 1e9).toFixed(1)}s–${(w.endNs / 1e9).toFixed(1)}s</title></rect>`);
    let row = rowEnds.findIndex((end) => end < x0);
    if (row < 0) row = rowEnds.length;
    rowEnds[row] = x0 + 2 + w.label.length * LABEL_CHAR_PX;
    parts.push(`<text x="${(x0 + 2).toFixed(1)}" y="${PAD.top + 10 + row * LABEL_ROW_PX}" font-size="9" fill="${color}">${escapeHtml(w.label)}</text>`);
  });
  for (const p of sampled) {
    parts.push(`<circle cx="${x(p.t).toFixed(1)}" cy="${y(p.latencyMs).toFixed(1)}" r="1.8" fill="${COLORS[p.type] ?? "#57606a"}" opacity="0.7"/>`);
  }
  // Axes: seconds along the bottom, log-scaled milliseconds up the side.
  const axis: string[] = [`<line x1="${PAD.left}" y1="${PAD.top + plotH}" x2="${WIDTH - PAD.right}" y2="${PAD.top + plotH}" stroke="#57606a"/>`, `<line x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${PAD.top + plotH}" stroke="#57606a"/>`];
  const seconds = endNs / 1e9;
  const step = niceStep(seconds / 10);
  for (let s = 0; s <= seconds; s += step) {
    axis.push(`<text x="${x(s * 1e9).toFixed(1)}" y="${HEIGHT - 18}" font-size="10" text-anchor="middle" fill="#57606a">${+s.toFixed(2)}s</text>`);
  }
  for (const ms of [0.1, 1, 10, 100, 1000, 10000, 100000]) {
    if (Math.log10(ms) > maxLog) break;
    axis.push(`<text x="${PAD.left - 4}" y="${(y(ms) + 3).toFixed(1)}" font-size="10" text-anchor="end" fill="#57606a">${ms >= 1000 ? `${ms / 1000}s` : `${ms}ms`}</text>`);
    axis.push(`<line x1="${PAD.left}" y1="${y(ms).toFixed(1)}" x2="${WIDTH - PAD.right}" y2="${y(ms).toFixed(1)}" stroke="#eef1f4"/>`);
  }
  const legend = Object.entries(COLORS)
    .map(([type, color], i) => `<circle cx="${PAD.left + 10 + i * 60}" cy="${HEIGHT - 5}" r="4" fill="${color}"/><text x="${PAD.left + 18 + i * 60}" y="${HEIGHT - 2}" font-size="10">${type}</text>`)
    .join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="100%" role="img" aria-label="latency over time">${axis.join("")}${parts.join("")}${legend}</svg>`;
}

function niceStep(raw: number): number {
  if (raw <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * magnitude >= raw) return m * magnitude;
  return 10 * magnitude;
}
