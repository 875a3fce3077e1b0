// One ZAB server inside an in-memory shell: the pure core, a disk that survives crashes (epochs,
// snapshot, log) and a state machine that does not. The shell follows the Ready contract of
// clusters/zab/core/types.ts to the letter and reports everything it does to the safety checker.
// Both the randomized simulation (through the SimulatedNode interface) and the scenario scripts
// (../zab-interaction.ts, through the Ready methods) drive it.
//
// The randomized simulation pipelines Readys as the real server does: a Ready's messages leave
// and its committed proposals are delivered first, and its persistence may come one or more I/O
// completions later, while further Readys are taken — so a crash can land after a Ready's
// messages left and before its disk writes, which is what the contract says is safe.

import type { Rng } from "../../../harness/rng.ts";
import { ZabCore } from "../../../clusters/zab/core/zab.ts";
import type { DurableState, Epochs, Message, Proposal, Ready, ServerId, Snapshot, ZabConfig } from "../../../clusters/zab/core/types.ts";
import { formatZxid, type Zxid } from "../../../clusters/zab/core/zxid.ts";
import type { NodeView, ProposeOutcome, SimulatedNode } from "../simulation/protocol.ts";
import { describeReady } from "./describe.ts";
import type { ZabSafetyChecker } from "./safety-checker.ts";
import { decodeStateMachine, deliver, EMPTY_STATE_MACHINE, encodeStateMachine, type StateMachine } from "./state-machine.ts";

/** What every server of a simulated ensemble is configured with alike. */
export type ServerSettings = Omit<ZabConfig, "id" | "random">;

const encoder = new TextEncoder();

export class ZabSimNode implements SimulatedNode<Message, Zxid> {
  core: ZabCore | undefined;
  /** What survives a crash. */
  readonly disk: { epochs: Epochs; snapshot?: Snapshot; proposals: Proposal[] } = { epochs: { acceptedEpoch: 0, currentEpoch: 0 }, proposals: [] };
  stateMachine: StateMachine = EMPTY_STATE_MACHINE;
  /** A Ready taken from the core whose I/O has not completed (scenario scripts: one at a time). */
  pendingReady: Ready | undefined;
  /** Simulation: Readys whose messages left and whose persistence has not happened yet, oldest
   *  first; and whether an I/O completion is scheduled. */
  private unpersisted: Ready[] = [];
  private ioScheduled = false;
  /** The epoch whose establishment was last reported to the checker. */
  private reportedEpoch = 0;
  /** Deliveries the disk's snapshot covers. */
  private snapshotCount = 0;

  constructor(
    readonly id: ServerId,
    private readonly settings: ServerSettings,
    private readonly random: Rng,
    private readonly checker: ZabSafetyChecker,
  ) {
    this.core = new ZabCore(this.config());
  }

  private config(): ZabConfig {
    return { ...this.settings, id: this.id, random: this.random };
  }

  get alive(): boolean {
    return this.core !== undefined;
  }

  /** Leading means established (the only time a leader takes writes); the term is the epoch the
   *  server leads or follows in. */
  view(): NodeView | undefined {
    const status = this.core?.status();
    if (status === undefined) return undefined;
    return { leading: status.state === "leading" && status.phase === "broadcast", term: status.leaderEpoch, leader: status.leader, commit: status.committed };
  }

  tick(): void {
    this.liveCore().tick();
  }

  receive(message: Message): void {
    this.liveCore().step(message);
  }

  propose(value: string): ProposeOutcome<Zxid> {
    const core = this.liveCore();
    const result = core.propose(value);
    if (!result.ok) return { ok: false, refusal: `${result.error} (hint ${result.leaderHint})` };
    this.checker.proposed(this.id, { zxid: result.zxid, data: encoder.encode(value) });
    return { ok: true, position: result.zxid };
  }

  /** ZAB's core has no linearizable read: servers read their local state (the server's job). */
  read(): boolean {
    return false;
  }

  hasApplied(zxid: Zxid): boolean {
    return this.stateMachine.lastZxid >= zxid;
  }

  crash(): string {
    const lost = `pending Ready ${this.pendingReady === undefined ? "none" : "lost"}`;
    this.core = undefined;
    this.pendingReady = undefined;
    this.unpersisted = [];
    this.ioScheduled = false;
    this.stateMachine = EMPTY_STATE_MACHINE;
    return lost;
  }

  /** Starts again from the disk; the state machine is the snapshot's (only it is known committed). */
  restart(): void {
    const durable: DurableState = { epochs: { ...this.disk.epochs }, proposals: this.disk.proposals.slice() };
    if (this.disk.snapshot !== undefined) {
      durable.snapshot = this.disk.snapshot;
      this.stateMachine = decodeStateMachine(this.disk.snapshot.data);
      this.snapshotCount = this.stateMachine.count;
    } else {
      this.stateMachine = EMPTY_STATE_MACHINE;
    }
    this.core = new ZabCore(this.config(), durable);
    this.reportedEpoch = 0;
    this.observe();
  }

  /** An I/O completion is due when the core has a Ready or a persistence is outstanding. */
  startIo(): boolean {
    const core = this.core;
    if (core === undefined || this.ioScheduled) return false;
    if (!core.hasReady() && this.unpersisted.length === 0) return false;
    this.ioScheduled = true;
    return true;
  }

  /** Takes the core's next Ready (if any): its messages are returned to go out, its committed
   *  proposals delivered; then persists the outstanding Readys, except that the newest one's
   *  persistence waits for a later completion half the time. */
  finishIo(): Message[] {
    const core = this.core;
    this.ioScheduled = false;
    if (core === undefined) return [];
    let messages: Message[] = [];
    if (core.hasReady()) {
      const ready = core.ready();
      messages = ready.messages;
      this.restoreFromSnapshot(ready);
      this.deliverCommitted(ready);
      this.unpersisted.push(ready);
    }
    const keep = messages.length > 0 && this.random.bool(0.5) ? 1 : 0;
    while (this.unpersisted.length > keep) {
      const ready = this.unpersisted.shift()!;
      this.persist(ready);
      core.advance(ready);
    }
    this.observe();
    return messages;
  }

  takeReady(): Ready | undefined {
    const core = this.core;
    if (core === undefined || this.pendingReady !== undefined || !core.hasReady()) return undefined;
    this.pendingReady = core.ready();
    return this.pendingReady;
  }

  /** The shell's I/O for the pending Ready: persist, then (returned) messages to send, then
   *  deliver, then advance. */
  completeReady(): Message[] {
    const core = this.core;
    const ready = this.pendingReady;
    if (core === undefined || ready === undefined) return [];
    this.pendingReady = undefined;
    this.restoreFromSnapshot(ready);
    this.persist(ready);
    // Messages go out now (returned to the caller), then deliver, then advance.
    this.deliverCommitted(ready);
    core.advance(ready);
    this.observe();
    return ready.messages;
  }

  private restoreFromSnapshot(ready: Ready): void {
    if (ready.snapshot === undefined) return;
    this.stateMachine = decodeStateMachine(ready.snapshot.data);
    this.snapshotCount = this.stateMachine.count;
    this.checker.observeDigest(this.id, this.stateMachine);
  }

  private persist(ready: Ready): void {
    if (ready.snapshot !== undefined) {
      this.disk.snapshot = ready.snapshot;
      this.disk.proposals = [];
    }
    if (ready.truncateTo !== undefined) {
      const truncateTo = ready.truncateTo;
      this.disk.proposals = this.disk.proposals.filter((proposal) => proposal.zxid <= truncateTo);
    }
    for (const proposal of ready.proposals) {
      const last = this.disk.proposals[this.disk.proposals.length - 1]?.zxid ?? this.disk.snapshot?.zxid ?? 0n;
      if (proposal.zxid <= last) throw new Error(`server ${this.id}: Ready logs ${formatZxid(proposal.zxid)} after ${formatZxid(last)} on disk`);
      this.disk.proposals.push(proposal);
    }
    if (ready.epochs !== undefined) {
      this.checker.observePersist(this.id, this.disk.epochs, ready.epochs);
      this.disk.epochs = { ...ready.epochs };
    }
  }

  private deliverCommitted(ready: Ready): void {
    for (const proposal of ready.committed) {
      const before = this.stateMachine;
      this.stateMachine = deliver(before, proposal);
      this.checker.delivered(this.id, proposal, before, this.stateMachine);
    }
  }

  /** Snapshots once `threshold` proposals were delivered since the last snapshot, when the core
   *  allows it: only a prefix that is delivered and durable. */
  compact(threshold: number): number | undefined {
    const core = this.core;
    if (core === undefined || this.pendingReady !== undefined || this.unpersisted.length > 0) return undefined;
    const status = core.status();
    if (this.stateMachine.count - this.snapshotCount < threshold) return undefined;
    if (this.stateMachine.lastZxid !== status.delivered || status.delivered > core.persistedZxid() || status.delivered <= status.snapshotZxid) return undefined;
    this.snapshot();
    return this.stateMachine.count;
  }

  /** Snapshots the state machine as it is (at its delivered zxid), then drops what the snapshot
   *  covers from the core's log and from the disk. */
  snapshot(): Snapshot {
    const snapshot = this.liveCore().compact(this.stateMachine.lastZxid, encodeStateMachine(this.stateMachine));
    this.disk.snapshot = snapshot;
    this.snapshotCount = this.stateMachine.count;
    this.disk.proposals = this.disk.proposals.filter((proposal) => proposal.zxid > snapshot.zxid);
    return snapshot;
  }

  /** Reports an established leadership to the checker, once per epoch. */
  observe(): void {
    const core = this.core;
    if (core === undefined) return;
    const status = core.status();
    if (status.state === "leading" && status.phase === "broadcast" && status.leaderEpoch !== this.reportedEpoch) {
      this.reportedEpoch = status.leaderEpoch;
      this.checker.establishedEpoch(this.id, status.leaderEpoch, core.proposals(), status.snapshotZxid);
    }
  }

  describeIo(): string {
    if (this.pendingReady !== undefined) return describeReady(this.pendingReady);
    return this.unpersisted.length === 0 ? "a Ready" : `a Ready; ${this.unpersisted.length} to persist: ${this.unpersisted.map(describeReady).join(" | ")}`;
  }

  describeDurable(): string {
    const { epochs, proposals, snapshot } = this.disk;
    return `epochs ${epochs.acceptedEpoch}/${epochs.currentEpoch}, ${proposals.length} proposals, snapshot ${snapshot === undefined ? "none" : formatZxid(snapshot.zxid)}`;
  }

  describeProgress(): string {
    const status = this.core?.status();
    return status === undefined ? "is down" : `is ${status.state} (${status.phase}) with committed ${formatZxid(status.committed)}, delivered ${formatZxid(this.stateMachine.lastZxid)}`;
  }

  private liveCore(): ZabCore {
    const core = this.core;
    if (core === undefined) throw new Error(`server ${this.id} is down`);
    return core;
  }
}
