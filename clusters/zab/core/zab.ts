// ZooKeeper's atomic broadcast as a pure state machine (etcd-io/raft's style): no sockets, timers,
// files, clock or Math.random. step() is the only door for messages, tick() the only one for time;
// the shell drives it as described at the top of types.ts.
//
// One server goes through, again and again:
//   election         fast leader election (election.ts) picks the voter with the newest history
//   discovery        learners report their accepted epoch (FOLLOWERINFO); once a quorum of voters
//                    has, the leader proposes max + 1 (LEADERINFO); each learner promises to follow
//                    it (ACKEPOCH) and reports its history's position
//   synchronisation  the leader brings each learner's history in line with its own — DIFF, TRUNC,
//                    TRUNC+DIFF or SNAP (sync-plan.ts) — then NEWLEADER; once a quorum of voters
//                    acknowledge, the epoch is established and its initial history committed
//   broadcast        PROPOSAL → ACK from a quorum → COMMIT, in zxid order on a FIFO link per
//                    learner (reliable-link.ts); observers get INFORM of each commit and never vote
//
// Safety rules and where they live:
//   elect the newest history ........................ Election via isBetterVote (vote.ts)
//   refuse learners ahead of the new leader ......... handleAckEpoch
//   a new epoch exceeds every epoch a quorum accepted  decideEpoch + handleLeaderInfo
//   epochs durable before the messages that rely on them  afterDurable (sent only once advance()
//                                                    reports them durable; types.ts)
//   a learner drops what the leader never had ....... handleSync (TRUNC), History.truncateAfter
//   commit only what a quorum of voters logged ...... maybeCommit
//   commits in zxid order, FIFO per learner ......... History, ReliableLink
//   never lose a committed proposal ................. History (asserted)

import { assert } from "../../consensus/assert.ts";
import { committedIndex, isMajority } from "../../consensus/quorum.ts";
import { Election, type Decision, type ElectionStep } from "./election.ts";
import { ReliableLink } from "./reliable-link.ts";
import { History } from "./history.ts";
import { LearnerHandler } from "./learner-handler.ts";
import { planSync } from "./sync-plan.ts";
import {
  NO_SERVER,
  type AckEpochMessage,
  type AckMessage,
  type AckNewLeaderMessage,
  type CommitMessage,
  type DurableState,
  type Epochs,
  type FollowerInfoMessage,
  type InformMessage,
  type LeaderInfoMessage,
  type LinkMessage,
  type Message,
  type NewLeaderMessage,
  type NotificationMessage,
  type Phase,
  type ProposalMessage,
  type ProposeResult,
  type Ready,
  type ServerId,
  type ServerState,
  type Snapshot,
  type SoftState,
  type Status,
  type SyncMessage,
  type UpToDateMessage,
  type Vote,
  type ZabBugs,
  type ZabConfig,
} from "./types.ts";
import { NO_VOTE } from "./vote.ts";
import { epochOf, formatZxid, makeZxid, MAX_COUNTER, type Zxid } from "./zxid.ts";

/** A link message before the link stamps it with its addresses, connection and sequence. */
type LinkBody = LinkMessage extends infer M ? (M extends LinkMessage ? Omit<M, "from" | "to" | "connection" | "sequence" | "acknowledged"> : never) : never;

/** Learners name connection attempts, and leaders connections, by random numbers below this, so
 *  that a message of an earlier connection (delayed, or sent by an earlier incarnation of either
 *  end) belongs to no live one (see LinkMessageBase.connection). */
const NAME_RANGE = 0x7fff_ffff;

/** A learner's side of its connection to the leader. */
interface LearnerState {
  attempt: number;
  /** Set by LEADERINFO. */
  link: ReliableLink<LinkMessage> | undefined;
  /** The epoch the leader proposed (LEADERINFO), 0 before. */
  leaderEpoch: number;
  /** LEADERINFO accepted; ACKEPOCH leaves once the Ready `ticket` (durabilityTicket) is durable. */
  ackEpochDue: { alreadyAccepted: boolean; ticket: number } | undefined;
  /** NEWLEADER arrived (proposals may follow); its acknowledgement leaves once the Ready
   *  `newLeaderTicket` is durable. */
  newLeaderReceived: boolean;
  newLeaderTicket: number;
  /** NEWLEADER acknowledged (its history and currentEpoch durable): our ACKs count from now on. */
  newLeaderAcknowledged: boolean;
  /** The last zxid ACKed to the leader (durable here when it was sent). */
  acked: Zxid;
  ticksInPhase: number;
  ticksSinceHeard: number;
}

/** The leader's state for its term (ZooKeeper's Leader). */
interface LeaderState {
  handlers: Map<ServerId, LearnerHandler>;
  /** (currentEpoch, lastZxid) when elected: a learner ahead of this is refused. */
  summary: { currentEpoch: number; lastZxid: Zxid };
  /** Voters that sent FOLLOWERINFO, this one included. */
  connecting: Set<ServerId>;
  /** The highest accepted epoch reported before the new epoch was decided. */
  maxAcceptedEpoch: number;
  /** The epoch this leader proposes; 0 until a quorum connected. */
  newEpoch: number;
  /** Voters that accepted the new epoch for the first time (ACKEPOCH), this one included. */
  discoveryAcknowledged: Set<ServerId>;
  /** Voters that hold the initial history (ACK of NEWLEADER), this one once its currentEpoch
   *  is durable. */
  newLeaderAcknowledged: Set<ServerId>;
  /** The counter of the last zxid proposed in the new epoch. */
  counter: number;
  ticksInPhase: number;
  heartbeatElapsed: number;
}

export class ZabCore {
  readonly id: ServerId;
  private readonly config: ZabConfig;
  private readonly voters: readonly ServerId[];
  private readonly observers: readonly ServerId[];
  private readonly isObserver: boolean;
  private readonly bugs: ZabBugs;
  private readonly tolerateViolations: boolean;
  private readonly history: History;

  private acceptedEpoch: number;
  private currentEpoch: number;
  /** What the shell has made durable (reported through advance). */
  private durableEpochs: Epochs;

  private state: ServerState = "looking";
  private phase: Phase = "election";
  private leader: ServerId = NO_SERVER;
  /** Logical clock: the round of the current election, or of the one that chose the leader. */
  private round = 0;
  /** Our vote: the proposal while looking, the winning vote after. */
  private vote: Vote = NO_VOTE;
  private election: Election | undefined;
  private learner: LearnerState | undefined;
  private leading: LeaderState | undefined;

  private messages: Message[] = [];
  private appMessages: { from: ServerId; data: Uint8Array }[] = [];
  private previousEpochs: Epochs;
  private previousSoftState: SoftState;
  /** Readys handed out, and advanced (each counted from the start). */
  private readiesHandedOut = 0;
  private readiesAdvanced = 0;

  constructor(config: ZabConfig, durable?: DurableState) {
    assert(Number.isInteger(config.id) && config.id > 0, () => `server id ${config.id} must be a positive integer`);
    const members = [...config.voters, ...config.observers];
    assert(new Set(members).size === members.length, "a server is listed twice (voters and observers are disjoint)");
    assert(members.includes(config.id), () => `server ${config.id} is neither a voter nor an observer`);
    assert(config.voters.length > 0, "an ensemble needs voters");
    assert(config.syncLimitTicks > config.heartbeatTicks && config.initLimitTicks > 0 && config.notificationTicks > 0 && config.finalizeTicks >= 0, "timeouts: syncLimit must exceed the heartbeat; the others positive");
    this.config = config;
    this.id = config.id;
    this.voters = [...config.voters].sort((a, b) => a - b);
    this.observers = [...config.observers].sort((a, b) => a - b);
    this.isObserver = this.observers.includes(config.id);
    this.bugs = config.bugs ?? {};
    this.tolerateViolations = Boolean(this.bugs.tolerateViolations || this.bugs.skipTrunc || this.bugs.voteIgnoresZxid || this.bugs.commitBeforeQuorum);

    const epochs = durable?.epochs ?? { acceptedEpoch: 0, currentEpoch: 0 };
    assert(epochs.currentEpoch <= epochs.acceptedEpoch, () => `persisted currentEpoch ${epochs.currentEpoch} above acceptedEpoch ${epochs.acceptedEpoch}`);
    this.acceptedEpoch = epochs.acceptedEpoch;
    this.currentEpoch = epochs.currentEpoch;
    this.durableEpochs = { ...epochs };
    this.history = durable === undefined ? new History(this.tolerateViolations) : History.restore(durable.snapshot, durable.proposals, this.tolerateViolations);
    assert(epochOf(this.history.lastZxid()) <= this.acceptedEpoch || this.tolerateViolations, () => `persisted log reaches epoch ${epochOf(this.history.lastZxid())} beyond acceptedEpoch ${this.acceptedEpoch}`);

    this.previousEpochs = { ...epochs };
    this.previousSoftState = this.softState();
    this.lookForLeader();
    this.checkInvariants();
  }

  // ---- the shell's entry points --------------------------------------------------------------

  tick(): void {
    switch (this.state) {
      case "looking":
        this.applyElectionStep(this.mustElection().tick());
        break;
      case "leading":
        this.tickLeader();
        break;
      case "following":
      case "observing":
        this.tickLearner();
        break;
    }
    this.checkInvariants();
  }

  step(message: Message): void {
    assert(message.to === this.id, () => `message for ${message.to} stepped into ${this.id}`);
    // Only members of the ensemble take part; anything else is noise on the network.
    if (message.from === this.id || (!this.voters.includes(message.from) && !this.observers.includes(message.from))) return;
    if (message.type === "notification") this.handleNotification(message);
    else if (message.type === "followerInfo") {
      if (this.state === "leading") this.handleFollowerInfo(message);
    } else if (this.state === "leading") this.stepLeaderLink(message);
    else if (this.state === "following" || this.state === "observing") this.stepLearnerLink(message);
    this.checkInvariants();
  }

  propose(data: Uint8Array | string): ProposeResult {
    const leading = this.leading;
    if (this.state !== "leading" || leading === undefined) return { ok: false, error: "not-leader", leaderHint: this.leader };
    if (this.phase !== "broadcast") return { ok: false, error: "not-established", leaderHint: this.id };
    if (leading.counter >= MAX_COUNTER) {
      // The counter is exhausted: as ZooKeeper does, a new election starts a new epoch.
      this.lookForLeader();
      this.checkInvariants();
      return { ok: false, error: "not-leader", leaderHint: NO_SERVER };
    }
    leading.counter++;
    const proposal = { zxid: makeZxid(leading.newEpoch, leading.counter), data: typeof data === "string" ? new TextEncoder().encode(data) : data };
    this.history.append(proposal);
    for (const handler of leading.handlers.values()) {
      if (handler.forwarding && !handler.observer) this.sendLink(handler.link, handler.learner, { type: "proposal", proposal });
    }
    this.checkInvariants();
    return { ok: true, zxid: proposal.zxid };
  }

  hasReady(): boolean {
    return this.messages.length > 0 || this.appMessages.length > 0 || this.history.hasWork() || !sameEpochs(this.epochs(), this.previousEpochs) || !sameSoftState(this.softState(), this.previousSoftState);
  }

  ready(): Ready {
    const handout = this.history.handOut();
    const ready: Ready = { proposals: handout.proposals, committed: handout.committed, messages: this.messages };
    if (handout.snapshot !== undefined) ready.snapshot = handout.snapshot;
    if (handout.truncateTo !== undefined) ready.truncateTo = handout.truncateTo;
    const epochs = this.epochs();
    if (!sameEpochs(epochs, this.previousEpochs)) ready.epochs = epochs;
    const softState = this.softState();
    if (!sameSoftState(softState, this.previousSoftState)) ready.softState = softState;
    if (this.appMessages.length > 0) {
      ready.appMessages = this.appMessages;
      this.appMessages = [];
    }
    assert(epochs.acceptedEpoch >= this.previousEpochs.acceptedEpoch && epochs.currentEpoch >= this.previousEpochs.currentEpoch, "an epoch went back");
    this.previousEpochs = epochs;
    this.previousSoftState = softState;
    this.messages = [];
    this.readiesHandedOut++;
    return ready;
  }

  advance(ready: Ready): void {
    assert(this.readiesAdvanced < this.readiesHandedOut, "advance() without a Ready in flight");
    this.readiesAdvanced++;
    this.history.settle();
    if (ready.epochs !== undefined) this.durableEpochs = { ...ready.epochs };
    this.afterDurable();
    this.checkInvariants();
  }

  compact(zxid: Zxid, data: Uint8Array): Snapshot {
    const snapshot = this.history.compact(zxid, data);
    this.checkInvariants();
    return snapshot;
  }

  /** The shell's connection to `peer` broke (its process died or restarted). A learner whose
   *  leader it is looks for a new one at once, as ZooKeeper's learner does when its socket to the
   *  leader breaks, instead of waiting out syncLimit's silence. Always safe: giving up on a leader
   *  only costs availability. */
  peerDown(peer: ServerId): void {
    if ((this.state === "following" || this.state === "observing") && this.leader === peer) {
      this.lookForLeader();
      this.checkInvariants();
    }
  }

  /** A learner in broadcast sends `data` to its leader as an app message (types.ts AppMessage);
   *  false when it has no established leader to send it to. */
  sendToLeader(data: Uint8Array): boolean {
    const learner = this.learner;
    if (learner === undefined || learner.link === undefined || this.phase !== "broadcast") return false;
    this.sendLink(learner.link, this.leader, { type: "app", data });
    return true;
  }

  /** The leader sends `data` to a synced learner as an app message; false when that learner is not
   *  connected and synced. */
  sendToLearner(learner: ServerId, data: Uint8Array): boolean {
    const handler = this.leading?.handlers.get(learner);
    if (handler === undefined || handler.stage !== "synced") return false;
    this.sendLink(handler.link, learner, { type: "app", data });
    return true;
  }

  status(): Status {
    return {
      id: this.id,
      state: this.state,
      phase: this.phase,
      leader: this.leader,
      round: this.election?.round ?? this.round,
      vote: this.currentVote(),
      acceptedEpoch: this.acceptedEpoch,
      currentEpoch: this.currentEpoch,
      leaderEpoch: this.leading?.newEpoch ?? this.learner?.leaderEpoch ?? 0,
      lastZxid: this.history.lastZxid(),
      committed: this.history.committed,
      delivered: this.history.delivered,
      snapshotZxid: this.history.snapshotZxid,
    };
  }

  /** The logged proposals (tests and the simulator). */
  proposals(): readonly { zxid: Zxid; data: Uint8Array }[] {
    return this.history.all();
  }

  /** The last zxid durable on this server's disk. */
  persistedZxid(): Zxid {
    return this.history.persistedZxid();
  }

  /** The leader's view of a learner (tests and debugging); undefined unless leading. */
  learnerStage(learner: ServerId): LearnerHandler["stage"] | undefined {
    return this.leading?.handlers.get(learner)?.stage;
  }

  // ---- election ------------------------------------------------------------------------------

  /** Becomes LOOKING: a new round with our own vote (QuorumPeer's LOOKING state). */
  private lookForLeader(): void {
    // App messages from a leadership that ended are not handed out: their sender is gone.
    this.appMessages = [];
    this.leading = undefined;
    this.learner = undefined;
    this.state = "looking";
    this.phase = "election";
    this.leader = NO_SERVER;
    this.round++;
    const initialVote: Vote = this.isObserver ? NO_VOTE : { leader: this.id, zxid: this.history.lastZxid(), epoch: this.currentEpoch };
    this.vote = initialVote;
    this.election = new Election(
      { self: this.id, voters: this.voters, notificationTicks: this.config.notificationTicks, finalizeTicks: this.config.finalizeTicks, ignoreZxid: this.bugs.voteIgnoresZxid === true },
      this.round,
      initialVote,
    );
    this.applyElectionStep(this.election.start());
  }

  private handleNotification(message: NotificationMessage): void {
    if (this.state === "looking") {
      this.applyElectionStep(this.mustElection().receive(message.from, message));
      return;
    }
    // Established: tell a looking server who leads (a server joining a running ensemble).
    if (message.state === "looking") this.sendNotification(message.from);
  }

  private applyElectionStep(step: ElectionStep): void {
    if (step.broadcast) for (const voter of this.voters) if (voter !== this.id) this.sendNotification(voter);
    if (step.replyTo !== undefined) this.sendNotification(step.replyTo);
    if (step.decided !== undefined) this.decide(step.decided);
  }

  private decide(decision: Decision): void {
    this.round = decision.round;
    this.vote = decision.vote;
    this.election = undefined;
    if (decision.leader === this.id) this.becomeLeader();
    else this.becomeLearner(decision.leader);
  }

  private sendNotification(to: ServerId): void {
    const election = this.election;
    if (election !== undefined) {
      this.send({ type: "notification", from: this.id, to, state: this.state, vote: election.proposal, round: election.round });
      return;
    }
    this.send({ type: "notification", from: this.id, to, state: this.state, vote: this.currentVote(), round: this.round });
  }

  /** Our vote: while looking, our proposal; once established, the leader with the epoch it leads,
   *  not the epoch of the vote that chose it. Servers that joined the same leadership in different
   *  rounds (after a re-election, or through its followers' word) then agree, and a joining server
   *  finds a quorum for it (ZooKeeper's ZOOKEEPER-1732 is the same mismatch). */
  private currentVote(): Vote {
    if (this.election !== undefined) return this.election.proposal;
    return { leader: this.leader, zxid: this.vote.zxid, epoch: this.leading?.newEpoch ?? this.learner?.leaderEpoch ?? 0 };
  }

  // ---- learner -------------------------------------------------------------------------------

  private becomeLearner(leader: ServerId): void {
    this.state = this.isObserver ? "observing" : "following";
    this.phase = "discovery";
    this.leader = leader;
    const attempt = this.config.random.int(NAME_RANGE);
    this.learner = { attempt, link: undefined, leaderEpoch: 0, ackEpochDue: undefined, newLeaderReceived: false, newLeaderTicket: 0, newLeaderAcknowledged: false, acked: 0n, ticksInPhase: 0, ticksSinceHeard: 0 };
    this.sendFollowerInfo(this.learner);
  }

  /** FOLLOWERINFO opens the connection; until LEADERINFO answers, it is sent again now and then
   *  (the leader ignores repeats of the same attempt). */
  private sendFollowerInfo(learner: LearnerState): void {
    const info: FollowerInfoMessage = { type: "followerInfo", from: this.id, to: this.leader, attempt: learner.attempt, acceptedEpoch: this.acceptedEpoch, observer: this.isObserver };
    this.send(info);
  }

  private tickLearner(): void {
    const learner = this.mustLearner();
    learner.ticksInPhase++;
    learner.ticksSinceHeard++;
    if (learner.link !== undefined) this.retransmit(learner.link);
    else if (learner.ticksInPhase % this.config.retransmitTicks === 0) this.sendFollowerInfo(learner);
    // Discovery and synchronisation must finish within initLimit; after that, a leader silent for
    // syncLimit is gone. Either way: look for a leader again (ZooKeeper's follower does too).
    if (this.phase !== "broadcast" && learner.ticksInPhase >= this.config.initLimitTicks) this.lookForLeader();
    else if (this.phase === "broadcast" && learner.ticksSinceHeard >= this.config.syncLimitTicks) this.lookForLeader();
  }

  private stepLearnerLink(message: LinkMessage): void {
    const learner = this.mustLearner();
    if (message.from !== this.leader) return;
    if (message.type === "leaderInfo") {
      this.handleLeaderInfo(learner, message);
      return;
    }
    const link = learner.link;
    if (link === undefined || message.connection !== link.connection) return;
    const arrived = link.arrive(message);
    if (arrived === "broken") {
      this.lookForLeader();
      return;
    }
    for (const next of arrived) {
      learner.ticksSinceHeard = 0;
      this.handleLearnerMessage(learner, link, next);
      // A message may end the connection (a refused epoch): the rest go with it.
      if (this.learner !== learner) return;
    }
  }

  private handleLearnerMessage(learner: LearnerState, link: ReliableLink<LinkMessage>, message: LinkMessage): void {
    switch (message.type) {
      case "sync":
        this.handleSync(learner, message);
        return;
      case "newLeader":
        this.handleNewLeader(learner, message);
        return;
      case "upToDate":
        this.handleUpToDate(learner, message);
        return;
      case "proposal":
        this.handleProposal(learner, message);
        return;
      case "commit":
        this.handleCommit(message);
        return;
      case "inform":
        this.handleInform(message);
        return;
      case "ping":
        this.sendLink(link, this.leader, { type: "pong" });
        return;
      case "app":
        if (this.phase === "broadcast") this.appMessages.push({ from: this.leader, data: message.data });
        return;
      default:
        // Messages only a leader receives, and LEADERINFO, which opens the connection.
        return;
    }
  }

  private handleLeaderInfo(learner: LearnerState, message: LeaderInfoMessage): void {
    if (message.attempt !== learner.attempt || learner.link !== undefined || message.sequence !== 0) return;
    const link = new ReliableLink<LinkMessage>(message.connection, 1, 1, this.config.retransmitTicks, this.maxRetransmitTimeout());
    learner.link = link;
    learner.ticksSinceHeard = 0;
    if (message.epoch < this.acceptedEpoch) {
      // We promised a later epoch to someone else: this leader cannot be followed.
      this.lookForLeader();
      return;
    }
    const alreadyAccepted = message.epoch === this.acceptedEpoch;
    this.acceptedEpoch = message.epoch;
    learner.leaderEpoch = message.epoch;
    // ACKEPOCH is our promise: it leaves once the accepted epoch is durable (afterDurable).
    learner.ackEpochDue = { alreadyAccepted, ticket: this.durabilityTicket() };
    this.afterDurable();
  }

  private handleSync(learner: LearnerState, message: SyncMessage): void {
    assert(this.phase === "discovery" && learner.leaderEpoch > 0, () => `server ${this.id}: sync in phase ${this.phase}`);
    this.phase = "synchronization";
    learner.ticksInPhase = 0;
    if (message.snapshot !== undefined) this.history.installSnapshot(message.snapshot);
    if (message.truncateTo !== undefined && this.bugs.skipTrunc !== true) this.history.truncateAfter(message.truncateTo);
    for (const proposal of message.proposals) {
      // Only a learner that kept what it should have dropped (skip-trunc) can already hold these.
      if (proposal.zxid <= this.history.lastZxid() && this.tolerateViolations) continue;
      this.history.append(proposal);
    }
  }

  private handleNewLeader(learner: LearnerState, message: NewLeaderMessage): void {
    assert(this.phase === "synchronization", () => `server ${this.id}: NEWLEADER before its sync`);
    assert(message.epoch === learner.leaderEpoch, () => `NEWLEADER for epoch ${message.epoch}, LEADERINFO said ${learner.leaderEpoch}`);
    // The history we now hold is the new epoch's initial history: adopt the epoch. The
    // acknowledgement leaves once both are durable (afterDurable).
    this.currentEpoch = message.epoch;
    learner.newLeaderReceived = true;
    learner.newLeaderTicket = this.durabilityTicket();
    this.afterDurable();
  }

  private handleUpToDate(learner: LearnerState, message: UpToDateMessage): void {
    assert(learner.newLeaderAcknowledged, "UPTODATE before NEWLEADER");
    this.history.commitTo(message.commit);
    this.phase = "broadcast";
  }

  private handleProposal(learner: LearnerState, message: ProposalMessage): void {
    assert(!this.isObserver, "an observer got a PROPOSAL");
    assert(learner.newLeaderReceived, "PROPOSAL before NEWLEADER");
    const zxid = message.proposal.zxid;
    assert(epochOf(zxid) === this.currentEpoch || this.tolerateViolations, () => `proposal ${formatZxid(zxid)} outside our epoch ${this.currentEpoch}`);
    if (zxid <= this.history.lastZxid() && this.tolerateViolations) return;
    // Logged now; ACKed once durable (afterDurable), with every proposal durable by then.
    this.history.append(message.proposal);
  }

  private handleCommit(message: CommitMessage): void {
    this.history.commitTo(message.zxid);
  }

  private handleInform(message: InformMessage): void {
    assert(this.isObserver, "a follower got an INFORM");
    if (message.proposal.zxid > this.history.lastZxid()) this.history.append(message.proposal);
    this.history.commitTo(message.proposal.zxid);
  }

  // ---- leader --------------------------------------------------------------------------------

  private becomeLeader(): void {
    assert(!this.isObserver, "an observer was elected");
    this.state = "leading";
    this.phase = "discovery";
    this.leader = this.id;
    this.leading = {
      handlers: new Map(),
      summary: { currentEpoch: this.currentEpoch, lastZxid: this.history.lastZxid() },
      connecting: new Set([this.id]),
      maxAcceptedEpoch: this.acceptedEpoch,
      newEpoch: 0,
      discoveryAcknowledged: new Set(),
      newLeaderAcknowledged: new Set(),
      counter: 0,
      ticksInPhase: 0,
      heartbeatElapsed: 0,
    };
    this.maybeDecideEpoch();
  }

  private tickLeader(): void {
    const leading = this.mustLeading();
    leading.ticksInPhase++;
    if (this.phase !== "broadcast" && leading.ticksInPhase >= this.config.initLimitTicks) {
      // No quorum made it through discovery and synchronisation in time.
      this.lookForLeader();
      return;
    }
    leading.heartbeatElapsed++;
    const ping = leading.heartbeatElapsed >= this.config.heartbeatTicks;
    if (ping) leading.heartbeatElapsed = 0;
    for (const handler of [...leading.handlers.values()]) {
      if (handler.stage === "awaiting-epoch") continue;
      handler.ticksSinceHeard++;
      if (handler.ticksSinceHeard >= this.config.syncLimitTicks) {
        leading.handlers.delete(handler.learner);
        continue;
      }
      this.retransmit(handler.link);
      if (ping) this.sendLink(handler.link, handler.learner, { type: "ping" });
    }
    if (this.phase === "broadcast") {
      // A leader that cannot hear a quorum of voters steps down (ZooKeeper: "Not sufficient
      // followers synced"), so that the quorum elsewhere can elect one.
      const active = new Set<ServerId>([this.id]);
      for (const handler of leading.handlers.values()) if (handler.stage === "synced" && !handler.observer) active.add(handler.learner);
      if (!isMajority(this.voters, active)) this.lookForLeader();
    }
  }

  private handleFollowerInfo(message: FollowerInfoMessage): void {
    const leading = this.mustLeading();
    const existing = leading.handlers.get(message.from);
    if (existing !== undefined && existing.attempt === message.attempt) return;
    const observer = this.observers.includes(message.from);
    // A learner whose role disagrees with our configuration is misconfigured; ignore it.
    if (observer !== message.observer) return;
    if (leading.newEpoch !== 0 && message.acceptedEpoch > leading.newEpoch) {
      // It promised a later epoch (another server's attempt that never established) and can
      // never follow ours: it would refuse our LEADERINFO and come back for as long as we lead.
      // Step down, as a Raft leader does on a higher term, so that the next election's epoch
      // exceeds its promise too. Always safe: giving up leadership only costs availability.
      // (ZooKeeper's leader keeps leading and leaves such a learner out until the leader changes.)
      this.lookForLeader();
      return;
    }
    const handler = new LearnerHandler(message.from, observer, message.attempt, this.config.random.int(NAME_RANGE), this.config.retransmitTicks, this.maxRetransmitTimeout());
    leading.handlers.set(message.from, handler);
    if (leading.newEpoch === 0) {
      leading.maxAcceptedEpoch = Math.max(leading.maxAcceptedEpoch, message.acceptedEpoch);
      if (!observer) leading.connecting.add(message.from);
      this.maybeDecideEpoch();
    } else if (this.durableEpochs.acceptedEpoch === leading.newEpoch) {
      this.sendLeaderInfo(handler);
    }
  }

  /** Once a quorum of voters connected: propose an epoch above every accepted epoch reported. */
  private maybeDecideEpoch(): void {
    const leading = this.mustLeading();
    if (leading.newEpoch !== 0 || !isMajority(this.voters, leading.connecting)) return;
    leading.newEpoch = leading.maxAcceptedEpoch + 1;
    assert(leading.newEpoch > this.acceptedEpoch, "the new epoch exceeds our own accepted epoch");
    this.acceptedEpoch = leading.newEpoch;
    leading.discoveryAcknowledged.add(this.id);
    // LEADERINFO leaves once the new accepted epoch is durable (afterDurable).
    this.maybeStartSynchronization();
  }

  private sendLeaderInfo(handler: LearnerHandler): void {
    const leading = this.mustLeading();
    handler.advanceTo("epoch-sent");
    this.sendLink(handler.link, handler.learner, { type: "leaderInfo", attempt: handler.attempt, epoch: leading.newEpoch });
  }

  private stepLeaderLink(message: LinkMessage): void {
    const leading = this.mustLeading();
    const handler = leading.handlers.get(message.from);
    if (handler === undefined || message.connection !== handler.link.connection) return;
    const arrived = handler.link.arrive(message);
    if (arrived === "broken") {
      leading.handlers.delete(handler.learner);
      return;
    }
    for (const next of arrived) {
      handler.ticksSinceHeard = 0;
      this.handleLeaderMessage(handler, next);
      // A message may end the connection (a learner ahead of us) or our leadership.
      if (this.leading !== leading || leading.handlers.get(handler.learner) !== handler) return;
    }
  }

  private handleLeaderMessage(handler: LearnerHandler, message: LinkMessage): void {
    switch (message.type) {
      case "ackEpoch":
        this.handleAckEpoch(handler, message);
        return;
      case "ackNewLeader":
        this.handleAckNewLeader(handler, message);
        return;
      case "ack":
        this.handleAck(handler, message);
        return;
      case "pong":
        return;
      case "app":
        if (handler.stage === "synced") this.appMessages.push({ from: handler.learner, data: message.data });
        return;
      default:
        // Messages only a learner receives.
        return;
    }
  }

  private handleAckEpoch(handler: LearnerHandler, message: AckEpochMessage): void {
    const leading = this.mustLeading();
    if (handler.stage !== "epoch-sent") return;
    const summary = leading.summary;
    const ahead = message.currentEpoch > summary.currentEpoch || (message.currentEpoch === summary.currentEpoch && message.lastZxid > summary.lastZxid);
    if (ahead && this.phase === "discovery" && this.bugs.voteIgnoresZxid !== true) {
      // The learner holds history this leader lacks (Leader.waitForEpochAck: "Follower is ahead
      // of the leader"): the epoch's initial history would miss what may be committed. Close its
      // connection; if a quorum is ahead, discovery times out and a better leader is elected.
      // Once a quorum of learners none of which is ahead has acknowledged the epoch, its history
      // holds everything committed (quorums intersect), and what a late learner has beyond it
      // was never committed: it is truncated like ZooKeeper truncates it.
      leading.handlers.delete(handler.learner);
      return;
    }
    handler.currentEpoch = message.currentEpoch;
    handler.lastZxid = message.lastZxid;
    handler.advanceTo("epoch-acked");
    if (!handler.observer && !message.alreadyAccepted) leading.discoveryAcknowledged.add(handler.learner);
    if (this.phase === "discovery") this.maybeStartSynchronization();
    else if (this.durableEpochs.currentEpoch === leading.newEpoch) this.startSync(handler);
  }

  /** Once a quorum of voters accepted the new epoch: it becomes our current epoch, and every
   *  learner that acknowledged it is synchronised. */
  private maybeStartSynchronization(): void {
    const leading = this.mustLeading();
    if (this.phase !== "discovery" || leading.newEpoch === 0 || !isMajority(this.voters, leading.discoveryAcknowledged)) return;
    this.phase = "synchronization";
    leading.ticksInPhase = 0;
    // The sync and NEWLEADER leave once the new current epoch is durable (afterDurable).
    this.currentEpoch = leading.newEpoch;
  }

  private startSync(handler: LearnerHandler): void {
    const leading = this.mustLeading();
    const plan = planSync(this.history, handler.lastZxid);
    const sync: LinkBody = { type: "sync", mode: plan.mode, proposals: plan.proposals };
    if (plan.truncateTo !== undefined) sync.truncateTo = plan.truncateTo;
    if (plan.snapshot !== undefined) sync.snapshot = plan.snapshot;
    this.sendLink(handler.link, handler.learner, sync);
    this.sendLink(handler.link, handler.learner, { type: "newLeader", epoch: leading.newEpoch });
    handler.syncedTo = this.history.lastZxid();
    handler.advanceTo("syncing");
  }

  private handleAckNewLeader(handler: LearnerHandler, message: AckNewLeaderMessage): void {
    const leading = this.mustLeading();
    if (handler.stage !== "syncing" || message.epoch !== leading.newEpoch) return;
    handler.advanceTo("synced");
    handler.acknowledge(handler.syncedTo);
    if (this.phase === "synchronization") {
      if (!handler.observer) leading.newLeaderAcknowledged.add(handler.learner);
      this.maybeEstablish();
    } else if (this.phase === "broadcast") {
      this.sendUpToDate(handler);
      this.maybeCommit();
    }
  }

  /** Once a quorum of voters holds the initial history: the epoch is established and that
   *  history committed. */
  private maybeEstablish(): void {
    const leading = this.mustLeading();
    if (this.phase !== "synchronization" || !isMajority(this.voters, leading.newLeaderAcknowledged)) return;
    assert(leading.newLeaderAcknowledged.has(this.id), "established before our own currentEpoch was durable");
    this.phase = "broadcast";
    this.history.commitTo(this.history.lastZxid());
    for (const handler of leading.handlers.values()) if (handler.stage === "synced") this.sendUpToDate(handler);
  }

  private sendUpToDate(handler: LearnerHandler): void {
    if (handler.upToDateSent) return;
    handler.upToDateSent = true;
    this.sendLink(handler.link, handler.learner, { type: "upToDate", commit: this.history.committed });
  }

  private handleAck(handler: LearnerHandler, message: AckMessage): void {
    if (handler.observer || handler.stage !== "synced") return;
    assert(message.zxid <= this.history.lastZxid() || this.tolerateViolations, () => `learner ${handler.learner} acknowledged ${formatZxid(message.zxid)} beyond our log`);
    handler.acknowledge(message.zxid);
    this.maybeCommit();
  }

  /** Commits what a quorum of voters has logged (the leader counts its durable log). */
  private maybeCommit(): void {
    const leading = this.mustLeading();
    if (this.phase !== "broadcast") return;
    let target: Zxid;
    if (this.bugs.commitBeforeQuorum === true) {
      target = this.history.persistedZxid();
    } else {
      const acknowledged = this.voters.map((voter) => {
        if (voter === this.id) return this.history.persistedZxid();
        const handler = leading.handlers.get(voter);
        return handler !== undefined && handler.stage === "synced" ? handler.acknowledged : -1n;
      });
      target = committedIndex(acknowledged);
    }
    const previous = this.history.committed;
    if (target <= previous || !this.history.commitTo(target)) return;
    const committed = this.history.committed;
    const newlyCommitted = this.history.between(previous, committed);
    for (const handler of leading.handlers.values()) {
      if (!handler.forwarding) continue;
      if (handler.observer) for (const proposal of newlyCommitted) this.sendLink(handler.link, handler.learner, { type: "inform", proposal });
      else this.sendLink(handler.link, handler.learner, { type: "commit", zxid: committed });
    }
  }

  // ---- what waits for durability -------------------------------------------------------------

  /** Sends what depended on state that advance() has just reported durable, so that every message
   *  a Ready holds may leave at once (types.ts). A message is made — and takes its place in its
   *  link's order — only once what it promises is on disk: a learner's ACKEPOCH, its NEWLEADER
   *  acknowledgement and its ACKs, the leader's LEADERINFO and sync; the leader counts its own
   *  acknowledgements from here too. */
  private afterDurable(): void {
    const learner = this.learner;
    if (learner !== undefined && learner.link !== undefined) {
      const link = learner.link;
      if (learner.ackEpochDue !== undefined && this.readiesAdvanced >= learner.ackEpochDue.ticket) {
        const { alreadyAccepted } = learner.ackEpochDue;
        learner.ackEpochDue = undefined;
        this.sendLink(link, this.leader, { type: "ackEpoch", currentEpoch: this.currentEpoch, lastZxid: this.history.lastZxid(), alreadyAccepted });
      }
      if (learner.newLeaderReceived && !learner.newLeaderAcknowledged && this.readiesAdvanced >= learner.newLeaderTicket) {
        learner.newLeaderAcknowledged = true;
        learner.acked = this.history.persistedZxid();
        this.sendLink(link, this.leader, { type: "ackNewLeader", epoch: learner.leaderEpoch });
      }
      // One cumulative ACK for everything of the leader's epoch made durable since the last.
      const persisted = this.history.persistedZxid();
      if (learner.newLeaderAcknowledged && !this.isObserver && persisted > learner.acked && epochOf(persisted) === learner.leaderEpoch) {
        learner.acked = persisted;
        this.sendLink(link, this.leader, { type: "ack", zxid: persisted });
      }
    }
    const leading = this.leading;
    if (this.state === "leading" && leading !== undefined && leading.newEpoch !== 0) {
      if (this.durableEpochs.acceptedEpoch === leading.newEpoch) {
        for (const handler of leading.handlers.values()) if (handler.stage === "awaiting-epoch") this.sendLeaderInfo(handler);
      }
      if (this.phase === "synchronization" && this.durableEpochs.currentEpoch === leading.newEpoch) {
        for (const handler of leading.handlers.values()) if (handler.stage === "epoch-acked") this.startSync(handler);
        // The leader's own NEWLEADER acknowledgement counts only once durable.
        leading.newLeaderAcknowledged.add(this.id);
        this.maybeEstablish();
      } else if (this.phase === "broadcast") {
        this.maybeCommit();
      }
    }
  }

  /** The count of advanced Readys after which everything changed so far is durable: the next
   *  Ready's, when something waits to be handed out, else the last one's. Readys are advanced in
   *  order, and each hands out everything pending. */
  private durabilityTicket(): number {
    const pending = this.history.hasDurableWork() || !sameEpochs(this.epochs(), this.previousEpochs);
    return this.readiesHandedOut + (pending ? 1 : 0);
  }

  // ---- helpers -------------------------------------------------------------------------------

  /** A link's retransmission timeout stays below a quarter of syncLimit (the silence that ends a
   *  connection), so that several retransmissions fit before either end gives up. */
  private maxRetransmitTimeout(): number {
    return Math.max(this.config.retransmitTicks, Math.floor(this.config.syncLimitTicks / 4));
  }

  private sendLink(link: ReliableLink<LinkMessage>, to: ServerId, body: LinkBody): void {
    // The cast: spreading one member of the LinkBody union with the stamped fields gives the
    // matching member of LinkMessage, which TypeScript cannot see through the spread.
    this.send(link.send((sequence, acknowledged) => ({ ...body, from: this.id, to, connection: link.connection, sequence, acknowledged }) as LinkMessage));
  }

  /** Sends again what a link's peer has not acknowledged for a while. */
  private retransmit(link: ReliableLink<LinkMessage>): void {
    for (const message of link.tick()) this.send(message);
  }

  private send(message: Message): void {
    assert(message.to !== this.id && message.from === this.id, "a server messages others, as itself");
    this.messages.push(message);
  }

  private epochs(): Epochs {
    return { acceptedEpoch: this.acceptedEpoch, currentEpoch: this.currentEpoch };
  }

  private softState(): SoftState {
    return { state: this.state, leader: this.leader, phase: this.phase };
  }

  private mustElection(): Election {
    assert(this.election !== undefined, "looking without an election");
    return this.election;
  }

  private mustLearner(): LearnerState {
    assert(this.learner !== undefined, "learning without a leader");
    return this.learner;
  }

  private mustLeading(): LeaderState {
    assert(this.leading !== undefined, "leading without leader state");
    return this.leading;
  }

  private checkInvariants(): void {
    this.history.check();
    assert(this.currentEpoch <= this.acceptedEpoch, () => `server ${this.id}: currentEpoch ${this.currentEpoch} above acceptedEpoch ${this.acceptedEpoch}`);
    assert(this.durableEpochs.acceptedEpoch <= this.acceptedEpoch && this.durableEpochs.currentEpoch <= this.currentEpoch, "durable epochs ahead of the live ones");
    assert((this.state === "leading") === (this.leader === this.id), () => `server ${this.id}: state ${this.state} but leader ${this.leader}`);
    assert((this.state === "looking") === (this.election !== undefined) && (this.state === "looking") === (this.phase === "election"), () => `server ${this.id}: ${this.state} in phase ${this.phase}`);
    assert((this.state === "leading") === (this.leading !== undefined), "leader state outside leading");
    assert((this.state === "following" || this.state === "observing") === (this.learner !== undefined), "learner state outside learning");
    assert(!this.isObserver || (this.state !== "leading" && this.state !== "following"), () => `observer ${this.id} is ${this.state}`);
    assert(epochOf(this.history.lastZxid()) <= this.acceptedEpoch || this.tolerateViolations, () => `server ${this.id} logs epoch ${epochOf(this.history.lastZxid())} beyond its accepted epoch ${this.acceptedEpoch}`);
    const leading = this.leading;
    if (leading !== undefined) {
      assert(leading.newEpoch === 0 || leading.newEpoch === this.acceptedEpoch, "the leader's accepted epoch is the one it proposes");
      if (this.phase === "synchronization" || this.phase === "broadcast") assert(this.currentEpoch === leading.newEpoch, "a synchronising leader's current epoch is its new epoch");
      if (this.phase === "broadcast") {
        assert(epochOf(this.history.lastZxid()) <= leading.newEpoch, "the leader logs no epoch beyond its own");
        assert(leading.newLeaderAcknowledged.has(this.id), "established without our own acknowledgement");
      } else {
        assert(leading.counter === 0, "proposals before the epoch was established");
      }
      for (const handler of leading.handlers.values()) {
        assert(handler.acknowledged <= this.history.lastZxid() || this.tolerateViolations, () => `learner ${handler.learner} acknowledged beyond our log`);
      }
    }
  }
}

function sameEpochs(a: Epochs, b: Epochs): boolean {
  return a.acceptedEpoch === b.acceptedEpoch && a.currentEpoch === b.currentEpoch;
}

function sameSoftState(a: SoftState, b: SoftState): boolean {
  return a.state === b.state && a.leader === b.leader && a.phase === b.phase;
}
