import fc from "fast-check";
import { describe, expect, test } from "vitest";
import type { Vote } from "./types.ts";
import { isBetterVote, NO_VOTE, sameVote } from "./vote.ts";
import { makeZxid } from "./zxid.ts";

const vote = (leader: number, epoch: number, counter: number, zxidEpoch = epoch): Vote => ({ leader, zxid: makeZxid(zxidEpoch, counter), epoch });

describe("vote order (totalOrderPredicate)", () => {
  test("a newer current epoch wins, whatever the zxid and id", () => {
    expect(isBetterVote(vote(1, 3, 1), vote(5, 2, 9))).toBe(true);
    expect(isBetterVote(vote(5, 2, 9), vote(1, 3, 1))).toBe(false);
  });

  test("in the same epoch a later zxid wins; equal zxids go to the larger id", () => {
    expect(isBetterVote(vote(1, 2, 5), vote(3, 2, 4))).toBe(true);
    expect(isBetterVote(vote(3, 2, 4), vote(2, 2, 4))).toBe(true);
    expect(isBetterVote(vote(2, 2, 4), vote(3, 2, 4))).toBe(false);
    expect(isBetterVote(vote(2, 2, 4), vote(2, 2, 4))).toBe(false);
  });

  test("nobody (an observer's vote) loses to any voter and beats no one", () => {
    expect(isBetterVote(vote(1, 0, 0), NO_VOTE)).toBe(true);
    expect(isBetterVote(NO_VOTE, vote(1, 0, 0))).toBe(false);
  });

  test("vote-ignores-zxid: ids alone decide", () => {
    expect(isBetterVote(vote(3, 1, 0), vote(1, 5, 9), true)).toBe(true);
    expect(isBetterVote(vote(1, 5, 9), vote(3, 1, 0), true)).toBe(false);
  });

  test("property: a strict total order on distinct votes", () => {
    const arbitrary = fc.record({ leader: fc.integer({ min: 1, max: 5 }), epoch: fc.integer({ min: 0, max: 3 }), counter: fc.integer({ min: 0, max: 3 }) }).map((v) => vote(v.leader, v.epoch, v.counter));
    fc.assert(
      fc.property(arbitrary, arbitrary, arbitrary, (a, b, c) => {
        if (sameVote(a, b)) expect(isBetterVote(a, b) || isBetterVote(b, a)).toBe(false);
        else expect(isBetterVote(a, b)).toBe(!isBetterVote(b, a));
        if (isBetterVote(a, b) && isBetterVote(b, c)) expect(isBetterVote(a, c)).toBe(true);
      }),
    );
  });
});
