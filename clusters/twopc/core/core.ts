// The two- and three-phase commit core: one node's participant and coordinator (participant.ts,
// coordinator.ts) behind one door, sans I/O as etcd's raft is. Time enters as tick(), peers'
// messages as step(), clients' transactions as begin(); the shell takes each Ready, makes its
// records durable, and only then sends its messages and replies (types.ts).
//
// Recovery is replay: the core is built from a snapshot (if any) and the records logged after it,
// and rebuilds exactly what those records say — the store with every prepared transaction's writes
// applied and every aborted one's undone, the locks of the transactions still in doubt, and the
// coordinator's commit decisions not yet acknowledged everywhere. Everything else (votes being
// gathered, requests waiting for locks) was volatile and is gone, as after a real crash.

import { assert } from "../../consensus/assert.ts";
import { Coordinator } from "./coordinator.ts";
import { Outbox } from "./outbox.ts";
import { Participant } from "./participant.ts";
import type { CoreConfig, CoreStatus, LogRecord, Outcome, PeerMessage, Ready, TxnId, TxnOp } from "./types.ts";

/** A compacted log: the state its records had built, as the store plus the records that rebuild
 *  the rest (participant.ts and coordinator.ts snapshotRecords). */
export interface CoreSnapshot {
  incarnation: number;
  store: [string, number][];
  records: LogRecord[];
}

export interface DurableState {
  snapshot?: CoreSnapshot;
  /** Logged after the snapshot, oldest first. */
  records: readonly LogRecord[];
}

export class TwoPcCore {
  private ticks = 0;
  private readonly incarnation: number;
  private readonly out: Outbox;
  readonly participant: Participant;
  readonly coordinator: Coordinator;

  constructor(
    private readonly config: CoreConfig,
    durable: DurableState = { records: [] },
  ) {
    assert(config.nodes.includes(config.self), () => `node ${config.self} is not among the cluster's nodes ${config.nodes.join(", ")}`);
    assert(new Set(config.nodes).size === config.nodes.length, () => `the cluster's nodes ${config.nodes.join(", ")} repeat a name`);
    for (const [name, value] of Object.entries(config)) {
      if (name.endsWith("Ticks") || name === "tickMs") assert(Number.isSafeInteger(value) && (value as number) > 0, `${name} must be a positive integer, got ${String(value)}`);
    }
    this.out = new Outbox(config.self);
    const now = () => this.ticks;
    this.participant = new Participant(config, this.out, now);
    let incarnation = durable.snapshot?.incarnation ?? 0;
    this.coordinator = new Coordinator(config, this.out, now, () => this.incarnation);
    if (durable.snapshot) {
      for (const [key, value] of durable.snapshot.store) this.participant.store.set(key, value);
      for (const record of durable.snapshot.records) this.replay(record);
    }
    for (const record of durable.records) {
      if (record.t === "start") incarnation = Math.max(incarnation, record.incarnation);
      this.replay(record);
    }
    this.incarnation = incarnation + 1;
    this.out.record({ t: "start", incarnation: this.incarnation });
    this.participant.recovered();
  }

  private replay(record: LogRecord): void {
    this.participant.replay(record);
    this.coordinator.replay(record);
  }

  tick(): void {
    this.ticks++;
    this.participant.tick();
    this.coordinator.tick();
    this.drainLocal();
  }

  step(message: PeerMessage): void {
    assert(message.to === this.config.self, () => `node ${this.config.self} was handed a ${message.type} addressed to ${message.to}`);
    assert(this.config.nodes.includes(message.from), () => `node ${this.config.self} got a ${message.type} from ${message.from}, which is not in the cluster`);
    this.route(message);
    this.drainLocal();
  }

  /** A client's transaction (ops already validated by the shell); returns its id. */
  begin(requestId: number, ops: readonly TxnOp[], timestampMs: number): TxnId {
    assert(ops.length > 0, "a transaction needs at least one op");
    const txn = this.coordinator.begin(requestId, ops, timestampMs);
    this.drainLocal();
    return txn;
  }

  hasReady(): boolean {
    return this.out.pending;
  }

  ready(): Ready {
    return this.out.take();
  }

  private route(message: PeerMessage): void {
    switch (message.type) {
      case "vote":
      case "done":
      case "inquire":
        this.coordinator.handle(message);
        return;
      default:
        this.participant.handle(message);
    }
  }

  private drainLocal(): void {
    for (let message = this.out.local.shift(); message !== undefined; message = this.out.local.shift()) this.route(message);
  }

  status(): CoreStatus {
    const inDoubt = this.participant.inDoubt();
    return {
      incarnation: this.incarnation,
      protocol: this.config.protocol,
      keys: this.participant.store.size,
      locksHeld: this.participant.locksHeld,
      inDoubt: inDoubt.count,
      oldestInDoubtTicks: inDoubt.oldestTicks,
      waiting: this.participant.waitingCount,
      coordinating: this.coordinator.active,
      committed: this.participant.counters.committed,
      aborted: this.participant.counters.aborted,
      committedOnTimeout: this.participant.counters.committedOnTimeout,
    };
  }

  /** The value of `key` in this participant's store (writes of prepared transactions included). */
  valueOf(key: string): number | undefined {
    return this.participant.store.get(key);
  }

  outcomeOf(txn: TxnId): Outcome | "prepared" | undefined {
    return this.participant.outcomeOf(txn);
  }

  /** The state the log's records built so far, for compaction: restoring it and replaying what is
   *  logged after it gives the same node. */
  snapshot(): CoreSnapshot {
    return { incarnation: this.incarnation, store: [...this.participant.store], records: [...this.participant.snapshotRecords(), ...this.coordinator.snapshotRecords()] };
  }
}
