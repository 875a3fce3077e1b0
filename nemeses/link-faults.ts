// Link faults from several nemeses at once — the link lane's drop or delay, and the latency a
// reactive mode lays under its strikes — merged per directed link: each field takes the largest
// value any source asks for, so that lifting one source's faults never lifts another's.

import type { LinkFaults, Runtime } from "../clusters/runtime/runtime.ts";

type Link = { from: string; to: string };
const FIELDS = ["dropFraction", "delayMs", "jitterMs", "duplicateFraction", "reorderFraction"] as const;
const bySource = new WeakMap<Pick<Runtime, "setLinkFaults">, Map<string, Map<string, LinkFaults>>>();

const key = (link: Link) => `${link.from}>${link.to}`;

/** Replaces `source`'s faults on `links` (all of its links when `links` is undefined and `faults`
 *  is empty: lifts the source) and applies the merge of every source on each link touched. */
export async function setLinkFaultsFrom(runtime: Pick<Runtime, "setLinkFaults">, source: string, faults: LinkFaults, links: readonly Link[]): Promise<void> {
  let sources = bySource.get(runtime);
  if (!sources) bySource.set(runtime, (sources = new Map()));
  let mine = sources.get(source);
  if (!mine) sources.set(source, (mine = new Map()));
  const empty = FIELDS.every((field) => !faults[field]);
  for (const link of links) {
    if (empty) mine.delete(key(link));
    else mine.set(key(link), { ...faults });
  }
  // Links with the same merged faults are set together.
  const groups = new Map<string, { faults: LinkFaults; links: Link[] }>();
  for (const link of links) {
    const merged: LinkFaults = {};
    for (const faultsOfSource of sources.values()) {
      const theirs = faultsOfSource.get(key(link));
      if (!theirs) continue;
      for (const field of FIELDS) if ((theirs[field] ?? 0) > (merged[field] ?? 0)) merged[field] = theirs[field];
    }
    const signature = JSON.stringify(merged);
    const group = groups.get(signature) ?? { faults: merged, links: [] };
    group.links.push(link);
    groups.set(signature, group);
  }
  for (const { faults: merged, links: grouped } of groups.values()) await runtime.setLinkFaults(merged, grouped);
}
