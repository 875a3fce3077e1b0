// The in-memory Raft log (etcd's raft_log.go + log_unstable.go, folded into one type).
//
// Layout: an optional snapshot covering [1, snapshotIndex], then `entries` covering
// [firstIndex, lastIndex] = [snapshotIndex + 1, snapshotIndex + entries.length].
//
// Invariants (checked by check()):
//   snapshotIndex ≤ applied ≤ applying ≤ committed ≤ lastIndex
//        (applied: reported done by the shell; applying: handed out in a Ready; while a
//        received snapshot is not yet installed by the shell, only applying ≥ snapshotIndex)
//   snapshotIndex < unstableFrom ≤ lastIndex + 1
//        (entries ≥ unstableFrom are not yet known durable; the next Ready hands them out)
//   entries are contiguous, ascending in index and non-decreasing in term.
// When safety was already lost (tolerateViolations) `committed ≤ lastIndex` and
// `applying ≤ committed` may break; everything else still holds.

import { assert } from "../../consensus/assert.ts";
import type { Entry, NodeId, Snapshot } from "./types.ts";

export class RaftLog {
  private entries: Entry[] = [];
  /** Index and term of the last entry the snapshot covers (0, 0 when there is none). */
  snapshotIndex = 0;
  snapshotTerm = 0;
  /** The latest snapshot, durable or not, sent to followers that fell behind firstIndex. */
  snapshot: Snapshot | undefined;
  /** A snapshot received from a leader and not yet handed out in a Ready. */
  unstableSnapshot: Snapshot | undefined;
  committed = 0;
  applied = 0;
  applying = 0;
  unstableFrom = 1;
  /** Indexes of the "config" entries in `entries`, ascending: the latest is the configuration. */
  private configIndexes: number[] = [];

  constructor(private readonly tolerateViolations: boolean) {}

  /** The latest config entry in the log (committed or not), if any is after the snapshot. */
  latestConfigEntry(): Entry | undefined {
    const index = this.configIndexes[this.configIndexes.length - 1];
    return index === undefined ? undefined : this.entries[index - this.snapshotIndex - 1];
  }

  /** The latest config entry at or below `index`, if one is after the snapshot. */
  configEntryAtOrBefore(index: number): Entry | undefined {
    for (let i = this.configIndexes.length - 1; i >= 0; i--) {
      if (this.configIndexes[i] <= index) return this.entries[this.configIndexes[i] - this.snapshotIndex - 1];
    }
    return undefined;
  }

  /** Rebuilds the log from what a shell persisted (restart). */
  static restore(
    durable: { snapshot?: Snapshot; entries: Entry[]; commit: number; applied: number | undefined },
    tolerateViolations: boolean,
  ): RaftLog {
    const log = new RaftLog(tolerateViolations);
    if (durable.snapshot !== undefined) {
      log.snapshot = durable.snapshot;
      log.snapshotIndex = durable.snapshot.metadata.index;
      log.snapshotTerm = durable.snapshot.metadata.term;
    }
    const first = durable.entries[0];
    assert(first === undefined || first.index === log.snapshotIndex + 1, () => `persisted entries start at ${first?.index}, snapshot ends at ${log.snapshotIndex}`);
    log.entries = durable.entries.slice();
    log.configIndexes = log.entries.filter((entry) => entry.kind === "config").map((entry) => entry.index);
    log.unstableFrom = log.lastIndex() + 1;
    log.committed = tolerateViolations ? Math.min(durable.commit, log.lastIndex()) : durable.commit;
    assert(log.committed >= log.snapshotIndex, () => `persisted commit ${durable.commit} below snapshot ${log.snapshotIndex}`);
    const applied = durable.applied ?? log.snapshotIndex;
    assert(applied >= log.snapshotIndex && applied <= log.committed, () => `restart applied ${applied} outside [snapshot ${log.snapshotIndex}, commit ${log.committed}]`);
    log.applied = applied;
    log.applying = applied;
    log.check();
    return log;
  }

  firstIndex(): number {
    return this.snapshotIndex + 1;
  }

  lastIndex(): number {
    return this.snapshotIndex + this.entries.length;
  }

  lastTerm(): number {
    const last = this.entries[this.entries.length - 1];
    return last === undefined ? this.snapshotTerm : last.term;
  }

  /** Highest index known durable on this node. */
  persistedIndex(): number {
    return this.unstableFrom - 1;
  }

  /** Term of the entry at `index`; undefined when compacted away or beyond the log. Index 0 is
   *  the empty prefix every log shares (term 0). */
  term(index: number): number | undefined {
    if (index === this.snapshotIndex) return this.snapshotTerm;
    if (index < this.snapshotIndex || index > this.lastIndex()) return undefined;
    return this.entries[index - this.snapshotIndex - 1].term;
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** Raft's election restriction: a log is at least as up-to-date as ours when its last term is
   *  higher, or equal with a last index at least ours. */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const ourTerm = this.lastTerm();
    return lastTerm > ourTerm || (lastTerm === ourTerm && lastIndex >= this.lastIndex());
  }

  /** Entries in [from, to], inclusive; the range must lie within [firstIndex, lastIndex]. */
  slice(from: number, to: number): Entry[] {
    if (to < from) return [];
    assert(from >= this.firstIndex() && to <= this.lastIndex(), () => `slice [${from}, ${to}] outside [${this.firstIndex()}, ${this.lastIndex()}]`);
    return this.entries.slice(from - this.firstIndex(), to - this.firstIndex() + 1);
  }

  /** Appends entries that follow our log or overwrite a suffix of it (dropping what follows). */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const from = entries[0].index;
    assert(from > this.snapshotIndex && from <= this.lastIndex() + 1, () => `append at ${from} to log [${this.firstIndex()}, ${this.lastIndex()}]`);
    if (from <= this.committed) {
      // Overwriting a committed entry loses it: only possible once safety is already broken.
      assert(this.tolerateViolations, () => `truncating committed entries: append at ${from}, committed ${this.committed}`);
    }
    if (from <= this.lastIndex()) {
      this.entries.length = from - this.firstIndex();
      while (this.configIndexes.length > 0 && this.configIndexes[this.configIndexes.length - 1] >= from) this.configIndexes.pop();
    }
    const previousTerm = this.lastTerm();
    for (let i = 0; i < entries.length; i++) {
      assert(entries[i].index === from + i, "appended entries must be contiguous");
      assert(entries[i].term >= (i === 0 ? previousTerm : entries[i - 1].term), () => `entry ${entries[i].index} term ${entries[i].term} lower than its predecessor`);
      this.entries.push(entries[i]);
      if (entries[i].kind === "config") this.configIndexes.push(entries[i].index);
    }
    this.unstableFrom = Math.min(this.unstableFrom, from);
    if (this.committed > this.lastIndex()) this.committed = this.lastIndex();
    this.check();
  }

  /** The follower side of AppendEntries: if our log holds (prevIndex, prevTerm), append what is
   *  new, overwrite what conflicts, advance the commit index and return the index of the last
   *  entry the leader's message covers; undefined if the consistency check fails. */
  maybeAppend(prevIndex: number, prevTerm: number, leaderCommit: number, entries: readonly Entry[]): number | undefined {
    if (!this.matchTerm(prevIndex, prevTerm)) return undefined;
    const lastNewIndex = prevIndex + entries.length;
    const conflictIndex = this.findConflict(entries);
    if (conflictIndex !== 0) {
      assert(conflictIndex > this.committed || this.tolerateViolations, () => `entry ${conflictIndex} conflicts with a committed entry (committed ${this.committed})`);
      this.append(entries.slice(conflictIndex - entries[0].index));
    }
    this.commitTo(Math.min(leaderCommit, lastNewIndex));
    return lastNewIndex;
  }

  /** The index of the first entry that is new or whose term differs from ours; 0 if all of
   *  `entries` are already in the log. */
  findConflict(entries: readonly Entry[]): number {
    for (const entry of entries) {
      if (!this.matchTerm(entry.index, entry.term)) return entry.index;
    }
    return 0;
  }

  /** Fast backtracking: the largest index ≤ `index` whose term is ≤ `term`, with that term.
   *  Every entry between it and `index` has a higher term, so cannot match a log whose entry
   *  at `index` has `term`. Stops at the snapshot (term known) or below it (term 0: unknown). */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    let candidate = Math.min(index, this.lastIndex());
    for (;;) {
      const candidateTerm = this.term(candidate);
      if (candidateTerm === undefined) return { index: candidate, term: 0 };
      if (candidateTerm <= term) return { index: candidate, term: candidateTerm };
      candidate--;
    }
  }

  commitTo(index: number): void {
    if (index <= this.committed) return;
    assert(index <= this.lastIndex(), () => `commit ${index} beyond last index ${this.lastIndex()}`);
    this.committed = index;
  }

  hasNextCommittedEntries(): boolean {
    return Math.min(this.committed, this.lastIndex()) > this.applying;
  }

  /** Committed entries not yet handed out, ascending from applying + 1. */
  nextCommittedEntries(): Entry[] {
    const to = Math.min(this.committed, this.lastIndex());
    if (to <= this.applying) return [];
    return this.slice(this.applying + 1, to);
  }

  /** The shell took committed entries up to `index` to apply. */
  applyingTo(index: number): void {
    assert(index >= this.applying && index <= this.committed, () => `applying ${index} outside [${this.applying}, ${this.committed}]`);
    this.applying = index;
  }

  /** The shell finished applying up to `index`. */
  appliedTo(index: number): void {
    assert(index >= this.applied && index <= this.applying, () => `applied ${index} outside [${this.applied}, ${this.applying}]`);
    this.applied = index;
  }

  /** Entries the shell has not been told to persist yet. */
  unstableEntries(): Entry[] {
    if (this.unstableFrom > this.lastIndex()) return [];
    return this.slice(this.unstableFrom, this.lastIndex());
  }

  /** The shell persisted entries up to (index, term). If the entry there has since been
   *  overwritten, the new one is still unstable and goes out in the next Ready. */
  stableTo(index: number, term: number): void {
    if (this.matchTerm(index, term) && index >= this.unstableFrom) this.unstableFrom = index + 1;
    this.check();
  }

  /** The shell persisted (and installed) the snapshot it was handed. */
  stableSnapshotTo(snapshot: Snapshot): void {
    if (this.unstableSnapshot === snapshot) this.unstableSnapshot = undefined;
    // The shell restored its state machine from the snapshot, so everything it covers is applied.
    if (snapshot.metadata.index > this.applied) this.applied = Math.min(snapshot.metadata.index, this.applying);
    this.check();
  }

  /** Installs a leader's snapshot: the log restarts after it. The caller checked that it is
   *  ahead of our commit index and not already in our log. */
  installSnapshot(snapshot: Snapshot): void {
    const { index, term } = snapshot.metadata;
    assert(index > this.committed, () => `snapshot ${index} not ahead of commit ${this.committed}`);
    this.entries = [];
    this.configIndexes = [];
    this.snapshotIndex = index;
    this.snapshotTerm = term;
    this.snapshot = snapshot;
    this.unstableSnapshot = snapshot;
    this.unstableFrom = index + 1;
    this.committed = index;
    // The state machine is replaced by the snapshot's, so nothing at or below it is applied
    // separately; the shell restores it when it persists the Ready carrying the snapshot.
    this.applying = Math.max(this.applying, index);
    this.check();
  }

  /** Replaces the log prefix up to `index` (applied and durable) by a snapshot, which records
   *  `voters`, the configuration as of `index`. */
  compact(index: number, data: Uint8Array, voters: NodeId[]): Snapshot {
    assert(index > this.snapshotIndex, () => `compact(${index}) not after the snapshot at ${this.snapshotIndex}`);
    assert(index <= this.applied, () => `compact(${index}) beyond applied ${this.applied}`);
    assert(index <= this.persistedIndex(), () => `compact(${index}) beyond persisted ${this.persistedIndex()}`);
    assert(this.unstableSnapshot === undefined, "compact while a received snapshot is not yet persisted");
    const term = this.term(index);
    assert(term !== undefined, `compact(${index}): no such entry`);
    const snapshot: Snapshot = { metadata: { index, term, voters: [...voters] }, data };
    this.entries = this.entries.slice(index - this.snapshotIndex);
    this.configIndexes = this.configIndexes.filter((configIndex) => configIndex > index);
    this.snapshotIndex = index;
    this.snapshotTerm = term;
    this.snapshot = snapshot;
    this.check();
    return snapshot;
  }

  check(): void {
    const last = this.lastIndex();
    // A received snapshot is applied only once the shell has installed it.
    assert(this.snapshotIndex <= this.applied || this.unstableSnapshot !== undefined, () => `applied ${this.applied} below snapshot ${this.snapshotIndex}`);
    assert(this.snapshotIndex <= this.applying, () => `applying ${this.applying} below snapshot ${this.snapshotIndex}`);
    assert(this.applied <= this.applying, () => `applied ${this.applied} beyond applying ${this.applying}`);
    assert(this.snapshotIndex < this.unstableFrom, () => `unstableFrom ${this.unstableFrom} at or below snapshot ${this.snapshotIndex}`);
    assert(this.unstableFrom <= last + 1, () => `unstableFrom ${this.unstableFrom} beyond last ${last}`);
    if (!this.tolerateViolations) {
      assert(this.applying <= this.committed, () => `applying ${this.applying} beyond commit ${this.committed}`);
      assert(this.committed <= last, () => `commit ${this.committed} beyond last index ${last}`);
    }
    assert(this.snapshot === undefined || this.snapshot.metadata.index === this.snapshotIndex, "snapshot and snapshotIndex disagree");
  }
}
