// Lossy, slow, duplicating and reordering links (Jepsen's packet nemesis), per directed link. The
// local runtime's fault proxy makes all four on our own nodes' peer messages; the docker runtime
// makes only loss (iptables' statistic match: this kernel has no netem). What a fault really did is
// read back from the runtime's link counters — frames the proxy dropped, duplicated, held back or
// delayed, packets the firewall dropped — and reported in the stop op's value next to what was
// asked for, so a report never shows a fault the wire did not see.

import type { Completion, Invocation } from "../harness/op.ts";
import type { LinkCounters, LinkFaults } from "../clusters/runtime/runtime.ts";
import { setLinkFaultsFrom } from "./link-faults.ts";
import type { Nemesis, NemesisContext } from "./nemesis.ts";

export type LinkMode = "drop" | "delay" | "duplicate" | "reorder";

/** What each mode puts on a link. Loss high enough to cost a Raft leader some heartbeats but not
 *  its quorum; delay with as much jitter again (order kept, as TCP would); a duplicate per five
 *  frames; nearly a third of the frames overtaken by their successor. */
export const LINK_FAULTS: Readonly<Record<LinkMode, LinkFaults>> = {
  drop: { dropFraction: 0.3 },
  delay: { delayMs: 40, jitterMs: 40 },
  duplicate: { duplicateFraction: 0.2 },
  reorder: { reorderFraction: 0.3 },
};

export const LINK_MODES = Object.keys(LINK_FAULTS) as LinkMode[];

/** The modes a runtime can make: those whose every field it supports. */
export function linkModesFor(fields: readonly (keyof LinkFaults)[]): LinkMode[] {
  return LINK_MODES.filter((mode) => Object.keys(LINK_FAULTS[mode]).every((field) => fields.includes(field as keyof LinkFaults)));
}

interface Link {
  from: string;
  to: string;
}

/** Which directed links a fault hits: every one; both directions of one node's links; or a random
 *  half of the directed links, so that a → b may suffer while b → a does not. */
function chooseLinks(ctx: NemesisContext): { scope: string; links: Link[] } {
  const all = allLinks(ctx.nodes);
  const draw = ctx.rng.int(3);
  if (draw === 0) return { scope: "all links", links: all };
  if (draw === 1) {
    const node = ctx.rng.pick(ctx.nodes);
    return { scope: `to and from ${node}`, links: all.filter((link) => link.from === node || link.to === node) };
  }
  const half = ctx.rng.shuffle(all).slice(0, Math.max(1, Math.floor(all.length / 2)));
  return { scope: "half the directed links, one way", links: half.sort((a, b) => linkName(a).localeCompare(linkName(b))) };
}

function allLinks(nodes: readonly string[]): Link[] {
  return nodes.flatMap((from) => nodes.filter((to) => to !== from).map((to) => ({ from, to })));
}

function linkName(link: Link): string {
  return `${link.from}>${link.to}`;
}

/** What the counters say happened between two readings, per link and in total. */
export interface LinkObservation {
  unit: LinkCounters["unit"];
  received: number;
  dropped: number;
  duplicated: number;
  heldBack: number;
  delayed: number;
  /** Shares of `received`; null when nothing was received. */
  dropRate: number | null;
  duplicateRate: number | null;
  heldBackRate: number | null;
  meanDelayMs: number | null;
  maxDelayMs: number | null;
}

function observe(unit: LinkCounters["unit"], parts: { received: number; dropped: number; duplicated: number; heldBack: number; delayed: number; delayMsTotal: number; delayMsMax: number }): LinkObservation {
  const share = (count: number) => (parts.received > 0 ? round(count / parts.received, 4) : null);
  return {
    unit,
    received: parts.received,
    dropped: parts.dropped,
    duplicated: parts.duplicated,
    heldBack: parts.heldBack,
    delayed: parts.delayed,
    dropRate: share(parts.dropped),
    duplicateRate: share(parts.duplicated),
    heldBackRate: share(parts.heldBack),
    meanDelayMs: parts.delayed > 0 ? round(parts.delayMsTotal / parts.delayed, 2) : null,
    maxDelayMs: parts.delayed > 0 ? round(parts.delayMsMax, 2) : null,
  };
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** Differences of two counter readings over `links`, per link and summed. */
export function observedBetween(before: readonly LinkCounters[], after: readonly LinkCounters[], links: readonly Link[]): { total: LinkObservation; links: Record<string, LinkObservation> } {
  const byName = (counters: readonly LinkCounters[]) => new Map(counters.map((c) => [linkName(c), c]));
  const start = byName(before);
  const end = byName(after);
  const sum = { received: 0, dropped: 0, duplicated: 0, heldBack: 0, delayed: 0, delayMsTotal: 0, delayMsMax: 0 };
  const perLink: Record<string, LinkObservation> = {};
  let unit: LinkCounters["unit"] = "frames";
  for (const link of links) {
    const name = linkName(link);
    const a = start.get(name);
    const b = end.get(name);
    if (!b) continue;
    unit = b.unit;
    const parts = {
      received: b.received - (a?.received ?? 0),
      dropped: b.droppedByFault - (a?.droppedByFault ?? 0),
      duplicated: b.duplicated - (a?.duplicated ?? 0),
      heldBack: b.heldBack - (a?.heldBack ?? 0),
      delayed: b.delayed - (a?.delayed ?? 0),
      delayMsTotal: b.delayMsTotal - (a?.delayMsTotal ?? 0),
      // The maximum over the window is not recoverable from two readings; the later reading's
      // maximum is an upper bound that only this window's faults can have raised above zero.
      delayMsMax: b.delayMsMax,
    };
    perLink[name] = observe(b.unit, parts);
    for (const key of Object.keys(sum) as (keyof typeof sum)[]) sum[key] = key === "delayMsMax" ? Math.max(sum[key], parts[key]) : sum[key] + parts[key];
  }
  return { total: observe(unit, sum), links: perLink };
}

interface Active {
  mode: LinkMode;
  links: Link[];
  before: LinkCounters[];
}

export function linkNemesis(): Nemesis {
  let active: Active | undefined;

  async function lift(ctx: NemesisContext): Promise<Record<string, unknown> | undefined> {
    const current = active;
    if (!current) return undefined;
    const after = await ctx.runtime.linkCounters();
    await setLinkFaultsFrom(ctx.runtime, "link", {}, current.links);
    active = undefined;
    const observed = observedBetween(current.before, after, current.links);
    return { mode: current.mode, links: current.links.map(linkName), observed: observed.total, observedPerLink: observed.links };
  }

  return {
    name: "link",
    fs: ["start-link", "stop-link"],
    async invoke(ctx: NemesisContext, op: Invocation): Promise<Completion> {
      if (op.f === "stop-link") return { type: "ok", value: (await lift(ctx)) ?? { links: [], note: "no link fault was active" } };
      const mode = (op.value as LinkMode | null) ?? "drop";
      const faults = LINK_FAULTS[mode];
      if (!faults) return { type: "fail", error: `link nemesis: unknown mode ${String(op.value)}; modes: ${LINK_MODES.join(", ")}` };
      const missing = Object.keys(faults).filter((field) => !ctx.runtime.linkFaultFields.includes(field as keyof LinkFaults));
      if (missing.length > 0) {
        return { type: "fail", error: `link ${mode} needs ${missing.join(", ")}, which the ${ctx.runtime.kind} runtime cannot make (it makes: ${ctx.runtime.linkFaultFields.join(", ")}); use --runtime local for ${mode}, or --nemesis link:drop` };
      }
      // A start while one is active (a heal op lost) replaces it: one link fault at a time.
      await lift(ctx);
      const { scope, links } = chooseLinks(ctx);
      const before = await ctx.runtime.linkCounters();
      await setLinkFaultsFrom(ctx.runtime, "link", faults, links);
      active = { mode, links, before };
      return { type: "ok", value: { mode, scope, links: links.map(linkName), faults, runtime: ctx.runtime.kind } };
    },
    async heal(ctx) {
      await lift(ctx);
      // Whatever a failed start may have left: this nemesis's faults off every link.
      await setLinkFaultsFrom(ctx.runtime, "link", {}, allLinks(ctx.nodes));
    },
  };
}
