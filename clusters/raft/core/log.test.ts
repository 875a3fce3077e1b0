import { describe, expect, test } from "vitest";
import { AssertionError } from "../../consensus/assert.ts";
import { RaftLog } from "./log.ts";
import type { Entry } from "./types.ts";

function entry(index: number, term: number, data = ""): Entry {
  return { index, term, kind: "normal", data: new TextEncoder().encode(data) };
}

function logWith(terms: number[], tolerateViolations = false): RaftLog {
  const log = new RaftLog(tolerateViolations);
  log.append(terms.map((term, i) => entry(i + 1, term)));
  return log;
}

describe("raft log", () => {
  test("terms, bounds and the up-to-date rule", () => {
    const log = logWith([1, 1, 2, 3]);
    expect([log.firstIndex(), log.lastIndex(), log.lastTerm()]).toEqual([1, 4, 3]);
    expect([log.term(0), log.term(1), log.term(4), log.term(5)]).toEqual([0, 1, 3, undefined]);
    expect(log.isUpToDate(4, 3)).toBe(true);
    expect(log.isUpToDate(3, 3)).toBe(false);
    expect(log.isUpToDate(1, 4)).toBe(true);
    expect(log.isUpToDate(9, 2)).toBe(false);
  });

  test("maybeAppend: consistency check, conflict truncation, commit bounded by the new entries", () => {
    const log = logWith([1, 1, 2, 2]);
    expect(log.maybeAppend(4, 3, 4, [entry(5, 3)])).toBeUndefined();
    expect(log.maybeAppend(6, 2, 4, [])).toBeUndefined();
    // Entries already present are not rewritten; a conflict truncates from there.
    expect(log.maybeAppend(2, 1, 9, [entry(3, 2), entry(4, 3), entry(5, 3)])).toBe(5);
    expect([3, 4, 5].map((index) => log.term(index))).toEqual([2, 3, 3]);
    expect(log.committed).toBe(5);
    // An append carrying fewer entries than we hold commits no further than it proves.
    const other = logWith([1, 1, 1, 1]);
    expect(other.maybeAppend(1, 1, 4, [entry(2, 1)])).toBe(2);
    expect(other.committed).toBe(2);
    expect(other.lastIndex()).toBe(4);
  });

  test("committed entries are never overwritten (unless violations are tolerated)", () => {
    const log = logWith([1, 1, 1]);
    log.commitTo(2);
    expect(() => log.maybeAppend(1, 1, 3, [entry(2, 2)])).toThrow(AssertionError);
    const tolerant = logWith([1, 1, 1], true);
    tolerant.commitTo(3);
    tolerant.maybeAppend(1, 1, 3, [entry(2, 2)]);
    expect(tolerant.lastIndex()).toBe(2);
    expect(tolerant.committed).toBe(2);
  });

  test("findConflictByTerm walks back over higher terms", () => {
    const log = logWith([1, 1, 2, 2, 2, 5, 5]);
    expect(log.findConflictByTerm(7, 4)).toEqual({ index: 5, term: 2 });
    expect(log.findConflictByTerm(7, 1)).toEqual({ index: 2, term: 1 });
    expect(log.findConflictByTerm(9, 5)).toEqual({ index: 7, term: 5 });
    expect(log.findConflictByTerm(3, 0)).toEqual({ index: 0, term: 0 });
  });

  test("stable and unstable entries; an overwrite after a Ready keeps the new suffix unstable", () => {
    const log = logWith([1, 1, 1]);
    expect(log.unstableEntries().map((e) => e.index)).toEqual([1, 2, 3]);
    log.stableTo(3, 1);
    expect(log.unstableEntries()).toEqual([]);
    expect(log.persistedIndex()).toBe(3);
    log.append([entry(3, 2), entry(4, 2)]);
    expect(log.unstableEntries().map((e) => e.index)).toEqual([3, 4]);
    // A late acknowledgement for the overwritten entry 3@1 must not mark 3@2 durable.
    log.stableTo(3, 1);
    expect(log.persistedIndex()).toBe(2);
    log.stableTo(4, 2);
    expect(log.persistedIndex()).toBe(4);
  });

  test("applying, applied and commit", () => {
    const log = logWith([1, 1, 1]);
    log.stableTo(3, 1);
    log.commitTo(2);
    expect(log.nextCommittedEntries().map((e) => e.index)).toEqual([1, 2]);
    log.applyingTo(2);
    expect(log.hasNextCommittedEntries()).toBe(false);
    expect(() => log.appliedTo(3)).toThrow(AssertionError);
    log.appliedTo(2);
    expect(() => log.commitTo(9)).toThrow(AssertionError);
    log.commitTo(1); // never backwards
    expect(log.committed).toBe(2);
  });

  test("compaction keeps the boundary term and refuses what is not applied", () => {
    const log = logWith([1, 2, 2, 3]);
    log.stableTo(4, 3);
    log.commitTo(4);
    log.applyingTo(3);
    log.appliedTo(3);
    expect(() => log.compact(4, new Uint8Array(), [1, 2, 3])).toThrow(AssertionError);
    const snapshot = log.compact(2, new Uint8Array([7]), [1, 2, 3]);
    expect(snapshot.metadata).toEqual({ index: 2, term: 2, voters: [1, 2, 3] });
    expect([log.firstIndex(), log.term(2), log.term(1), log.term(3)]).toEqual([3, 2, undefined, 2]);
    expect(() => log.slice(2, 3)).toThrow(AssertionError);
    expect(log.findConflictByTerm(4, 1)).toEqual({ index: 1, term: 0 });
  });

  test("installing a snapshot restarts the log after it", () => {
    const log = logWith([1, 1]);
    log.stableTo(2, 1);
    log.commitTo(1);
    log.installSnapshot({ metadata: { index: 10, term: 3 }, data: new Uint8Array() });
    expect([log.firstIndex(), log.lastIndex(), log.lastTerm(), log.committed, log.applying]).toEqual([11, 10, 3, 10, 10]);
    expect(log.unstableSnapshot).toBeDefined();
    log.stableSnapshotTo(log.unstableSnapshot!);
    expect([log.applied, log.unstableSnapshot]).toEqual([10, undefined]);
  });

  test("restore from persisted state", () => {
    const log = RaftLog.restore({ snapshot: { metadata: { index: 4, term: 2 }, data: new Uint8Array() }, entries: [entry(5, 2), entry(6, 3)], commit: 5, applied: undefined }, false);
    expect([log.firstIndex(), log.lastIndex(), log.committed, log.applied, log.persistedIndex()]).toEqual([5, 6, 5, 4, 6]);
    expect(log.nextCommittedEntries().map((e) => e.index)).toEqual([5]);
    expect(() => RaftLog.restore({ entries: [entry(2, 1)], commit: 0, applied: undefined }, false)).toThrow(AssertionError);
    expect(() => RaftLog.restore({ entries: [entry(1, 1)], commit: 3, applied: undefined }, false)).toThrow(AssertionError);
  });
});
