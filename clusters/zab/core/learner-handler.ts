// The leader's view of one learner connection (ZooKeeper's LearnerHandler), as etcd keeps a
// Progress per follower. Stages, in order; a connection only moves forward, and a new connection
// from the same learner replaces it:
//   awaiting-epoch  FOLLOWERINFO arrived; the new epoch is not decided yet
//   epoch-sent      LEADERINFO sent; waiting for ACKEPOCH
//   epoch-acked     ACKEPOCH arrived; waiting for the leader to start synchronising
//   syncing         the sync (DIFF/TRUNC/SNAP) and NEWLEADER sent; proposals and commits follow;
//                   waiting for ACK of NEWLEADER
//   synced          NEWLEADER acknowledged: the learner holds the new epoch's history; a
//                   follower's ACKs count towards commits from now on

import { assert } from "../../consensus/assert.ts";
import { ReliableLink } from "./reliable-link.ts";
import type { LinkMessage, ServerId } from "./types.ts";
import { formatZxid, type Zxid } from "./zxid.ts";

export type LearnerStage = "awaiting-epoch" | "epoch-sent" | "epoch-acked" | "syncing" | "synced";

const ORDER: readonly LearnerStage[] = ["awaiting-epoch", "epoch-sent", "epoch-acked", "syncing", "synced"];

export class LearnerHandler {
  stage: LearnerStage = "awaiting-epoch";
  readonly link: ReliableLink<LinkMessage>;
  /** From ACKEPOCH: the learner's history's position. */
  currentEpoch = -1;
  lastZxid: Zxid = -1n;
  /** The leader's last zxid when the sync was sent: what NEWLEADER's ACK confirms. */
  syncedTo: Zxid = -1n;
  /** Highest zxid the learner is known to have logged, once synced (-1n before). */
  acknowledged: Zxid = -1n;
  /** Ticks since the last message from the learner (counted once the leader has spoken). */
  ticksSinceHeard = 0;
  upToDateSent = false;

  constructor(
    readonly learner: ServerId,
    readonly observer: boolean,
    /** The FOLLOWERINFO attempt this connection answers. */
    readonly attempt: number,
    connection: number,
    retransmitTicks: number,
    maxTimeoutTicks: number,
  ) {
    // The learner's FOLLOWERINFO was its message 0.
    this.link = new ReliableLink(connection, 0, 1, retransmitTicks, maxTimeoutTicks);
  }

  /** Whether proposals and commits go to this learner (its sync is on the way or done). */
  get forwarding(): boolean {
    return this.stage === "syncing" || this.stage === "synced";
  }

  advanceTo(stage: LearnerStage): void {
    assert(ORDER.indexOf(stage) === ORDER.indexOf(this.stage) + 1, () => `learner ${this.learner}: ${this.stage} → ${stage} skips or goes back`);
    this.stage = stage;
  }

  acknowledge(zxid: Zxid): void {
    assert(this.stage === "synced", () => `learner ${this.learner} acknowledged ${formatZxid(zxid)} before NEWLEADER`);
    if (zxid > this.acknowledged) this.acknowledged = zxid;
  }
}
