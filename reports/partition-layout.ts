// A partition as the nemesis laid it out, in words and as a small drawing: which nodes could still
// talk to which. A clean split is "n1,n2 | n3,n4,n5"; a bridge or a majorities ring is not a split
// at all (every node links to some others, the links overlap), and naming all five nodes as one
// side would hide exactly what the fault was. Reads the layout (grudge, and components when the
// nemesis gave them) that checkers/fault-windows.ts carries on each partition window.

import type { PartitionLayout } from "../checkers/fault-windows.ts";
import { escapeHtml } from "./html.ts";

export type PartitionShape = "split" | "bridge" | "ring" | "overlapping";

export interface PartitionDescription {
  shape: PartitionShape;
  /** Short, for plot bands: "n1,n2 | n3,n4,n5", "bridge n3 joins n1,n2 | n4,n5", "ring n1-n2-n3-n4-n5". */
  label: string;
  /** One sentence for a reader: who can talk to whom. */
  detail: string;
  /** Node → the nodes it exchanges messages with both ways (itself excluded). */
  links: Record<string, string[]>;
  /** Directed cuts that go one way only: [a, b] means a cannot hear b, but b hears a. */
  oneWay: [string, string][];
  /** Nodes that exchange messages both ways with a majority, themselves included. */
  majority: string[];
}

const byName = (a: string, b: string) => a.localeCompare(b, "en", { numeric: true });

export function describePartition(layout: PartitionLayout, clusterNodes: readonly string[] = []): PartitionDescription {
  const { grudge } = layout;
  const nodes = [...new Set([...clusterNodes, ...Object.keys(grudge), ...Object.values(grudge).flat()])].sort(byName);
  const hears = (a: string, b: string) => !(grudge[a] ?? []).includes(b);
  const linked = (a: string, b: string) => a !== b && hears(a, b) && hears(b, a);
  const links: Record<string, string[]> = {};
  for (const node of nodes) links[node] = nodes.filter((other) => linked(node, other));
  const oneWay: [string, string][] = [];
  for (const a of nodes) for (const b of nodes) if (a !== b && !hears(a, b) && hears(b, a)) oneWay.push([a, b]);
  const majority = nodes.filter((node) => (links[node].length + 1) * 2 > nodes.length);
  const oneWayText = oneWay.length ? `; one-way: ${oneWay.map(([a, b]) => `${a} cannot hear ${b}`).join(", ")}` : "";
  const base = { links, oneWay, majority };

  const split = cleanGroups(nodes, links);
  if (split) {
    const label = split.map((group) => group.join(",")).join(" | ");
    const sides = split.map((group) => `${group.join(", ")}${group.length * 2 > nodes.length ? " (a majority)" : ""}`);
    return { shape: "split", label, detail: `Cut into ${split.length} sides that cannot reach each other: ${sides.join(" | ")}${oneWayText}.`, ...base };
  }
  // A bridge: one node linked to every other, and without it the rest fall apart cleanly.
  for (const bridge of nodes) {
    if (links[bridge].length !== nodes.length - 1) continue;
    const rest = nodes.filter((node) => node !== bridge);
    const restLinks: Record<string, string[]> = {};
    for (const node of rest) restLinks[node] = links[node].filter((other) => other !== bridge);
    const groups = cleanGroups(rest, restLinks);
    if (groups && groups.length > 1) {
      const halves = groups.map((group) => group.join(",")).join(" | ");
      return { shape: "bridge", label: `bridge ${bridge} joins ${halves}`, detail: `${groups.map((group) => group.join(", ")).join(" and ")} cannot reach each other; only ${bridge} talks to both${oneWayText}.`, ...base };
    }
  }
  const ring = ringOrder(nodes, links);
  if (ring && majority.length === nodes.length) {
    return {
      shape: "ring",
      label: `ring ${ring.join("-")}-${ring[0]}`,
      detail: `A majorities ring: every node reaches a majority (itself and its neighbours on the ring ${ring.join("–")}–${ring[0]}), but no two nodes see the same majority${oneWayText}.`,
      ...base,
    };
  }
  const seen = nodes.map((node) => `${node} reaches ${links[node].join(",") || "no one"}`).join("; ");
  return { shape: "overlapping", label: `overlapping: ${seen}`, detail: `Overlapping groups: ${seen}${oneWayText}.`, ...base };
}

/** The groups when "linked" is all-or-nothing inside each connected group (a clean split). */
function cleanGroups(nodes: readonly string[], links: Record<string, string[]>): string[][] | null {
  const groups: string[][] = [];
  const placed = new Set<string>();
  for (const node of nodes) {
    if (placed.has(node)) continue;
    const group = [node, ...links[node]].sort(byName);
    for (const member of group) {
      if (placed.has(member)) return null;
      const expected = group.filter((other) => other !== member);
      if (links[member].length !== expected.length || !expected.every((other) => links[member].includes(other))) return null;
    }
    group.forEach((member) => placed.add(member));
    groups.push(group);
  }
  return groups;
}

/** The nodes in ring order when every node links to exactly two others forming one cycle. */
function ringOrder(nodes: readonly string[], links: Record<string, string[]>): string[] | null {
  if (nodes.length < 4 || !nodes.every((node) => links[node].length === 2)) return null;
  const order = [nodes[0]];
  let previous = "";
  let current = nodes[0];
  for (;;) {
    const next = links[current].find((other) => other !== previous) as string;
    if (next === nodes[0]) break;
    if (order.includes(next)) return null;
    order.push(next);
    previous = current;
    current = next;
  }
  return order.length === nodes.length ? order : null;
}

/** The layout drawn: nodes on a circle, a line for every link that works both ways, an arrow for
 *  one-way links, nodes that reach a majority filled. */
export function partitionSvg(description: PartitionDescription, size = 132): string {
  const nodes = Object.keys(description.links);
  const centre = size / 2;
  const radius = size / 2 - 22;
  const at = new Map(nodes.map((node, i) => {
    const angle = -Math.PI / 2 + (2 * Math.PI * i) / nodes.length;
    return [node, { x: centre + radius * Math.cos(angle), y: centre + radius * Math.sin(angle) }] as const;
  }));
  const parts: string[] = [];
  for (const [a, linkedTo] of Object.entries(description.links)) {
    for (const b of linkedTo) {
      if (byName(a, b) >= 0) continue;
      const p = at.get(a) as { x: number; y: number };
      const q = at.get(b) as { x: number; y: number };
      parts.push(`<line x1="${p.x.toFixed(1)}" y1="${p.y.toFixed(1)}" x2="${q.x.toFixed(1)}" y2="${q.y.toFixed(1)}" stroke="#57606a" stroke-width="1.5"/>`);
    }
  }
  for (const [deaf, speaker] of description.oneWay) {
    // speaker → deaf is cut; deaf → speaker still works: drawn as an arrow from deaf to speaker.
    const p = at.get(deaf) as { x: number; y: number };
    const q = at.get(speaker) as { x: number; y: number };
    parts.push(`<line x1="${p.x.toFixed(1)}" y1="${p.y.toFixed(1)}" x2="${q.x.toFixed(1)}" y2="${q.y.toFixed(1)}" stroke="#bf8700" stroke-width="1.2" stroke-dasharray="3 2" marker-end="url(#fl-arrow)"/>`);
  }
  for (const node of nodes) {
    const p = at.get(node) as { x: number; y: number };
    const inMajority = description.majority.includes(node);
    parts.push(
      `<circle cx="${p.x.toFixed(1)}" cy="${p.y.toFixed(1)}" r="9" fill="${inMajority ? "#0969da" : "#fff"}" stroke="#0969da" stroke-width="1.5"><title>${escapeHtml(`${node}: reaches ${description.links[node].join(", ") || "no one"}${inMajority ? " (a majority)" : ""}`)}</title></circle>`,
      `<text x="${p.x.toFixed(1)}" y="${(p.y + (p.y > centre ? 21 : -12)).toFixed(1)}" font-size="10" text-anchor="middle" fill="#1b1f24">${escapeHtml(node)}</text>`,
    );
  }
  const defs = description.oneWay.length ? '<defs><marker id="fl-arrow" viewBox="0 0 6 6" refX="14" refY="3" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0L6,3L0,6z" fill="#bf8700"/></marker></defs>' : "";
  return `<svg xmlns="http://www.w3.org/2000/svg" class="partition" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}" role="img" aria-label="${escapeHtml(description.label)}">${defs}${parts.join("")}</svg>`;
}
