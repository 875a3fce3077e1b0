// One Raft node inside an in-memory shell: the pure core, a disk that survives crashes and a
// state machine that does not. The shell follows the Ready contract of
// clusters/raft/core/types.ts to the letter and reports everything it does to the safety
// checker. Both the randomized simulation (through the SimulatedNode interface) and the scenario
// scripts (../raft-interaction.ts, through the Ready methods) drive it.

import type { Rng } from "../../../harness/rng.ts";
import { RaftCore } from "../../../clusters/raft/core/raft.ts";
import { NO_NODE, type DurableState, type Entry, type HardState, type Message, type NodeId, type RaftConfig, type Ready, type Snapshot } from "../../../clusters/raft/core/types.ts";
import type { NodeView, ProposeOutcome, SimulatedNode } from "../simulation/protocol.ts";
import { describeReady } from "./describe.ts";
import type { RaftSafetyChecker } from "./safety-checker.ts";
import { apply, decodeStateMachine, encodeStateMachine, type StateMachine } from "./state-machine.ts";

/** What every node of a simulated cluster is configured with alike. */
export type NodeSettings = Omit<RaftConfig, "id" | "random" | "applied">;

/** Where a leader put a write: it succeeded iff the entry committed at `index` has `term`. */
export interface RaftWrite {
  index: number;
  term: number;
}

export class RaftSimNode implements SimulatedNode<Message, RaftWrite> {
  core: RaftCore | undefined;
  /** What survives a crash: the last persisted hard state, snapshot and entries. */
  readonly disk: { hardState: HardState; snapshot?: Snapshot; entries: Entry[] };
  stateMachine: StateMachine = { applied: 0, digest: 0 };
  /** A Ready taken from the core whose I/O has not completed. */
  pendingReady: Ready | undefined;
  /** Commit index last reported to the checker. */
  private observedCommit = 0;
  private observedTerm = 0;
  private wasLeader = false;
  /** Set when the faults stop (the simulation's settle phase): no more membership changes. */
  settling = false;

  constructor(
    readonly id: NodeId,
    private readonly settings: NodeSettings,
    private readonly random: Rng,
    private readonly checker: RaftSafetyChecker,
    /** The highest term any node has reached: the checker dates each commit it sees by it. */
    private readonly maxTerm: () => number,
    /** Chance that a client proposal on a leader becomes a membership change instead: one server
     *  of the bootstrap voters out (while a majority of them would remain) or one back in. */
    private readonly membershipRate = 0,
  ) {
    this.disk = { hardState: { term: 0, vote: NO_NODE, commit: 0 }, entries: [] };
    this.core = new RaftCore(this.config(undefined));
  }

  private config(applied: number | undefined): RaftConfig {
    const config: RaftConfig = { ...this.settings, id: this.id, random: this.random };
    if (applied !== undefined) config.applied = applied;
    return config;
  }

  get alive(): boolean {
    return this.core !== undefined;
  }

  view(): NodeView | undefined {
    const status = this.core?.status();
    if (status === undefined) return undefined;
    // A member of the cluster as its latest committed configuration says (a removed node may never
    // have heard of its removal).
    const member = (this.checker.committedVoters ?? this.settings.voters).includes(this.id);
    // A leader that removed itself leads only until that removal commits: it does not count as the
    // cluster's leader (the settle phase would hand it a final write it is about to abandon).
    const leading = status.role === "leader" && status.voters.includes(this.id);
    return { leading, term: status.term, leader: status.leader, commit: status.commit, member };
  }

  tick(): void {
    this.liveCore().tick();
  }

  receive(message: Message): void {
    this.liveCore().step(message);
  }

  propose(value: string): ProposeOutcome<RaftWrite> {
    // Changes stop with the faults: the settle phase needs the cluster to hold still.
    if (this.membershipRate > 0 && !this.settling && this.random.bool(this.membershipRate)) return this.changeMembership();
    const result = this.liveCore().propose(value);
    return result.ok ? { ok: true, position: { index: result.index, term: result.term } } : { ok: false, refusal: `not leader (hint ${result.leaderHint})` };
  }

  /** One server out or in, at random, keeping at least a majority of the bootstrap voters. */
  private changeMembership(): ProposeOutcome<RaftWrite> {
    const core = this.liveCore();
    const voters = core.status().voters;
    const outside = this.settings.voters.filter((id) => !voters.includes(id));
    const canRemove = voters.length > Math.floor(this.settings.voters.length / 2) + 1;
    const change = outside.length > 0 && (!canRemove || this.random.bool())
      ? { type: "add" as const, node: this.random.pick(outside) }
      : { type: "remove" as const, node: this.random.pick(voters) };
    const result = core.proposeConfChange(change);
    if (result.ok) return { ok: true, position: { index: result.index, term: result.term } };
    return { ok: false, refusal: result.error === "not-leader" ? `not leader (hint ${result.leaderHint})` : `${change.type} ${change.node} refused: ${result.reason}` };
  }

  read(requestId: string): boolean {
    this.checker.readRequested(requestId);
    return this.liveCore().readIndex(requestId).ok;
  }

  hasApplied(position: RaftWrite): boolean {
    return this.stateMachine.applied >= position.index;
  }

  /** Loses everything not on disk: the core, the state machine, the Ready in progress. */
  crash(): string {
    const lost = `pending Ready ${this.pendingReady === undefined ? "none" : "lost"}`;
    this.core = undefined;
    this.pendingReady = undefined;
    this.stateMachine = { applied: 0, digest: 0 };
    return lost;
  }

  /** Starts again from the disk, rebuilding the state machine from the snapshot. */
  restart(): void {
    const durable: DurableState = { hardState: { ...this.disk.hardState }, entries: this.disk.entries.slice() };
    let applied = 0;
    if (this.disk.snapshot !== undefined) {
      durable.snapshot = this.disk.snapshot;
      this.stateMachine = decodeStateMachine(this.disk.snapshot.data);
      applied = this.stateMachine.applied;
    } else {
      this.stateMachine = { applied: 0, digest: 0 };
    }
    this.core = new RaftCore(this.config(applied), durable);
    this.observedCommit = Math.min(this.observedCommit, this.core.status().commit);
    this.wasLeader = false;
    this.observe();
  }

  startIo(): boolean {
    return this.takeReady() !== undefined;
  }

  finishIo(): Message[] {
    return this.completeReady();
  }

  /** Takes the next Ready if there is one and none is in progress. */
  takeReady(): Ready | undefined {
    const core = this.core;
    if (core === undefined || this.pendingReady !== undefined || !core.hasReady()) return undefined;
    const ready = core.ready();
    // Log matching is checked on everything a node appends, when it first leaves the core.
    if (ready.entries.length > 0) this.checker.observeEntries(this.id, ready.entries, core.termAt(ready.entries[0].index - 1));
    this.pendingReady = ready;
    return ready;
  }

  /** The shell's I/O for the pending Ready: persist, then (returned) messages to send, then
   *  apply and serve reads, then advance. */
  completeReady(): Message[] {
    const core = this.core;
    const ready = this.pendingReady;
    if (core === undefined || ready === undefined) return [];
    this.pendingReady = undefined;

    // 1. persist
    if (ready.snapshot !== undefined) {
      this.disk.snapshot = ready.snapshot;
      this.disk.entries = [];
      this.stateMachine = decodeStateMachine(ready.snapshot.data);
      this.checker.observeDigest(this.id, this.stateMachine.applied, this.stateMachine.digest);
    }
    if (ready.entries.length > 0) {
      const first = ready.entries[0].index;
      const kept = this.disk.entries.filter((entry) => entry.index < first);
      const expected = (kept.length > 0 ? kept[kept.length - 1].index : (this.disk.snapshot?.metadata.index ?? 0)) + 1;
      if (first !== expected) throw new Error(`node ${this.id}: Ready entries start at ${first}, disk continues at ${expected}`);
      this.disk.entries = kept.concat(ready.entries);
    }
    if (ready.hardState !== undefined) {
      this.checker.observePersist(this.id, this.disk.hardState, ready.hardState);
      this.disk.hardState = ready.hardState;
    }
    // 2. messages go out now (returned to the caller).
    // 3. apply, then serve reads.
    const commit = core.status().commit;
    for (const entry of ready.committedEntries) {
      if (entry.index !== this.stateMachine.applied + 1) throw new Error(`node ${this.id}: applying ${entry.index} after ${this.stateMachine.applied}`);
      this.stateMachine = apply(this.stateMachine, entry);
      this.checker.observeApply(this.id, entry, this.stateMachine.digest, commit);
    }
    for (const read of ready.readStates) this.checker.readServed(this.id, read.requestId, read.index, this.stateMachine.applied);
    // 4. advance
    core.advance(ready);
    this.observe();
    return ready.messages;
  }

  /** Snapshots once `threshold` entries were applied since the last snapshot, when the core
   *  allows it: it compacts only a prefix that is applied and durable. */
  compact(threshold: number): number | undefined {
    const core = this.core;
    if (core === undefined || this.pendingReady !== undefined) return undefined;
    const status = core.status();
    if (status.applied - status.snapshotIndex < threshold || this.stateMachine.applied !== status.applied) return undefined;
    if (status.applied > core.persistedIndex()) return undefined;
    return this.snapshot().metadata.index;
  }

  /** Snapshots the state machine as it is (so at its applied index), then drops what the
   *  snapshot covers from the core's log and from the disk. */
  snapshot(): Snapshot {
    const snapshot = this.liveCore().compact(this.stateMachine.applied, encodeStateMachine(this.stateMachine));
    this.disk.snapshot = snapshot;
    this.disk.entries = this.disk.entries.filter((entry) => entry.index > snapshot.metadata.index);
    return snapshot;
  }

  /** Reports what changed in the core to the checker: commit progress and leadership. */
  observe(): void {
    const core = this.core;
    if (core === undefined) return;
    const status = core.status();
    if (status.commit > this.observedCommit) {
      this.checker.observeCommit(this.id, this.observedCommit, status.commit, core, this.maxTerm());
      this.observedCommit = status.commit;
    } else if (status.commit < this.observedCommit) {
      this.observedCommit = status.commit;
    }
    const isLeader = status.role === "leader";
    if (isLeader && (!this.wasLeader || status.term !== this.observedTerm)) this.checker.checkLeader(this.id, status.term, core);
    this.wasLeader = isLeader;
    this.observedTerm = status.term;
  }

  describeIo(): string {
    return this.pendingReady === undefined ? "nothing" : describeReady(this.pendingReady);
  }

  describeDurable(): string {
    const { hardState, entries, snapshot } = this.disk;
    return `term ${hardState.term} vote ${hardState.vote} commit ${hardState.commit}, ${entries.length} entries, snapshot ${snapshot?.metadata.index ?? 0}`;
  }

  describeProgress(): string {
    return `has commit ${this.core?.status().commit}, applied ${this.stateMachine.applied}`;
  }

  private liveCore(): RaftCore {
    const core = this.core;
    if (core === undefined) throw new Error(`node ${this.id} is down`);
    return core;
  }
}

/** The highest term any node has reached, on disk or in its core. */
export function highestTerm(nodes: readonly RaftSimNode[]): number {
  let max = 0;
  for (const node of nodes) max = Math.max(max, node.disk.hardState.term, node.core?.status().term ?? 0);
  return max;
}
