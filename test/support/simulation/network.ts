// The simulated network: which directed links are cut, and what happens to each message sent
// (lost, or delivered once or twice, within half a tick or ticks later: later messages overtake
// a late one, which is how messages reorder). It decides fates only; the loop schedules the
// deliveries.

import type { Rng } from "../../../harness/rng.ts";
import type { FaultProfile } from "./options.ts";
import type { NodeId } from "./protocol.ts";

/** A directed link, "from>to": the way traces print it. */
export type Link = `${number}>${number}`;

export class SimulatedNetwork {
  /** Cut links, with how many active partitions cut each: partitions overlap and heal
   *  independently. */
  private readonly cut = new Map<Link, number>();

  constructor(
    private readonly random: Rng,
    private readonly faults: FaultProfile,
    /** Virtual time units per tick: a message normally arrives within half a tick. */
    private readonly tick: number,
  ) {}

  get partitioned(): boolean {
    return this.cut.size > 0;
  }

  /** Messages from `from` cannot reach `to`. */
  blocks(from: NodeId, to: NodeId): boolean {
    return this.cut.has(`${from}>${to}`);
  }

  /** Cuts every link between nodes of different groups, both ways; returns them for heal. */
  partition(groups: readonly (readonly NodeId[])[]): Link[] {
    const links: Link[] = [];
    for (let a = 0; a < groups.length; a++) {
      for (let b = a + 1; b < groups.length; b++) {
        for (const from of groups[a]) {
          for (const to of groups[b]) links.push(`${from}>${to}`, `${to}>${from}`);
        }
      }
    }
    for (const link of links) this.cut.set(link, (this.cut.get(link) ?? 0) + 1);
    return links;
  }

  /** Undoes one partition: a link cut by another partition too stays cut. */
  heal(links: readonly Link[]): void {
    for (const link of links) {
      const count = this.cut.get(link) ?? 0;
      if (count <= 1) this.cut.delete(link);
      else this.cut.set(link, count - 1);
    }
  }

  healAll(): void {
    this.cut.clear();
  }

  /** The latencies of the copies of a message that will arrive: none when it is lost. Without
   *  `faulty` every message arrives once, within half a tick. */
  transmit(faulty: boolean): number[] {
    const random = this.random;
    const faults = this.faults;
    if (faulty && random.bool(faults.dropRate)) return [];
    const copies = faulty && random.bool(faults.duplicateRate) ? 2 : 1;
    const latencies: number[] = [];
    for (let copy = 0; copy < copies; copy++) {
      latencies.push(faulty && random.bool(faults.longDelayRate) ? random.between(this.tick, this.tick * faults.longDelayTicks) : random.between(1, this.tick / 2));
    }
    return latencies;
  }
}
