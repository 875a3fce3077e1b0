// Fast leader election (ZooKeeper's FastLeaderElection.lookForLeader), one round at a time, as a
// pure object: the core feeds it notifications and ticks and sends what it asks to send.
//
// A looking server votes for itself and tells everyone. A notification of the same round with a
// better vote (vote.ts) makes it change its vote and tell everyone again — re-voting within a
// round, so a round never ends split. A notification of a later round moves it to that round
// (votes of the old round are void). Once a quorum of voters' latest notifications in this round
// agree with its own vote it waits finalizeTicks for a better vote and, hearing none, decides.
// Servers already following or leading answer a looking server with the vote that elected their
// leader; a quorum of those, plus the leader's own "leading", makes a server that joins a running
// ensemble follow the established leader instead of starting an election of its own.

import { assert } from "../../consensus/assert.ts";
import { isMajority } from "../../consensus/quorum.ts";
import { NO_SERVER, type NotificationMessage, type ServerId, type ServerState, type Vote } from "./types.ts";
import { isBetterVote, sameVote } from "./vote.ts";

/** What one server last told us. */
interface Heard {
  vote: Vote;
  round: number;
  state: ServerState;
}

export interface Decision {
  leader: ServerId;
  /** The round the decision belongs to (the server adopts it as its logical clock). */
  round: number;
  /** The winning vote (what the server answers looking servers with from now on). */
  vote: Vote;
}

/** What the core must do after an event. */
export interface ElectionStep {
  /** Send our current vote to every other server. */
  broadcast: boolean;
  /** Send our current vote to this server only. */
  replyTo?: ServerId;
  decided?: Decision;
}

export interface ElectionOptions {
  self: ServerId;
  voters: readonly ServerId[];
  notificationTicks: number;
  finalizeTicks: number;
  ignoreZxid: boolean;
}

export class Election {
  /** Latest notifications of this round (ZooKeeper's recvset). */
  private readonly received = new Map<ServerId, Heard>();
  /** Notifications from servers that are following or leading, of any round (outofelection). */
  private readonly outOfElection = new Map<ServerId, Heard>();
  private proposalVote: Vote;
  private currentRound: number;
  /** Ticks left before deciding on a vote a quorum agrees with; undefined when not finalizing. */
  private finalizeCountdown: number | undefined;
  private ticksSinceHeard = 0;

  /** Starts a round: `round` is one past the server's last, `initialVote` its own vote (NO_VOTE
   *  for an observer). */
  constructor(
    private readonly options: ElectionOptions,
    round: number,
    private readonly initialVote: Vote,
  ) {
    this.currentRound = round;
    this.proposalVote = initialVote;
    this.recordOwnVote();
  }

  get round(): number {
    return this.currentRound;
  }

  get proposal(): Vote {
    return this.proposalVote;
  }

  /** The first step of a round: tell everyone, and decide at once if we alone are a quorum. */
  start(): ElectionStep {
    return { broadcast: true, ...this.maybeFinalize() };
  }

  receive(from: ServerId, notification: NotificationMessage): ElectionStep {
    assert(from !== this.options.self, "a server does not notify itself");
    this.ticksSinceHeard = 0;
    const heard: Heard = { vote: notification.vote, round: notification.round, state: notification.state };
    if (!this.options.voters.includes(from)) {
      // An observer's vote counts for nothing; tell a looking one ours so it can find the leader.
      return notification.state === "looking" ? { broadcast: false, replyTo: from } : { broadcast: false };
    }
    if (notification.state === "looking") return this.receiveLooking(from, heard);
    if (notification.state === "observing") return { broadcast: false };
    return this.receiveEstablished(from, heard);
  }

  tick(): ElectionStep {
    if (this.finalizeCountdown !== undefined) {
      this.finalizeCountdown--;
      if (this.finalizeCountdown <= 0) {
        this.finalizeCountdown = undefined;
        if (this.quorumAgrees(this.received, this.proposalVote, this.currentRound)) return { broadcast: false, decided: this.decision(this.proposalVote.leader, this.currentRound, this.proposalVote) };
      }
    }
    this.ticksSinceHeard++;
    if (this.ticksSinceHeard >= this.options.notificationTicks) {
      // Nothing heard for a while: our notifications (or the answers) may have been lost.
      this.ticksSinceHeard = 0;
      return { broadcast: true };
    }
    return { broadcast: false };
  }

  private receiveLooking(from: ServerId, heard: Heard): ElectionStep {
    let broadcast = false;
    if (heard.round > this.currentRound) {
      // A later round: ours is void. Start over from our own vote, unless the sender's is better.
      this.currentRound = heard.round;
      this.received.clear();
      this.finalizeCountdown = undefined;
      this.proposalVote = isBetterVote(heard.vote, this.initialVote, this.options.ignoreZxid) ? heard.vote : this.initialVote;
      this.recordOwnVote();
      broadcast = true;
    } else if (heard.round < this.currentRound) {
      // The sender is behind: ignore its stale vote and, if we vote, tell it our round. (An
      // observer does not: the voter would answer it back, and so on without end.)
      return this.options.voters.includes(this.options.self) ? { broadcast: false, replyTo: from } : { broadcast: false };
    } else if (isBetterVote(heard.vote, this.proposalVote, this.options.ignoreZxid)) {
      // Re-vote within the round.
      this.proposalVote = heard.vote;
      this.recordOwnVote();
      this.finalizeCountdown = undefined;
      broadcast = true;
    }
    this.received.set(from, heard);
    return { broadcast, ...this.maybeFinalize() };
  }

  /** A notification from a server that follows or leads. */
  private receiveEstablished(from: ServerId, heard: Heard): ElectionStep {
    if (heard.round === this.currentRound) {
      this.received.set(from, heard);
      if (this.quorumAgrees(this.received, heard.vote, heard.round) && this.leaderConfirmed(heard.vote.leader, heard.round)) {
        return { broadcast: false, decided: this.decision(heard.vote.leader, heard.round, heard.vote) };
      }
    }
    this.outOfElection.set(from, heard);
    if (this.establishedQuorum(heard.vote) && this.leaderConfirmed(heard.vote.leader, heard.round)) {
      return { broadcast: false, decided: this.decision(heard.vote.leader, heard.round, heard.vote) };
    }
    return { broadcast: false };
  }

  /** Starts (or keeps) the finalize wait when a quorum agrees with our vote; decides at once when
   *  the wait is 0. */
  private maybeFinalize(): { decided?: Decision } {
    if (!this.quorumAgrees(this.received, this.proposalVote, this.currentRound)) return {};
    if (this.options.finalizeTicks === 0) return { decided: this.decision(this.proposalVote.leader, this.currentRound, this.proposalVote) };
    if (this.finalizeCountdown === undefined) this.finalizeCountdown = this.options.finalizeTicks;
    return {};
  }

  private recordOwnVote(): void {
    if (this.options.voters.includes(this.options.self)) this.received.set(this.options.self, { vote: this.proposalVote, round: this.currentRound, state: "looking" });
  }

  /** ZooKeeper's termPredicate over one round's votes: a quorum of voters vote exactly `vote`. */
  private quorumAgrees(votes: ReadonlyMap<ServerId, Heard>, vote: Vote, round: number): boolean {
    if (vote.leader === NO_SERVER) return false;
    const agreeing = new Set<ServerId>();
    for (const [server, heard] of votes) if (heard.round === round && sameVote(heard.vote, vote)) agreeing.add(server);
    return isMajority(this.options.voters, agreeing);
  }

  /** Out of election, votes of different rounds agree when they name the same leader and epoch
   *  (ZooKeeper's Vote.equals for servers that are not looking). */
  private establishedQuorum(vote: Vote): boolean {
    if (vote.leader === NO_SERVER) return false;
    const agreeing = new Set<ServerId>();
    for (const [server, heard] of this.outOfElection) if (heard.vote.leader === vote.leader && heard.vote.epoch === vote.epoch) agreeing.add(server);
    return isMajority(this.options.voters, agreeing);
  }

  /** ZooKeeper's checkLeader: following someone else needs its own word that it leads; electing
   *  ourselves needs the decision to be of our own round. */
  private leaderConfirmed(leader: ServerId, round: number): boolean {
    if (leader === this.options.self) return round === this.currentRound;
    return this.outOfElection.get(leader)?.state === "leading";
  }

  private decision(leader: ServerId, round: number, vote: Vote): Decision {
    assert(this.options.voters.includes(leader), () => `election decided on ${leader}, who is not a voter`);
    return { leader, round, vote };
  }
}
