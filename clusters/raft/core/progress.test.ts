import { describe, expect, test } from "vitest";
import { AssertionError } from "../../consensus/assert.ts";
import { Inflights, Progress } from "./progress.ts";

describe("progress", () => {
  test("invariant 0 ≤ match < next", () => {
    expect(() => new Progress(2, 0, 4)).toThrow(AssertionError);
    const progress = new Progress(2, 5, 4);
    expect(progress.match).toBe(0);
    expect(progress.state).toBe("probe");
  });

  test("probe: one append per round, unpaused by an answer", () => {
    const progress = new Progress(2, 5, 4);
    expect(progress.isPaused()).toBe(false);
    progress.sentEntries(6, 2);
    expect(progress.isPaused()).toBe(true);
    // A probe does not move next optimistically.
    expect(progress.next).toBe(5);
    expect(progress.maybeUpdate(6)).toBe(true);
    expect(progress.isPaused()).toBe(false);
    expect([progress.match, progress.next]).toEqual([6, 7]);
    // Stale acknowledgements change nothing.
    expect(progress.maybeUpdate(3)).toBe(false);
    expect(progress.match).toBe(6);
  });

  test("probe: a rejection jumps back to the hint, never below match + 1, and stale ones are ignored", () => {
    const progress = new Progress(2, 10, 4);
    progress.sentEntries(10, 1);
    expect(progress.maybeDecrease(7, 3)).toBe(false); // not the append just sent (prevIndex 9)
    expect(progress.maybeDecrease(9, 3)).toBe(true);
    expect(progress.next).toBe(4);
    expect(progress.isPaused()).toBe(false);
    progress.match = 5;
    progress.next = 9;
    expect(progress.maybeDecrease(8, 1)).toBe(true);
    expect(progress.next).toBe(6);
    // A second rejection of the same probe teaches nothing: no resend (no ping-pong).
    expect(progress.maybeDecrease(5, 1)).toBe(false);
    expect(progress.next).toBe(6);
  });

  test("a rejection at match (acknowledged entries lost) lowers match only when violations are tolerated", () => {
    const progress = new Progress(2, 8, 4);
    progress.maybeUpdate(7);
    progress.becomeProbe();
    expect(progress.maybeDecrease(7, 3)).toBe(false);
    expect([progress.match, progress.next]).toEqual([7, 8]);
    expect(progress.maybeDecrease(7, 3, true)).toBe(true);
    expect([progress.match, progress.next]).toEqual([3, 4]);
  });

  test("replicate: optimistic next, bounded by the inflight window", () => {
    const progress = new Progress(2, 1, 2);
    progress.maybeUpdate(0);
    progress.becomeReplicate();
    progress.sentEntries(3, 3);
    progress.sentEntries(5, 2);
    expect(progress.next).toBe(6);
    expect(progress.isPaused()).toBe(true);
    progress.maybeUpdate(3);
    progress.inflights.freeUpTo(3);
    expect(progress.isPaused()).toBe(false);
    // A rejection at or below match is from the past; above it, fall back to match + 1.
    expect(progress.maybeDecrease(2, 0)).toBe(false);
    expect(progress.maybeDecrease(5, 0)).toBe(true);
    expect(progress.next).toBe(4);
  });

  test("snapshot: paused until acknowledged, then probing resumes after the snapshot", () => {
    const progress = new Progress(2, 3, 4);
    progress.becomeSnapshot(20);
    expect(progress.isPaused()).toBe(true);
    expect(() => progress.sentEntries(4, 1)).toThrow(AssertionError);
    progress.becomeProbe();
    expect(progress.next).toBe(21);
    expect(() => progress.becomeSnapshot(0)).toThrow(AssertionError);
  });

  test("inflights", () => {
    const inflights = new Inflights(3);
    inflights.add(2);
    inflights.add(4);
    expect(() => inflights.add(4)).toThrow(AssertionError);
    inflights.add(9);
    expect(inflights.full()).toBe(true);
    inflights.freeUpTo(4);
    expect(inflights.count).toBe(1);
    inflights.freeFirst();
    expect(inflights.count).toBe(0);
  });
});
