// One ZAB server: the shell around the pure core (core/types.ts has the contract) that makes it a
// ZooKeeper-compatible server. Time enters as ticks, peers' messages as steps, clients' writes as
// proposals. Readys are pipelined: once per turn of the event loop the shell takes every Ready the
// core has, sends its messages at once (the core makes a message only once what it promises is
// durable) and writes them to the peer sockets before the turn ends, hands its writes to storage
// (group commit: one fsync, in libuv's pool or on the event loop as --fsync-in says, covers every
// Ready taken while the previous one ran), delivers committed txns to the data tree — which answers the
// clients that made them and notifies watchers — and advances each Ready, in order, once it is
// durable.
//
// Who does what (ZooKeeper's request pipeline, in one file):
//   every server   accepts clients (server/client-server.ts), answers reads from its own tree
//                  (sequential consistency, as ZooKeeper), and sends writes to the leader: its own
//                  when leading, else as app messages on the learner link (FIFO, so a session's
//                  writes keep their order)
//   the leader     validates each write against its tree plus what it has proposed but not yet
//                  applied (tree/prepare.ts over a ChangeOverlay) and proposes the txn, or answers
//                  the error; decides which sessions expired (a session tracker fed by every
//                  server's touches) and proposes their closing, which removes their ephemerals
//   sync           the leader proposes a no-op; once the asking server applied it, it has applied
//                  everything committed before the sync reached the leader. A no-op needs a quorum,
//                  so a leader that lost its quorum cannot answer a sync with a stale point.
//   leaving broadcast (the leader is lost, or this server lost its quorum): every client
//                  connection is closed, as ZooKeeper's server does; clients reconnect elsewhere
//                  and outstanding requests end as connection loss (unknown to the client).

import { createHmac } from "node:crypto";
import { Rng } from "../../harness/rng.ts";
import { NodeIds } from "../raft/node-ids.ts";
import type { StorageMode } from "../raft/storage/wal.ts";
import { PeerTransport, type PeerAddress } from "../raft/transport.ts";
import { coreBugs, type ZabBug } from "./bugs.ts";
import { ZabCore } from "./core/zab.ts";
import { DEFAULT_TIMEOUTS, type Message, type Proposal, type Ready, type ServerId, type SoftState } from "./core/types.ts";
import { formatZxid } from "./core/zxid.ts";
import { ErrorCode } from "./jute/error-codes.ts";
import { ClientServer, type ClientBackend, type WriteOutcome } from "./server/client-server.ts";
import { decodeAppMessage, decodeProposal, encodeAppMessage, encodeProposal, type AppMessage } from "./server/messages.ts";
import { ZabStorage } from "./storage/zab-storage.ts";
import { DataTree } from "./tree/data-tree.ts";
import { prepare, type WriteRequest } from "./tree/prepare.ts";
import { decodeTreeSnapshot, encodeTreeSnapshot } from "./tree/snapshot.ts";
import { decodeTxn, encodeTxn } from "./tree/txn-codec.ts";
import type { Txn } from "./tree/txn.ts";
import { ChangeOverlay } from "./tree/view.ts";
import { decodePeerMessage, encodePeerMessage } from "./wire.ts";

export interface ZabNodeConfig {
  name: string;
  /** Address both servers listen on. */
  host: string;
  clientPort: number;
  peerPort: number;
  /** Where to dial every other server's peer port (through the fault proxy under the local runtime). */
  peers: PeerAddress[];
  /** Servers (this one possibly among them) that learn every commit and never vote. */
  observers: string[];
  dataDir: string;
  storage: StorageMode;
  /** Where the log's fsync runs: libuv's thread pool, or the event loop (storage/zab-storage.ts). */
  fsyncIn: "pool" | "event-loop";
  bugs: readonly ZabBug[];
  tickMs: number;
  /** Learners give up on a silent leader, and a leader on a quorum it cannot hear, after this many ticks. */
  syncLimitTicks: number;
  /** Discovery and synchronisation must finish within this many ticks. */
  initLimitTicks: number;
  /** Snapshot after a random count of delivered txns in [snapCount/2, snapCount] (ZooKeeper's rule). */
  snapCount: number;
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  /** Seeds the core's connection names and the snapshot counts; random when absent. */
  seed?: number;
}

interface Pending {
  resolve(outcome: WriteOutcome): void;
}

interface WaitingWrite {
  origin: ServerId;
  requestId: bigint;
  sessionId: bigint;
  /** undefined: a sync. */
  request: WriteRequest | undefined;
}

interface TrackedSession {
  timeoutMs: number;
  deadlineMs: number;
}

/** The leader's state for its term that is the server's, not ZAB's. */
interface Leadership {
  /** What prepare reads: the tree plus every txn proposed and not yet applied. */
  overlay: ChangeOverlay;
  /** Writes wait until the tree holds the epoch's initial history (committed when established). */
  openAt: bigint;
  open: boolean;
  waiting: WaitingWrite[];
  sessions: Map<bigint, TrackedSession>;
  expiring: Set<bigint>;
}

/** Shared by every server of an ensemble, so any of them can check a session's password
 *  (ZooKeeper derives it from the session id and a constant the same way). */
const PASSWORD_SECRET = "faultline-zab-session";
/** How often (in ticks) followers report the sessions they heard from, and the leader expires. */
const SESSION_TICKS = 5;

export class ZabNode implements ClientBackend {
  private readonly config: ZabNodeConfig;
  readonly log: (line: string) => void;
  private readonly fatal: (error: Error) => void;
  private readonly ids: NodeIds;
  private readonly selfId: ServerId;
  private readonly rng: Rng;
  private core!: ZabCore;
  private storage!: ZabStorage;
  private transport!: PeerTransport;
  private server!: ClientServer;
  private dataTree = new DataTree();
  private tickTimer: NodeJS.Timeout | undefined;
  private ticks = 0;

  private soft: SoftState = { state: "looking", leader: 0, phase: "election" };
  private leadership: Leadership | undefined;
  private readonly pending = new Map<bigint, Pending>();
  private nextRequestId = 0n;
  private nextSessionId: bigint;
  /** Sessions heard from since the last report to the leader (learners). */
  private readonly touched = new Set<bigint>();
  private readyScheduled = false;
  /** Settles once every Ready taken so far is durable and advanced. */
  private advanced: Promise<void> = Promise.resolve();
  private snapshotting = false;
  private deliveredSinceSnapshot = 0;
  private snapshotAfter: number;
  private readonly counters = { received: 0, sent: 0 };
  private stopped = false;

  private constructor(config: ZabNodeConfig, log: (line: string) => void, fatal: (error: Error) => void) {
    this.config = config;
    this.log = log;
    this.fatal = fatal;
    this.ids = new NodeIds([config.name, ...config.peers.map((peer) => peer.name)]);
    this.selfId = this.ids.id(config.name);
    this.rng = new Rng(config.seed ?? Math.floor(Math.random() * 2 ** 32));
    this.snapshotAfter = this.drawSnapshotCount();
    // ZooKeeper's SessionTrackerImpl.initializeNextSessionId: the server id in the top byte, the
    // clock below, so ids from different servers and incarnations do not collide.
    this.nextSessionId = (BigInt(this.selfId) << 56n) | ((BigInt(Date.now()) << 24n) & ((1n << 56n) - 1n));
  }

  get serverName(): string {
    return this.config.name;
  }

  /** Recovers from the data directory, then serves peers and clients. `fatal` hears about errors
   *  the server cannot continue after (a failed fsync, a broken core invariant). */
  static async start(config: ZabNodeConfig, log: (line: string) => void, fatal: (error: Error) => void): Promise<ZabNode> {
    const node = new ZabNode(config, log, fatal);
    await node.open();
    return node;
  }

  private async open(): Promise<void> {
    const { config } = this;
    const { storage, durable } = await ZabStorage.open({ dataDir: config.dataDir, storage: config.storage, fsyncIn: config.fsyncIn, acknowledgeBeforeSync: config.bugs.includes("no-fsync"), log: this.log });
    this.storage = storage;
    if (durable?.snapshot !== undefined) this.dataTree = decodeTreeSnapshot(durable.snapshot.data);
    const observers = config.observers.map((name) => this.ids.id(name));
    this.core = new ZabCore(
      {
        ...DEFAULT_TIMEOUTS,
        id: this.selfId,
        voters: this.ids.ids().filter((id) => !observers.includes(id)),
        observers,
        syncLimitTicks: config.syncLimitTicks,
        initLimitTicks: config.initLimitTicks,
        random: this.rng,
        bugs: coreBugs(config.bugs),
      },
      durable,
    );
    const status = this.core.status();
    this.log(
      `server ${config.name} (id ${this.selfId} of ${this.ids.ids().length}${observers.includes(this.selfId) ? ", observer" : ""}) starting: ` +
        `acceptedEpoch ${status.acceptedEpoch}, currentEpoch ${status.currentEpoch}, log up to ${formatZxid(status.lastZxid)}, ` +
        `snapshot at ${formatZxid(status.snapshotZxid)}, storage ${config.storage}, bugs [${config.bugs.join(", ")}]`,
    );
    this.transport = new PeerTransport({ self: config.name, listenHost: config.host, listenPort: config.peerPort, peers: config.peers, onPayload: (payload) => this.receive(payload), onPeerDown: (peer) => this.peerDown(peer), log: this.log });
    this.server = new ClientServer(config.host, config.clientPort, this);
    await this.transport.start();
    await this.server.start();
    this.tickTimer = setInterval(() => this.onTick(), config.tickMs);
    this.kickReady();
    this.log(`server ${config.name} serving clients on ${config.host}:${config.clientPort}, peers on ${config.host}:${config.peerPort}`);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.tickTimer) clearInterval(this.tickTimer);
    this.failPending(`server ${this.config.name} is shutting down`);
    await this.server.close();
    await this.transport.close();
    await this.storage.close();
    this.log(`server ${this.config.name} stopped`);
  }

  // ---- ClientBackend ----------------------------------------------------------------------------

  serving(): boolean {
    return !this.stopped && this.soft.phase === "broadcast" && this.soft.state !== "looking";
  }

  tree(): DataTree {
    return this.dataTree;
  }

  submitWrite(request: WriteRequest, sessionId: bigint): Promise<WriteOutcome> {
    return this.submit(request, sessionId);
  }

  sync(): Promise<WriteOutcome> {
    return this.submit(undefined, 0n);
  }

  touch(sessionId: bigint): void {
    if (sessionId === 0n) return;
    if (this.leadership !== undefined) this.touchTracked(this.leadership, sessionId);
    else this.touched.add(sessionId);
  }

  newSessionId(): bigint {
    return this.nextSessionId++;
  }

  password(sessionId: bigint): Uint8Array {
    return new Uint8Array(createHmac("sha256", PASSWORD_SECRET).update(sessionId.toString(16)).digest().subarray(0, 16));
  }

  negotiateTimeout(requestedMs: number): number {
    return Math.min(this.config.maxSessionTimeoutMs, Math.max(this.config.minSessionTimeoutMs, requestedMs));
  }

  fourLetterWord(word: string): string | undefined {
    if (word === "ruok") return "imok";
    if (word === "isro") return "rw";
    if (!this.serving()) return "This ZooKeeper instance is not currently serving requests\n";
    const status = this.core.status();
    const mode = status.state === "leading" ? "leader" : status.state === "following" ? "follower" : "observer";
    const storage = this.storage.stats();
    return [
      "Zookeeper version: 3.8.0-faultline-zab",
      "Latency min/avg/max: 0/0.0/0",
      `Received: ${this.counters.received}`,
      `Sent: ${this.counters.sent}`,
      `Connections: ${this.server.connectionCount}`,
      "Outstanding: 0",
      `Zxid: 0x${this.dataTree.lastProcessedZxid.toString(16)}`,
      `Mode: ${mode}`,
      `Node count: ${this.dataTree.nodeCount}`,
      // Faultline's own lines, after ZooKeeper's: who answers, and how to signal exactly it.
      `Faultline node: ${this.config.name}`,
      `Faultline pid: ${process.pid}`,
      `Faultline epoch: ${status.currentEpoch}`,
      `Faultline wal syncs: ${storage.syncs}`,
      "",
    ].join("\n");
  }

  // ---- writes and syncs -------------------------------------------------------------------------

  private submit(request: WriteRequest | undefined, sessionId: bigint): Promise<WriteOutcome> {
    this.counters.received++;
    if (!this.serving()) return Promise.resolve({ err: ErrorCode.connectionLoss });
    const requestId = ++this.nextRequestId;
    const outcome = new Promise<WriteOutcome>((resolve) => this.pending.set(requestId, { resolve }));
    const leadership = this.leadership;
    if (leadership !== undefined) {
      this.lead(leadership, { origin: this.selfId, requestId, sessionId, request });
    } else {
      const message: AppMessage = request === undefined ? { kind: "sync", requestId } : { kind: "write", requestId, sessionId, request };
      if (!this.core.sendToLeader(encodeAppMessage(message))) this.answer(this.selfId, requestId, { err: ErrorCode.connectionLoss });
    }
    this.kickReady();
    return outcome;
  }

  /** The leader's part of a write or sync: validate and propose, or answer the error. */
  private lead(leadership: Leadership, write: WaitingWrite): void {
    if (!leadership.open) {
      leadership.waiting.push(write);
      return;
    }
    let txn: Txn;
    if (write.request === undefined) {
      txn = { type: "error", err: ErrorCode.ok };
    } else {
      const prepared = prepare(leadership.overlay, write.request, write.sessionId);
      if (!prepared.ok) {
        this.answer(write.origin, write.requestId, { err: prepared.err });
        return;
      }
      txn = prepared.txn;
    }
    const data = encodeProposal({ origin: write.origin, requestId: write.requestId, txn: encodeTxn({ sessionId: write.sessionId, timeMs: Date.now() }, txn) });
    const proposed = this.core.propose(data);
    if (!proposed.ok) {
      this.answer(write.origin, write.requestId, { err: ErrorCode.connectionLoss });
      return;
    }
    leadership.overlay.record(txn, proposed.zxid);
  }

  /** Answers a request that was refused before it was proposed. */
  private answer(origin: ServerId, requestId: bigint, outcome: { err: number }): void {
    if (origin === this.selfId) {
      const pending = this.pending.get(requestId);
      if (pending === undefined) return;
      this.pending.delete(requestId);
      pending.resolve(outcome);
    } else if (origin !== 0) {
      this.core.sendToLearner(origin, encodeAppMessage({ kind: "refused", requestId, err: outcome.err }));
    }
  }

  private failPending(why: string): void {
    if (this.pending.size > 0) this.log(`${this.pending.size} outstanding request(s) end as connection loss: ${why}`);
    for (const pending of this.pending.values()) pending.resolve({ err: ErrorCode.connectionLoss });
    this.pending.clear();
  }

  private handleApp(from: ServerId, data: Uint8Array): void {
    let message: AppMessage;
    try {
      message = decodeAppMessage(data);
    } catch (error) {
      this.log(`dropping an undecodable app message from server ${from}: ${(error as Error).message}`);
      return;
    }
    const leadership = this.leadership;
    switch (message.kind) {
      case "write":
        if (leadership !== undefined) this.lead(leadership, { origin: from, requestId: message.requestId, sessionId: message.sessionId, request: message.request });
        return;
      case "sync":
        if (leadership !== undefined) this.lead(leadership, { origin: from, requestId: message.requestId, sessionId: 0n, request: undefined });
        return;
      case "touch":
        if (leadership !== undefined) for (const sessionId of message.sessionIds) this.touchTracked(leadership, sessionId);
        return;
      case "refused":
        this.answer(this.selfId, message.requestId, { err: message.err });
        return;
    }
  }

  // ---- sessions (the leader decides expiry) -------------------------------------------------------

  private touchTracked(leadership: Leadership, sessionId: bigint): void {
    const tracked = leadership.sessions.get(sessionId);
    if (tracked !== undefined) tracked.deadlineMs = Date.now() + tracked.timeoutMs;
  }

  private expireSessions(leadership: Leadership): void {
    if (!leadership.open) return;
    const now = Date.now();
    for (const [sessionId, tracked] of leadership.sessions) {
      if (tracked.deadlineMs > now || leadership.expiring.has(sessionId)) continue;
      leadership.expiring.add(sessionId);
      this.log(`session 0x${sessionId.toString(16)} expired (not heard from for ${tracked.timeoutMs} ms); closing it`);
      this.lead(leadership, { origin: 0, requestId: 0n, sessionId, request: { op: "closeSession" } });
    }
  }

  private reportTouches(): void {
    if (this.touched.size === 0 || this.leadership !== undefined) return;
    if (this.core.sendToLeader(encodeAppMessage({ kind: "touch", sessionIds: [...this.touched] }))) this.touched.clear();
  }

  // ---- the core's inputs ------------------------------------------------------------------------

  private onTick(): void {
    this.guard(() => {
      this.core.tick();
      this.ticks++;
      if (this.ticks % SESSION_TICKS === 0) {
        if (this.leadership !== undefined) this.expireSessions(this.leadership);
        else this.reportTouches();
      }
    });
  }

  private receive(payload: Buffer): void {
    let message: Message;
    try {
      message = decodePeerMessage(payload);
    } catch (error) {
      this.log(`dropping an undecodable peer message: ${(error as Error).message}`);
      return;
    }
    if (message.to !== this.selfId) {
      this.log(`dropping a ${message.type} for server id ${message.to} that reached ${this.config.name} (id ${this.selfId}): check --peers`);
      return;
    }
    this.guard(() => this.core.step(message));
  }

  /** Runs a core input; the core's assertions are fatal, as they mean its invariants broke. */
  private guard(input: () => void): void {
    if (this.stopped) return;
    try {
      input();
    } catch (error) {
      this.fatal(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    this.kickReady();
  }

  private peerDown(peer: string): void {
    if (this.stopped || !this.ids.has(peer)) return;
    this.guard(() => this.core.peerDown(this.ids.id(peer)));
  }

  // ---- the Ready loop ---------------------------------------------------------------------------

  /** Takes the core's Readys at the end of this turn of the event loop, so that everything the
   *  turn stepped (a socket read holds many frames) goes out in one Ready and one log write. */
  private kickReady(): void {
    if (this.readyScheduled || this.stopped) return;
    this.readyScheduled = true;
    setImmediate(() => {
      this.readyScheduled = false;
      this.drainReady();
    });
  }

  /** Handles every Ready the core has, then writes the messages they sent: each hop of a write
   *  (forward, PROPOSAL, ACK, COMMIT) leaves in the turn that made it, not a turn later. */
  private drainReady(): void {
    if (this.stopped) return;
    try {
      while (!this.stopped && this.core.hasReady()) this.handleReady(this.core.ready());
    } catch (error) {
      this.fatal(error instanceof Error ? error : new Error(String(error)));
    }
    this.transport.flush();
  }

  private handleReady(ready: Ready): void {
    if (ready.softState) this.onSoftState(ready.softState);
    if (ready.snapshot) {
      this.log(`installing the leader's snapshot at ${formatZxid(ready.snapshot.zxid)} (SNAP)`);
      this.dataTree = decodeTreeSnapshot(ready.snapshot.data);
      this.deliveredSinceSnapshot = 0;
    }
    if (ready.truncateTo !== undefined) this.log(`truncating the log after ${formatZxid(ready.truncateTo)} (TRUNC)`);

    // 1. Every message depends only on what earlier Readys made durable (core/types.ts): a
    //    leader's proposals leave while it logs them, as ZooKeeper's do, and a learner's ACKs are
    //    made only once its log is durable.
    for (const message of ready.messages) this.send(message);

    // 2. To the log, after everything before it; one fsync covers the Readys of several turns.
    const mustPersist = ready.snapshot !== undefined || ready.truncateTo !== undefined || ready.proposals.length > 0 || ready.epochs !== undefined;
    const persisted = mustPersist ? this.storage.persist(ready) : undefined;

    // 3. Committed txns are on a quorum's disks already: deliver them while ours syncs.
    for (const proposal of ready.committed) this.deliver(proposal);
    for (const app of ready.appMessages ?? []) this.handleApp(app.from, app.data);
    this.afterDelivery();

    // 4. Advanced in the order taken, each once durable.
    const previous = this.advanced;
    const durable = persisted === undefined ? previous : Promise.all([previous, persisted]);
    this.advanced = durable.then(
      () => {
        if (this.stopped) return;
        this.guard(() => this.core.advance(ready));
        this.maybeSnapshot();
      },
      (error: unknown) => {
        // Reported once, by the Ready whose persistence failed; the ones after it never advance.
        if (!this.stopped && !(error instanceof ReportedFailure)) this.fatal(error instanceof Error ? error : new Error(String(error)));
        throw error instanceof ReportedFailure ? error : new ReportedFailure();
      },
    );
    this.advanced.catch(() => undefined);
  }

  private afterDelivery(): void {
    const leadership = this.leadership;
    if (leadership === undefined || leadership.open || this.dataTree.lastProcessedZxid < leadership.openAt) return;
    // The tree holds the epoch's initial history: writes may be validated against it now.
    leadership.open = true;
    const now = Date.now();
    for (const session of this.dataTree.sessionList()) leadership.sessions.set(session.sessionId, { timeoutMs: session.timeoutMs, deadlineMs: now + session.timeoutMs });
    const waiting = leadership.waiting.splice(0);
    for (const write of waiting) this.lead(leadership, write);
  }

  private onSoftState(soft: SoftState): void {
    const was = this.soft;
    this.soft = soft;
    if (was.state !== soft.state || was.leader !== soft.leader || was.phase !== soft.phase) {
      const leader = this.ids.name(soft.leader) ?? "none";
      this.log(`${was.state}/${was.phase} → ${soft.state}/${soft.phase} (leader ${leader}, epoch ${this.core.status().currentEpoch})`);
    }
    const wasServing = was.phase === "broadcast" && was.state !== "looking";
    const serving = soft.phase === "broadcast" && soft.state !== "looking";
    if (wasServing && (!serving || was.leader !== soft.leader || was.state !== soft.state)) {
      const why = `server ${this.config.name} is no longer ${was.state === "leading" ? "leading" : `following ${this.ids.name(was.leader) ?? "?"}`}`;
      this.server.closeAll(why);
      this.failPending(why);
      if (this.leadership !== undefined) for (const write of this.leadership.waiting) this.answer(write.origin, write.requestId, { err: ErrorCode.connectionLoss });
      this.leadership = undefined;
    }
    if (soft.state === "leading" && soft.phase === "broadcast" && this.leadership === undefined) {
      this.leadership = {
        overlay: new ChangeOverlay(this.dataTree),
        openAt: this.core.status().committed,
        open: false,
        waiting: [],
        sessions: new Map(),
        expiring: new Set(),
      };
      this.touched.clear();
    }
  }

  private deliver(proposal: Proposal): void {
    if (proposal.zxid <= this.dataTree.lastProcessedZxid) {
      // Only once a bug switch broke ZAB: the tree never goes back, so skip it and say so.
      this.log(`skipping delivered proposal ${formatZxid(proposal.zxid)}: the tree is already at ${formatZxid(this.dataTree.lastProcessedZxid)}`);
      return;
    }
    const envelope = decodeProposal(proposal.data);
    const { header, txn } = decodeTxn(envelope.txn);
    const { result, events } = this.dataTree.apply({ zxid: proposal.zxid, sessionId: header.sessionId, timeMs: header.timeMs }, txn);
    this.deliveredSinceSnapshot++;
    for (const event of events) this.server.connection(event.watcher)?.notify(event.type, event.path);
    const leadership = this.leadership;
    if (leadership !== undefined) {
      leadership.overlay.forgetUpTo(proposal.zxid);
      if (txn.type === "createSession") leadership.sessions.set(txn.sessionId, { timeoutMs: txn.timeoutMs, deadlineMs: Date.now() + txn.timeoutMs });
      if (txn.type === "closeSession") {
        leadership.sessions.delete(txn.sessionId);
        leadership.expiring.delete(txn.sessionId);
      }
    }
    if (txn.type === "closeSession" && envelope.origin !== this.selfId) {
      // Expired (or closed through another server): its connections here end.
      for (const connection of this.server.sessionConnections(txn.sessionId)) connection.close();
    }
    if (envelope.origin === this.selfId) {
      const pending = this.pending.get(envelope.requestId);
      if (pending !== undefined) {
        this.pending.delete(envelope.requestId);
        this.counters.sent++;
        pending.resolve({ zxid: proposal.zxid, result });
      }
    }
  }

  private send(message: Message): void {
    const peer = this.ids.name(message.to);
    if (peer === undefined || message.to === this.selfId) throw new Error(`the core addressed a ${message.type} to server id ${message.to}, which is not a peer of ${this.config.name}`);
    this.transport.send(peer, encodePeerMessage(message));
  }

  // ---- snapshots ----------------------------------------------------------------------------------

  /** ZooKeeper's SyncRequestProcessor: a snapshot after a random count in [snapCount/2, snapCount]
   *  of txns, so that the servers of an ensemble do not all snapshot at once. */
  private drawSnapshotCount(): number {
    const half = Math.max(1, Math.floor(this.config.snapCount / 2));
    return half + this.rng.int(this.config.snapCount - half + 1);
  }

  private maybeSnapshot(): void {
    if (this.snapshotting || this.deliveredSinceSnapshot < this.snapshotAfter) return;
    const status = this.core.status();
    const zxid = this.dataTree.lastProcessedZxid;
    // Only at a point the core delivered, logged and still holds (a bug switch can break that).
    if (zxid !== status.delivered || zxid > this.core.persistedZxid() || zxid <= status.snapshotZxid) return;
    if (!this.core.proposals().some((proposal) => proposal.zxid === zxid)) return;
    const startedMs = performance.now();
    const snapshot = this.core.compact(zxid, encodeTreeSnapshot(this.dataTree));
    const encodedMs = performance.now() - startedMs;
    this.deliveredSinceSnapshot = 0;
    this.snapshotAfter = this.drawSnapshotCount();
    this.snapshotting = true;
    this.storage.saveSnapshot(snapshot).then(
      () => {
        this.snapshotting = false;
        this.log(`snapshot at ${formatZxid(zxid)} (${snapshot.data.length} bytes, encoded in ${Math.round(encodedMs)} ms, stored in ${Math.round(performance.now() - startedMs)} ms); log compacted; next after ${this.snapshotAfter} txns`);
      },
      (error: unknown) => this.fatal(error instanceof Error ? error : new Error(String(error))),
    );
  }
}

/** A failed persistence, already reported to `fatal`: the Readys after it only pass it on. */
class ReportedFailure extends Error {
  constructor() {
    super("an earlier Ready's persistence failed");
  }
}
