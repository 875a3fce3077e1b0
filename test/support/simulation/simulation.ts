// Deterministic simulation of a consensus protocol (TigerBeetle's VOPR, in small): N pure cores,
// each inside a simulated shell, over a simulated network that drops, delays, reorders and
// duplicates messages and partitions nodes, with crash-restart from durable state only and
// virtual time. Every run is a function of its seed. The protocol's checker tests its
// guarantees after every event; the first violation stops the run, and the result carries the
// seed and the last events. After the faulty phase everything heals and the cluster must
// converge (liveness).
//
// The protocol plugs in through protocol.ts; raft-simulation/ is the Raft adapter.

import { Rng } from "../../../harness/rng.ts";
import { EventQueue } from "./event-queue.ts";
import { SimulatedNetwork, type Link } from "./network.ts";
import { DEFAULT_FAULTS, type FaultProfile, type SimulationOptions } from "./options.ts";
import type { Addressed, NodeId, SimulatedNode, SimulatedProtocol } from "./protocol.ts";
import { SafetyViolation } from "./violation.ts";

/** Virtual time: one tick is TICK units; latencies are drawn in units. */
const TICK = 10;

const TRACE_TAIL = 400;

/** How long a healed cluster may take to elect a leader and apply a fresh write everywhere. */
const SETTLE_TICKS = 300;

interface SimulationStats {
  events: number;
  elections: number;
  committed: number;
  crashes: number;
  partitions: number;
  snapshotsSent: number;
  reads: number;
}

export interface SimulationResult {
  seed: number;
  violation?: SafetyViolation;
  /** With recordViolations: every safety violation noted. */
  violations: readonly SafetyViolation[];
  /** The last events before the end (all events with `trace`), one line each. */
  trace: string[];
  stats: SimulationStats;
}

type SimEvent<Message> =
  | { kind: "tick"; node: NodeId }
  | { kind: "deliver"; message: Message }
  | { kind: "io"; node: NodeId; incarnation: number }
  | { kind: "restart"; node: NodeId }
  | { kind: "isolate"; node: NodeId; term: number }
  | { kind: "heal"; links: Link[] };

class Simulation<Message extends Addressed, Position> {
  private readonly nodes: SimulatedNode<Message, Position>[] = [];
  /** Bumps on every crash of a node, so that I/O scheduled by a previous life is ignored. */
  private readonly incarnations: number[] = [];
  private readonly queue = new EventQueue<SimEvent<Message>>();
  private readonly random: Rng;
  private readonly faults: FaultProfile;
  private readonly network: SimulatedNetwork;
  private now = 0;
  private faultsOn = true;
  /** Each node's commit point when last seen (for the isolate-on-commit nemesis). */
  private readonly leaderCommits = new Map<NodeId, number | bigint>();
  private proposalCounter = 0;
  private readCounter = 0;
  private readonly traceLines: string[] = [];
  private readonly stats: SimulationStats = { events: 0, elections: 0, committed: 0, crashes: 0, partitions: 0, snapshotsSent: 0, reads: 0 };

  constructor(
    private readonly options: SimulationOptions,
    private readonly protocol: SimulatedProtocol<Message, Position>,
  ) {
    this.random = new Rng(options.seed);
    this.faults = { ...DEFAULT_FAULTS, ...options.faults };
    this.network = new SimulatedNetwork(this.random, this.faults, TICK);
    for (let id = 1; id <= options.nodes; id++) {
      this.nodes.push(protocol.createNode(id, this.random.fork()));
      this.incarnations.push(0);
      // Nodes tick out of phase, as real clocks do.
      this.queue.push(this.random.int(TICK), { kind: "tick", node: id });
    }
  }

  /** Runs the faulty phase, then (with checkLiveness) a calm phase that must converge. */
  run(): SimulationResult {
    let violation: SafetyViolation | undefined;
    try {
      this.runUntil(this.options.ticks * TICK);
      if (this.options.checkLiveness) this.settle();
    } catch (error) {
      if (!(error instanceof SafetyViolation)) {
        // An assertion inside the core, or a contract break: a violation of its own kind.
        const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        this.trace(`!! ${message}`);
        violation = new SafetyViolation("assertion", message);
        if (error instanceof Error && error.stack !== undefined) violation.stack = error.stack;
      } else {
        violation = error;
      }
    }
    const result: SimulationResult = { seed: this.options.seed, violations: this.protocol.violations, trace: this.traceLines.slice(), stats: { ...this.stats, committed: this.protocol.committed() } };
    if (violation !== undefined) result.violation = violation;
    return result;
  }

  private runUntil(endTime: number): void {
    for (;;) {
      const next = this.queue.pop();
      if (next === undefined) throw new Error("event queue ran dry");
      if (next.time > endTime) {
        this.queue.push(next.time, next.event);
        this.now = endTime;
        return;
      }
      // Client and nemesis decisions happen once per tick boundary of virtual time.
      const previousTick = Math.floor(this.now / TICK);
      this.now = next.time;
      for (let tick = previousTick + 1; tick <= Math.floor(this.now / TICK); tick++) this.perTick();
      this.stats.events++;
      if (this.stats.events > (this.options.maxEvents ?? 1_000_000)) throw new SafetyViolation("liveness", `more than ${this.stats.events - 1} events: a message storm`);
      this.handle(next.event);
    }
  }

  /** Heals everything, restarts crashed nodes, stops faults; the cluster must then elect a
   *  leader, commit a fresh write everywhere and agree on it. */
  private settle(): void {
    this.faultsOn = false;
    this.protocol.faultsOff?.();
    this.network.healAll();
    for (const node of this.nodes) {
      if (!node.alive) {
        this.trace(`restart ${node.id}`);
        node.restart();
        this.afterCoreEvent(node);
      }
    }
    // Without pre-vote a Raft node with a stale log can keep disrupting elections for a while
    // (each of its campaigns resets everyone's timer), so allow many election timeouts.
    const healedAt = this.now;
    const deadline = healedAt + SETTLE_TICKS * TICK;
    let leader: SimulatedNode<Message, Position> | undefined;
    while (leader === undefined) {
      if (this.now >= deadline) throw new SafetyViolation("liveness", `no stable leader ${SETTLE_TICKS} ticks after healing`);
      this.runUntil(this.now + 5 * TICK);
      leader = this.stableLeader();
    }
    const proposal = leader.propose(`final-${this.options.seed}`);
    if (!proposal.ok) throw new SafetyViolation("liveness", `leader ${leader.id} refuses a proposal`);
    const { position } = proposal;
    const where = this.protocol.describePosition(position);
    this.trace(`propose ${leader.id} final -> ${where}`);
    this.processIo(leader);
    for (;;) {
      this.runUntil(this.now + 5 * TICK);
      const lagging = this.nodes.find((node) => node.view()?.member !== false && !node.hasApplied(position));
      if (lagging === undefined) break;
      if (this.now >= deadline) {
        throw new SafetyViolation("liveness", `node ${lagging.id} ${lagging.describeProgress()} ${SETTLE_TICKS} ticks after healing; the final write is at ${where}`);
      }
    }
    // No fault since the heal, so the write must have survived wherever leadership went.
    if (!this.protocol.isCommitted(position)) {
      throw new SafetyViolation("liveness", `final write at ${where} was replaced without any fault`);
    }
  }

  /** A leader every node follows in its term: without faults it stays leader. */
  private stableLeader(): SimulatedNode<Message, Position> | undefined {
    const leader = this.currentLeader();
    const term = leader?.view()?.term;
    if (leader === undefined || term === undefined) return undefined;
    for (const node of this.nodes) {
      const view = node.view();
      if (view?.member === false) continue;
      if (view === undefined || view.term !== term || view.leader !== leader.id) return undefined;
    }
    return leader;
  }

  /** The live leader of the highest term, if any. */
  private currentLeader(): SimulatedNode<Message, Position> | undefined {
    let best: SimulatedNode<Message, Position> | undefined;
    let bestTerm = -1;
    for (const node of this.nodes) {
      const view = node.view();
      if (view?.leading === true && view.term > bestTerm) {
        best = node;
        bestTerm = view.term;
      }
    }
    return best;
  }

  private node(id: NodeId): SimulatedNode<Message, Position> {
    const node = this.nodes[id - 1];
    if (node === undefined) throw new Error(`no node ${id}`);
    return node;
  }

  private handle(event: SimEvent<Message>): void {
    switch (event.kind) {
      case "tick": {
        const node = this.node(event.node);
        this.queue.push(this.now + TICK, event);
        if (!node.alive) return;
        const wasLeader = node.view()?.leading === true;
        node.tick();
        if (this.options.trace) this.trace(`tick ${node.id}`);
        if (!wasLeader) this.maybeElected(node);
        this.afterCoreEvent(node);
        return;
      }
      case "deliver": {
        const message = event.message;
        const node = this.node(message.to);
        if (!node.alive) return;
        if (this.network.blocks(message.from, message.to)) {
          if (this.options.trace) this.trace(`drop(partition) ${this.protocol.describeMessage(message)}`);
          return;
        }
        if (this.options.trace) this.trace(`deliver ${this.protocol.describeMessage(message)}`);
        const wasLeader = node.view()?.leading === true;
        node.receive(message);
        if (!wasLeader) this.maybeElected(node);
        this.afterCoreEvent(node);
        return;
      }
      case "io": {
        const node = this.node(event.node);
        if (this.incarnations[node.id - 1] !== event.incarnation) return;
        this.completeIo(node);
        return;
      }
      case "restart": {
        const node = this.node(event.node);
        if (node.alive) return;
        this.trace(`restart ${node.id} from ${node.describeDurable()}`);
        node.restart();
        this.afterCoreEvent(node);
        return;
      }
      case "isolate": {
        const view = this.node(event.node).view();
        if (!this.faultsOn || view?.leading !== true || view.term !== event.term) return;
        this.isolate(event.node);
        return;
      }
      case "heal": {
        this.network.heal(event.links);
        this.trace(`heal ${event.links.join(" ")}`);
        return;
      }
    }
  }

  /** Client requests and faults, decided once per tick. */
  private perTick(): void {
    const random = this.random;
    if (random.bool(this.faults.proposeRate)) this.propose();
    if (random.bool(this.faults.readRate)) this.read();
    if (!this.faultsOn) return;
    if (!this.network.partitioned && random.bool(this.faults.partitionRate)) this.partition();
    if (random.bool(this.faults.crashRate)) {
      const live = this.nodes.filter((node) => node.alive);
      // Keep a majority alive most of the time so that the run makes progress.
      if (live.length > Math.floor(this.nodes.length / 2) + (random.bool(0.2) ? 0 : 1)) {
        const victim = random.pick(live);
        this.trace(`crash ${victim.id} (${victim.crash()})`);
        this.incarnations[victim.id - 1]++;
        this.stats.crashes++;
        this.queue.push(this.now + TICK * random.between(2, 30), { kind: "restart", node: victim.id });
      }
    }
  }

  private maybeElected(node: SimulatedNode<Message, Position>): void {
    const view = node.view();
    if (view?.leading !== true) return;
    this.stats.elections++;
    if (this.faultsOn && this.random.bool(this.faults.isolateNewLeaderRate)) {
      // Half the time before its first appends arrive anywhere, otherwise mid-replication.
      const delay = this.random.bool() ? 0 : this.random.int(3 * TICK);
      this.queue.push(this.now + delay, { kind: "isolate", node: node.id, term: view.term });
    }
  }

  private partition(): void {
    const random = this.random;
    const ids = this.nodes.map((node) => node.id);
    let groups: NodeId[][];
    const leader = this.currentLeader();
    const style = random.int(3);
    if (style === 0 && leader !== undefined) {
      groups = [[leader.id], ids.filter((id) => id !== leader.id)];
    } else if (style === 1 && leader !== undefined && ids.length >= 5) {
      // The leader keeps a minority, the rest elect a new leader.
      const others = random.shuffle(ids.filter((id) => id !== leader.id));
      groups = [[leader.id, others[0]], others.slice(1)];
    } else {
      const shuffled = random.shuffle(ids);
      const cut = random.between(1, ids.length - 1);
      groups = [shuffled.slice(0, cut), shuffled.slice(cut)];
    }
    this.partitionGroups(groups);
  }

  private partitionGroups(groups: NodeId[][]): void {
    const links = this.network.partition(groups);
    this.stats.partitions++;
    this.trace(`partition ${groups.map((group) => group.join(" ")).join(" | ")}`);
    this.queue.push(this.now + TICK * this.random.between(this.faults.partitionTicksMin, this.faults.partitionTicksMax), { kind: "heal", links });
  }

  private propose(): void {
    const random = this.random;
    const leader = this.currentLeader();
    const live = this.nodes.filter((node) => node.alive);
    if (live.length === 0) return;
    const target = leader !== undefined && random.bool(0.8) ? leader : random.pick(live);
    const value = `v${++this.proposalCounter}`;
    const outcome = target.propose(value);
    if (this.options.trace) this.trace(`propose ${target.id} ${value} -> ${outcome.ok ? this.protocol.describePosition(outcome.position) : outcome.refusal}`);
    this.afterCoreEvent(target);
  }

  private read(): void {
    const leader = this.currentLeader();
    if (leader === undefined) return;
    const requestId = `r${++this.readCounter}`;
    const accepted = leader.read(requestId);
    if (accepted) this.stats.reads++;
    if (this.options.trace) this.trace(`read ${leader.id} ${requestId} -> ${accepted ? "pending" : "not leader"}`);
    this.afterCoreEvent(leader);
  }

  /** After the core changed: report to the checker, start I/O for what the core wants done. */
  private afterCoreEvent(node: SimulatedNode<Message, Position>): void {
    node.observe();
    const view = node.view();
    if (view !== undefined) {
      const seen = this.leaderCommits.get(node.id) ?? 0;
      if (view.leading && view.commit > seen && this.faultsOn && this.random.bool(this.faults.isolateOnCommitRate)) {
        this.isolate(node.id);
      }
      this.leaderCommits.set(node.id, view.commit);
    }
    this.processIo(node);
  }

  private isolate(id: NodeId): void {
    this.partitionGroups([[id], this.nodes.map((node) => node.id).filter((other) => other !== id)]);
  }

  private processIo(node: SimulatedNode<Message, Position>): void {
    if (!node.startIo()) return;
    if (this.options.trace) this.trace(`ready ${node.id}: ${node.describeIo()}`);
    // Disk latency: the I/O completes later; meanwhile messages and ticks still reach the core.
    this.queue.push(this.now + this.random.int(4), { kind: "io", node: node.id, incarnation: this.incarnations[node.id - 1] });
  }

  private completeIo(node: SimulatedNode<Message, Position>): void {
    const messages = node.finishIo();
    for (const message of messages) this.send(message);
    if (this.faults.compactEvery > 0) {
      const snapshotIndex = node.compact(this.faults.compactEvery);
      if (snapshotIndex !== undefined && this.options.trace) this.trace(`compact ${node.id} at ${snapshotIndex}`);
    }
    this.afterCoreEvent(node);
  }

  private send(message: Message): void {
    if (this.protocol.carriesSnapshot(message)) this.stats.snapshotsSent++;
    const latencies = this.network.transmit(this.faultsOn);
    if (latencies.length === 0 && this.options.trace) this.trace(`drop ${this.protocol.describeMessage(message)}`);
    for (const latency of latencies) this.queue.push(this.now + latency, { kind: "deliver", message });
  }

  private trace(line: string): void {
    this.traceLines.push(`${String(this.now).padStart(6)} ${line}`);
    if (!this.options.trace && this.traceLines.length > TRACE_TAIL * 2) this.traceLines.splice(0, this.traceLines.length - TRACE_TAIL);
  }
}

export function runSimulation<Message extends Addressed, Position>(options: SimulationOptions, protocol: SimulatedProtocol<Message, Position>): SimulationResult {
  return new Simulation(options, protocol).run();
}
