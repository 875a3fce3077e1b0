// The report's membership over time: who was in the cluster's configuration when, as the nodes
// themselves reported it after each membership op (nemeses/member.ts asks them): one row per node,
// a bar while it was a member, and each change marked where it happened.

import type { Op } from "../harness/op.ts";
import { escapeHtml } from "./html.ts";

interface Change {
  timeS: number;
  members: string[];
  /** What the op did, in words. */
  what: string;
}

const WIDTH = 900;
const ROW = 22;
const LEFT = 60;
const RIGHT = 20;

/** Membership after each completed member op, in history order. */
export function membershipChanges(history: readonly Op[]): Change[] {
  const changes: Change[] = [];
  for (const op of history) {
    if (op.process !== "nemesis" || op.type !== "ok" || (op.f !== "remove-member" && op.f !== "add-member")) continue;
    const value = op.value as { members?: unknown; node?: string; nodes?: string[]; note?: string } | null;
    if (!Array.isArray(value?.members) || !value.members.every((member) => typeof member === "string")) continue;
    const what = op.f === "remove-member" ? (value.node ? `${value.node} removed` : (value.note ?? "nothing removed")) : value.nodes?.length ? `${value.nodes.join(", ")} added` : "nothing to add";
    changes.push({ timeS: op.time / 1e9, members: [...(value.members as string[])].sort(), what });
  }
  return changes;
}

/** The section, or "" when the run changed no membership. */
export function membershipSection(history: readonly Op[]): string {
  const changes = membershipChanges(history);
  if (changes.length === 0) return "";
  const endS = history.length ? history[history.length - 1].time / 1e9 : 1;
  // Before the first change the cluster was the first report plus whoever that op removed.
  const firstRemoved = history.find((op) => op.process === "nemesis" && op.type === "ok" && op.f === "remove-member" && typeof (op.value as { node?: unknown })?.node === "string");
  const initial = [...new Set([...changes[0].members, ...(changes[0].what.endsWith(" removed") && firstRemoved ? [(firstRemoved.value as { node: string }).node] : [])])].sort();
  const nodes = [...new Set([...initial, ...changes.flatMap((change) => change.members)])].sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  const x = (s: number) => LEFT + (s / (endS || 1)) * (WIDTH - LEFT - RIGHT);
  const height = nodes.length * ROW + 30;
  const parts: string[] = [];
  const steps = [{ timeS: 0, members: initial, what: "start" }, ...changes];
  nodes.forEach((node, row) => {
    const y = row * ROW + 4;
    parts.push(`<text x="${LEFT - 8}" y="${y + 14}" font-size="12" text-anchor="end" fill="#1b1f24">${escapeHtml(node)}</text>`);
    steps.forEach((step, i) => {
      if (!step.members.includes(node)) return;
      const until = steps[i + 1]?.timeS ?? endS;
      parts.push(`<rect x="${x(step.timeS)}" y="${y}" width="${Math.max(1, x(until) - x(step.timeS))}" height="${ROW - 6}" fill="#1a7f37" fill-opacity="0.75"><title>${escapeHtml(`${node} a member from ${step.timeS.toFixed(2)} s to ${until.toFixed(2)} s`)}</title></rect>`);
    });
  });
  for (const change of changes) {
    parts.push(`<line x1="${x(change.timeS)}" x2="${x(change.timeS)}" y1="0" y2="${nodes.length * ROW}" stroke="#57606a" stroke-dasharray="2 2"><title>${escapeHtml(`${change.timeS.toFixed(2)} s: ${change.what}; members ${change.members.join(", ")}`)}</title></line>`);
  }
  for (let i = 0; i <= 5; i++) parts.push(`<text x="${x((endS * i) / 5)}" y="${height - 8}" font-size="11" text-anchor="middle" fill="#57606a">${((endS * i) / 5).toFixed(0)} s</text>`);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="cluster membership over time">${parts.join("")}</svg>`;
  const rows = changes.map((change) => `<li>${change.timeS.toFixed(2)} s: ${escapeHtml(change.what)} — members ${escapeHtml(change.members.join(", "))}</li>`).join("");
  return `<h2>Membership</h2>
<p class="meta">Who was in the cluster's configuration, as the nodes reported it after each membership change (a bar: a member).</p>
<div class="svgbox" id="membership">${svg}</div>
<ul class="membership-changes">${rows}</ul>`;
}
