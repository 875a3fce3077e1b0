// The seam between the seeded simulation loop (simulation.ts) and one protocol's pure core
// (Raft, ZAB). The loop owns virtual time, the network, the nemesis, crashes and the client;
// the protocol owns its core, the shell around it (disk, state machine) and the safety checker.
// test/support/raft-simulation/ is the worked example.
//
// To simulate a protocol, implement two things:
//
//   SimulatedProtocol   one per run, made before the loop (it reads the run's options, e.g.
//                       recordViolations for its checker):
//     createNode(id, random)   node `id` (1..n, called in order) with its own random stream.
//     violations               what the checker noted in record mode (the loop reports them).
//     committed()              highest commit point any node reached (a stat: proof that the
//                              run wrote something).
//     isCommitted(position)    the write a leader placed at `position` is the one committed
//                              there (the settle phase's final write must survive).
//     carriesSnapshot(m)       m ships a snapshot (Raft installSnapshot, ZAB SNAP): a stat.
//     describeMessage(m) / describePosition(p)   one line, for traces.
//   Message is the core's message type (anything with `from` and `to`); Position is where a
//   leader puts a write (Raft: index and term; ZAB: a zxid), opaque to the loop.
//
//   SimulatedNode       a core inside an in-memory shell. What it persists is its durable state
//                       and survives crash(); the core, the state machine and any I/O in flight
//                       are volatile. The loop cannot see the difference: the node must model it.
//     alive / view()           view() is undefined while crashed; otherwise the node's role in
//                              its term, the leader it follows and its commit point.
//     tick() / receive(m)      time and messages in; only called while alive.
//     observe()                tell the checker what changed; the loop calls it after every
//                              event that reached the core (tick, message, restart, client op,
//                              finished I/O).
//     startIo() / finishIo()   etcd's Ready: startIo takes the next batch of I/O if one is due and
//                              none is in progress; the loop finishes it after a disk latency
//                              (persist, then the returned messages go out, then apply). Ticks
//                              and messages may reach the core in between; a crash in between
//                              loses the batch (the loop ignores the stale completion).
//     compact(threshold)       snapshot + compact the log when `threshold` writes were applied
//                              since the last snapshot and no I/O is in progress.
//     crash() / restart()      lose everything volatile / start again from the durable state.
//     propose(value) / read(id)   client ops; read registers the request with the checker
//                              before the core sees it, so that the checker knows what the read
//                              must observe.
//     hasApplied(position)     the state machine has applied the write at `position`.
//     describe…()              text for traces and liveness failures.
//
// Everything random comes from the Rng the loop hands out, and nothing may read the wall clock,
// so that a seed replays a run exactly.

import type { Rng } from "../../../harness/rng.ts";
import type { SafetyViolation } from "./violation.ts";

/** Nodes are numbered 1..n; 0 means "none" (no known leader). */
export type NodeId = number;

/** All the network needs to know of a message. */
export interface Addressed {
  readonly from: NodeId;
  readonly to: NodeId;
}

/** What the loop's nemesis and settle phase read of a live node. */
export interface NodeView {
  /** The node leads `term` now. */
  leading: boolean;
  /** Raft's term, ZAB's epoch: at most one leader each. */
  term: number;
  /** The leader this node follows in `term` (itself while leading); 0 when it knows none. */
  leader: NodeId;
  /** Raft's commit index, ZAB's last committed zxid: only compared with the same node's earlier
   *  values (and 0 before the first), to see it advance. */
  commit: number | bigint;
  /** False for a node outside the cluster's configuration (removed by a membership change): it
   *  follows no leader and applies nothing new, and the settle phase does not wait for it. */
  member?: boolean;
}

export type ProposeOutcome<Position> = { ok: true; position: Position } | { ok: false; refusal: string };

export interface SimulatedNode<Message extends Addressed, Position> {
  readonly id: NodeId;
  readonly alive: boolean;
  view(): NodeView | undefined;
  tick(): void;
  receive(message: Message): void;
  observe(): void;
  /** True when a batch of I/O was taken and is now in progress. */
  startIo(): boolean;
  /** Completes the batch in progress; returns the messages it sends. */
  finishIo(): Message[];
  /** The index the new snapshot ends at, or undefined when it did not compact. */
  compact(threshold: number): number | undefined;
  /** Returns what the crash lost, for the trace. */
  crash(): string;
  restart(): void;
  propose(value: string): ProposeOutcome<Position>;
  /** False when the node refuses the read (not the leader). */
  read(requestId: string): boolean;
  hasApplied(position: Position): boolean;
  /** The I/O in progress (after startIo). */
  describeIo(): string;
  /** What a restart starts from. */
  describeDurable(): string;
  /** Commit and apply progress, for a liveness failure ("has commit 7, applied 5"). */
  describeProgress(): string;
}

export interface SimulatedProtocol<Message extends Addressed, Position> {
  createNode(id: NodeId, random: Rng): SimulatedNode<Message, Position>;
  readonly violations: readonly SafetyViolation[];
  committed(): number;
  isCommitted(position: Position): boolean;
  carriesSnapshot(message: Message): boolean;
  describeMessage(message: Message): string;
  describePosition(position: Position): string;
  /** The faults have stopped and the cluster must settle: stop anything that keeps it moving on
   *  purpose (membership changes). */
  faultsOff?(): void;
}
