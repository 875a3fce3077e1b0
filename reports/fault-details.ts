// What the link and disk faults of a run really did, from their own ops' values: per link fault,
// what was asked and what the runtime's counters saw on the traffic (nemeses/link.ts); per disk
// fault, the damage, what the node had to do about it and what it did, in its own words
// (nemeses/disk.ts). A fault asked for but not seen on the wire says so here.

import type { Op } from "../harness/op.ts";
import type { LinkObservation } from "../nemeses/link.ts";
import { escapeHtml, raw, table } from "./html.ts";

interface LinkStart {
  mode: string;
  scope?: string;
  links: string[];
  faults: Record<string, number>;
  runtime?: string;
}

function completions(history: readonly Op[], fs: readonly string[]): Op[] {
  return history.filter((op) => op.process === "nemesis" && op.type === "ok" && fs.includes(op.f));
}

function share(rate: number | null): string {
  return rate === null ? "–" : `${(rate * 100).toFixed(1)}%`;
}

/** "drop 30%", "delay 40 ms + ≤40 ms", … as asked. */
function asked(faults: Record<string, number>): string {
  const parts: string[] = [];
  if (faults.dropFraction) parts.push(`drop ${share(faults.dropFraction)}`);
  if (faults.delayMs || faults.jitterMs) parts.push(`delay ${faults.delayMs ?? 0} ms + ≤${faults.jitterMs ?? 0} ms`);
  if (faults.duplicateFraction) parts.push(`duplicate ${share(faults.duplicateFraction)}`);
  if (faults.reorderFraction) parts.push(`reorder ${share(faults.reorderFraction)}`);
  return parts.join(", ") || "nothing";
}

function seen(observed: LinkObservation | undefined): string {
  if (!observed) return "not observed (the fault was never stopped by its own op)";
  const parts = [`${observed.received} ${observed.unit} received`];
  if (observed.dropped) parts.push(`${observed.dropped} dropped (${share(observed.dropRate)})`);
  if (observed.duplicated) parts.push(`${observed.duplicated} duplicated (${share(observed.duplicateRate)})`);
  if (observed.heldBack) parts.push(`${observed.heldBack} reordered (${share(observed.heldBackRate)})`);
  if (observed.delayed) parts.push(`${observed.delayed} delayed, mean ${observed.meanDelayMs} ms, max ${observed.maxDelayMs} ms`);
  if (parts.length === 1) parts.push("nothing dropped, duplicated, reordered or delayed");
  return parts.join("; ");
}

function linkRows(history: readonly Op[]): unknown[][] {
  const rows: unknown[][] = [];
  let open: { op: Op; start: LinkStart } | undefined;
  for (const op of completions(history, ["start-link", "stop-link"])) {
    if (op.f === "start-link") {
      if (open) rows.push(linkRow(open.op, open.start, undefined));
      open = { op, start: op.value as LinkStart };
    } else if (open) {
      rows.push(linkRow(open.op, open.start, (op.value as { observed?: LinkObservation }).observed, op));
      open = undefined;
    }
  }
  if (open) rows.push(linkRow(open.op, open.start, undefined));
  return rows;
}

function linkRow(start: Op, value: LinkStart, observed: LinkObservation | undefined, stop?: Op): unknown[] {
  const when = `${(start.time / 1e9).toFixed(1)}–${stop ? (stop.time / 1e9).toFixed(1) : "end"} s`;
  return [when, value.mode, `${value.scope ?? ""}: ${value.links.join(" ")}`, `${asked(value.faults)}${value.runtime ? ` (${value.runtime})` : ""}`, seen(observed)];
}

interface DiskValue {
  node: string;
  mode: string;
  damage?: string;
  note?: string;
  expected?: string;
  observed: string;
  said: string;
  detected?: boolean;
}

function diskRows(history: readonly Op[]): unknown[][] {
  return completions(history, ["corrupt-disk"]).map((op) => {
    const value = op.value as DiskValue;
    const verdict = value.detected === undefined ? "–" : value.detected ? "as it must" : "NOT as it must";
    return [`${(op.time / 1e9).toFixed(1)} s`, value.node, value.mode, value.damage ?? value.note ?? "", value.expected ?? "–", raw(`<strong>${escapeHtml(value.observed)}</strong> (${escapeHtml(verdict)})`), value.said];
  });
}

/** The section, or "" when the run had neither link nor disk faults. */
export function faultDetailsSection(history: readonly Op[]): string {
  const links = linkRows(history);
  const disks = diskRows(history);
  if (links.length === 0 && disks.length === 0) return "";
  const parts = ["<h2>Link and disk faults, as observed</h2>"];
  if (links.length > 0) {
    parts.push(`<p class="meta">Each link fault as asked and as the runtime's counters saw it on the traffic (frames through the fault proxy; packets through the containers' firewalls, where TCP resends what is dropped).</p>`);
    parts.push(table(["when", "mode", "links", "asked", "observed on the wire"], links));
  }
  if (disks.length > 0) {
    parts.push(`<p class="meta">Each disk fault: the damage done to a stopped node's write-ahead log, what the node had to do (refuse to start on damage to what it had fsynced, cut a torn unsynced tail), and what it did, in its own words.</p>`);
    parts.push(table(["when", "node", "mode", "damage", "must", "did", "the node said"], disks));
  }
  return parts.join("\n");
}
