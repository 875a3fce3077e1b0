import { describe, expect, test } from "vitest";
import { AssertionError } from "../../consensus/assert.ts";
import { History } from "./history.ts";
import type { Proposal } from "./types.ts";
import { formatZxid, makeZxid } from "./zxid.ts";

const proposal = (epoch: number, counter: number): Proposal => ({ zxid: makeZxid(epoch, counter), data: new Uint8Array([counter]) });
const zxids = (proposals: readonly Proposal[]) => proposals.map((p) => formatZxid(p.zxid));

/** One Ready's worth of I/O, done at once. */
function cycle(history: History) {
  const handout = history.handOut();
  history.settle();
  return handout;
}

describe("history", () => {
  test("proposals are logged in zxid order only", () => {
    const history = new History(false);
    history.append(proposal(1, 1));
    expect(() => history.append(proposal(1, 1))).toThrow(AssertionError);
    expect(() => history.append(proposal(0, 9))).toThrow(AssertionError);
    history.append(proposal(2, 1));
    expect(history.lastZxid()).toBe(makeZxid(2, 1));
  });

  test("a Ready hands out new proposals once, and committed ones once, in order", () => {
    const history = new History(false);
    history.append(proposal(1, 1));
    history.append(proposal(1, 2));
    expect(zxids(cycle(history).proposals)).toEqual(["1:1", "1:2"]);
    expect(history.hasWork()).toBe(false);
    history.commitTo(makeZxid(1, 1));
    const handout = cycle(history);
    expect(handout.proposals).toEqual([]);
    expect(zxids(handout.committed)).toEqual(["1:1"]);
    expect(history.delivered).toBe(makeZxid(1, 1));
    expect(history.persistedZxid()).toBe(makeZxid(1, 2));
  });

  test("the commit point stays within the log and never goes back", () => {
    const history = new History(false);
    history.append(proposal(1, 1));
    expect(() => history.commitTo(makeZxid(1, 5))).toThrow(/beyond our last zxid/);
    expect(history.commitTo(makeZxid(1, 1))).toBe(true);
    expect(history.commitTo(0n)).toBe(false);
  });

  test("TRUNC drops uncommitted proposals; below the commit point it is refused", () => {
    const history = History.restore(undefined, [proposal(1, 1), proposal(1, 2), proposal(1, 3)], false);
    history.commitTo(makeZxid(1, 1));
    history.truncateAfter(makeZxid(1, 1));
    expect(zxids(history.all())).toEqual(["1:1"]);
    // The disk holds 1:2 and 1:3: the next Ready tells the shell to delete them.
    expect(cycle(history).truncateTo).toBe(makeZxid(1, 1));
    expect(() => history.truncateAfter(0n)).toThrow(/below the commit point/);
  });

  test("a truncation while a Ready is in flight: its proposals are not counted durable", () => {
    const history = new History(false);
    history.append(proposal(1, 1));
    history.append(proposal(1, 2));
    history.handOut();
    history.truncateAfter(makeZxid(1, 1));
    history.append(proposal(2, 1));
    history.settle();
    expect(history.persistedZxid()).toBe(makeZxid(1, 1));
    const next = cycle(history);
    expect(next.truncateTo).toBe(makeZxid(1, 1));
    expect(zxids(next.proposals)).toEqual(["2:1"]);
    expect(history.persistedZxid()).toBe(makeZxid(2, 1));
  });

  test("once safety is lost (tolerateViolations), what was delivered stays delivered", () => {
    const history = History.restore(undefined, [proposal(1, 1), proposal(1, 2)], true);
    history.commitTo(makeZxid(1, 2));
    cycle(history);
    history.truncateAfter(0n);
    history.append(proposal(2, 1));
    history.commitTo(makeZxid(2, 1));
    expect(zxids(cycle(history).committed)).toEqual(["2:1"]);
    expect(history.delivered).toBe(makeZxid(2, 1));
  });

  test("SNAP replaces log and state machine; a Ready in flight then delivers nothing more", () => {
    const history = History.restore(undefined, [proposal(1, 1), proposal(1, 2)], false);
    history.commitTo(makeZxid(1, 1));
    history.handOut();
    history.installSnapshot({ zxid: makeZxid(3, 4), data: new Uint8Array([9]) });
    history.settle();
    expect(history.delivered).toBe(makeZxid(3, 4));
    expect(history.lastZxid()).toBe(makeZxid(3, 4));
    const next = cycle(history);
    expect(next.snapshot?.zxid).toBe(makeZxid(3, 4));
    expect(next.truncateTo).toBeUndefined();
    history.append(proposal(3, 5));
    expect(zxids(cycle(history).proposals)).toEqual(["3:5"]);
  });

  test("compaction keeps what follows the snapshot, only up to what is delivered and durable", () => {
    const history = History.restore(undefined, [proposal(1, 1), proposal(1, 2), proposal(1, 3)], false);
    history.commitTo(makeZxid(1, 2));
    cycle(history);
    expect(() => history.compact(makeZxid(1, 3), new Uint8Array())).toThrow(/beyond the delivered/);
    const snapshot = history.compact(makeZxid(1, 2), new Uint8Array([7]));
    expect(snapshot.zxid).toBe(makeZxid(1, 2));
    expect(zxids(history.all())).toEqual(["1:3"]);
    expect(history.snapshotZxid).toBe(makeZxid(1, 2));
    expect(history.holds(makeZxid(1, 2))).toBe(true);
    expect(history.holds(makeZxid(1, 1))).toBe(false);
    expect(history.largestBelow(makeZxid(1, 3))).toBe(makeZxid(1, 2));
  });

  test("after a restart, only the snapshot is known committed", () => {
    const history = History.restore({ zxid: makeZxid(1, 2), data: new Uint8Array() }, [proposal(1, 3), proposal(2, 1)], false);
    expect(history.committed).toBe(makeZxid(1, 2));
    expect(history.delivered).toBe(makeZxid(1, 2));
    expect(history.persistedZxid()).toBe(makeZxid(2, 1));
    expect(history.hasWork()).toBe(false);
  });
});
