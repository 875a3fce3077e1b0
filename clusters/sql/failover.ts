// The failover controller Faultline runs beside a primary/replica database, as an operator's tool
// would (orchestrator, repmgr): it polls every node, and when the primary is lost it promotes the
// most advanced replica and repoints the others. The database's own replication is asynchronous,
// so whatever the old primary acknowledged and no replica had received is gone from the cluster
// after a failover (SEEDS C1): the controller makes that visible, it does not prevent it.
//
// The primary counts as lost when, for failoverAfterMs without a break,
//   - the controller cannot reach it (killed, paused), or
//   - it answers the controller but no replica is connected to it (cut off by a partition: the
//     controller stands outside the network the partition cuts, and judges by the replicas).
// A lost primary that still answers is fenced (made read-only), so that clients still routed to it
// stop writing there. A node left out of a failover (the old primary, a replica that was down)
// rejoins later only when it holds nothing the new line of primaries lacks: its position must not
// be past the point the new primary was promoted at. Otherwise it has diverged — it acknowledged
// writes no other node has — and stays fenced, as an operator would rebuild it rather than let it
// serve; its writes are exactly the ones the history shows lost. A database that can rewind such a
// node (PostgreSQL's pg_rewind) lets it rejoin, having dropped those writes.
//
// Each database supplies the operations (ReplicationOps); positions are numbers that grow along
// one line of history (MariaDB's GTID sequence number, PostgreSQL's WAL LSN).

import { setTimeout as sleep } from "node:timers/promises";

/** What one node says about itself. */
export interface NodeReplication {
  role: "primary" | "replica";
  /** How far its history reaches: the last position it received (a replica) or wrote (a primary). */
  position: number;
  /** A replica: its connection to the primary it follows is up. */
  receiving: boolean;
}

export interface ReplicationOps {
  /** Names the system in log lines. */
  system: string;
  /** What `node` says, or undefined when it does not answer within the probe's time. */
  probe(node: string): Promise<NodeReplication | undefined>;
  /** Makes `node` (a replica that has received everything it will) the primary. */
  promote(node: string): Promise<void>;
  /** Makes `node` a replica of `primary`. */
  follow(node: string, primary: string): Promise<void>;
  /** The current primary's server was started again after a kill: let it take writes (a node
   *  starts read-only until the controller says otherwise). */
  resume?(node: string): Promise<void>;
  /** Stops `node` taking writes (it answers but was replaced). */
  fence(node: string): Promise<void>;
  /** follow() winds a node that went its own way back onto the primary's line (pg_rewind), dropping
   *  what only it had written: a left-out node always rejoins. Without it, a node past the fork
   *  stays out. */
  rewinds?: boolean;
}

/** How often a left-out node that could not rejoin is tried again. */
const REJOIN_RETRY_MS = 2000;

export interface FailoverSettings {
  failoverAfterMs: number;
  pollMs: number;
  log(line: string): void;
}

type NodeStanding = "primary" | "replica" | "left out" | "diverged";

export class FailoverController {
  private current: string;
  private readonly standing = new Map<string, NodeStanding>();
  /** Nodes left out of a failover, with the position the new primary was promoted at. */
  private readonly forkAt = new Map<string, number>();
  private lostSince: number | undefined;
  private readonly rejoinNotBefore = new Map<string, number>();
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly failovers: { at: Date; from: string; to: string }[] = [];
  /** Serialises failovers and rejoins: neither may interleave with the other. */
  private busy: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly nodes: readonly string[],
    primary: string,
    private readonly ops: ReplicationOps,
    private readonly settings: FailoverSettings,
  ) {
    this.current = primary;
    for (const node of nodes) this.standing.set(node, node === primary ? "primary" : "replica");
  }

  /** The node clients should write to. */
  get primary(): string {
    return this.current;
  }

  /** Replicas in service: following the current primary, not left out or diverged. */
  get replicas(): string[] {
    return this.nodes.filter((node) => this.standing.get(node) === "replica");
  }

  standingOf(node: string): NodeStanding | undefined {
    return this.standing.get(node);
  }

  get history(): readonly { at: Date; from: string; to: string }[] {
    return this.failovers;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        await this.exclusive(() => this.tick()).catch((error: unknown) => this.settings.log(`${this.ops.system} failover controller: ${(error as Error).message}`));
        await sleep(this.settings.pollMs);
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** A node whose server was started again (after a kill): it follows the current primary if it
   *  can, or stays out; the current primary itself simply goes on. */
  async rejoin(node: string): Promise<void> {
    await this.exclusive(() => this.tryRejoin(node));
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const next = this.busy.then(work, work);
    this.busy = next.catch(() => {});
    return next;
  }

  private async tick(): Promise<void> {
    const probes = new Map(await Promise.all(this.nodes.map(async (node) => [node, await this.ops.probe(node).catch(() => undefined)] as const)));
    const primary = probes.get(this.current);
    const replicas = this.replicas.filter((node) => probes.get(node) !== undefined);
    const lostBecause =
      primary === undefined
        ? "the primary does not answer"
        : replicas.length > 0 && replicas.every((node) => !probes.get(node)?.receiving)
          ? "no replica is connected to the primary"
          : undefined;
    if (lostBecause === undefined) {
      this.lostSince = undefined;
      await this.rejoinLeftOut(probes);
      return;
    }
    const now = Date.now();
    this.lostSince ??= now;
    if (now - this.lostSince < this.settings.failoverAfterMs) return;
    await this.failover(lostBecause, probes);
  }

  private async failover(because: string, probes: ReadonlyMap<string, NodeReplication | undefined>): Promise<void> {
    const candidates = this.replicas
      .map((node) => ({ node, status: probes.get(node) }))
      .filter((candidate): candidate is { node: string; status: NodeReplication } => candidate.status !== undefined);
    if (candidates.length === 0) {
      this.settings.log(`${this.ops.system} failover controller: ${because}, and no replica answers; waiting`);
      return;
    }
    // The most advanced replica; among equals the first in node order.
    const chosen = candidates.reduce((best, candidate) => (candidate.status.position > best.status.position ? candidate : best));
    const old = this.current;
    this.settings.log(`${this.ops.system} failover controller: ${because} (${old}) for ${this.settings.failoverAfterMs} ms; promoting ${chosen.node} at position ${chosen.status.position} (${candidates.map((c) => `${c.node} ${c.status.position}`).join(", ")})`);
    await this.ops.promote(chosen.node);
    this.current = chosen.node;
    this.standing.set(chosen.node, "primary");
    this.lostSince = undefined;
    this.failovers.push({ at: new Date(), from: old, to: chosen.node });
    const forkAt = (await this.ops.probe(chosen.node).catch(() => undefined))?.position ?? chosen.status.position;
    for (const node of this.nodes) {
      if (node === chosen.node) continue;
      const wasReplica = this.standing.get(node) === "replica" && probes.get(node) !== undefined;
      if (wasReplica) {
        try {
          await this.ops.follow(node, chosen.node);
          continue;
        } catch (error) {
          this.settings.log(`${this.ops.system} failover controller: ${node} could not follow ${chosen.node}: ${(error as Error).message}; leaving it out`);
        }
      }
      if (!this.forkAt.has(node)) this.forkAt.set(node, forkAt);
      if (this.standing.get(node) !== "diverged") this.standing.set(node, "left out");
      if (probes.get(node) !== undefined) await this.ops.fence(node).catch((error: unknown) => this.settings.log(`${this.ops.system} failover controller: fencing ${node} failed: ${(error as Error).message}`));
    }
    this.settings.log(`${this.ops.system} failover controller: ${chosen.node} is primary; following it: ${this.replicas.join(", ") || "none"}; left out: ${[...this.forkAt.keys()].join(", ") || "none"}`);
  }

  private async rejoinLeftOut(probes: ReadonlyMap<string, NodeReplication | undefined>): Promise<void> {
    const now = Date.now();
    for (const node of this.nodes) {
      if (this.standing.get(node) !== "left out" || probes.get(node) === undefined) continue;
      // A node that cannot rejoin yet (still cut off from the new primary) is tried again later,
      // not on every poll.
      if (now < (this.rejoinNotBefore.get(node) ?? 0)) continue;
      this.rejoinNotBefore.set(node, now + REJOIN_RETRY_MS);
      await this.tryRejoin(node).catch((error: unknown) => this.settings.log(`${this.ops.system} failover controller: ${node} cannot rejoin yet: ${(error as Error).message}`));
    }
  }

  private async tryRejoin(node: string): Promise<void> {
    if (node === this.current) {
      await this.ops.resume?.(node);
      return;
    }
    const status = await this.ops.probe(node).catch(() => undefined);
    if (status === undefined) return;
    const forkAt = this.forkAt.get(node);
    if (!this.ops.rewinds && (this.standing.get(node) === "diverged" || (forkAt !== undefined && status.position > forkAt))) {
      if (this.standing.get(node) !== "diverged") {
        this.settings.log(`${this.ops.system} failover controller: ${node} has diverged (position ${status.position}, past ${forkAt} where ${this.current}'s line began): it holds writes no other node has; left out and read-only`);
      }
      this.standing.set(node, "diverged");
      await this.ops.fence(node).catch(() => {});
      return;
    }
    await this.ops.follow(node, this.current);
    this.forkAt.delete(node);
    this.standing.set(node, "replica");
    this.settings.log(`${this.ops.system} failover controller: ${node} follows ${this.current} again`);
  }
}
