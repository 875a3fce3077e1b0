// The leaderless quorum core: one node's replica (its copies of the keys it holds) and its
// coordinator (the reads and writes its own clients send), sans I/O. Time enters as tick(), peers'
// messages as step(), clients' requests as read() and write(); the shell makes each Ready's
// records durable, then sends its messages and replies (types.ts).
//
//   write  query R replicas for their tags → tag = (highest counter + 1, this op) → store to every
//          replica → W acknowledgements ⇒ ok. Too few query replies in time ⇒ NOQUORUM (nothing was
//          written); too few acknowledgements ⇒ UNKNOWN (the replicas that stored it keep it).
//   read   query every replica, use the first R replies' highest tag. With write-back, make that copy
//          reach W replicas (those that already hold it count) before answering; without, answer
//          at once. With read repair, replicas that answered an older copy (now or until the
//          operation's timeout) are sent the newest, without waiting.
//   replica  query ⇒ its copy; store ⇒ keeps the copy if its tag is newer, then acknowledges
//          (a Ready's messages leave once its records are durable, so an acknowledgement or a
//          reply never gets ahead of the disk).

import { assert } from "../../consensus/assert.ts";
import { Outbox } from "../../textbook/outbox.ts";
import { slotOf } from "../../textbook/placement.ts";
import { compareTags, describeTag, NO_TAG, type ClientReply, type CoreConfig, type CoreStatus, type LogRecord, type PeerMessage, type Ready, type Versioned } from "./types.ts";

interface Operation {
  id: string;
  kind: "read" | "write";
  requestId: number;
  key: string;
  /** The value a write writes. */
  value: number | null;
  replicas: readonly string[];
  /** query: gathering tags; store: gathering acknowledgements (a write, or a read's write-back);
   *  repair: answered, still listening for late query replies to repair. */
  phase: "query" | "store" | "repair";
  replies: Map<string, Versioned>;
  acks: Set<string>;
  /** The copy a write stores, or the newest copy a read found. */
  chosen?: Versioned;
  deadline: number;
  repaired: Set<string>;
}

/** The replicas of `key`: `n` nodes in the cluster's order from the key's slot on. */
export function replicasOf(key: string, nodes: readonly string[], n: number): string[] {
  const start = slotOf(key, nodes.length);
  return Array.from({ length: Math.min(n, nodes.length) }, (_, i) => nodes[(start + i) % nodes.length]);
}

export class QuorumCore {
  private ticks = 0;
  private sequence = 0;
  private readonly out: Outbox<PeerMessage, LogRecord, ClientReply>;
  private readonly store = new Map<string, Versioned>();
  private readonly operations = new Map<string, Operation>();
  private readonly counters = { reads: 0, writes: 0, repairs: 0, writeBacks: 0 };

  constructor(
    private readonly config: CoreConfig,
    durable: { snapshot?: [string, Versioned][]; records: readonly LogRecord[] } = { records: [] },
  ) {
    const { nodes, n, w, r } = config;
    assert(nodes.includes(config.self), () => `node ${config.self} is not among the cluster's nodes ${nodes.join(", ")}`);
    assert(Number.isInteger(n) && n >= 1 && n <= nodes.length, () => `n=${n} replicas need 1 ≤ n ≤ ${nodes.length} nodes`);
    assert(Number.isInteger(w) && w >= 1 && w <= n, () => `w=${w} must be between 1 and n=${n}`);
    assert(Number.isInteger(r) && r >= 1 && r <= n, () => `r=${r} must be between 1 and n=${n}`);
    assert(Number.isSafeInteger(config.timeoutTicks) && config.timeoutTicks > 0, `timeoutTicks must be a positive integer, got ${config.timeoutTicks}`);
    this.out = new Outbox(config.self);
    for (const [key, copy] of durable.snapshot ?? []) this.store.set(key, copy);
    for (const record of durable.records) this.keep(record.key, record.copy, false);
  }

  // ---- inputs -----------------------------------------------------------------------------------

  tick(): void {
    this.ticks++;
    for (const operation of [...this.operations.values()]) {
      if (operation.deadline <= this.ticks) this.expire(operation);
    }
    this.drainLocal();
  }

  step(message: PeerMessage): void {
    assert(message.to === this.config.self, () => `node ${this.config.self} was handed a ${message.type} addressed to ${message.to}`);
    assert(this.config.nodes.includes(message.from), () => `node ${this.config.self} got a ${message.type} from ${message.from}, which is not in the cluster`);
    this.route(message);
    this.drainLocal();
  }

  read(requestId: number, key: string): void {
    this.counters.reads++;
    this.begin("read", requestId, key, null);
  }

  write(requestId: number, key: string, value: number): void {
    this.counters.writes++;
    this.begin("write", requestId, key, value);
  }

  hasReady(): boolean {
    return this.out.pending;
  }

  ready(): Ready {
    return this.out.take();
  }

  // ---- coordinator ------------------------------------------------------------------------------

  private begin(kind: "read" | "write", requestId: number, key: string, value: number | null): void {
    const id = `${this.config.opPrefix}.${++this.sequence}`;
    const replicas = replicasOf(key, this.config.nodes, this.config.n);
    const operation: Operation = { id, kind, requestId, key, value, replicas, phase: "query", replies: new Map(), acks: new Set(), deadline: this.ticks + this.config.timeoutTicks, repaired: new Set() };
    this.operations.set(id, operation);
    for (const replica of replicas) this.out.send({ type: "query", from: this.config.self, to: replica, op: id, key });
    this.drainLocal();
  }

  private onQueryReply(message: PeerMessage & { type: "queryReply" }): void {
    const operation = this.operations.get(message.op);
    if (!operation || !operation.replicas.includes(message.from) || operation.replies.has(message.from)) return;
    operation.replies.set(message.from, message.copy);
    if (operation.phase !== "query") {
      this.repairLate(operation, message.from, message.copy);
      return;
    }
    if (operation.replies.size < this.config.r) return;
    const newest = [...operation.replies.values()].reduce((best, copy) => (compareTags(copy.tag, best.tag) > 0 ? copy : best));
    if (operation.kind === "write") {
      // The writer is the operation, not the node: two clients of one node writing a key at once
      // may read the same highest counter, and equal tags on different values would let replicas
      // disagree on which is newer.
      operation.chosen = { tag: { counter: newest.tag.counter + 1, writer: operation.id }, value: operation.value };
      this.startStore(operation, operation.replicas);
      return;
    }
    operation.chosen = newest;
    if (this.config.readRepair) for (const [replica, copy] of operation.replies) this.repairLate(operation, replica, copy);
    if (!this.config.writeBack) {
      this.answerRead(operation);
      return;
    }
    // Replicas that answered the newest copy already hold it (durably: their reply left after it).
    const holding = [...operation.replies].filter(([, copy]) => compareTags(copy.tag, newest.tag) >= 0).map(([replica]) => replica);
    for (const replica of holding) operation.acks.add(replica);
    if (operation.acks.size >= this.config.w) {
      this.answerRead(operation);
      return;
    }
    this.counters.writeBacks++;
    this.startStore(operation, operation.replicas.filter((replica) => !operation.acks.has(replica)));
  }

  private startStore(operation: Operation, to: readonly string[]): void {
    const copy = operation.chosen;
    assert(copy !== undefined, `operation ${operation.id} stores before choosing a copy`);
    operation.phase = "store";
    operation.deadline = this.ticks + this.config.timeoutTicks;
    for (const replica of to) this.out.send({ type: "store", from: this.config.self, to: replica, op: operation.id, key: operation.key, copy });
  }

  private onStoreAck(message: PeerMessage & { type: "storeAck" }): void {
    const operation = this.operations.get(message.op);
    if (operation?.phase !== "store" || !operation.replicas.includes(message.from)) return;
    operation.acks.add(message.from);
    if (operation.acks.size < this.config.w) return;
    if (operation.kind === "write") {
      this.operations.delete(operation.id);
      this.out.reply({ requestId: operation.requestId, ok: true, value: null });
    } else {
      this.answerRead(operation);
    }
  }

  private answerRead(operation: Operation): void {
    this.out.reply({ requestId: operation.requestId, ok: true, value: operation.chosen?.value ?? null });
    // Keep listening for late replies to repair them, unless every replica has answered.
    if (this.config.readRepair && !this.config.writeBack && operation.replies.size < operation.replicas.length) operation.phase = "repair";
    else this.operations.delete(operation.id);
  }

  /** Read repair: a replica that answered an older copy than the newest found gets the newest. */
  private repairLate(operation: Operation, replica: string, copy: Versioned): void {
    const newest = operation.chosen;
    // With write-back the read itself stores the newest copy on every replica that lacked it.
    if (operation.kind !== "read" || !this.config.readRepair || this.config.writeBack || !newest || operation.repaired.has(replica)) return;
    if (compareTags(copy.tag, newest.tag) >= 0) return;
    operation.repaired.add(replica);
    this.counters.repairs++;
    this.out.send({ type: "store", from: this.config.self, to: replica, op: `${operation.id}.repair`, key: operation.key, copy: newest });
    if (operation.phase === "repair" && operation.replies.size === operation.replicas.length) this.operations.delete(operation.id);
  }

  private expire(operation: Operation): void {
    this.operations.delete(operation.id);
    if (operation.phase === "repair") return;
    const answered = operation.phase === "query" ? operation.replies.size : operation.acks.size;
    const needed = operation.phase === "query" ? this.config.r : this.config.w;
    const what = operation.phase === "query" ? "answered the query" : operation.kind === "write" ? "stored the write" : "stored the read's write-back";
    const reason = `${operation.kind} of ${operation.key}: ${answered} of the ${needed} replicas needed (${operation.replicas.join(", ")}) ${what} within ${this.config.timeoutTicks} ticks`;
    // Only a write's store phase may have left a copy behind; a read changes no value.
    const code = operation.kind === "write" && operation.phase === "store" ? "UNKNOWN" : "NOQUORUM";
    this.out.reply({ requestId: operation.requestId, ok: false, code, reason: code === "UNKNOWN" ? `${reason}; the replicas that stored it (tag ${describeTag(operation.chosen?.tag ?? NO_TAG)}) keep it` : reason });
  }

  // ---- replica ----------------------------------------------------------------------------------

  private route(message: PeerMessage): void {
    switch (message.type) {
      case "query":
        this.out.send({ type: "queryReply", from: this.config.self, to: message.from, op: message.op, key: message.key, copy: this.store.get(message.key) ?? { tag: NO_TAG, value: null } });
        return;
      case "store":
        this.keep(message.key, message.copy, true);
        this.out.send({ type: "storeAck", from: this.config.self, to: message.from, op: message.op, key: message.key });
        return;
      case "queryReply":
        this.onQueryReply(message);
        return;
      case "storeAck":
        this.onStoreAck(message);
        return;
    }
  }

  /** Keeps `copy` if it is newer than what this replica holds (logging it when `log`). */
  private keep(key: string, copy: Versioned, log: boolean): void {
    const current = this.store.get(key);
    if (current && compareTags(copy.tag, current.tag) <= 0) return;
    this.store.set(key, copy);
    if (log) this.out.record({ t: "stored", key, copy });
  }

  private drainLocal(): void {
    for (let message = this.out.local.shift(); message !== undefined; message = this.out.local.shift()) this.route(message);
  }

  // ---- what it says about itself ------------------------------------------------------------------

  status(): CoreStatus {
    return { keys: this.store.size, coordinating: this.operations.size, ...this.counters };
  }

  /** This replica's copy of `key`. */
  copyOf(key: string): Versioned | undefined {
    return this.store.get(key);
  }

  /** The store, for compaction: restoring it and replaying what is logged after gives this node. */
  snapshot(): [string, Versioned][] {
    return [...this.store];
  }
}
