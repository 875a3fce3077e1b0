// Seeded simulation of the leaderless quorum core (clusters/quorum/core/): a few cores over a
// network that delays, reorders and drops messages and cuts nodes off, with crashes that restart a
// node from its log, and client processes that read and write a few keys through random home
// nodes. Every run is a function of its seed and returns the client history (the harness's Op
// records, ready for the linearizability checker) and what the replicas stored, so that the tests
// can hold a configuration to what the seeds say of it (SEEDS.md C11).
//
// The shell is the real one's contract in small: a Ready's records are durable the moment it is
// taken, its messages go on the network and its replies reach the clients. A crash loses the core
// and its operations in flight (their clients see info for a write, fail for a read) but not its
// log.

import { QuorumCore } from "../../clusters/quorum/core/core.ts";
import type { ClientReply, LogRecord, PeerMessage, Tag } from "../../clusters/quorum/core/types.ts";
import type { Op } from "../../harness/op.ts";
import { Rng } from "../../harness/rng.ts";

export interface QuorumSimulationOptions {
  seed: number;
  nodes?: number;
  n: number;
  w: number;
  r: number;
  writeBack?: boolean;
  readRepair?: boolean;
  /** Client operations issued in all. */
  ops?: number;
  clients?: number;
  keys?: number;
  /** Per step: chance of a crash (restarted some steps later) and of a partition (healed later). */
  crashRate?: number;
  partitionRate?: number;
  /** Chance a message is lost. */
  dropRate?: number;
}

export interface QuorumSimulationResult {
  history: Op[];
  /** Each write's tag, by its (unique) value, as the replicas stored it. */
  tags: Map<number, Tag>;
  stats: { ok: number; fail: number; info: number; crashes: number; partitions: number };
}

const TIMEOUT_TICKS = 40;

interface Pending {
  process: number;
  f: "read" | "write";
  key: string;
  value: number | null;
  node: string;
  requestId: number;
}

export function simulateQuorum(options: QuorumSimulationOptions): QuorumSimulationResult {
  return new QuorumSimulation(options).run();
}

class QuorumSimulation {
  private readonly random: Rng;
  private readonly nodes: string[];
  private readonly cores = new Map<string, QuorumCore | undefined>();
  private readonly logs = new Map<string, LogRecord[]>();
  private readonly incarnations = new Map<string, number>();
  private readonly restartAt = new Map<string, number>();
  /** In flight, in any order the random delivery picks. */
  private network: PeerMessage[] = [];
  private readonly cut = new Set<string>();
  private healAt = -1;
  private readonly history: Op[] = [];
  private readonly pending = new Map<string, Pending>();
  private readonly busy = new Set<number>();
  private requestCounter = 0;
  private writeCounter = 0;
  private issued = 0;
  private now = 0;
  private readonly stats = { ok: 0, fail: 0, info: 0, crashes: 0, partitions: 0 };

  constructor(private readonly options: QuorumSimulationOptions) {
    this.random = new Rng(options.seed);
    this.nodes = Array.from({ length: options.nodes ?? options.n }, (_, i) => `n${i + 1}`);
    for (const node of this.nodes) {
      this.logs.set(node, []);
      this.incarnations.set(node, 0);
      this.start(node);
    }
  }

  run(): QuorumSimulationResult {
    const total = this.options.ops ?? 200;
    const clients = this.options.clients ?? 4;
    // Bounded: a run whose ops never finish fails the test instead of spinning.
    for (let step = 0; step < 200_000 && (this.issued < total || this.pending.size > 0); step++) {
      this.now++;
      this.faults();
      if (this.issued < total && this.random.bool(0.3)) {
        const idle = Array.from({ length: clients }, (_, p) => p).filter((p) => !this.busy.has(p));
        if (idle.length > 0) this.invoke(this.random.pick(idle));
      }
      // A few deliveries per step, picked at random: messages overtake each other.
      for (let i = 0; i < 3 && this.network.length > 0; i++) this.deliver(this.network.splice(this.random.int(this.network.length), 1)[0]);
      if (this.now % 5 === 0) for (const node of this.nodes) this.input(node, (core) => core.tick());
    }
    if (this.pending.size > 0) throw new Error(`seed ${this.options.seed}: ${this.pending.size} operations never finished`);
    return { history: this.history, tags: this.tags(), stats: this.stats };
  }

  private start(node: string): void {
    const incarnation = (this.incarnations.get(node) ?? 0) + 1;
    this.incarnations.set(node, incarnation);
    const { n, w, r } = this.options;
    const core = new QuorumCore(
      { self: node, nodes: this.nodes, n, w, r, readRepair: this.options.readRepair ?? false, writeBack: this.options.writeBack ?? false, timeoutTicks: TIMEOUT_TICKS, opPrefix: `${node}.${incarnation}` },
      { records: this.logs.get(node) ?? [] },
    );
    this.cores.set(node, core);
    this.collect(node);
  }

  private faults(): void {
    for (const [node, at] of this.restartAt) {
      if (at > this.now) continue;
      this.restartAt.delete(node);
      this.start(node);
    }
    if (this.healAt === this.now) this.cut.clear();
    const up = this.nodes.filter((node) => this.cores.get(node));
    // At most one node down at a time, so that every quorum up to n-1 stays possible.
    if (up.length === this.nodes.length && this.random.bool(this.options.crashRate ?? 0)) this.crash(this.random.pick(up));
    if (this.cut.size === 0 && this.random.bool(this.options.partitionRate ?? 0)) {
      const isolated = this.random.pick(this.nodes);
      for (const other of this.nodes) {
        if (other === isolated) continue;
        this.cut.add(`${isolated}>${other}`);
        this.cut.add(`${other}>${isolated}`);
      }
      this.healAt = this.now + 50 + this.random.int(200);
      this.stats.partitions++;
    }
  }

  private crash(node: string): void {
    this.cores.set(node, undefined);
    this.stats.crashes++;
    this.network = this.network.filter((message) => message.to !== node);
    for (const [id, op] of this.pending) {
      if (op.node !== node) continue;
      this.pending.delete(id);
      // A write may have reached replicas before its coordinator died; a read changed nothing.
      this.complete(op, op.f === "write" ? "info" : "fail", null);
    }
    this.restartAt.set(node, this.now + 20 + this.random.int(100));
  }

  private invoke(process: number): void {
    const node = this.random.pick(this.nodes.filter((candidate) => this.cores.get(candidate)));
    const key = `reg:${this.random.int(this.options.keys ?? 2)}`;
    const f = this.random.bool(0.5) ? "read" : "write";
    // Every write writes a value of its own, so a read names the write it saw.
    const value = f === "write" ? ++this.writeCounter : null;
    const requestId = ++this.requestCounter;
    const op: Pending = { process, f, key, value, node, requestId };
    this.busy.add(process);
    this.issued++;
    this.history.push({ index: this.history.length, time: this.now, process, type: "invoke", f, value, key });
    this.pending.set(`${node}/${requestId}`, op);
    this.input(node, (core) => (f === "read" ? core.read(requestId, key) : core.write(requestId, key, value as number)));
  }

  private deliver(message: PeerMessage): void {
    if (this.cut.has(`${message.from}>${message.to}`) || this.random.bool(this.options.dropRate ?? 0)) return;
    this.input(message.to, (core) => core.step(message));
  }

  private input(node: string, run: (core: QuorumCore) => void): void {
    const core = this.cores.get(node);
    if (!core) return;
    run(core);
    this.collect(node);
  }

  private collect(node: string): void {
    const core = this.cores.get(node);
    if (!core) return;
    while (core.hasReady()) {
      const ready = core.ready();
      this.logs.get(node)?.push(...ready.records);
      this.network.push(...ready.messages);
      for (const reply of ready.replies) this.answer(node, reply);
    }
  }

  private answer(node: string, reply: ClientReply): void {
    const id = `${node}/${reply.requestId}`;
    const op = this.pending.get(id);
    if (!op) return;
    this.pending.delete(id);
    if (reply.ok) this.complete(op, "ok", op.f === "read" ? reply.value : op.value);
    else this.complete(op, reply.code === "UNKNOWN" ? "info" : "fail", op.value, `${reply.code} ${reply.reason}`);
  }

  private complete(op: Pending, type: "ok" | "fail" | "info", value: number | null, error?: string): void {
    this.busy.delete(op.process);
    this.stats[type]++;
    const completion: Op = { index: this.history.length, time: this.now, process: op.process, type, f: op.f, value: op.f === "write" ? op.value : value, key: op.key, node: op.node };
    if (error !== undefined) completion.error = error;
    this.history.push(completion);
  }

  private tags(): Map<number, Tag> {
    const tags = new Map<number, Tag>();
    for (const log of this.logs.values()) for (const record of log) if (record.copy.value !== null) tags.set(record.copy.value, record.copy.tag);
    return tags;
  }
}
