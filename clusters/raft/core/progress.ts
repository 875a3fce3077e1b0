// The leader's view of one follower's log (etcd's tracker/progress.go).
//
// Invariants, asserted after every change:
//   0 ≤ match < next          match: highest index known to be replicated on the follower;
//                             next: the index of the next entry to send.
//   state "probe":     the leader does not know where the logs diverge; it sends at most one
//                      append per heartbeat interval (probeSent) and walks next back on rejects.
//   state "replicate": the logs match up to match; appends stream optimistically (next runs
//                      ahead of match), bounded by the inflight window.
//   state "snapshot":  next < the leader's first index; a snapshot with index pendingSnapshot > 0
//                      is on its way and nothing else is sent until the follower acknowledges.

import { assert } from "../../consensus/assert.ts";
import type { NodeId } from "./types.ts";

export type ProgressState = "probe" | "replicate" | "snapshot";

/** The last indexes of appends sent but not yet acknowledged, oldest first, at most `capacity`. */
export class Inflights {
  private readonly lastIndexes: number[] = [];

  constructor(readonly capacity: number) {
    assert(Number.isInteger(capacity) && capacity > 0, `inflight capacity ${capacity}`);
  }

  get count(): number {
    return this.lastIndexes.length;
  }

  full(): boolean {
    return this.lastIndexes.length >= this.capacity;
  }

  add(lastIndex: number): void {
    assert(!this.full(), "inflight window overflow");
    const newest = this.lastIndexes[this.lastIndexes.length - 1];
    assert(newest === undefined || lastIndex > newest, `inflight ${lastIndex} after ${newest}`);
    this.lastIndexes.push(lastIndex);
  }

  /** Acknowledged up to `index`: every append ending at or before it has arrived. */
  freeUpTo(index: number): void {
    let freed = 0;
    while (freed < this.lastIndexes.length && this.lastIndexes[freed] <= index) freed++;
    this.lastIndexes.splice(0, freed);
  }

  /** Frees one slot so a follower whose acknowledgements were lost can make progress again. */
  freeFirst(): void {
    this.lastIndexes.shift();
  }

  reset(): void {
    this.lastIndexes.length = 0;
  }
}

export class Progress {
  match = 0;
  next: number;
  state: ProgressState = "probe";
  /** Probe state: an append was sent this heartbeat interval; wait for an answer or a heartbeat. */
  probeSent = false;
  /** Snapshot state: index of the snapshot sent. */
  pendingSnapshot = 0;
  /** Ticks spent in the snapshot state without an acknowledgement (to resend a lost snapshot). */
  snapshotTicks = 0;
  /** Heard from this follower since the last check-quorum round. */
  recentActive = false;
  readonly inflights: Inflights;

  constructor(
    readonly id: NodeId,
    next: number,
    maxInflight: number,
  ) {
    this.next = next;
    this.inflights = new Inflights(maxInflight);
    this.check();
  }

  /** Asserts the invariants in the header. */
  check(): void {
    assert(this.match >= 0 && this.match < this.next, () => `progress ${this.id}: match ${this.match}, next ${this.next}`);
    assert(this.state === "snapshot" ? this.pendingSnapshot > 0 : this.pendingSnapshot === 0, () => `progress ${this.id}: ${this.state} with pendingSnapshot ${this.pendingSnapshot}`);
    assert(this.state === "replicate" || this.inflights.count === 0, () => `progress ${this.id}: inflights in state ${this.state}`);
  }

  becomeProbe(): void {
    // Leaving the snapshot state, the follower holds at least the snapshot (if it arrived), so
    // probing resumes right after it.
    if (this.state === "snapshot") this.next = Math.max(this.match + 1, this.pendingSnapshot + 1);
    else this.next = this.match + 1;
    this.state = "probe";
    this.resetStateFields();
    this.check();
  }

  becomeReplicate(): void {
    this.next = this.match + 1;
    this.state = "replicate";
    this.resetStateFields();
    this.check();
  }

  becomeSnapshot(snapshotIndex: number): void {
    assert(snapshotIndex > this.match, `snapshot ${snapshotIndex} not ahead of match ${this.match}`);
    this.state = "snapshot";
    this.resetStateFields();
    this.pendingSnapshot = snapshotIndex;
    this.check();
  }

  private resetStateFields(): void {
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.snapshotTicks = 0;
    this.inflights.reset();
  }

  /** A successful append response for `index`; false if it tells nothing new (stale). */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (index > this.match) {
      this.match = index;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, index + 1);
    this.check();
    return updated;
  }

  /** Records that entries up to `lastIndex` went out in an append. */
  sentEntries(lastIndex: number, entryCount: number): void {
    if (this.state === "replicate") {
      if (entryCount > 0) {
        this.inflights.add(lastIndex);
        this.next = lastIndex + 1;
      }
    } else if (this.state === "probe") {
      this.probeSent = true;
    } else {
      assert(false, `progress ${this.id}: append sent in snapshot state`);
    }
    this.check();
  }

  /** A rejected append of prevIndex `rejected`; `matchHint` is the highest index the leader
   *  believes may still match. False if the rejection teaches nothing (stale or duplicate).
   *  A rejection at or below match means the follower lost entries it had acknowledged, which
   *  only happens once safety is already broken; with `allowMatchRegress` (tolerateViolations)
   *  match is lowered to what the follower may still hold, otherwise it is treated as stale. */
  maybeDecrease(rejected: number, matchHint: number, allowMatchRegress = false): boolean {
    if (this.state === "replicate") {
      // Everything at or below match is known to match; a rejection there is from the past.
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      this.check();
      return true;
    }
    // In probe state only the rejection of the append just sent (prevIndex = next - 1) counts.
    if (this.next - 1 !== rejected) return false;
    let next = Math.min(rejected, matchHint + 1);
    if (next < this.match + 1) {
      if (allowMatchRegress) this.match = Math.max(0, next - 1);
      else next = this.match + 1;
    }
    // Resending the same probe would draw the same answer: wait for a heartbeat instead.
    if (next === this.next) return false;
    this.next = next;
    this.probeSent = false;
    this.check();
    return true;
  }

  /** No new append may go out now. */
  isPaused(): boolean {
    switch (this.state) {
      case "probe":
        return this.probeSent;
      case "replicate":
        return this.inflights.full();
      case "snapshot":
        return true;
    }
  }
}
