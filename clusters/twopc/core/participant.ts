// A participant: one shard of the keys, its locks and its redo/undo log, answering coordinators.
//
//   2PC   prepare    take the locks (waiting as wait-die allows), apply the writes, log prepared
//                    (redo + undo), vote yes — or vote no (a business rule, a lock it may not wait
//                    for, a wait that ran out). Prepared, it may not decide alone: it holds its
//                    locks until the coordinator's decision arrives, and keeps asking for it
//                    (inquire). A coordinator that is gone blocks it — and everyone who needs
//                    those keys — until it is back.
//   3PC   canCommit  check the ops against the store, without locks or log; vote. No preCommit
//                    within canCommitTimeout: forget it.
//         preCommit  as 2PC's prepare, but once pre-committed a participant that hears neither
//                    doCommit nor abort within commitTimeout commits on its own (the seeds' rule).
//                    Under a partition the abort that would have stopped it never arrives, while
//                    the participants on the coordinator's side abort: atomicity is lost.
//   both  commit     log committed, release the locks, acknowledge (done).
//         abort      undo the writes, log aborted, release the locks.
//
// Writes are applied to the store when prepared (immediate update): the locks keep everyone else
// from seeing them until the outcome, and `undo` takes them back on abort.

import { assert } from "../../consensus/assert.ts";
import { evaluate, lockModes } from "./evaluate.ts";
import { compareAge, LockTable, type LockMode } from "./locks.ts";
import type { Outbox } from "./outbox.ts";
import type { CoreConfig, LogRecord, Outcome, PeerMessage, Protocol, TxnId, TxnOp, VoteBody } from "./types.ts";

type LockingRequest = "prepare" | "preCommit";

interface ParticipantTxn {
  txn: TxnId;
  coordinator: string;
  protocol: Protocol;
  ops: TxnOp[];
  timestamp: number;
  modes: Map<string, LockMode>;
  /** locking: waiting for locks; can-commit: 3PC voted yes, holds nothing; prepared: holds its
   *  locks, writes applied and logged (2PC prepared, 3PC pre-committed). */
  state: "locking" | "can-commit" | "prepared";
  /** What the locking state will answer once it has its locks. */
  request?: LockingRequest;
  /** Tick it entered its state. */
  since: number;
  /** Tick of its next timeout (by state: give up waiting, forget, inquire again, commit alone). */
  deadline: number;
  undo: Record<string, number | null>;
  redo: Record<string, number>;
}

/** Decided transactions are remembered (late and duplicated requests are ignored), up to this
 *  many; older ones are forgotten first. */
const FINISHED_MEMORY = 200_000;

export interface ParticipantCounters {
  committed: number;
  aborted: number;
  committedOnTimeout: number;
}

export class Participant {
  readonly store = new Map<string, number>();
  private readonly locks = new LockTable();
  private readonly txns = new Map<TxnId, ParticipantTxn>();
  /** Transactions in the locking state, oldest request first. */
  private waiting: TxnId[] = [];
  private readonly finished = new Map<TxnId, Outcome>();
  readonly counters: ParticipantCounters = { committed: 0, aborted: 0, committedOnTimeout: 0 };

  constructor(
    private readonly config: CoreConfig,
    private readonly out: Outbox,
    private readonly now: () => number,
  ) {}

  // ---- recovery ---------------------------------------------------------------------------------

  /** Replays one of this node's log records (recovery.ts). */
  replay(record: LogRecord): void {
    switch (record.t) {
      case "prepared": {
        const modes = lockModes(record.ops);
        const txn: ParticipantTxn = { ...record, modes, state: "prepared", since: 0, deadline: 0 };
        assert(this.locks.conflicts(txn).length === 0, () => `replaying prepared ${record.txn}: its locks conflict with ${this.locks.conflicts(txn).join(", ")}, which the log never released`);
        this.locks.acquire(txn);
        for (const [key, value] of Object.entries(record.redo)) this.store.set(key, value);
        this.txns.set(record.txn, txn);
        return;
      }
      case "committed":
      case "aborted": {
        const txn = this.txns.get(record.txn);
        if (txn) {
          if (record.t === "aborted") this.undo(txn);
          this.locks.release(txn.txn, txn.modes.keys());
          this.txns.delete(txn.txn);
        }
        this.remember(record.txn, record.t === "committed" ? "commit" : "abort");
        return;
      }
      default:
        return;
    }
  }

  /** After recovery: prepared transactions resume their timeouts from the restart. A 2PC one asks
   *  its coordinator at once; a 3PC one waits a full commit timeout before committing alone. */
  recovered(): void {
    for (const txn of this.txns.values()) {
      txn.since = this.now();
      txn.deadline = txn.protocol === "2pc" ? this.now() : this.now() + this.config.commitTimeoutTicks;
    }
  }

  // ---- messages ---------------------------------------------------------------------------------

  handle(message: PeerMessage): void {
    switch (message.type) {
      case "prepare":
      case "preCommit":
        this.onLockingRequest(message, message.type);
        return;
      case "canCommit":
        this.onCanCommit(message);
        return;
      case "commit":
        this.onCommit(message);
        return;
      case "abort":
        this.onAbort(message);
        return;
      default:
        throw new Error(`participant ${this.config.self} was handed a ${message.type}, which only coordinators take`);
    }
  }

  private onLockingRequest(message: PeerMessage & { ops: TxnOp[]; timestamp: number }, request: LockingRequest): void {
    if (this.finished.has(message.txn)) return;
    const existing = this.txns.get(message.txn);
    if (existing?.state === "prepared") {
      // A duplicate (or a coordinator resending): the vote stands.
      this.vote(existing, request, { yes: true, values: this.readValues(existing.ops) });
      return;
    }
    if (existing?.state === "locking") return;
    const txn: ParticipantTxn = {
      txn: message.txn,
      coordinator: message.from,
      protocol: request === "prepare" ? "2pc" : "3pc",
      ops: message.ops,
      timestamp: message.timestamp,
      modes: lockModes(message.ops),
      state: "locking",
      request,
      since: this.now(),
      deadline: this.now() + this.config.lockWaitTicks,
      undo: {},
      redo: {},
    };
    this.txns.set(txn.txn, txn);
    const conflicts = this.locks.conflicts(txn);
    if (conflicts.length === 0) {
      this.prepare(txn);
      return;
    }
    if (this.mayWaitFor(txn, conflicts)) {
      this.waiting.push(txn.txn);
      return;
    }
    this.refuseLocking(txn, `wait-die: ${this.describeHolders(conflicts)}, older than ${txn.txn}, which may not wait for it`, true);
  }

  private onCanCommit(message: PeerMessage & { type: "canCommit" }): void {
    if (this.finished.has(message.txn) || this.txns.has(message.txn)) return;
    const evaluation = evaluate(message.ops, (key) => this.store.get(key));
    if (!evaluation.ok) {
      this.out.send({ type: "vote", phase: "canCommit", from: this.config.self, to: message.from, txn: message.txn, vote: { yes: false, refused: true, reason: `${this.config.self}: ${evaluation.reason}` } });
      return;
    }
    const txn: ParticipantTxn = {
      txn: message.txn,
      coordinator: message.from,
      protocol: "3pc",
      ops: message.ops,
      timestamp: message.timestamp,
      modes: lockModes(message.ops),
      state: "can-commit",
      since: this.now(),
      deadline: this.now() + this.config.canCommitTimeoutTicks,
      undo: {},
      redo: {},
    };
    this.txns.set(txn.txn, txn);
    this.out.send({ type: "vote", phase: "canCommit", from: this.config.self, to: message.from, txn: message.txn, vote: { yes: true } });
  }

  private onCommit(message: PeerMessage): void {
    const done = () => this.out.send({ type: "done", from: this.config.self, to: message.from, txn: message.txn });
    const outcome = this.finished.get(message.txn);
    if (outcome === "commit") {
      done();
      return;
    }
    const txn = this.txns.get(message.txn);
    // A coordinator commits only after every participant logged prepared and said so: a commit
    // for anything else means the protocol itself broke.
    assert(outcome === undefined && txn?.state === "prepared", () => `participant ${this.config.self}: commit of ${message.txn} from ${message.from}, which it ${outcome === "abort" ? "aborted" : txn ? `holds as ${txn.state}` : "never prepared"}`);
    this.finish(txn, "commit");
    done();
  }

  private onAbort(message: PeerMessage): void {
    const outcome = this.finished.get(message.txn);
    if (outcome === "commit") {
      // Only 3PC gets here: this participant committed on its own, and its coordinator aborted.
      this.out.log(`ATOMICITY LOST: ${message.from} aborted ${message.txn}, which ${this.config.self} already committed on its own after the 3PC commit timeout`);
      return;
    }
    if (outcome === "abort") return;
    const txn = this.txns.get(message.txn);
    if (!txn) {
      // Not seen yet (the abort overtook its request) or already forgotten: any late request for
      // it is ignored from now on.
      this.remember(message.txn, "abort");
      return;
    }
    this.finish(txn, "abort");
  }

  // ---- time -------------------------------------------------------------------------------------

  tick(): void {
    const now = this.now();
    for (const txn of [...this.txns.values()]) {
      if (txn.deadline > now) continue;
      switch (txn.state) {
        case "locking":
          this.refuseLocking(txn, `lock wait of ${this.ms(this.config.lockWaitTicks)} ran out: ${this.describeHolders(this.locks.conflicts(txn))}`);
          break;
        case "can-commit":
          this.txns.delete(txn.txn);
          break;
        case "prepared":
          if (txn.protocol === "2pc") {
            this.out.send({ type: "inquire", from: this.config.self, to: txn.coordinator, txn: txn.txn });
            txn.deadline = now + this.config.inquireTicks;
          } else {
            this.out.log(`3PC: ${txn.txn} was pre-committed ${this.ms(now - txn.since)} ago and neither doCommit nor abort came from ${txn.coordinator}; committing it on its own`);
            this.counters.committedOnTimeout++;
            this.finish(txn, "commit");
          }
          break;
      }
    }
  }

  // ---- state changes ----------------------------------------------------------------------------

  /** Locks granted: apply the writes, log them, vote (or refuse on a business rule). */
  private prepare(txn: ParticipantTxn): void {
    const evaluation = evaluate(txn.ops, (key) => this.store.get(key));
    const request = txn.request ?? "prepare";
    if (!evaluation.ok) {
      this.txns.delete(txn.txn);
      this.vote(txn, request, { yes: false, refused: true, reason: `${this.config.self}: ${evaluation.reason}` });
      return;
    }
    this.locks.acquire(txn);
    for (const [key, value] of Object.entries(evaluation.redo)) this.store.set(key, value);
    txn.undo = evaluation.undo;
    txn.redo = evaluation.redo;
    txn.state = "prepared";
    txn.request = undefined;
    txn.since = this.now();
    txn.deadline = this.now() + (txn.protocol === "2pc" ? this.config.inquireTicks : this.config.commitTimeoutTicks);
    this.out.record({ t: "prepared", txn: txn.txn, coordinator: txn.coordinator, protocol: txn.protocol, ops: txn.ops, timestamp: txn.timestamp, undo: txn.undo, redo: txn.redo });
    this.vote(txn, request, { yes: true, values: evaluation.values });
  }

  private refuseLocking(txn: ParticipantTxn, reason: string, retry = false): void {
    this.txns.delete(txn.txn);
    this.waiting = this.waiting.filter((id) => id !== txn.txn);
    this.vote(txn, txn.request ?? "prepare", { yes: false, reason: `${this.config.self}: ${reason}`, ...(retry ? { retry } : {}) });
  }

  private finish(txn: ParticipantTxn, outcome: Outcome): void {
    const wasPrepared = txn.state === "prepared";
    this.txns.delete(txn.txn);
    this.waiting = this.waiting.filter((id) => id !== txn.txn);
    this.remember(txn.txn, outcome);
    if (!wasPrepared) return;
    if (outcome === "abort") this.undo(txn);
    this.out.record(outcome === "commit" ? { t: "committed", txn: txn.txn } : { t: "aborted", txn: txn.txn });
    if (outcome === "commit") this.counters.committed++;
    else this.counters.aborted++;
    this.locks.release(txn.txn, txn.modes.keys());
    this.grantWaiting();
  }

  private undo(txn: ParticipantTxn): void {
    for (const [key, value] of Object.entries(txn.undo)) {
      if (value === null) this.store.delete(key);
      else this.store.set(key, value);
    }
  }

  /** After a release: requests that can now have all their locks get them, oldest request first;
   *  one that now conflicts with an older holder dies. */
  private grantWaiting(): void {
    for (const id of [...this.waiting]) {
      const txn = this.txns.get(id);
      if (txn?.state !== "locking") continue;
      const conflicts = this.locks.conflicts(txn);
      if (conflicts.length === 0) {
        this.waiting = this.waiting.filter((other) => other !== id);
        this.prepare(txn);
      } else if (!this.mayWaitFor(txn, conflicts)) {
        this.refuseLocking(txn, `wait-die: ${this.describeHolders(conflicts)}, older than ${txn.txn}, which may not wait for it`, true);
      }
    }
  }

  private mayWaitFor(txn: ParticipantTxn, holders: readonly TxnId[]): boolean {
    return holders.every((holder) => {
      const held = this.txns.get(holder);
      return held !== undefined && compareAge(txn, held) < 0;
    });
  }

  private vote(txn: ParticipantTxn, phase: LockingRequest, vote: VoteBody): void {
    this.out.send({ type: "vote", phase, from: this.config.self, to: txn.coordinator, txn: txn.txn, vote });
  }

  private readValues(ops: readonly TxnOp[]): Record<string, number | null> {
    const values: Record<string, number | null> = {};
    for (const op of ops) if (op.kind === "get") values[op.key] = this.store.get(op.key) ?? null;
    return values;
  }

  private remember(txn: TxnId, outcome: Outcome): void {
    this.finished.set(txn, outcome);
    if (this.finished.size > FINISHED_MEMORY) {
      const oldest = this.finished.keys().next();
      if (!oldest.done) this.finished.delete(oldest.value);
    }
  }

  // ---- what it says about itself ------------------------------------------------------------------

  /** "bank:3 is locked by n1.2.17 (prepared 1.2 s ago, waiting for n1's decision)". */
  describeHolders(holders: readonly TxnId[]): string {
    if (holders.length === 0) return "no lock holder left";
    const now = this.now();
    return holders
      .map((holder) => {
        const txn = this.txns.get(holder);
        if (!txn) return `locked by ${holder}`;
        const keys = [...txn.modes.keys()].join(", ");
        const state =
          txn.protocol === "2pc" ? `prepared ${this.ms(now - txn.since)} ago, waiting for ${txn.coordinator}'s decision` : `pre-committed ${this.ms(now - txn.since)} ago by ${txn.coordinator}`;
        return `${keys} locked by ${holder} (${state})`;
      })
      .join("; ");
  }

  get locksHeld(): number {
    return this.locks.size;
  }

  /** Prepared transactions that have no outcome yet, and the age of the oldest, in ticks. */
  inDoubt(): { count: number; oldestTicks: number } {
    let count = 0;
    let oldest = 0;
    for (const txn of this.txns.values()) {
      if (txn.state !== "prepared") continue;
      count++;
      oldest = Math.max(oldest, this.now() - txn.since);
    }
    return { count, oldestTicks: oldest };
  }

  get waitingCount(): number {
    return this.waiting.length;
  }

  /** What a snapshot must hold of this participant: replaying these records rebuilds it. */
  snapshotRecords(): LogRecord[] {
    const records: LogRecord[] = [];
    for (const [txn, outcome] of this.finished) records.push(outcome === "commit" ? { t: "committed", txn } : { t: "aborted", txn });
    for (const txn of this.txns.values()) {
      if (txn.state === "prepared") {
        records.push({ t: "prepared", txn: txn.txn, coordinator: txn.coordinator, protocol: txn.protocol, ops: txn.ops, timestamp: txn.timestamp, undo: txn.undo, redo: txn.redo });
      }
    }
    return records;
  }

  /** The outcome this participant reached for `txn`, if it remembers one (for tests). */
  outcomeOf(txn: TxnId): Outcome | "prepared" | undefined {
    return this.finished.get(txn) ?? (this.txns.get(txn)?.state === "prepared" ? "prepared" : undefined);
  }

  private ms(ticks: number): string {
    const ms = ticks * this.config.tickMs;
    return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms} ms`;
  }
}
