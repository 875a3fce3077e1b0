// Network faults for the docker runtime, as iptables rules inside each container (DESIGN §3).
// All of them live in one chain of our own, FAULTLINE, so healing flushes exactly what we added and
// never a rule Docker or the system put there. Every change rewrites a node's whole chain in one
// iptables-restore, which the kernel applies atomically: no moment with half a partition.
//
// A fault on the link from A to B is a rule on B's INPUT matching A's address: that is where
// "B cannot hear A" happens, and it cuts established connections too (packets, not connections,
// are dropped). The chain is jumped to from INPUT only: every fault here is "cannot hear".

import type { Grudge, LinkFaults } from "../runtime.ts";

export const CHAIN = "FAULTLINE";

/** What is currently broken: who cannot hear whom, and per directed link a drop probability. */
export interface FirewallState {
  /** node → nodes whose packets it drops. */
  grudge: Record<string, readonly string[]>;
  /** `${from}>${to}` → probability in (0, 1] that a packet on that link is dropped. */
  linkDrops: Record<string, number>;
}

export const HEALED: FirewallState = { grudge: {}, linkDrops: {} };

/** Shell commands that create our chain and the jump to it, if missing (safe to run twice). The
 *  jump goes first in INPUT so an ACCEPT added later by a system cannot bypass a partition. */
export function chainSetupScript(): string {
  return [
    `iptables -w -N ${CHAIN} 2>/dev/null || true`,
    `iptables -w -C INPUT -j ${CHAIN} 2>/dev/null || iptables -w -I INPUT 1 -j ${CHAIN}`,
  ].join(" && ");
}

function linkKey(from: string, to: string): string {
  return `${from}>${to}`;
}

function checkNodes(what: string, names: Iterable<string>, known: ReadonlySet<string>): void {
  for (const name of names) {
    if (!known.has(name)) throw new Error(`${what}: unknown node "${name}"; nodes are ${[...known].join(", ")}`);
  }
}

/** The state after partition(grudge): the grudge replaces the previous one; link drops stay. */
export function withPartition(state: FirewallState, grudge: Grudge, nodes: readonly string[]): FirewallState {
  const known = new Set(nodes);
  checkNodes("partition", Object.keys(grudge), known);
  const next: Record<string, readonly string[]> = {};
  for (const [node, unheard] of Object.entries(grudge)) {
    checkNodes(`partition of ${node}`, unheard, known);
    const peers = [...new Set(unheard)].filter((peer) => peer !== node).sort();
    if (peers.length > 0) next[node] = peers;
  }
  return { grudge: next, linkDrops: state.linkDrops };
}

/** Rejects the faults iptables cannot make; latency and the rest need the local runtime's proxy. */
export function checkLinkFaultsSupported(faults: LinkFaults): void {
  const unsupported: string[] = [];
  if ((faults.delayMs ?? 0) > 0) unsupported.push(`delayMs=${faults.delayMs}`);
  if ((faults.jitterMs ?? 0) > 0) unsupported.push(`jitterMs=${faults.jitterMs}`);
  if ((faults.duplicateFraction ?? 0) > 0) unsupported.push(`duplicateFraction=${faults.duplicateFraction}`);
  if ((faults.reorderFraction ?? 0) > 0) unsupported.push(`reorderFraction=${faults.reorderFraction}`);
  if (unsupported.length > 0) {
    throw new Error(
      `docker runtime cannot apply ${unsupported.join(", ")}: latency, duplication and reordering need tc netem, which this kernel lacks; use --runtime local, whose fault proxy delays, duplicates and reorders messages (the docker runtime supports packet loss only)`,
    );
  }
  const drop = faults.dropFraction ?? 0;
  if (!(drop >= 0 && drop <= 1)) throw new Error(`setLinkFaults: dropFraction must be between 0 and 1, got ${faults.dropFraction}`);
  // The statistic match keeps the probability in 31 bits; anything smaller would round to never.
  if (drop > 0 && drop < 1e-9) throw new Error(`setLinkFaults: dropFraction ${drop} is below what iptables can express (1e-9); use 0 or a larger fraction`);
}

/** The state after setLinkFaults: each named link gets the new drop probability (0 clears it). */
export function withLinkFaults(
  state: FirewallState,
  faults: LinkFaults,
  links: readonly { from: string; to: string }[] | undefined,
  nodes: readonly string[],
): FirewallState {
  checkLinkFaultsSupported(faults);
  const known = new Set(nodes);
  const targets = links ?? nodes.flatMap((from) => nodes.filter((to) => to !== from).map((to) => ({ from, to })));
  const linkDrops = { ...state.linkDrops };
  for (const { from, to } of targets) {
    checkNodes("setLinkFaults", [from, to], known);
    if (from === to) continue;
    const drop = faults.dropFraction ?? 0;
    if (drop > 0) linkDrops[linkKey(from, to)] = drop;
    else delete linkDrops[linkKey(from, to)];
  }
  return { grudge: state.grudge, linkDrops };
}

/** iptables takes the probability as a decimal; never exponent notation. */
function probability(p: number): string {
  return p.toFixed(10).replace(/0+$/, "").replace(/\.$/, "");
}

/** The rules of `node`'s chain for `state`, in iptables-restore form. Declaring the chain in a
 *  --noflush restore empties it first, so the file is the whole chain, applied atomically. */
export function renderChain(node: string, state: FirewallState, addressOf: (node: string) => string): string {
  const lines = ["*filter", `:${CHAIN} - [0:0]`];
  const cut = new Set(state.grudge[node] ?? []);
  for (const peer of [...cut].sort()) {
    lines.push(`-A ${CHAIN} -s ${addressOf(peer)}/32 -m comment --comment "partition ${peer}>${node}" -j DROP`);
  }
  const lossy = Object.entries(state.linkDrops)
    .map(([key, drop]) => ({ from: key.slice(0, key.indexOf(">")), to: key.slice(key.indexOf(">") + 1), drop }))
    .filter((link) => link.to === node && !cut.has(link.from))
    .sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
  for (const { from, drop } of lossy) {
    const match = drop >= 1 ? "" : ` -m statistic --mode random --probability ${probability(drop)}`;
    // A rule without a target only counts: every packet of the link, then those the loss drops.
    lines.push(`-A ${CHAIN} -s ${addressOf(from)}/32 -m comment --comment "count ${from}>${node}"`);
    lines.push(`-A ${CHAIN} -s ${addressOf(from)}/32${match} -m comment --comment "loss ${from}>${node}" -j DROP`);
  }
  lines.push("COMMIT", "");
  return lines.join("\n");
}

/** Packets per lossy link counted by one node's chain: `iptables -L FAULTLINE -v -x -n` output
 *  read back through the rules' comments ("count a>b": every packet of the link; "loss a>b": those
 *  dropped). Links without a loss rule do not appear. */
export function parseLossCounters(listing: string): Record<string, { received: number; dropped: number }> {
  const counters: Record<string, { received: number; dropped: number }> = {};
  for (const line of listing.split("\n")) {
    const match = /^\s*(\d+)\s+\d+\s.*\/\* (count|loss) (\S+>\S+) \*\//.exec(line);
    if (!match) continue;
    const entry = (counters[match[3]] ??= { received: 0, dropped: 0 });
    if (match[2] === "count") entry.received += Number(match[1]);
    else entry.dropped += Number(match[1]);
  }
  return counters;
}

/** Whether a rendered chain holds loss rules (whose counters a rewrite would reset). */
export function hasLossRules(chain: string): boolean {
  return chain.includes('--comment "loss ');
}
