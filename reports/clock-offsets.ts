// The report's clock-offset plot: each node's wall-clock offset over the run, as the nodes reported
// it after every clock fault op (the clock nemesis asks each node for its time right after setting
// it: nemeses/clock.ts), drawn as steps per node; a strobing node as a band between its two
// offsets until its next clock op. Only values the nodes gave are drawn: a node that did not answer
// (down, paused) is shown at what the nemesis set, dotted.

import type { Op } from "../harness/op.ts";
import { escapeHtml } from "./html.ts";

interface Reading {
  timeS: number;
  node: string;
  offsetMs: number;
  /** The node did not answer; this is what the nemesis set. */
  unobserved: boolean;
  /** A strobe began: the node flips between these two offsets. */
  strobe?: [number, number];
}

const COLORS = ["#0969da", "#cf222e", "#1a7f37", "#8250df", "#bf3989", "#9a6700", "#1b7c83", "#57606a"];
const WIDTH = 900;
const HEIGHT = 260;
const MARGIN = { left: 64, right: 90, top: 14, bottom: 30 };

/** Readings from the clock nemesis's completed ops, in history order. */
export function clockReadings(history: readonly Op[]): Reading[] {
  const readings: Reading[] = [];
  for (const op of history) {
    if (op.process !== "nemesis" || op.type !== "ok" || (op.f !== "clock" && op.f !== "reset-clock")) continue;
    const value = op.value as { set?: Record<string, number>; observed?: Record<string, number | null>; between?: [number, number]; mode?: string } | null;
    if (!value?.set) continue;
    for (const [node, set] of Object.entries(value.set)) {
      const observed = value.observed?.[node];
      const reading: Reading = { timeS: op.time / 1e9, node, offsetMs: typeof observed === "number" ? observed : set, unobserved: typeof observed !== "number" };
      if (value.mode === "strobe" && value.between) reading.strobe = value.between;
      readings.push(reading);
    }
  }
  return readings;
}

/** The section, or "" when the run had no clock faults. */
export function clockOffsetSection(history: readonly Op[]): string {
  const readings = clockReadings(history);
  if (readings.length === 0) return "";
  const endS = history.length ? history[history.length - 1].time / 1e9 : 1;
  const nodes = [...new Set(readings.map((r) => r.node))].sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  const values = readings.flatMap((r) => [r.offsetMs, ...(r.strobe ?? [])]).concat([0]);
  const low = Math.min(...values);
  const high = Math.max(...values);
  const span = high - low || 1;
  const x = (s: number) => MARGIN.left + (s / (endS || 1)) * (WIDTH - MARGIN.left - MARGIN.right);
  const y = (ms: number) => MARGIN.top + (1 - (ms - low) / span) * (HEIGHT - MARGIN.top - MARGIN.bottom);
  const parts: string[] = [];
  // Axes: zero line, time ticks, offset ticks.
  parts.push(`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(0)}" y2="${y(0)}" stroke="#8c959f" stroke-dasharray="2 3"/>`);
  for (let i = 0; i <= 5; i++) {
    const s = (endS * i) / 5;
    parts.push(`<text x="${x(s)}" y="${HEIGHT - 10}" font-size="11" text-anchor="middle" fill="#57606a">${s.toFixed(0)} s</text>`);
    const ms = low + (span * i) / 5;
    parts.push(`<text x="${MARGIN.left - 6}" y="${y(ms) + 4}" font-size="11" text-anchor="end" fill="#57606a">${formatMs(ms)}</text>`);
  }
  nodes.forEach((node, index) => {
    const color = COLORS[index % COLORS.length];
    const mine = readings.filter((r) => r.node === node);
    // Before its first clock op a node's clock was right.
    let previous = { timeS: 0, offsetMs: 0 };
    const path: string[] = [`M${x(0)},${y(0)}`];
    for (const reading of mine) {
      path.push(`H${x(reading.timeS)}`, `V${y(reading.offsetMs)}`);
      previous = reading;
    }
    path.push(`H${x(endS)}`);
    parts.push(`<path d="${path.join(" ")}" fill="none" stroke="${color}" stroke-width="2"/>`);
    mine.forEach((reading, i) => {
      if (reading.unobserved) parts.push(`<circle cx="${x(reading.timeS)}" cy="${y(reading.offsetMs)}" r="3" fill="#fff" stroke="${color}"><title>${escapeHtml(`${node} did not answer at ${reading.timeS.toFixed(2)} s; the nemesis set ${formatMs(reading.offsetMs)}`)}</title></circle>`);
      if (reading.strobe) {
        const until = mine[i + 1]?.timeS ?? endS;
        const [a, b] = reading.strobe;
        parts.push(
          `<rect x="${x(reading.timeS)}" y="${y(Math.max(a, b))}" width="${Math.max(1, x(until) - x(reading.timeS))}" height="${Math.max(1, Math.abs(y(a) - y(b)))}" fill="${color}" fill-opacity="0.18" stroke="${color}" stroke-dasharray="3 2"><title>${escapeHtml(`${node} strobing between ${formatMs(a)} and ${formatMs(b)}`)}</title></rect>`,
        );
      }
    });
    parts.push(`<text x="${WIDTH - MARGIN.right + 6}" y="${y(previous.offsetMs) + 4}" font-size="12" fill="${color}">${escapeHtml(node)}</text>`);
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="clock offset per node">${parts.join("")}</svg>`;
  const unanswered = readings.filter((r) => r.unobserved).length;
  return `<h2>Clock offsets</h2>
<p class="meta">Each node's wall clock minus real time, as the node reported it (its own TIME) right after each clock fault op; shaded bands: a node strobing between two offsets. ${readings.length} readings${unanswered ? `, ${unanswered} of them from nodes that did not answer (drawn hollow, at the offset set)` : ""}.</p>
<div class="svgbox" id="clock-offsets">${svg}</div>`;
}

function formatMs(ms: number): string {
  return Math.abs(ms) >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}
