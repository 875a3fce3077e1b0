// The contract between the pure ZAB core (this folder) and the shell around it (later: WAL,
// peer transport, the client-facing server, timers). Add, never rename.
//
// How a shell drives the core (the same Ready contract as clusters/raft/core/types.ts):
//
//   construct   new ZabCore(config, durable?) — `durable` is what the shell persisted before a
//               crash: {epochs, snapshot?, proposals}. A fresh server passes nothing. The core
//               starts LOOKING at once: the first Ready carries its election notifications.
//               After a restart the shell rebuilds its state machine from the snapshot alone:
//               only the snapshot is known committed, and the logged proposals after it are
//               delivered again once a leader commits them (during synchronisation).
//   tick()      once per tick interval (every timeout in ZabConfig counts these). The only way
//               time enters the core.
//   step(msg)   for every message that arrives from a peer (addressed to this server).
//   propose(d)  a write, on the leader once it is established (status().phase "broadcast").
//               Returns the zxid the write will be committed under, if ever: it succeeded when
//               the shell delivers a proposal with that zxid; it was lost if the shell later
//               learns of a leader of a higher epoch without it (not delivered by then: info).
//   loop        while (core.hasReady()) {
//                 const rd = core.ready();
//                 1. send rd.messages at once: each depends only on what earlier Readys made
//                    durable (the core makes a message that promises something — an ACKEPOCH on
//                    the accepted epoch, an ACK on logged proposals, the leader's LEADERINFO and
//                    sync on its epochs — only once advance() has reported it durable).
//                 2. persist, then fsync, in this order, after everything earlier Readys persist:
//                    rd.snapshot (if any): delete the whole log, store the snapshot, and restore
//                      the state machine from rd.snapshot.data;
//                    rd.truncateTo (if any): delete every logged proposal with zxid > truncateTo;
//                    rd.proposals: append to the log (each zxid above the last logged one);
//                    rd.epochs (if any): the acceptedEpoch and currentEpoch files, replaced
//                      atomically (ZooKeeper writes each to a temporary file, fsyncs, renames),
//                      once everything before them is durable.
//                 3. deliver rd.committed in order (apply each to the state machine). They are
//                    on a quorum's disks already, so delivery may overlap step 2's fsync.
//                 4. core.advance(rd) once step 2 is durable.
//               }
//               Readys may be pipelined: ready() may be called again before the previous Ready
//               was advanced (its fsync still running), as long as every Ready is persisted after
//               the ones before it and advanced in the order they were handed out. Messages may
//               be stepped and ticks delivered at any time in between.
//   compact(z, data)  with its state machine at delivered zxid z (after advance), the shell may
//               snapshot it and call compact(z, data): the core drops proposals ≤ z, keeps the
//               snapshot to send learners that are too far behind (SNAP), and returns it; the
//               shell persists it (replacing the old one) before deleting logged proposals ≤ z.
//   status()    state, phase, leader, epochs, zxids — for routing and metrics.
//   bugs        config.bugs switches safety rules off for the harness (DESIGN §8); a shell with
//               its own unsafe switch (no-fsync) sets bugs.tolerateViolations so that the core keeps
//               running wrong instead of stopping on the first broken invariant.
//
// Servers are numbered 1..N (ZooKeeper's myid), voters and observers alike; 0 (NO_SERVER) means
// "nobody". Zxids are bigints (zxid.ts).

import type { Zxid } from "./zxid.ts";

export type ServerId = number;

export const NO_SERVER: ServerId = 0;

/** ZooKeeper's QuorumPeer.ServerState. */
export type ServerState = "looking" | "following" | "leading" | "observing";

/** Where a server stands in ZAB: electing (looking), then, with a leader, the three phases of
 *  the ZAB paper. A learner's phase follows its leader's messages; "broadcast" once UPTODATE. */
export type Phase = "election" | "discovery" | "synchronization" | "broadcast";

/** A vote in fast leader election: whom the sender proposes as leader, with that server's last
 *  logged zxid and current epoch (ZooKeeper's peerEpoch). Votes are ordered by (epoch, zxid,
 *  leader): the most up-to-date history wins, the larger id breaks ties. */
export interface Vote {
  leader: ServerId;
  zxid: Zxid;
  epoch: number;
}

/** A transaction as ZAB carries it; `data` is opaque to the core (the shell's txn encoding). */
export interface Proposal {
  zxid: Zxid;
  data: Uint8Array;
}

/** The state machine after delivering every proposal up to `zxid`; opaque to the core. */
export interface Snapshot {
  zxid: Zxid;
  data: Uint8Array;
}

/** ZooKeeper's two epoch files. acceptedEpoch: the newest epoch this server promised to follow
 *  (ACKEPOCH), never decreasing; currentEpoch: the epoch whose history it holds (NEWLEADER),
 *  never above acceptedEpoch. Both must be durable before the message that depends on them. */
export interface Epochs {
  acceptedEpoch: number;
  currentEpoch: number;
}

/** What a shell persisted and hands back to the constructor after a restart. */
export interface DurableState {
  epochs: Epochs;
  /** The latest persisted snapshot, if any; `proposals` follow it. */
  snapshot?: Snapshot;
  /** Logged proposals after the snapshot (or from the beginning), zxids ascending. */
  proposals: Proposal[];
}

/** Volatile state the shell may want to observe (routing, metrics); not persisted. */
export interface SoftState {
  state: ServerState;
  /** The leader this server follows or observes (itself when leading); NO_SERVER while looking. */
  leader: ServerId;
  phase: Phase;
}

// ---- messages --------------------------------------------------------------------------------
//
// Election notifications travel between any two servers. Everything else travels on the link
// between a learner and its leader, which ZooKeeper runs over one TCP connection and so relies on
// FIFO order without loss. Our peer frames pass through a fault proxy that drops, duplicates and
// reorders, so the link carries TCP's guarantee itself (reliable-link.ts): the leader names each
// connection, and every link message carries it, a per-direction sequence number and a
// cumulative acknowledgement; the receiver restores the order and drops duplicates, the sender
// retransmits what is not acknowledged. FIFO per follower is a property of the core, not an
// assumption; a peer that stays silent ends the connection (the learner goes back to LOOKING, as
// ZooKeeper's does when its socket fails).

interface MessageBase {
  from: ServerId;
  to: ServerId;
}

/** FLE notification (FastLeaderElection.Notification). */
export interface NotificationMessage extends MessageBase {
  type: "notification";
  state: ServerState;
  vote: Vote;
  /** The sender's election round (ZooKeeper's logicalclock / electionEpoch). */
  round: number;
}

/** Learner → leader, first message of a connection (FOLLOWERINFO / OBSERVERINFO). */
export interface FollowerInfoMessage extends MessageBase {
  type: "followerInfo";
  /** The learner's name for this connection attempt, random, echoed by LEADERINFO. */
  attempt: number;
  acceptedEpoch: number;
  observer: boolean;
}

interface LinkMessageBase extends MessageBase {
  /** The connection's name, random, chosen by the leader when FOLLOWERINFO arrives. Neither a
   *  counter (it restarts with the server) nor the learner's attempt alone (a FOLLOWERINFO that
   *  lingers in the network could open a second connection of the same name with a later
   *  leadership of the same leader) would keep an old connection's messages out of a new one. */
  connection: number;
  /** Position in this direction of the connection: 0, 1, 2, … (followerInfo is the learner's 0). */
  sequence: number;
  /** How many messages of the other direction the sender has received in order. */
  acknowledged: number;
}

/** LEADERINFO: the epoch the leader proposes. */
export interface LeaderInfoMessage extends LinkMessageBase {
  type: "leaderInfo";
  /** The FOLLOWERINFO attempt this connection answers. */
  attempt: number;
  epoch: number;
}

/** ACKEPOCH: the learner accepted the epoch and reports its history's position.
 *  alreadyAccepted: it had accepted this epoch before (a reconnect), so the leader must not count
 *  it towards the discovery quorum (ZooKeeper sends epoch -1 for this). */
export interface AckEpochMessage extends LinkMessageBase {
  type: "ackEpoch";
  currentEpoch: number;
  lastZxid: Zxid;
  alreadyAccepted: boolean;
}

export type SyncMode = "diff" | "trunc" | "trunc-diff" | "snap";

/** DIFF / TRUNC / SNAP with the proposals that follow them, in one message: snapshot (snap),
 *  then truncation (trunc, trunc-diff), then the proposals to append. */
export interface SyncMessage extends LinkMessageBase {
  type: "sync";
  mode: SyncMode;
  truncateTo?: Zxid;
  snapshot?: Snapshot;
  proposals: Proposal[];
}

/** NEWLEADER: the learner now holds the new epoch's initial history; it adopts the epoch as its
 *  currentEpoch and acknowledges. */
export interface NewLeaderMessage extends LinkMessageBase {
  type: "newLeader";
  epoch: number;
}

export interface AckNewLeaderMessage extends LinkMessageBase {
  type: "ackNewLeader";
  epoch: number;
}

/** UPTODATE: the epoch is established; everything up to `commit` is committed. */
export interface UpToDateMessage extends LinkMessageBase {
  type: "upToDate";
  commit: Zxid;
}

export interface ProposalMessage extends LinkMessageBase {
  type: "proposal";
  proposal: Proposal;
}

/** ACK of a logged proposal; acknowledges every proposal up to `zxid` (the learner logs in order). */
export interface AckMessage extends LinkMessageBase {
  type: "ack";
  zxid: Zxid;
}

/** COMMIT: every proposal up to `zxid` is committed. */
export interface CommitMessage extends LinkMessageBase {
  type: "commit";
  zxid: Zxid;
}

/** INFORM (to observers): a committed proposal, with its data. */
export interface InformMessage extends LinkMessageBase {
  type: "inform";
  proposal: Proposal;
}

export interface PingMessage extends LinkMessageBase {
  type: "ping";
}

/** A server's own message on the learner link, opaque to ZAB (ZooKeeper's REQUEST packets from a
 *  learner, and the leader's answers): forwarded client writes, syncs, session touches. It rides
 *  the link's FIFO order with the protocol's own messages, so an answer sent after a COMMIT
 *  arrives after it. Only once the learner is in broadcast. */
export interface AppMessage extends LinkMessageBase {
  type: "app";
  data: Uint8Array;
}

export interface PongMessage extends LinkMessageBase {
  type: "pong";
}

export type LinkMessage =
  | LeaderInfoMessage
  | AckEpochMessage
  | SyncMessage
  | NewLeaderMessage
  | AckNewLeaderMessage
  | UpToDateMessage
  | ProposalMessage
  | AckMessage
  | CommitMessage
  | InformMessage
  | PingMessage
  | PongMessage
  | AppMessage;

export type Message = NotificationMessage | FollowerInfoMessage | LinkMessage;

// ---- Ready -----------------------------------------------------------------------------------

/** Everything the shell must do; see the loop at the top of this file for the order. */
export interface Ready {
  /** Present when state, leader or phase changed since the previous Ready. */
  softState?: SoftState;
  /** Present when either epoch changed since the previous Ready. */
  epochs?: Epochs;
  /** A snapshot from the leader (SNAP): replaces the log and the state machine. */
  snapshot?: Snapshot;
  /** Delete logged proposals above this zxid (TRUNC) before appending `proposals`. */
  truncateTo?: Zxid;
  /** Proposals to log, ascending, each above the last one kept. */
  proposals: Proposal[];
  /** Committed proposals to deliver, in zxid order, each right after the last delivered. */
  committed: Proposal[];
  /** To send at once (they depend only on what earlier, advanced Readys made durable). */
  messages: Message[];
  /** App messages that arrived on learner links, in link order (see AppMessage); absent when none.
   *  The shell handles them after delivering `committed`. */
  appMessages?: { from: ServerId; data: Uint8Array }[];
}

// ---- configuration and results ---------------------------------------------------------------

/** Where the core's randomness comes from (only the names of connections and attempts);
 *  harness/rng.ts's Rng satisfies it. */
export interface RandomSource {
  /** Uniform integer in [0, n). */
  int(n: number): number;
}

/** Switches that each turn off one safety rule, so the harness can prove it notices (DESIGN §8).
 *  Off by default; never on in production. */
export interface ZabBugs {
  /** A learner ignores TRUNC: it keeps proposals the new leader never had, which then count as
   *  part of its synced history and are delivered. */
  skipTrunc?: boolean;
  /** The rule "a new leader's history is the most recent of its quorum" is dropped: elections
   *  order votes by server id alone, and the leader accepts learners that are ahead of it during
   *  discovery (ZooKeeper refuses them in Leader.waitForEpochAck). ZooKeeper enforces the rule
   *  in both places; either alone would hide this bug, so the switch removes both. */
  voteIgnoresZxid?: boolean;
  /** The leader commits a proposal once it has logged it itself, without a quorum of ACKs. */
  commitBeforeQuorum?: boolean;
  /** Don't stop on evidence that safety was already lost (a truncation below the commit point,
   *  a commit beyond the log); cope and continue wrong, so that the harness can observe the
   *  damage. Implied by the switches above; a shell sets it for its own unsafe switches. */
  tolerateViolations?: boolean;
}

export interface ZabConfig {
  id: ServerId;
  /** Every voting server (participant), this one included unless it is an observer. */
  voters: ServerId[];
  /** Servers that learn every commit and never vote. */
  observers: ServerId[];
  /** While looking: resend notifications after this many ticks without hearing any. */
  notificationTicks: number;
  /** Once a quorum agrees with our vote, wait this many ticks for a better one before deciding
   *  (ZooKeeper's finalizeWait); 0 decides at once. */
  finalizeTicks: number;
  /** Leader: ping every learner this often. */
  heartbeatTicks: number;
  /** Either end of a learner link: send unacknowledged messages again after this many ticks
   *  without an acknowledgement. */
  retransmitTicks: number;
  /** Learner: give up on a leader not heard from for this long. Leader: step down when fewer
   *  than a quorum of voters were heard from in this long (ZooKeeper's syncLimit). */
  syncLimitTicks: number;
  /** Discovery and synchronisation must finish within this long (ZooKeeper's initLimit). */
  initLimitTicks: number;
  random: RandomSource;
  bugs?: ZabBugs;
}

/** Defaults for everything but id, voters, observers and random (in ticks). */
export const DEFAULT_TIMEOUTS = {
  notificationTicks: 5,
  finalizeTicks: 2,
  heartbeatTicks: 1,
  retransmitTicks: 2,
  syncLimitTicks: 10,
  initLimitTicks: 20,
} as const satisfies Partial<ZabConfig>;

export type ProposeResult = { ok: true; zxid: Zxid } | { ok: false; error: "not-leader" | "not-established"; leaderHint: ServerId };

/** A read-only view for the shell, tests and the simulator. */
export interface Status {
  id: ServerId;
  state: ServerState;
  phase: Phase;
  leader: ServerId;
  /** Election round (logical clock). */
  round: number;
  /** This server's current vote (its proposal while looking; the winning vote after). */
  vote: Vote;
  acceptedEpoch: number;
  currentEpoch: number;
  /** The epoch this server leads or follows in once known (the proposed new epoch), else 0. */
  leaderEpoch: number;
  lastZxid: Zxid;
  committed: Zxid;
  /** Highest zxid the shell has delivered (reported via advance). */
  delivered: Zxid;
  /** The snapshot the log starts after (0n without one). */
  snapshotZxid: Zxid;
}
