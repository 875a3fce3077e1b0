// The contract of the two- and three-phase commit core (core.ts): what goes in (client
// transactions, peer messages, ticks), what comes out (a Ready: records to make durable, then
// messages and client replies that may only leave once they are), and what survives a crash (the
// records, replayed by recovery.ts).
//
// Every node is a participant — a shard of the keys, each a durable key-value store with locks and
// a redo/undo log — and the coordinator of the transactions its own clients send. So killing a
// node kills a coordinator between its phases while the other participants stay up, holding (2PC)
// or deciding on their own (3PC) what it left in doubt: the seeds' two claims (SEEDS.md C10).

/** Which atomic commitment protocol the nodes run. */
export type Protocol = "2pc" | "3pc";

export type TxnId = string;

/** One operation of a transaction, on one key. Values are integers (balances). */
export type TxnOp =
  /** The key's value, or null when it does not exist. */
  | { kind: "get"; key: string }
  /** Creates the key with `value` unless it exists (then nothing changes). */
  | { kind: "setnx"; key: string; value: number }
  /** Adds `delta`; the participant refuses (votes no) when the key does not exist. */
  | { kind: "add"; key: string; delta: number }
  /** Subtracts `amount`; refused when the key does not exist or holds less than `amount`. */
  | { kind: "sub"; key: string; amount: number };

export type Outcome = "commit" | "abort";

/** What a participant answers to a phase's request. `refused`: a business rule said no (missing
 *  key, insufficient funds) — the system answered, it was not unavailable. */
export interface VoteBody {
  yes: boolean;
  reason?: string;
  refused?: boolean;
  /** No only because wait-die forbade waiting for an older transaction's locks: the same
   *  transaction (same timestamp, so older every time) may succeed if tried again. */
  retry?: boolean;
  /** The values of the transaction's `get` keys on this participant, read under its locks. */
  values?: Record<string, number | null>;
}

interface Addressed {
  from: string;
  to: string;
  txn: TxnId;
}

/** Every message between nodes. Phase requests carry the participant's own ops (never another
 *  participant's) and the transaction's timestamp, which orders transactions for wait-die. */
export type PeerMessage =
  // 2PC phase 1: lock, write redo/undo, vote.
  | (Addressed & { type: "prepare"; ops: TxnOp[]; timestamp: number })
  // 3PC phase 1: could you? No locks, no log.
  | (Addressed & { type: "canCommit"; ops: TxnOp[]; timestamp: number })
  // 3PC phase 2: lock, write redo/undo, acknowledge.
  | (Addressed & { type: "preCommit"; ops: TxnOp[]; timestamp: number })
  // The answer to prepare, canCommit and preCommit.
  | (Addressed & { type: "vote"; phase: "prepare" | "canCommit" | "preCommit"; vote: VoteBody })
  // The decision (2PC phase 2, 3PC doCommit), and its acknowledgement.
  | (Addressed & { type: "commit" })
  | (Addressed & { type: "abort" })
  | (Addressed & { type: "done" })
  // A 2PC participant in doubt asks its coordinator for the decision.
  | (Addressed & { type: "inquire" });


/** What the node writes to its log, in order; recovery replays them (recovery.ts). */
export type LogRecord =
  /** A start of this node: transaction ids of this incarnation are unique across restarts. */
  | { t: "start"; incarnation: number }
  /** Participant: locks taken and the transaction's writes applied to the store; `undo` restores
   *  what they overwrote (null: the key did not exist), `redo` is what they wrote. */
  | { t: "prepared"; txn: TxnId; coordinator: string; protocol: Protocol; ops: TxnOp[]; timestamp: number; undo: Record<string, number | null>; redo: Record<string, number> }
  | { t: "committed"; txn: TxnId }
  | { t: "aborted"; txn: TxnId }
  /** Coordinator: the commit decision, forced before any participant hears it. An abort is never
   *  logged: whatever a coordinator has no decision for is aborted (presumed abort). */
  | { t: "decided"; txn: TxnId; participants: string[] }
  /** Coordinator: every participant acknowledged the commit; the decision may be forgotten. */
  | { t: "ended"; txn: TxnId };

/** A client's transaction, as the coordinator answers it. */
export type ClientReply =
  | { requestId: number; ok: true; txn: TxnId; values: Record<string, number | null> }
  /** Definitely not applied (2PC) — or so the coordinator decided (3PC, whose participants may
   *  decide otherwise on their own). */
  | { requestId: number; ok: false; txn: TxnId; reason: string; refused: boolean };

/** What the shell must do: make `records` durable (in order, after every earlier Ready's), then
 *  send `messages` and `replies`. `logs` are lines for the node's log, at once. */
export interface Ready {
  records: LogRecord[];
  messages: PeerMessage[];
  replies: ClientReply[];
  logs: string[];
}

export interface TimingConfig {
  /** Milliseconds per tick, only to say ages in words. */
  tickMs: number;
  /** Coordinator: votes (and 3PC acknowledgements) not all in by then ⇒ abort. */
  voteTimeoutTicks: number;
  /** Participant: a request that cannot get its locks within this long votes no. */
  lockWaitTicks: number;
  /** 2PC participant in doubt: asks its coordinator again this often. */
  inquireTicks: number;
  /** Coordinator: resends a commit to participants that have not acknowledged it this often. */
  resendTicks: number;
  /** 3PC participant that voted yes to canCommit: no preCommit within this long ⇒ it forgets the
   *  transaction (an abort; it holds nothing). */
  canCommitTimeoutTicks: number;
  /** 3PC participant pre-committed: no doCommit nor abort within this long ⇒ it commits on its own
   *  (the seeds' rule: reaching this phase means every participant said yes). */
  commitTimeoutTicks: number;
}

export interface CoreConfig extends TimingConfig {
  self: string;
  /** Every node, in the cluster's order (which places keys: placement.ts). */
  nodes: readonly string[];
  protocol: Protocol;
}

export const DEFAULT_TIMING: TimingConfig = {
  tickMs: 10,
  voteTimeoutTicks: 100,
  lockWaitTicks: 50,
  inquireTicks: 50,
  resendTicks: 50,
  canCommitTimeoutTicks: 100,
  // Above voteTimeoutTicks: a coordinator that gives up on an acknowledgement tells the others to
  // abort before they would commit alone.
  commitTimeoutTicks: 200,
};

/** Counters and gauges for INFO and tests. */
export interface CoreStatus {
  incarnation: number;
  protocol: Protocol;
  keys: number;
  /** Keys locked now, and the transactions holding them that are prepared and undecided. */
  locksHeld: number;
  inDoubt: number;
  /** Age of the oldest prepared, undecided transaction, in ticks (0 when none). */
  oldestInDoubtTicks: number;
  /** Requests waiting for locks. */
  waiting: number;
  coordinating: number;
  committed: number;
  aborted: number;
  /** 3PC: transactions this participant committed on its own after the commit timeout. */
  committedOnTimeout: number;
}
