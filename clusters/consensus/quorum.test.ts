import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { AssertionError } from "./assert.ts";
import { committedIndex, isMajority, majority, voteResult } from "./quorum.ts";

describe("quorum", () => {
  test("majority sizes", () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(majority)).toEqual([1, 2, 2, 3, 3, 4, 4]);
    expect(() => majority(0)).toThrow(AssertionError);
  });

  test("committed index is what a majority holds", () => {
    expect(committedIndex([7])).toBe(7);
    expect(committedIndex([5, 3, 1])).toBe(3);
    expect(committedIndex([1, 5, 3])).toBe(3);
    expect(committedIndex([5, 5, 1, 1, 1])).toBe(1);
    expect(committedIndex([9, 8, 7, 0, 0])).toBe(7);
    expect(committedIndex([4, 3, 2, 1])).toBe(2);
  });

  test("committed position over zxids (bigint)", () => {
    const zxid = (epoch: number, counter: number) => (BigInt(epoch) << 32n) | BigInt(counter);
    expect(committedIndex([zxid(2, 1), zxid(1, 9), zxid(2, 3)])).toBe(zxid(2, 1));
    expect(committedIndex([zxid(3, 0), zxid(1, 5), zxid(1, 4), zxid(3, 2), zxid(2, 7)])).toBe(zxid(2, 7));
  });

  test("property: a majority holds the committed index and no majority holds anything higher", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(50), { minLength: 1, maxLength: 9 }), (acknowledged) => {
        const index = committedIndex(acknowledged);
        const holding = acknowledged.filter((value) => value >= index).length;
        const holdingMore = acknowledged.filter((value) => value > index).length;
        return holding >= majority(acknowledged.length) && holdingMore < majority(acknowledged.length);
      }),
    );
  });

  test("vote results", () => {
    const voters = [1, 2, 3, 4, 5];
    expect(voteResult(voters, new Map([[1, true]]))).toBe("pending");
    expect(voteResult(voters, new Map([[1, true], [2, true], [3, true]]))).toBe("won");
    expect(voteResult(voters, new Map([[1, true], [2, false], [3, false]]))).toBe("pending");
    expect(voteResult(voters, new Map([[1, true], [2, false], [3, false], [4, false]]))).toBe("lost");
    // Answers from non-voters do not count.
    expect(voteResult([1, 2, 3], new Map([[1, true], [9, true]]))).toBe("pending");
    expect(voteResult([1], new Map([[1, true]]))).toBe("won");
  });

  test("isMajority", () => {
    expect(isMajority([1, 2, 3], new Set([1, 2]))).toBe(true);
    expect(isMajority([1, 2, 3], new Set([1, 9]))).toBe(false);
    expect(isMajority([1, 2, 3, 4], new Set([1, 2]))).toBe(false);
  });
});
