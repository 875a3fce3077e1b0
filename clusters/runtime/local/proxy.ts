// Faultline's fault proxy (DESIGN §3): one relay per directed link between our own nodes, and the
// controls a nemesis drives — partitions by grudge, and per-link drop / delay / duplicate /
// reorder of whole frames. It reads only frame lengths (frames.ts); payloads are opaque.
//
// A connection node A opened to node B carries A's frames on link A→B and B's replies on link
// B→A; each direction is judged by its own link's conditions, so a one-way grudge silences
// exactly one direction whichever node dialled.

import type { Grudge, LinkFaults } from "../runtime.ts";
import { LinkChannel, type LinkStats } from "./link-channel.ts";
import { HEALTHY, type Link, linkKey, validateLinkFaults } from "./link.ts";
import { Relay } from "./relay.ts";
import type { ProxyEvent } from "./relayed-connection.ts";

export type { ProxyEvent } from "./relayed-connection.ts";
export type { LinkStats } from "./link-channel.ts";

export interface FaultProxyOptions {
  /** Seeds every link's random stream (drop, duplicate, jitter and reorder decisions). */
  seed: number;
  /** Address relays listen on; nodes must be able to dial it. Default 127.0.0.1. */
  host?: string;
  /** How long a frame held back for reordering waits for a successor to overtake it. Default 100 ms. */
  reorderHoldMs?: number;
  /** After one side of a connection has closed, how long the other side may linger. Default 2000 ms. */
  closeGraceMs?: number;
  /** Hears about unreachable nodes, broken framing and listener errors (for the run's log). */
  onEvent?: (event: ProxyEvent) => void;
}

export class FaultProxy {
  private readonly host: string;
  private readonly seed: number;
  private readonly reorderHoldMs: number;
  private readonly closeGraceMs: number;
  private readonly onEvent: (event: ProxyEvent) => void;
  private readonly relays = new Map<string, { link: Link; relay: Relay }>();
  private readonly channels = new Map<string, LinkChannel>();
  private readonly nodes = new Set<string>();
  private closing: Promise<void> | undefined;

  constructor(options: FaultProxyOptions) {
    this.seed = options.seed;
    this.host = options.host ?? "127.0.0.1";
    this.reorderHoldMs = options.reorderHoldMs ?? 100;
    this.closeGraceMs = options.closeGraceMs ?? 2000;
    this.onEvent = options.onEvent ?? (() => {});
  }

  /** Opens the relay node `from` dials to reach `to`, whose real peer port is `upstream`.
   *  Returns the relay's address. */
  async addLink(link: Link, upstream: { host: string; port: number }): Promise<{ host: string; port: number }> {
    if (this.closing) throw new Error(`fault proxy: cannot add link ${linkKey(link.from, link.to)}, the proxy is closed`);
    if (link.from === link.to) throw new Error(`fault proxy: a link needs two different nodes, got ${link.from} twice`);
    const key = linkKey(link.from, link.to);
    if (this.relays.has(key)) throw new Error(`fault proxy: link ${key} already has a relay`);
    const relay = await Relay.listen(this.host, {
      forward: this.channel(link.from, link.to),
      backward: this.channel(link.to, link.from),
      upstream,
      closeGraceMs: this.closeGraceMs,
      onEvent: this.onEvent,
    });
    this.relays.set(key, { link: { ...link }, relay });
    this.nodes.add(link.from).add(link.to);
    return relay.address;
  }

  /** The address node `from` dials to reach node `to`. */
  address(from: string, to: string): { host: string; port: number } {
    return { ...this.relayFor(from, to).address };
  }

  /** Every link that has a relay. */
  links(): Link[] {
    return [...this.relays.values()].map(({ link }) => ({ ...link }));
  }

  /** Replaces the current partition: node → the nodes it cannot hear. Link faults are kept. */
  partition(grudge: Grudge): void {
    for (const [node, unheard] of Object.entries(grudge)) {
      this.assertNode(node, "grudge");
      for (const other of unheard) {
        this.assertNode(other, `grudge of ${node}`);
        if (other === node) throw new Error(`fault proxy: grudge of ${node} names ${node} itself; a node always hears itself`);
      }
    }
    for (const channel of this.channels.values()) {
      const cut = grudge[channel.link.to]?.includes(channel.link.from) ?? false;
      channel.conditions = { cut, faults: channel.conditions.faults };
    }
    // Closes held back by the old partition may now pass.
    for (const { relay } of this.relays.values()) relay.passOnCloses();
  }

  /** Replaces the message faults of the given links (default: every link). Partitions are kept. */
  setLinkFaults(faults: LinkFaults, links: Link[] = this.links()): void {
    validateLinkFaults(faults);
    for (const { from, to } of links) this.relayFor(from, to);
    for (const { from, to } of links) {
      const channel = this.channel(from, to);
      channel.conditions = { cut: channel.conditions.cut, faults: Object.freeze({ ...faults }) };
    }
  }

  /** Lifts every partition and fault and releases every delayed or held frame at once. */
  heal(): void {
    for (const channel of this.channels.values()) channel.conditions = HEALTHY;
    for (const { relay } of this.relays.values()) relay.flush();
  }

  /** Counters of link from→to, whichever connections its frames travelled on. */
  stats(from: string, to: string): LinkStats {
    this.relayFor(from, to);
    return { ...this.channel(from, to).stats };
  }

  /** Relayed connections currently open on the relay of link from→to. */
  connectionCount(from: string, to: string): number {
    return this.relayFor(from, to).connectionCount;
  }

  /** Closes every relay and connection; idempotent. */
  close(): Promise<void> {
    this.closing ??= Promise.all([...this.relays.values()].map(({ relay }) => relay.close())).then(() => undefined);
    return this.closing;
  }

  private channel(from: string, to: string): LinkChannel {
    const key = linkKey(from, to);
    let channel = this.channels.get(key);
    if (!channel) {
      channel = new LinkChannel({ from, to }, this.seed, this.reorderHoldMs);
      this.channels.set(key, channel);
    }
    return channel;
  }

  private relayFor(from: string, to: string): Relay {
    const entry = this.relays.get(linkKey(from, to));
    if (!entry) {
      const known = [...this.relays.keys()].join(", ") || "none";
      throw new Error(`fault proxy: no relay for link ${linkKey(from, to)}; links with relays: ${known}`);
    }
    return entry.relay;
  }

  private assertNode(node: string, where: string): void {
    if (!this.nodes.has(node)) {
      throw new Error(`fault proxy: unknown node "${node}" in ${where}; known nodes: ${[...this.nodes].join(", ")}`);
    }
  }
}
