// A coordinator: runs the transactions its own clients send, over the participants that hold
// their keys (placement.ts).
//
//   2PC   prepare to every participant; all yes ⇒ log the commit decision, then send commit and
//         answer the client; any no, or a vote missing after voteTimeout ⇒ abort. Aborts are not
//         logged (presumed abort): a participant asking about a transaction the coordinator has no
//         commit decision for is told to abort — including after the coordinator's restart.
//   3PC   canCommit to every participant; all yes ⇒ preCommit to every participant; all
//         acknowledged ⇒ log the commit decision, doCommit, answer. Any no or timeout in either
//         round ⇒ abort (the seeds' rule for the preCommit round too), sent once.
//   both  a committed transaction's commit is resent until every participant acknowledged it
//         (done), then the decision is forgotten (ended).
// A transaction that died only because wait-die forbade it to wait (VoteBody.retry) is aborted and
// begun again under a new id with its first timestamp — older than ever, so it gets its turn —
// while its client's request is young enough (voteTimeout since the first attempt). Retrying is
// safe: the attempt it replaces was aborted everywhere before it could commit anywhere.

import type { Outbox } from "./outbox.ts";
import { opsByParticipant } from "./placement.ts";
import type { CoreConfig, LogRecord, PeerMessage, TxnId, TxnOp, VoteBody } from "./types.ts";

/** A client's request, across the attempts made for it. */
interface Request {
  requestId: number;
  ops: readonly TxnOp[];
  timestamp: number;
  /** Tick of its first attempt. */
  firstTick: number;
  attempts: number;
}

interface CoordinatedTxn {
  txn: TxnId;
  /** The client's request; undefined for a decision recovered from the log (nobody waits). */
  request?: Request;
  timestamp: number;
  byParticipant: Map<string, TxnOp[]>;
  /** voting: 2PC prepare or 3PC canCommit; pre-committing: 3PC preCommit; committing: decided,
   *  waiting for every participant's done. */
  phase: "voting" | "pre-committing" | "committing";
  /** Participants that said yes in the current phase. */
  yes: Set<string>;
  deadline: number;
  values: Record<string, number | null>;
  /** committing: participants that have not acknowledged the commit yet. */
  awaitingDone: Set<string>;
}

export interface CoordinatorCounters {
  begun: number;
  committed: number;
  aborted: number;
  retried: number;
}

/** Ticks between a wait-die death and the next attempt. */
const RETRY_DELAY_TICKS = 1;

export class Coordinator {
  private readonly txns = new Map<TxnId, CoordinatedTxn>();
  /** Requests waiting for their next attempt, with the tick it is due. */
  private retries: { request: Request; dueTick: number }[] = [];
  private sequence = 0;
  readonly counters: CoordinatorCounters = { begun: 0, committed: 0, aborted: 0, retried: 0 };

  constructor(
    private readonly config: CoreConfig,
    private readonly out: Outbox,
    private readonly now: () => number,
    /** This start's number: transaction ids stay unique across restarts. */
    private readonly incarnation: () => number,
  ) {}

  // ---- recovery ---------------------------------------------------------------------------------

  replay(record: LogRecord): void {
    if (record.t === "decided") {
      const byParticipant = new Map(record.participants.map((participant): [string, TxnOp[]] => [participant, []]));
      this.txns.set(record.txn, { txn: record.txn, timestamp: 0, byParticipant, phase: "committing", yes: new Set(), deadline: 0, values: {}, awaitingDone: new Set(record.participants) });
    } else if (record.t === "ended") {
      this.txns.delete(record.txn);
    }
  }

  // ---- clients ----------------------------------------------------------------------------------

  /** Starts a client's transaction; its answer comes in a later Ready's replies. */
  begin(requestId: number, ops: readonly TxnOp[], timestamp: number): TxnId {
    this.counters.begun++;
    return this.attempt({ requestId, ops, timestamp, firstTick: this.now(), attempts: 0 });
  }

  private attempt(request: Request): TxnId {
    request.attempts++;
    const txn = `${this.config.self}.${this.incarnation()}.${++this.sequence}`;
    const { timestamp } = request;
    const byParticipant = opsByParticipant(request.ops, this.config.nodes);
    const state: CoordinatedTxn = { txn, request, timestamp, byParticipant, phase: "voting", yes: new Set(), deadline: this.now() + this.config.voteTimeoutTicks, values: {}, awaitingDone: new Set() };
    this.txns.set(txn, state);
    const type = this.config.protocol === "2pc" ? "prepare" : "canCommit";
    for (const [participant, mine] of byParticipant) this.out.send({ type, from: this.config.self, to: participant, txn, ops: mine, timestamp });
    return txn;
  }

  // ---- messages ---------------------------------------------------------------------------------

  handle(message: PeerMessage): void {
    switch (message.type) {
      case "vote":
        this.onVote(message.txn, message.from, message.phase, message.vote);
        return;
      case "done":
        this.onDone(message.txn, message.from);
        return;
      case "inquire":
        this.onInquire(message.txn, message.from);
        return;
      default:
        throw new Error(`coordinator ${this.config.self} was handed a ${message.type}, which only participants take`);
    }
  }

  private onVote(id: TxnId, from: string, phase: "prepare" | "canCommit" | "preCommit", vote: VoteBody): void {
    const txn = this.txns.get(id);
    // A late or duplicated vote: a participant left prepared learns the outcome by asking (2PC)
    // or by its timeout (3PC).
    if (!txn || !txn.byParticipant.has(from)) return;
    const expected = txn.phase === "voting" ? (this.config.protocol === "2pc" ? "prepare" : "canCommit") : txn.phase === "pre-committing" ? "preCommit" : undefined;
    if (phase !== expected) return;
    if (!vote.yes) {
      const reason = `${phase === "preCommit" ? "preCommit refused" : "voted no"} by ${from}: ${vote.reason ?? "no reason given"}`;
      const request = txn.request;
      if (vote.retry === true && request && this.now() + RETRY_DELAY_TICKS - request.firstTick < this.config.voteTimeoutTicks) {
        this.abort({ ...txn, request: undefined }, reason, false);
        this.counters.retried++;
        this.retries.push({ request, dueTick: this.now() + RETRY_DELAY_TICKS });
        return;
      }
      this.abort(txn, request && request.attempts > 1 ? `${reason} (attempt ${request.attempts})` : reason, vote.refused === true);
      return;
    }
    txn.yes.add(from);
    if (phase !== "canCommit") Object.assign(txn.values, vote.values ?? {});
    if (txn.yes.size < txn.byParticipant.size) return;
    if (phase === "canCommit") {
      txn.phase = "pre-committing";
      txn.yes.clear();
      txn.deadline = this.now() + this.config.voteTimeoutTicks;
      for (const [participant, mine] of txn.byParticipant) this.out.send({ type: "preCommit", from: this.config.self, to: participant, txn: txn.txn, ops: mine, timestamp: txn.timestamp });
      return;
    }
    this.commit(txn);
  }

  private onDone(id: TxnId, from: string): void {
    const txn = this.txns.get(id);
    if (txn?.phase !== "committing") return;
    txn.awaitingDone.delete(from);
    if (txn.awaitingDone.size > 0) return;
    this.txns.delete(id);
    this.out.record({ t: "ended", txn: id });
  }

  private onInquire(id: TxnId, from: string): void {
    const txn = this.txns.get(id);
    if (txn?.phase === "committing") this.out.send({ type: "commit", from: this.config.self, to: from, txn: id });
    // Still deciding: the participant asks again later.
    else if (txn) return;
    // No commit decision: presumed abort.
    else this.out.send({ type: "abort", from: this.config.self, to: from, txn: id });
  }

  // ---- time -------------------------------------------------------------------------------------

  tick(): void {
    const now = this.now();
    const due = this.retries.filter((retry) => retry.dueTick <= now);
    this.retries = this.retries.filter((retry) => retry.dueTick > now);
    for (const { request } of due) this.attempt(request);
    for (const txn of [...this.txns.values()]) {
      if (txn.deadline > now) continue;
      if (txn.phase === "committing") {
        for (const participant of txn.awaitingDone) this.out.send({ type: "commit", from: this.config.self, to: participant, txn: txn.txn });
        txn.deadline = now + this.config.resendTicks;
        continue;
      }
      const missing = [...txn.byParticipant.keys()].filter((participant) => !txn.yes.has(participant));
      const what = txn.phase === "voting" ? "no vote" : "no acknowledgement of preCommit";
      this.abort(txn, `${what} from ${missing.join(", ")} within ${this.config.voteTimeoutTicks * this.config.tickMs} ms`, false);
    }
  }

  // ---- decisions --------------------------------------------------------------------------------

  private commit(txn: CoordinatedTxn): void {
    const participants = [...txn.byParticipant.keys()];
    // Forced before anyone hears it: the Ready's messages and reply leave only once it is durable.
    this.out.record({ t: "decided", txn: txn.txn, participants });
    txn.phase = "committing";
    txn.awaitingDone = new Set(participants);
    txn.deadline = this.now() + this.config.resendTicks;
    for (const participant of participants) this.out.send({ type: "commit", from: this.config.self, to: participant, txn: txn.txn });
    this.counters.committed++;
    if (txn.request) this.out.reply({ requestId: txn.request.requestId, ok: true, txn: txn.txn, values: txn.values });
  }

  private abort(txn: CoordinatedTxn, reason: string, refused: boolean): void {
    this.txns.delete(txn.txn);
    for (const participant of txn.byParticipant.keys()) this.out.send({ type: "abort", from: this.config.self, to: participant, txn: txn.txn });
    this.counters.aborted++;
    if (txn.request) this.out.reply({ requestId: txn.request.requestId, ok: false, txn: txn.txn, reason, refused });
  }

  /** Transactions this coordinator has not finished (attempts waiting to be retried included). */
  get active(): number {
    return this.txns.size + this.retries.length;
  }

  /** What a snapshot must hold of this coordinator: its commit decisions not yet ended. */
  snapshotRecords(): LogRecord[] {
    const records: LogRecord[] = [];
    for (const txn of this.txns.values()) if (txn.phase === "committing") records.push({ t: "decided", txn: txn.txn, participants: [...txn.byParticipant.keys()] });
    return records;
  }
}
