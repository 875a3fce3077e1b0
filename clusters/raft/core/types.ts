// The contract between the pure Raft core (this folder) and the shell around it
// (clusters/raft/: WAL, peer transport, client server, timers). Stable: add, never rename.
//
// How a shell drives a core (etcd-io/raft's RawNode contract, simplified). RaftCore is in
// raft.ts and implements RaftNode below; nothing in this folder does I/O.
//
//   construct   new RaftCore(config, durable?)  — `durable` is what the shell persisted before a
//               crash: {hardState, snapshot?, entries}. Fresh nodes pass nothing. After a
//               restart set `config.applied` to the index its state machine already reflects
//               (the snapshot's index when it rebuilt the state machine from the snapshot;
//               the default). Committed entries above it are handed out again.
//   tick()      once per tick interval (e.g. every 10 ms of wall time; `electionTicks` and
//               `heartbeatTicks` count these). The only way time enters the core.
//   step(msg)   for every message that arrives from a peer (addressed to this node).
//   propose(d)  on a client write; leader only. Returns {index, term} of the entry: the write
//               succeeded when a committed entry at that index has that term; it definitely
//               failed when the committed entry at that index has another term.
//   readIndex(id)  on a linearizable read; leader only. Later a Ready carries
//               readStates [{requestId: id, index}]: serve the read from the state machine once
//               it has applied ≥ index (true right after applying that same Ready's
//               committedEntries). A new leader queues reads until it has committed an entry of
//               its own term (the no-op appended on election), then confirms leadership with a
//               heartbeat round. Ids are the shell's (echoed back only in readStates); the
//               heartbeat rounds use contexts the core makes, so ids need not be unique.
//   loop        while (core.hasReady()) {
//                 const rd = core.ready();
//                 1. persist, then fsync, in this order:
//                    rd.snapshot (if any; also restore the state machine from rd.snapshot.data),
//                    rd.entries (first delete every persisted entry with index ≥
//                    rd.entries[0].index — a follower overwriting a conflicting suffix),
//                    rd.hardState (if any). Treat them as one atomic write where possible.
//                 2. only then send rd.messages. A message may depend on that Ready's persisted
//                    state (a vote, an acknowledged entry), so by default none leaves before step
//                    1 is durable. One exception a shell may take, as etcd's does: a LEADER may
//                    send appends and heartbeats while its own fsync runs, because the core counts
//                    the leader's own entries toward a commit only after advance().
//                 3. apply rd.committedEntries in order (kind "noop" entries change nothing but
//                    still count as applied), then answer rd.readStates. Committed entries are
//                    already durable on a quorum, so applying them may overlap step 1's fsync.
//                    A Ready that only moves the commit index need not be fsynced: a lost commit
//                    index is recovered from the leader.
//                 4. core.advance(rd).
//               }
//               Messages may be stepped and ticks delivered between ready() and advance(), but
//               ready() must not be called again before advance() of the previous Ready.
//   softState   when rd.softState shows this node is no longer leader, the core has dropped
//               every pending read: answer them `fail` (a read changes nothing). Pending writes
//               stay undecided until a committed entry settles them (see propose); a shell that
//               gives up on one answers `info`, since it may still commit under a new leader.
//   compact(i, data)  with its state machine at applied index i (after advance), the shell may
//               snapshot it and call compact(i, data): the core drops log entries ≤ i and
//               returns the Snapshot, which the shell persists (replacing the old one) before
//               deleting WAL entries ≤ i. The core sends it to followers that fell behind.
//   status()    role, leader, term, commit, applied, log bounds — for routing and metrics.
//   bugs        config.bugs switches safety rules off for the harness (DESIGN §8); a shell with
//               its own unsafe switch (no-fsync) sets bugs.tolerateViolations so that the core
//               keeps running wrong instead of stopping on the first broken invariant.
//
// Node ids are positive integers; the shell numbers its nodes 1..N in configuration order.
// 0 (NO_NODE) means "none" (no vote, no known leader).

/** A voter in the cluster; 1..N in configuration order. */
export type NodeId = number;

/** "No node": an empty vote or an unknown leader. */
export const NO_NODE: NodeId = 0;

/** "noop" is the empty entry a leader appends on election so that it can commit (and thereby
 *  commit earlier-term entries and serve reads) in its own term. "config" carries a new set of
 *  voters (encodeConfig); it takes effect on every node as soon as it is in the node's log,
 *  committed or not (single-server membership change: raft.ts has the rules and why they are
 *  safe). */
export type EntryKind = "normal" | "noop" | "config";

export interface Entry {
  term: number;
  index: number;
  kind: EntryKind;
  /** The client command, opaque to the core; empty for "noop". */
  data: Uint8Array;
}

/** What must be durable before any message of the same Ready is sent. */
export interface HardState {
  /** Current term; never decreases. */
  term: number;
  /** Whom this node voted for in `term` (NO_NODE if nobody); one vote per term. */
  vote: NodeId;
  /** Highest index known committed; never decreases. */
  commit: number;
}

export interface SnapshotMetadata {
  /** Last log index the snapshot covers. */
  index: number;
  /** Term of the entry at `index`. */
  term: number;
  /** The voters as of `index` (the configuration the log had there); absent: the bootstrap
   *  voters (RaftConfig.voters). */
  voters?: NodeId[];
}

export interface Snapshot {
  metadata: SnapshotMetadata;
  /** The state machine after applying every entry up to metadata.index; opaque to the core. */
  data: Uint8Array;
}

/** The state a shell persisted and hands back to the constructor after a restart. */
export interface DurableState {
  hardState: HardState;
  /** The latest persisted snapshot, if any; entries must follow it without a gap. */
  snapshot?: Snapshot;
  /** Persisted log entries after the snapshot (or from index 1), contiguous, in order. */
  entries: Entry[];
}

export type Role = "follower" | "preCandidate" | "candidate" | "leader";

/** Volatile state the shell may want to observe (routing, metrics); not persisted. */
export interface SoftState {
  /** The leader this node follows (itself when leader), NO_NODE if unknown. */
  leader: NodeId;
  role: Role;
}

/** A linearizable read that may be served once the state machine has applied `index`. */
export interface ReadState {
  requestId: string;
  index: number;
}

// ---- messages --------------------------------------------------------------------------------
// Every message carries the sender's term; a receiver with a lower term adopts it (except for
// pre-votes, which never change terms), a receiver with a higher term ignores or refuses it.

interface MessageBase {
  from: NodeId;
  to: NodeId;
  term: number;
}

/** AppendEntries; also the probe a leader sends to find where a follower's log matches. */
export interface AppendEntriesMessage extends MessageBase {
  type: "appendEntries";
  /** Index and term of the entry just before `entries`; the follower must hold it to accept. */
  prevIndex: number;
  prevTerm: number;
  entries: Entry[];
  /** Leader's commit index. */
  commit: number;
}

/** Answer to appendEntries and installSnapshot. */
export interface AppendEntriesResponseMessage extends MessageBase {
  type: "appendEntriesResponse";
  /** false: the follower's log now matches the leader's up to `index`.
   *  true: the follower lacks (prevIndex = `index`, prevTerm) of the rejected append. */
  reject: boolean;
  index: number;
  /** On reject (fast backtracking, as etcd): the follower's largest index ≤ `index` whose term
   *  is ≤ the rejected prevTerm, and that term (0 when unknown: compacted). The leader jumps to
   *  the first index after its own largest entry with term ≤ hintTerm at or below hintIndex. */
  hintIndex: number;
  hintTerm: number;
}

export interface HeartbeatMessage extends MessageBase {
  type: "heartbeat";
  /** min(leader commit, follower's match): never more than the follower is known to hold. */
  commit: number;
  /** Names the ReadIndex round this heartbeat confirms leadership for (made by the core, not
   *  the shell's request id); echoed back in the response. */
  context?: string;
}

export interface HeartbeatResponseMessage extends MessageBase {
  type: "heartbeatResponse";
  context?: string;
}

/** RequestVote, or with preVote the pre-vote probe (term = the candidate's term + 1, sender's
 *  own term unchanged). */
export interface RequestVoteMessage extends MessageBase {
  type: "requestVote";
  preVote: boolean;
  lastIndex: number;
  lastTerm: number;
}

export interface RequestVoteResponseMessage extends MessageBase {
  type: "requestVoteResponse";
  preVote: boolean;
  granted: boolean;
}

export interface InstallSnapshotMessage extends MessageBase {
  type: "installSnapshot";
  snapshot: Snapshot;
}

export type Message =
  | AppendEntriesMessage
  | AppendEntriesResponseMessage
  | HeartbeatMessage
  | HeartbeatResponseMessage
  | RequestVoteMessage
  | RequestVoteResponseMessage
  | InstallSnapshotMessage;

export type MessageType = Message["type"];

// ---- Ready -----------------------------------------------------------------------------------

/** Everything the shell must do; see the loop at the top of this file for the order. */
export interface Ready {
  /** Present when leader or role changed since the previous Ready. */
  softState?: SoftState;
  /** Present when term, vote or commit changed since the previous Ready. */
  hardState?: HardState;
  /** A snapshot received from the leader: persist it (replacing the old one) and restore the
   *  state machine from it. The log restarts right after it: delete every persisted entry;
   *  `entries` of the same Ready, if any, start at metadata.index + 1. */
  snapshot?: Snapshot;
  /** Entries to persist. Before appending, delete every persisted entry with index ≥
   *  entries[0].index (the suffix was overwritten by a leader). Contiguous, ascending. */
  entries: Entry[];
  /** Committed entries to apply, ascending, starting right after the last applied index. */
  committedEntries: Entry[];
  /** To send only after `snapshot`, `entries` and `hardState` are durable (a leader's appends and
   *  heartbeats excepted: see the Ready loop above). */
  messages: Message[];
  /** Reads confirmed by a quorum; serve each once the applied index ≥ its index. */
  readStates: ReadState[];
}

// ---- configuration and results ---------------------------------------------------------------

/** Where the core's randomness comes from; harness/rng.ts's Rng satisfies it. */
export interface RandomSource {
  /** Uniform integer in [0, n). */
  int(n: number): number;
}

/** Switches that each turn off one safety rule, so the harness can prove it notices
 *  (DESIGN §8). Off by default; never on in production. */
export interface CoreBugs {
  /** A leader commits entries of earlier terms by counting replicas (Raft paper Figure 8). */
  commitOldTerm?: boolean;
  /** Votes (and pre-votes) are granted without the candidate-log up-to-date check. */
  voteWithoutLogCheck?: boolean;
  /** Membership changes without their two rules (raft.ts): a leader proposes a new change while
   *  the previous one is uncommitted, and before it has committed an entry of its own term. */
  unsafeConfChange?: boolean;
  /** Don't stop on evidence that safety was already lost (a follower asked to overwrite a
   *  committed entry, a commit index beyond the log, two leaders in one term); cope as well as
   *  possible and continue wrong, so that the harness can observe the damage. Implied by the
   *  two switches above; a shell sets it for its own unsafe switches (no-fsync loses
   *  acknowledged entries and votes). */
  tolerateViolations?: boolean;
}

export interface RaftConfig {
  id: NodeId;
  /** The bootstrap voters: the configuration until a config entry (or a snapshot's voters) says
   *  otherwise. A node outside it may still be added later by a config entry. */
  voters: NodeId[];
  /** Base election timeout in ticks; each timeout is drawn from [electionTicks, 2×electionTicks). */
  electionTicks: number;
  /** Leader heartbeat interval in ticks; must be < electionTicks. */
  heartbeatTicks: number;
  /** Pre-vote (etcd PreVote): a node campaigns only after a majority says it could win. */
  preVote: boolean;
  /** Check-quorum (etcd CheckQuorum): a leader that has not heard from a majority within an
   *  election timeout steps down, and a node that heard from a leader within one ignores
   *  (pre-)votes from others (leader lease). */
  checkQuorum: boolean;
  /** Max appendEntries messages in flight to one follower in the replicate state. */
  maxInflight: number;
  /** Max entries in one appendEntries message. */
  maxEntriesPerMessage: number;
  /** After a restart: the index the shell's state machine already reflects (see top). */
  applied?: number;
  /** Injected randomness for election timeouts. */
  random: RandomSource;
  bugs?: CoreBugs;
}

/** Defaults for everything but id, voters and random. */
export const DEFAULT_CONFIG = {
  electionTicks: 10,
  heartbeatTicks: 1,
  preVote: true,
  checkQuorum: true,
  maxInflight: 64,
  maxEntriesPerMessage: 64,
} as const satisfies Partial<RaftConfig>;

export type ProposeResult =
  | { ok: true; index: number; term: number }
  | { ok: false; error: "not-leader"; leaderHint: NodeId };

export type ReadIndexResult = { ok: true } | { ok: false; error: "not-leader"; leaderHint: NodeId };

/** One server in or out (raft.ts: one change at a time). */
export interface ConfChange {
  type: "add" | "remove";
  node: NodeId;
}

export type ConfChangeResult =
  | { ok: true; index: number; term: number; voters: NodeId[] }
  | { ok: false; error: "not-leader"; leaderHint: NodeId }
  /** Refused; `reason` says why and when to try again. */
  | { ok: false; error: "refused"; reason: string };

/** The data of a "config" entry: the voters it sets, ascending. */
export function encodeConfig(voters: readonly NodeId[]): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ voters: [...voters].sort((a, b) => a - b) }));
}

export function decodeConfig(data: Uint8Array): NodeId[] {
  const parsed = JSON.parse(new TextDecoder().decode(data)) as { voters?: unknown };
  const voters = parsed.voters;
  if (!Array.isArray(voters) || !voters.every((id) => Number.isInteger(id) && (id as number) > 0)) {
    throw new Error(`config entry holds no voter list: ${new TextDecoder().decode(data).slice(0, 80)}`);
  }
  return voters as NodeId[];
}

/** A read-only view for the shell, tests and the simulator. */
export interface Status {
  id: NodeId;
  role: Role;
  leader: NodeId;
  term: number;
  vote: NodeId;
  commit: number;
  /** Highest index the shell has reported applied (via advance). */
  applied: number;
  firstIndex: number;
  lastIndex: number;
  /** Index and term of the snapshot the log starts after (0, 0 without one). */
  snapshotIndex: number;
  snapshotTerm: number;
  /** The voters of the latest configuration in the log (committed or not), ascending. */
  voters: NodeId[];
  /** Index of the latest config entry (0: none in the log); a change is in flight while it is
   *  above commit. */
  configIndex: number;
}

/** The core's public methods; RaftCore implements it. */
export interface RaftNode {
  tick(): void;
  step(message: Message): void;
  propose(data: Uint8Array | string): ProposeResult;
  readIndex(requestId: string): ReadIndexResult;
  /** Leader only: one server in or out, through the log. */
  proposeConfChange(change: ConfChange): ConfChangeResult;
  /** Start an election now (tests, or a shell that wants a fast first election). */
  campaign(): void;
  hasReady(): boolean;
  ready(): Ready;
  advance(ready: Ready): void;
  compact(index: number, data: Uint8Array): Snapshot;
  status(): Status;
  /** The entry term at `index`, or undefined when compacted away or beyond the log. */
  termAt(index: number): number | undefined;
  /** Log entries in [from, to] (inclusive), which must lie within [firstIndex, lastIndex]. */
  entries(from: number, to: number): Entry[];
}
