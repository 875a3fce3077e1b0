// A server's history: the proposals it logged, after the snapshot that stands for everything
// before them, with how far they are committed, delivered to the shell, and durable. Also what
// the next Ready must persist: a snapshot received from a leader, a truncation, new proposals.
//
// Invariants, asserted by check() (the ones marked * only while safety holds):
//   zxids strictly ascend (asserted by append) and all lie above the snapshot's zxid (base)
//   base ≤ committed ≤ lastZxid *          committed: known to be on a quorum (or established)
//   delivered ≤ handedOut                  delivered: the shell applied it; handedOut: in a Ready
//   delivered ≤ committed *
//   stableCount ≤ loggedCount ≤ entries.length
//                                          entries[0, stableCount) are on disk, as they are here;
//                                          entries[0, loggedCount) were handed to the shell to log
// Several Readys may be in flight at once (types.ts): each handout is settled in order.

import { assert } from "../../consensus/assert.ts";
import type { Proposal, Snapshot } from "./types.ts";
import { formatZxid, type Zxid } from "./zxid.ts";

/** What a Ready took from the history, for advance() to settle. */
export interface HistoryHandout {
  snapshot?: Snapshot;
  truncateTo?: Zxid;
  proposals: Proposal[];
  committed: Proposal[];
}

interface InFlight {
  /** Entries [0, end) are on disk once the Ready is done (lowered by a truncation or compaction
   *  meanwhile). */
  end: number;
  /** The last committed zxid handed out, and the install generation it belongs to. */
  deliveredTo: Zxid;
  generation: number;
}

export class History {
  private snapshotValue: Snapshot | undefined;
  private base: Zxid = 0n;
  private entries: Proposal[] = [];
  private committedZxid: Zxid = 0n;
  private deliveredZxid: Zxid = 0n;
  private handedOutZxid: Zxid = 0n;
  private stableCount = 0;
  /** Entries handed to the shell to log (durable once their Ready settles). */
  private loggedCount = 0;
  private pendingSnapshot: Snapshot | undefined;
  private pendingTruncation: Zxid | undefined;
  /** Bumps when a snapshot replaces the state machine, so that a Ready handed out before does
   *  not move the delivered zxid afterwards. */
  private generation = 0;
  /** Handouts not settled yet, oldest first. */
  private inFlight: InFlight[] = [];

  constructor(private readonly tolerateViolations: boolean) {}

  /** After a restart: the persisted snapshot and proposals are durable; only the snapshot is
   *  known committed (and is what the shell's state machine holds). */
  static restore(snapshot: Snapshot | undefined, proposals: readonly Proposal[], tolerateViolations: boolean): History {
    const history = new History(tolerateViolations);
    if (snapshot !== undefined) {
      history.snapshotValue = snapshot;
      history.base = snapshot.zxid;
    }
    history.committedZxid = history.deliveredZxid = history.handedOutZxid = history.base;
    for (const proposal of proposals) history.append(proposal);
    history.stableCount = history.loggedCount = history.entries.length;
    history.check();
    return history;
  }

  // ---- reading ------------------------------------------------------------------------------

  get snapshot(): Snapshot | undefined {
    return this.snapshotValue;
  }

  /** The zxid the log starts after (the snapshot's, or 0n). */
  get snapshotZxid(): Zxid {
    return this.base;
  }

  get committed(): Zxid {
    return this.committedZxid;
  }

  get delivered(): Zxid {
    return this.deliveredZxid;
  }

  lastZxid(): Zxid {
    return this.entries.length === 0 ? this.base : this.entries[this.entries.length - 1].zxid;
  }

  /** The last zxid known durable on this server's disk. */
  persistedZxid(): Zxid {
    return this.stableCount === 0 ? this.base : this.entries[this.stableCount - 1].zxid;
  }

  /** Whether `zxid` is a logged proposal or the snapshot's position. */
  holds(zxid: Zxid): boolean {
    return zxid === this.base || this.position(zxid) !== undefined;
  }

  /** The largest zxid this history holds (logged or the snapshot's) below `zxid`. */
  largestBelow(zxid: Zxid): Zxid {
    const index = this.countBelow(zxid);
    return index === 0 ? this.base : this.entries[index - 1].zxid;
  }

  /** Logged proposals with zxid in (after, through], in order. */
  between(after: Zxid, through: Zxid): Proposal[] {
    const out: Proposal[] = [];
    for (let i = this.countBelow(after + 1n); i < this.entries.length && this.entries[i].zxid <= through; i++) out.push(this.entries[i]);
    return out;
  }

  all(): readonly Proposal[] {
    return this.entries;
  }

  // ---- changing -----------------------------------------------------------------------------

  append(proposal: Proposal): void {
    const last = this.lastZxid();
    assert(proposal.zxid > last, () => `proposal ${formatZxid(proposal.zxid)} appended after ${formatZxid(last)}`);
    this.entries.push(proposal);
  }

  /** Drops every proposal above `zxid` (TRUNC). Below the commit point only once safety is lost:
   *  then what was delivered stays delivered (a state machine is never rolled back) and only what
   *  comes after it is delivered from here on. */
  truncateAfter(target: Zxid): void {
    assert(target >= this.committedZxid || this.tolerateViolations, () => `truncation to ${formatZxid(target)} below the commit point ${formatZxid(this.committedZxid)}: a committed proposal would be lost`);
    // Only once safety is lost can a truncation reach into the snapshot (which covers committed
    // proposals only): the snapshot, like the state machine, stays as it is.
    const zxid = target < this.base ? this.base : target;
    let keep = this.entries.length;
    while (keep > 0 && this.entries[keep - 1].zxid > zxid) keep--;
    if (keep === this.entries.length) return;
    this.entries.length = keep;
    if (this.committedZxid > zxid) this.committedZxid = zxid;
    // Only what the shell was told to log must be deleted from its disk.
    if (keep < this.loggedCount) {
      this.pendingTruncation = this.pendingTruncation === undefined || zxid < this.pendingTruncation ? zxid : this.pendingTruncation;
    }
    this.stableCount = Math.min(this.stableCount, keep);
    this.loggedCount = Math.min(this.loggedCount, keep);
    for (const inFlight of this.inFlight) inFlight.end = Math.min(inFlight.end, keep);
  }

  /** Replaces everything with a leader's snapshot (SNAP): the log restarts after it and the
   *  shell's state machine becomes the snapshot's. */
  installSnapshot(snapshot: Snapshot): void {
    assert(snapshot.zxid >= this.committedZxid || this.tolerateViolations, () => `snapshot at ${formatZxid(snapshot.zxid)} is behind our commit point ${formatZxid(this.committedZxid)}`);
    this.snapshotValue = snapshot;
    this.pendingSnapshot = snapshot;
    this.pendingTruncation = undefined;
    this.base = snapshot.zxid;
    this.entries = [];
    this.stableCount = this.loggedCount = 0;
    for (const inFlight of this.inFlight) inFlight.end = 0;
    this.committedZxid = this.deliveredZxid = this.handedOutZxid = snapshot.zxid;
    this.generation++;
  }

  /** Moves the commit point forward to `zxid`, which must be within the log while safety holds. */
  commitTo(zxid: Zxid): boolean {
    const last = this.lastZxid();
    assert(zxid <= last || this.tolerateViolations, () => `commit ${formatZxid(zxid)} beyond our last zxid ${formatZxid(last)}: acknowledged proposals were lost`);
    const target = zxid > last ? last : zxid;
    if (target <= this.committedZxid) return false;
    this.committedZxid = target;
    return true;
  }

  /** The shell snapshotted its state machine at `zxid` (delivered and durable): drop proposals up
   *  to it. */
  compact(zxid: Zxid, data: Uint8Array): Snapshot {
    assert(zxid <= this.deliveredZxid, () => `compaction at ${formatZxid(zxid)} beyond the delivered ${formatZxid(this.deliveredZxid)}`);
    assert(zxid <= this.persistedZxid(), () => `compaction at ${formatZxid(zxid)} beyond the persisted ${formatZxid(this.persistedZxid())}`);
    assert(this.holds(zxid), () => `compaction at ${formatZxid(zxid)}, which is not in the log`);
    assert(zxid >= this.base, () => `compaction at ${formatZxid(zxid)} behind the snapshot at ${formatZxid(this.base)}`);
    const position = this.position(zxid);
    const dropped = position === undefined ? 0 : position + 1;
    this.entries = this.entries.slice(dropped);
    this.stableCount -= dropped;
    this.loggedCount -= dropped;
    for (const inFlight of this.inFlight) inFlight.end = Math.max(0, inFlight.end - dropped);
    this.base = zxid;
    this.snapshotValue = { zxid, data };
    this.check();
    return this.snapshotValue;
  }

  // ---- the Ready cycle ------------------------------------------------------------------------

  hasWork(): boolean {
    return this.pendingSnapshot !== undefined || this.pendingTruncation !== undefined || this.loggedCount < this.entries.length || (this.committedZxid > this.handedOutZxid && this.nextCommitted().length > 0);
  }

  /** Whether the next handout has anything for the disk (a snapshot, a truncation, proposals). */
  hasDurableWork(): boolean {
    return this.pendingSnapshot !== undefined || this.pendingTruncation !== undefined || this.loggedCount < this.entries.length;
  }

  handOut(): HistoryHandout {
    const committed = this.nextCommitted();
    const handout: HistoryHandout = { proposals: this.entries.slice(this.loggedCount), committed };
    if (this.pendingSnapshot !== undefined) handout.snapshot = this.pendingSnapshot;
    if (this.pendingTruncation !== undefined) handout.truncateTo = this.pendingTruncation;
    this.pendingSnapshot = undefined;
    this.pendingTruncation = undefined;
    const lastCommitted = committed[committed.length - 1];
    if (lastCommitted !== undefined) this.handedOutZxid = lastCommitted.zxid;
    this.loggedCount = this.entries.length;
    this.inFlight.push({ end: this.entries.length, deliveredTo: this.handedOutZxid, generation: this.generation });
    return handout;
  }

  /** The oldest unsettled Ready's I/O is done: its proposals are durable and its committed ones
   *  delivered. */
  settle(): void {
    const inFlight = this.inFlight.shift();
    assert(inFlight !== undefined, "settle without a handout");
    this.stableCount = Math.max(this.stableCount, Math.min(inFlight.end, this.entries.length));
    if (inFlight.generation === this.generation && inFlight.deliveredTo > this.deliveredZxid) this.deliveredZxid = inFlight.deliveredTo;
    this.check();
  }

  /** O(1): order within the log is asserted where it could break (append), not rescanned. */
  check(): void {
    const first = this.entries[0];
    assert(first === undefined || first.zxid > this.base, () => `log starts at ${formatZxid(first?.zxid ?? 0n)}, not after the snapshot at ${formatZxid(this.base)}`);
    assert(this.committedZxid >= this.base || this.tolerateViolations, () => `commit ${formatZxid(this.committedZxid)} behind the snapshot ${formatZxid(this.base)}`);
    assert(this.committedZxid <= this.lastZxid() || this.tolerateViolations, () => `commit ${formatZxid(this.committedZxid)} beyond the log's end ${formatZxid(this.lastZxid())}`);
    assert(this.deliveredZxid <= this.handedOutZxid, () => `delivered ${formatZxid(this.deliveredZxid)} beyond handed out ${formatZxid(this.handedOutZxid)}`);
    assert(this.handedOutZxid <= this.committedZxid || this.tolerateViolations, () => `handed out ${formatZxid(this.handedOutZxid)} beyond the commit point ${formatZxid(this.committedZxid)}`);
    assert(this.stableCount >= 0 && this.stableCount <= this.loggedCount && this.loggedCount <= this.entries.length, () => `stable count ${this.stableCount}, logged ${this.loggedCount}, of ${this.entries.length}`);
  }

  /** Committed proposals not yet handed out, in order. */
  private nextCommitted(): Proposal[] {
    if (this.committedZxid <= this.handedOutZxid) return [];
    return this.between(this.handedOutZxid, this.committedZxid);
  }

  /** How many logged proposals lie below `zxid` (the index of the first at or above it). */
  private countBelow(zxid: Zxid): number {
    let low = 0;
    let high = this.entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.entries[middle].zxid < zxid) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  private position(zxid: Zxid): number | undefined {
    let low = 0;
    let high = this.entries.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const found = this.entries[middle].zxid;
      if (found === zxid) return middle;
      if (found < zxid) low = middle + 1;
      else high = middle - 1;
    }
    return undefined;
  }
}
