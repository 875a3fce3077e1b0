// The Raft protocol as a pure state machine (etcd-io/raft's raft.go): no sockets, timers, files,
// clock or Math.random. step() is the only door for messages, tick() the only one for time; the
// shell drives it as described at the top of types.ts.
//
// Safety rules and where they live:
//   one vote per term, durable ............. handleRequestVote (vote is in the HardState)
//   up-to-date check for votes ............. handleRequestVote → RaftLog.isUpToDate
//   append consistency check ............... handleAppendEntries → RaftLog.maybeAppend
//   commit only current-term entries ....... maybeCommit
//   never overwrite committed entries ...... RaftLog.append / maybeAppend (asserted)
//   reads only after a quorum round ........ readIndex / handleHeartbeatResponse
//   one membership change at a time ........ proposeConfChange
//
// Membership changes, one server at a time (Ongaro's thesis §4.1, with the rule from his 2015
// correction). A "config" entry names the new voters; every node uses the latest config entry in
// its log, committed or not, from the moment it appends it (a truncation that removes it falls back
// to the one before). Why this is safe:
//   - Adding or removing one server changes the cluster by one member, so any majority of the old
//     voters and any majority of the new voters share at least one server (with n old voters, a
//     majority of n and one of n ± 1 together exceed the n + 1 servers involved). Two leaders of
//     one term would each need a majority of votes; a vote is cast once per term, so the shared
//     server rules that out even while some nodes use the old configuration and others the new.
//   - Only one change is in flight: a leader proposes the next change only once the previous one
//     is committed. Then at any moment at most two configurations are in use, adjacent ones.
//   - A leader proposes a change only after committing an entry of its own term (the no-op it
//     appends at election). Without this, a leader of an older term may have left an uncommitted
//     change C1 on a minority while the new leader, unaware of it, commits a different change C2;
//     C1 and C2 each differ from the base by one server but from each other by two, and a later
//     leader holding C1 could be elected by a majority that misses C2's — two committed histories.
//     Committing in its term first means every earlier uncommitted change is either in the new
//     leader's log (and so committed first) or can never commit.
//   - Entries commit by a majority of the voters of the leader's latest configuration; a leader
//     that removed itself counts only the others, and steps down once that removal is committed.
//   - A node outside its latest configuration never campaigns, and voters ignore a vote request
//     from a node outside theirs (a removed server would otherwise disturb the cluster with terms).

import { assert } from "../../consensus/assert.ts";
import { decodeConfig, encodeConfig, type ConfChange, type ConfChangeResult } from "./types.ts";
import { RaftLog } from "./log.ts";
import { Progress } from "./progress.ts";
import { committedIndex, isMajority, voteResult } from "../../consensus/quorum.ts";
import {
  NO_NODE,
  type AppendEntriesMessage,
  type AppendEntriesResponseMessage,
  type DurableState,
  type Entry,
  type HardState,
  type HeartbeatMessage,
  type HeartbeatResponseMessage,
  type InstallSnapshotMessage,
  type Message,
  type NodeId,
  type ProposeResult,
  type RaftConfig,
  type RaftNode,
  type ReadIndexResult,
  type ReadState,
  type Ready,
  type RequestVoteMessage,
  type RequestVoteResponseMessage,
  type Role,
  type Snapshot,
  type SoftState,
  type Status,
} from "./types.ts";

const encoder = new TextEncoder();

/** A ReadIndex request waiting for a quorum of heartbeat acknowledgements. */
interface PendingRead {
  requestId: string;
  /** Names this read's heartbeat round. Made by the core (term and a counter), so that a late
   *  acknowledgement can never confirm a later read, whatever ids the shell uses. */
  context: string;
  /** The leader's commit index when the request arrived: the read must see at least this. */
  index: number;
  acknowledged: Set<NodeId>;
}

export class RaftCore implements RaftNode {
  readonly id: NodeId;
  private readonly config: RaftConfig;
  /** The configuration until the log or a snapshot says otherwise. */
  private readonly bootstrapVoters: readonly NodeId[];
  /** The latest configuration in the log: its voters, and the other voters this node talks to. */
  private voters: readonly NodeId[];
  private peers: readonly NodeId[];
  /** Index of the config entry `voters` came from (0: the snapshot's or the bootstrap voters). */
  private configIndex = 0;
  private readonly tolerateViolations: boolean;
  private readonly log: RaftLog;

  private term = 0;
  private vote: NodeId = NO_NODE;
  private leader: NodeId = NO_NODE;
  private role: Role = "follower";

  /** Ticks since the last election timeout reset (followers: since hearing from the leader;
   *  leaders: since the last check-quorum round). */
  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  /** In [electionTicks, 2 × electionTicks); redrawn whenever the role or term changes. */
  private randomizedElectionTimeout = 0;

  /** Leader only: one per peer (this node's own acknowledgement is its persisted index). */
  private progress = new Map<NodeId, Progress>();
  /** (Pre-)candidate only: the answers received this campaign. */
  private votes = new Map<NodeId, boolean>();
  /** Leader only: reads received before the leader committed an entry of its own term. */
  private readsAwaitingCommit: string[] = [];
  /** Leader only: reads waiting for a heartbeat quorum, oldest first. */
  private pendingReads: PendingRead[] = [];
  /** Numbers read contexts; never reset, so contexts are unique for this core's life (and a
   *  restarted core leads only in a higher term, which the context also names). */
  private readSequence = 0;

  private messages: Message[] = [];
  private readStates: ReadState[] = [];
  private previousHardState: HardState;
  private previousSoftState: SoftState;
  /** A Ready was handed out and not yet advanced. */
  private readyInFlight = false;

  constructor(config: RaftConfig, durable?: DurableState) {
    assert(Number.isInteger(config.id) && config.id > 0, `node id ${config.id} must be a positive integer`);
    // A node outside the bootstrap voters is one a config entry may add later; it waits until then.
    assert(new Set(config.voters).size === config.voters.length, "duplicate voters");
    assert(config.electionTicks > 0 && config.heartbeatTicks > 0 && config.heartbeatTicks < config.electionTicks, `heartbeatTicks ${config.heartbeatTicks} must be in (0, electionTicks ${config.electionTicks})`);
    assert(config.maxEntriesPerMessage > 0 && config.maxInflight > 0, "maxEntriesPerMessage and maxInflight must be positive");
    this.config = config;
    this.id = config.id;
    this.bootstrapVoters = [...config.voters].sort((a, b) => a - b);
    this.voters = this.bootstrapVoters;
    this.peers = this.voters.filter((voter) => voter !== this.id);
    const bugs = config.bugs ?? {};
    this.tolerateViolations = Boolean(bugs.tolerateViolations || bugs.commitOldTerm || bugs.voteWithoutLogCheck || bugs.unsafeConfChange);

    if (durable === undefined) {
      assert(config.applied === undefined || config.applied === 0, "applied without durable state");
      this.log = new RaftLog(this.tolerateViolations);
    } else {
      const hardState = durable.hardState;
      assert(hardState.vote === NO_NODE || (Number.isInteger(hardState.vote) && hardState.vote > 0), `persisted vote for impossible node id ${hardState.vote}`);
      this.log = RaftLog.restore({ snapshot: durable.snapshot, entries: durable.entries, commit: hardState.commit, applied: config.applied }, this.tolerateViolations);
      this.term = hardState.term;
      this.vote = hardState.vote;
      assert(this.log.lastTerm() <= this.term, () => `persisted log has term ${this.log.lastTerm()} beyond hard state term ${this.term}`);
    }
    this.refreshConfig();
    this.resetRandomizedElectionTimeout();
    this.previousHardState = this.hardState();
    this.previousSoftState = this.softState();
  }

  // ---- the shell's entry points --------------------------------------------------------------

  tick(): void {
    if (this.role === "leader") this.tickLeader();
    else this.tickElection();
    this.checkInvariants();
  }

  step(message: Message): void {
    assert(message.to === this.id, () => `message for ${message.to} stepped into ${this.id}`);
    if (message.from === this.id || !(message.from > 0)) return;
    // A vote request from outside our configuration (a removed server, a stray) is noise: not
    // even its term is taken.
    if (message.type === "requestVote" && !this.voters.includes(message.from)) return;
    this.stepMessage(message);
    this.checkInvariants();
  }

  propose(data: Uint8Array | string): ProposeResult {
    if (this.role !== "leader") return { ok: false, error: "not-leader", leaderHint: this.leader };
    const entry: Entry = {
      term: this.term,
      index: this.log.lastIndex() + 1,
      kind: "normal",
      data: typeof data === "string" ? encoder.encode(data) : data,
    };
    this.log.append([entry]);
    this.broadcastAppend();
    this.checkInvariants();
    return { ok: true, index: entry.index, term: entry.term };
  }

  readIndex(requestId: string): ReadIndexResult {
    if (this.role !== "leader") return { ok: false, error: "not-leader", leaderHint: this.leader };
    // Until it commits an entry of its own term, a new leader's commit index may lag behind
    // entries earlier leaders committed; a read at that index could miss acknowledged writes.
    if (this.log.term(this.log.committed) !== this.term) this.readsAwaitingCommit.push(requestId);
    else this.startRead(requestId);
    this.checkInvariants();
    return { ok: true };
  }

  proposeConfChange(change: ConfChange): ConfChangeResult {
    if (this.role !== "leader") return { ok: false, error: "not-leader", leaderHint: this.leader };
    const refused = (reason: string): ConfChangeResult => ({ ok: false, error: "refused", reason });
    const unsafe = this.config.bugs?.unsafeConfChange === true;
    if (!unsafe && this.configIndex > this.log.committed) {
      return refused(`the configuration change at index ${this.configIndex} is not committed yet (commit ${this.log.committed}); one change at a time, retry once it is`);
    }
    if (!unsafe && this.log.term(this.log.committed) !== this.term) {
      return refused(`leader ${this.id} has not committed an entry of its term ${this.term} yet; retry shortly`);
    }
    if (!(Number.isInteger(change.node) && change.node > 0)) return refused(`node id ${change.node} is not a positive integer`);
    const present = this.voters.includes(change.node);
    if (change.type === "add" && present) return refused(`node ${change.node} is already a voter`);
    if (change.type === "remove" && !present) return refused(`node ${change.node} is not a voter`);
    const voters = change.type === "add" ? [...this.voters, change.node] : this.voters.filter((voter) => voter !== change.node);
    if (voters.length === 0) return refused("the last voter cannot be removed");
    const entry: Entry = { term: this.term, index: this.log.lastIndex() + 1, kind: "config", data: encodeConfig(voters) };
    this.log.append([entry]);
    this.refreshConfig();
    this.broadcastAppend();
    this.checkInvariants();
    return { ok: true, index: entry.index, term: entry.term, voters: [...this.voters] };
  }

  campaign(): void {
    if (this.role === "leader" || !this.voters.includes(this.id)) return;
    this.startCampaign(this.config.preVote ? "preVote" : "election");
    this.checkInvariants();
  }

  hasReady(): boolean {
    if (this.readyInFlight) return false;
    return (
      this.messages.length > 0 ||
      this.readStates.length > 0 ||
      this.log.unstableSnapshot !== undefined ||
      this.log.unstableFrom <= this.log.lastIndex() ||
      this.log.hasNextCommittedEntries() ||
      !sameHardState(this.hardState(), this.previousHardState) ||
      !sameSoftState(this.softState(), this.previousSoftState)
    );
  }

  ready(): Ready {
    assert(!this.readyInFlight, "ready() called again before advance()");
    const snapshot = this.log.unstableSnapshot;
    const committedEntries = this.log.nextCommittedEntries();
    const ready: Ready = {
      entries: this.log.unstableEntries(),
      committedEntries,
      messages: this.messages,
      readStates: this.readStates,
    };
    if (snapshot !== undefined) ready.snapshot = snapshot;
    const hardState = this.hardState();
    if (!sameHardState(hardState, this.previousHardState)) ready.hardState = hardState;
    const softState = this.softState();
    if (!sameSoftState(softState, this.previousSoftState)) ready.softState = softState;
    assert(hardState.commit >= this.previousHardState.commit || this.tolerateViolations, () => `commit went back from ${this.previousHardState.commit} to ${hardState.commit}`);
    assert(hardState.term >= this.previousHardState.term, "term went back");
    this.previousHardState = hardState;
    this.previousSoftState = softState;
    this.messages = [];
    this.readStates = [];
    const lastCommitted = committedEntries[committedEntries.length - 1];
    if (lastCommitted !== undefined) this.log.applyingTo(lastCommitted.index);
    this.readyInFlight = true;
    return ready;
  }

  advance(ready: Ready): void {
    assert(this.readyInFlight, "advance() without a Ready in flight");
    this.readyInFlight = false;
    if (ready.snapshot !== undefined) this.log.stableSnapshotTo(ready.snapshot);
    const lastEntry = ready.entries[ready.entries.length - 1];
    if (lastEntry !== undefined) this.log.stableTo(lastEntry.index, lastEntry.term);
    const lastCommitted = ready.committedEntries[ready.committedEntries.length - 1];
    if (lastCommitted !== undefined) this.log.appliedTo(lastCommitted.index);
    // The leader's own entries count towards a quorum only once durable.
    if (this.role === "leader" && lastEntry !== undefined && this.maybeCommit()) this.broadcastAppend();
    this.stepDownIfRemoved();
    this.checkInvariants();
  }

  compact(index: number, data: Uint8Array): Snapshot {
    const configEntry = this.log.configEntryAtOrBefore(index);
    const voters = configEntry ? decodeConfig(configEntry.data) : (this.log.snapshot?.metadata.voters ?? [...this.bootstrapVoters]);
    const snapshot = this.log.compact(index, data, voters);
    this.checkInvariants();
    return snapshot;
  }

  status(): Status {
    return {
      id: this.id,
      role: this.role,
      leader: this.leader,
      term: this.term,
      vote: this.vote,
      commit: this.log.committed,
      applied: this.log.applied,
      firstIndex: this.log.firstIndex(),
      lastIndex: this.log.lastIndex(),
      snapshotIndex: this.log.snapshotIndex,
      snapshotTerm: this.log.snapshotTerm,
      voters: [...this.voters],
      configIndex: this.configIndex,
    };
  }

  termAt(index: number): number | undefined {
    return this.log.term(index);
  }

  entries(from: number, to: number): Entry[] {
    return this.log.slice(from, to);
  }

  /** Index the shell has durably persisted (the leader counts only this for itself). */
  persistedIndex(): number {
    return this.log.persistedIndex();
  }

  /** The leader's view of a follower (tests and debugging); undefined unless leader. */
  progressOf(peer: NodeId): Readonly<Progress> | undefined {
    return this.progress.get(peer);
  }

  // ---- time ----------------------------------------------------------------------------------

  private tickElection(): void {
    if (!this.voters.includes(this.id)) {
      // Outside the configuration: never campaign (it would only disturb the voters). The time
      // without a leader still counts, up to the election timeout, so that its lease runs out:
      // a node whose configuration is stale may be a voter after all, and its vote is needed.
      if (this.electionElapsed < this.config.electionTicks) this.electionElapsed++;
      return;
    }
    this.electionElapsed++;
    if (this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.startCampaign(this.config.preVote ? "preVote" : "election");
    }
  }

  private tickLeader(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.config.electionTicks) {
      this.electionElapsed = 0;
      if (this.config.checkQuorum) {
        // Check-quorum: a leader cut off from a majority steps down instead of accepting
        // writes it can never commit; its followers elsewhere will elect a new leader.
        if (!this.quorumActive()) {
          this.becomeFollower(this.term, NO_NODE);
          return;
        }
        for (const progress of this.progress.values()) progress.recentActive = false;
      }
    }
    for (const progress of this.progress.values()) {
      if (progress.state !== "snapshot") continue;
      // A snapshot lost on the way is retried: after an election timeout without an answer
      // the follower is probed again, which sends a fresh snapshot if still needed.
      progress.snapshotTicks++;
      if (progress.snapshotTicks >= this.config.electionTicks) progress.becomeProbe();
    }
    if (this.heartbeatElapsed >= this.config.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      this.broadcastHeartbeat(this.pendingReads[this.pendingReads.length - 1]?.context);
    }
  }

  private quorumActive(): boolean {
    const active = new Set<NodeId>(this.voters.includes(this.id) ? [this.id] : []);
    for (const [peer, progress] of this.progress) if (progress.recentActive) active.add(peer);
    return isMajority(this.voters, active);
  }

  // ---- role changes --------------------------------------------------------------------------

  private reset(term: number): void {
    if (term !== this.term) {
      assert(term > this.term, () => `term going back from ${this.term} to ${term}`);
      this.term = term;
      this.vote = NO_NODE;
    }
    this.leader = NO_NODE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedElectionTimeout();
    this.votes.clear();
    this.progress.clear();
    this.readsAwaitingCommit = [];
    this.pendingReads = [];
  }

  private resetRandomizedElectionTimeout(): void {
    this.randomizedElectionTimeout = this.config.electionTicks + this.config.random.int(this.config.electionTicks);
  }

  private becomeFollower(term: number, leader: NodeId): void {
    this.reset(term);
    this.role = "follower";
    this.leader = leader;
  }

  private becomePreCandidate(): void {
    assert(this.role !== "leader", "a leader does not pre-campaign");
    // A pre-candidate keeps its term and vote: pre-votes change nothing durable.
    this.votes.clear();
    this.leader = NO_NODE;
    this.role = "preCandidate";
    this.resetRandomizedElectionTimeout();
  }

  private becomeCandidate(): void {
    assert(this.role !== "leader", "a leader does not campaign");
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = "candidate";
  }

  private becomeLeader(): void {
    assert(this.role === "candidate", () => `only a candidate becomes leader, not a ${this.role}`);
    this.reset(this.term);
    this.role = "leader";
    this.leader = this.id;
    const next = this.log.lastIndex() + 1;
    for (const peer of this.peers) this.progress.set(peer, new Progress(peer, next, this.config.maxInflight));
    // The no-op lets this leader commit in its own term, which also commits every earlier
    // entry it holds (leader completeness) and unblocks ReadIndex.
    this.log.append([{ term: this.term, index: next, kind: "noop", data: new Uint8Array(0) }]);
  }

  private startCampaign(kind: "preVote" | "election"): void {
    let voteTerm: number;
    if (kind === "preVote") {
      this.becomePreCandidate();
      voteTerm = this.term + 1;
    } else {
      this.becomeCandidate();
      voteTerm = this.term;
    }
    this.votes.set(this.id, true);
    if (this.tallyVotes()) return;
    const lastIndex = this.log.lastIndex();
    const lastTerm = this.log.lastTerm();
    for (const peer of this.peers) {
      this.send({ type: "requestVote", from: this.id, to: peer, term: voteTerm, preVote: kind === "preVote", lastIndex, lastTerm });
    }
  }

  /** Acts on the votes so far; true when the campaign ended. */
  private tallyVotes(): boolean {
    const result = voteResult(this.voters, this.votes);
    if (result === "won") {
      if (this.role === "preCandidate") this.startCampaign("election");
      else {
        this.becomeLeader();
        this.broadcastAppend();
      }
      return true;
    }
    if (result === "lost") {
      this.becomeFollower(this.term, NO_NODE);
      return true;
    }
    return false;
  }

  // ---- messages ------------------------------------------------------------------------------

  private stepMessage(message: Message): void {
    if (message.term > this.term) {
      if (message.type === "requestVote" && this.inLease()) {
        // Leader lease (check-quorum): we heard from a live leader less than an election
        // timeout ago, so this candidate is disruptive (e.g. just back from a partition).
        return;
      }
      if (message.type === "requestVote" && message.preVote) {
        // Pre-votes never change terms.
      } else if (message.type === "requestVoteResponse" && message.preVote && message.granted) {
        // Granted pre-votes carry the term we would campaign in; the term changes only when
        // the real election starts.
      } else if (message.type === "appendEntries" || message.type === "heartbeat" || message.type === "installSnapshot") {
        this.becomeFollower(message.term, message.from);
      } else {
        this.becomeFollower(message.term, NO_NODE);
      }
    } else if (message.term < this.term) {
      if ((this.config.checkQuorum || this.config.preVote) && (message.type === "appendEntries" || message.type === "heartbeat")) {
        // A stale leader cut off by a partition never learns the new term from votes (pre-vote
        // and the lease keep them away), so tell it: the higher term makes it step down.
        this.send({ type: "appendEntriesResponse", from: this.id, to: message.from, term: this.term, reject: false, index: 0, hintIndex: 0, hintTerm: 0 });
      } else if (message.type === "requestVote" && message.preVote) {
        this.send({ type: "requestVoteResponse", from: this.id, to: message.from, term: this.term, preVote: true, granted: false });
      }
      return;
    }

    if (message.type === "requestVote") {
      this.handleRequestVote(message);
      return;
    }
    switch (this.role) {
      case "follower":
        this.stepFollower(message);
        return;
      case "preCandidate":
      case "candidate":
        this.stepCandidate(message);
        return;
      case "leader":
        this.stepLeader(message);
        return;
    }
  }

  private inLease(): boolean {
    return this.config.checkQuorum && this.leader !== NO_NODE && this.electionElapsed < this.config.electionTicks;
  }

  private handleRequestVote(message: RequestVoteMessage): void {
    // One vote per term: we may repeat a vote for the same candidate, or vote when we have
    // neither voted nor heard of a leader this term; pre-votes for a future term are free.
    const canVote =
      this.vote === message.from ||
      (this.vote === NO_NODE && this.leader === NO_NODE) ||
      (message.preVote && message.term > this.term);
    const logOk = this.config.bugs?.voteWithoutLogCheck === true || this.log.isUpToDate(message.lastIndex, message.lastTerm);
    if (canVote && logOk) {
      this.send({ type: "requestVoteResponse", from: this.id, to: message.from, term: message.term, preVote: message.preVote, granted: true });
      if (!message.preVote) {
        assert(message.term === this.term, "a real vote is cast in our own term");
        this.electionElapsed = 0;
        this.vote = message.from;
      }
    } else {
      this.send({ type: "requestVoteResponse", from: this.id, to: message.from, term: this.term, preVote: message.preVote, granted: false });
    }
  }

  private stepFollower(message: Message): void {
    switch (message.type) {
      case "appendEntries":
        this.electionElapsed = 0;
        this.leader = message.from;
        this.handleAppendEntries(message);
        return;
      case "heartbeat":
        this.electionElapsed = 0;
        this.leader = message.from;
        this.handleHeartbeat(message);
        return;
      case "installSnapshot":
        this.electionElapsed = 0;
        this.leader = message.from;
        this.handleInstallSnapshot(message);
        return;
      default:
        // Answers to a campaign or leadership we no longer hold.
        return;
    }
  }

  /** Takes the latest configuration in the log (after any change to the log): voters, peers and,
   *  on a leader, a progress for every peer. */
  private refreshConfig(): void {
    const entry = this.log.latestConfigEntry();
    const voters = entry ? decodeConfig(entry.data) : (this.log.snapshot?.metadata.voters ?? [...this.bootstrapVoters]);
    this.configIndex = entry?.index ?? 0;
    const sorted = [...voters].sort((a, b) => a - b);
    if (sorted.join(",") === this.voters.join(",")) return;
    this.voters = sorted;
    this.peers = sorted.filter((voter) => voter !== this.id);
    if (this.role !== "leader") return;
    for (const peer of this.peers) {
      if (!this.progress.has(peer)) this.progress.set(peer, new Progress(peer, this.log.lastIndex() + 1, this.config.maxInflight));
    }
    for (const peer of [...this.progress.keys()]) if (!this.peers.includes(peer)) this.progress.delete(peer);
  }

  /** A leader whose own removal is committed steps down (it can no longer lead a configuration it
   *  is not in); it has already told the others the commit. */
  private stepDownIfRemoved(): void {
    if (this.role !== "leader" || this.voters.includes(this.id) || this.configIndex > this.log.committed) return;
    this.becomeFollower(this.term, NO_NODE);
  }

  private stepCandidate(message: Message): void {
    switch (message.type) {
      case "appendEntries":
      case "heartbeat":
      case "installSnapshot":
        // Someone won this term (a pre-candidate's term is the current one too): follow it.
        this.becomeFollower(message.term, message.from);
        this.stepFollower(message);
        return;
      case "requestVoteResponse": {
        if (message.preVote !== (this.role === "preCandidate")) return;
        // A granted pre-vote is for the term we would move to; older ones are stale.
        if (message.preVote && message.granted && message.term !== this.term + 1) return;
        if (!this.votes.has(message.from)) this.votes.set(message.from, message.granted);
        this.tallyVotes();
        return;
      }
      default:
        return;
    }
  }

  private stepLeader(message: Message): void {
    switch (message.type) {
      case "appendEntriesResponse":
        this.handleAppendEntriesResponse(message);
        return;
      case "heartbeatResponse":
        this.handleHeartbeatResponse(message);
        return;
      case "appendEntries":
      case "heartbeat":
      case "installSnapshot":
        // Two leaders in one term: election safety is already lost.
        assert(this.tolerateViolations, () => `node ${this.id} is leader of term ${this.term} and got ${message.type} from ${message.from} of the same term`);
        return;
      default:
        return;
    }
  }

  // ---- follower side -------------------------------------------------------------------------

  private handleAppendEntries(message: AppendEntriesMessage): void {
    if (message.prevIndex < this.log.committed) {
      // Everything up to our commit index matches any current leader's log; say where we are.
      this.send({ type: "appendEntriesResponse", from: this.id, to: message.from, term: this.term, reject: false, index: this.log.committed, hintIndex: 0, hintTerm: 0 });
      return;
    }
    const lastNewIndex = this.log.maybeAppend(message.prevIndex, message.prevTerm, message.commit, message.entries);
    this.refreshConfig();
    if (lastNewIndex !== undefined) {
      this.send({ type: "appendEntriesResponse", from: this.id, to: message.from, term: this.term, reject: false, index: lastNewIndex, hintIndex: 0, hintTerm: 0 });
      return;
    }
    const hint = this.log.findConflictByTerm(Math.min(message.prevIndex, this.log.lastIndex()), message.prevTerm);
    this.send({ type: "appendEntriesResponse", from: this.id, to: message.from, term: this.term, reject: true, index: message.prevIndex, hintIndex: hint.index, hintTerm: hint.term });
  }

  private handleHeartbeat(message: HeartbeatMessage): void {
    // The leader sends at most our acknowledged match index, which is durable in our log.
    const lastIndex = this.log.lastIndex();
    assert(message.commit <= lastIndex || this.tolerateViolations, () => `heartbeat commit ${message.commit} beyond our last index ${lastIndex}: acknowledged entries were lost`);
    this.log.commitTo(Math.min(message.commit, lastIndex));
    const response: HeartbeatResponseMessage = { type: "heartbeatResponse", from: this.id, to: message.from, term: this.term };
    if (message.context !== undefined) response.context = message.context;
    this.send(response);
  }

  private handleInstallSnapshot(message: InstallSnapshotMessage): void {
    const { index, term } = message.snapshot.metadata;
    let acknowledged: number;
    if (index <= this.log.committed) {
      acknowledged = this.log.committed;
    } else if (this.log.matchTerm(index, term)) {
      // We already hold the snapshot's last entry, hence (log matching) everything before it.
      this.log.commitTo(index);
      acknowledged = this.log.committed;
    } else {
      this.log.installSnapshot(message.snapshot);
      this.refreshConfig();
      acknowledged = index;
    }
    this.send({ type: "appendEntriesResponse", from: this.id, to: message.from, term: this.term, reject: false, index: acknowledged, hintIndex: 0, hintTerm: 0 });
  }

  // ---- leader side ---------------------------------------------------------------------------

  private handleAppendEntriesResponse(message: AppendEntriesResponseMessage): void {
    const progress = this.progress.get(message.from);
    // An answer from a node that has since left the configuration.
    if (progress === undefined) return;
    progress.recentActive = true;
    if (message.reject) {
      let nextProbe = message.hintIndex;
      // Skip, in one round trip, every entry of ours whose term the follower cannot have.
      if (message.hintTerm > 0) nextProbe = this.log.findConflictByTerm(message.hintIndex, message.hintTerm).index;
      if (progress.maybeDecrease(message.index, nextProbe, this.tolerateViolations)) {
        if (progress.state === "replicate") progress.becomeProbe();
        this.sendAppend(message.from, true);
      }
      return;
    }
    const wasPaused = progress.isPaused();
    // A follower holds at most what we sent it, and any commit index it reports is in every
    // later leader's log; more than our log is possible only once safety is already broken.
    const lastIndex = this.log.lastIndex();
    assert(message.index <= lastIndex || this.tolerateViolations, () => `peer ${message.from} acknowledged ${message.index} beyond our last index ${lastIndex}`);
    if (!progress.maybeUpdate(Math.min(message.index, lastIndex))) return;
    if (progress.state === "probe") progress.becomeReplicate();
    else if (progress.state === "snapshot" && progress.match + 1 >= this.log.firstIndex()) {
      // The snapshot (or entries reaching our log) arrived: stream from the match onwards.
      progress.becomeProbe();
      progress.becomeReplicate();
    } else if (progress.state === "replicate") progress.inflights.freeUpTo(message.index);

    if (this.maybeCommit()) this.broadcastAppend();
    else if (wasPaused) this.sendAppend(message.from, false);
    // Fill the inflight window.
    while (this.role === "leader" && this.progress.has(message.from) && this.sendAppend(message.from, false)) {
      // Each call sends one message; stop once paused or nothing is left.
    }
    this.stepDownIfRemoved();
  }

  private handleHeartbeatResponse(message: HeartbeatResponseMessage): void {
    const progress = this.progress.get(message.from);
    if (progress === undefined) return;
    progress.recentActive = true;
    progress.probeSent = false;
    // Acknowledgements may have been lost; the follower is alive, so let one more append go.
    if (progress.state === "replicate" && progress.inflights.full()) progress.inflights.freeFirst();
    if (progress.match < this.log.lastIndex()) this.sendAppend(message.from, true);
    if (message.context !== undefined) this.acknowledgeRead(message.from, message.context);
  }

  /** Sends the follower what it lacks; false if nothing was sent. `sendIfEmpty` sends an empty
   *  append (a probe of next - 1) when there are no new entries. */
  private sendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const progress = this.progress.get(to);
    assert(progress !== undefined, () => `no progress for peer ${to}`);
    if (progress.isPaused()) return false;
    const prevIndex = progress.next - 1;
    const prevTerm = this.log.term(prevIndex);
    if (prevTerm === undefined) {
      // The follower needs entries we compacted away.
      assert(prevIndex < this.log.snapshotIndex, () => `no term for ${prevIndex} within the log`);
      const snapshot = this.log.snapshot;
      assert(snapshot !== undefined, "compacted log without a snapshot");
      this.send({ type: "installSnapshot", from: this.id, to, term: this.term, snapshot });
      progress.becomeSnapshot(snapshot.metadata.index);
      return true;
    }
    const lastIndex = this.log.lastIndex();
    const entries = progress.next <= lastIndex ? this.log.slice(progress.next, Math.min(lastIndex, progress.next + this.config.maxEntriesPerMessage - 1)) : [];
    if (entries.length === 0 && !sendIfEmpty) return false;
    this.send({ type: "appendEntries", from: this.id, to, term: this.term, prevIndex, prevTerm, entries, commit: this.log.committed });
    progress.sentEntries(prevIndex + entries.length, entries.length);
    return true;
  }

  private broadcastAppend(): void {
    if (this.role !== "leader") return;
    for (const peer of this.peers) this.sendAppend(peer, true);
  }

  private broadcastHeartbeat(context: string | undefined): void {
    for (const peer of this.peers) {
      const progress = this.progress.get(peer);
      assert(progress !== undefined, () => `no progress for peer ${peer}`);
      // Never tell a follower to commit past what it is known to hold.
      const heartbeat: HeartbeatMessage = { type: "heartbeat", from: this.id, to: peer, term: this.term, commit: Math.min(progress.match, this.log.committed) };
      if (context !== undefined) heartbeat.context = context;
      this.send(heartbeat);
    }
  }

  /** Advances the commit index to what a majority holds; true if it moved. */
  private maybeCommit(): boolean {
    // Each voter of the latest configuration: this node by what it has made durable (if it is
    // one: a leader that removed itself counts only the others), the rest by their match.
    const acknowledged = this.voters.map((voter) => (voter === this.id ? this.log.persistedIndex() : (this.progress.get(voter)?.match ?? 0)));
    const index = committedIndex(acknowledged);
    if (index <= this.log.committed) return false;
    // Raft §5.4.2 (Figure 8): counting replicas proves nothing about an entry of an earlier
    // term — a leader elected later may not hold it and overwrites it. Only entries of our own
    // term commit by counting; earlier ones follow, being before them in the log.
    if (this.log.term(index) !== this.term && this.config.bugs?.commitOldTerm !== true) return false;
    const wasCurrentTermCommitted = this.log.term(this.log.committed) === this.term;
    this.log.commitTo(index);
    if (!wasCurrentTermCommitted && this.log.term(this.log.committed) === this.term) {
      const waiting = this.readsAwaitingCommit;
      this.readsAwaitingCommit = [];
      for (const requestId of waiting) this.startRead(requestId);
    }
    return true;
  }

  // ---- ReadIndex -----------------------------------------------------------------------------

  private startRead(requestId: string): void {
    assert(this.role === "leader" && this.log.term(this.log.committed) === this.term, "reads start at a leader that committed in its term");
    if (this.peers.length === 0) {
      this.readStates.push({ requestId, index: this.log.committed });
      return;
    }
    // The commit index now is what the read must reflect; a heartbeat round answered by a
    // majority proves no newer leader existed when the request arrived.
    const context = `${this.term}.${++this.readSequence}`;
    this.pendingReads.push({ requestId, context, index: this.log.committed, acknowledged: new Set([this.id]) });
    this.broadcastHeartbeat(context);
  }

  private acknowledgeRead(from: NodeId, context: string): void {
    const position = this.pendingReads.findIndex((read) => read.context === context);
    if (position < 0) return;
    const read = this.pendingReads[position];
    read.acknowledged.add(from);
    if (!isMajority(this.voters, read.acknowledged)) return;
    // Leadership was confirmed after every earlier request arrived, so they go too, in order.
    for (const released of this.pendingReads.splice(0, position + 1)) {
      this.readStates.push({ requestId: released.requestId, index: released.index });
    }
  }

  // ---- helpers -------------------------------------------------------------------------------

  private send(message: Message): void {
    assert(message.to !== this.id && message.from === this.id, "a node messages others, as itself");
    this.messages.push(message);
  }

  private hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  private softState(): SoftState {
    return { leader: this.leader, role: this.role };
  }

  private checkInvariants(): void {
    this.log.check();
    assert((this.role === "leader") === (this.leader === this.id), () => `node ${this.id}: role ${this.role} but leader ${this.leader}`);
    assert(this.role !== "leader" || this.vote === this.id, () => `leader ${this.id} did not vote for itself in term ${this.term}`);
    // A leader outside its configuration is one whose removal is not committed yet.
    assert(this.role !== "leader" || this.voters.includes(this.id) || this.configIndex > this.log.committed || this.tolerateViolations, () => `leader ${this.id} outside its committed configuration ${this.voters.join(",")}`);
    assert(this.role === "leader" || this.progress.size === 0, "progress kept outside leadership");
    assert(this.log.lastTerm() <= this.term, () => `log term ${this.log.lastTerm()} beyond current term ${this.term}`);
    if (this.role === "leader") {
      assert(this.progress.size === this.peers.length, "leader tracks every peer");
      for (const progress of this.progress.values()) {
        progress.check();
        assert(progress.match <= this.log.lastIndex() || this.tolerateViolations, () => `peer ${progress.id} matched ${progress.match} beyond our last index ${this.log.lastIndex()}`);
      }
    }
  }
}

function sameHardState(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

function sameSoftState(a: SoftState, b: SoftState): boolean {
  return a.leader === b.leader && a.role === b.role;
}
