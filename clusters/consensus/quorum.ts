// Majority arithmetic in one place (etcd's quorum/), so that "commit by counting replicas" and
// "win by counting votes" read the same way for Raft (clusters/raft/core) and ZAB
// (clusters/zab/core). Positions are numbers for Raft's log indexes and bigints for ZAB's zxids.

import { assert } from "./assert.ts";

/** Smallest number of voters that forms a majority of `voterCount`. */
export function majority(voterCount: number): number {
  assert(Number.isInteger(voterCount) && voterCount > 0, `majority of ${voterCount} voters`);
  return Math.floor(voterCount / 2) + 1;
}

/** The largest position (log index or zxid) that a majority of voters hold, given each voter's
 *  acknowledged position (one entry per voter). Any two majorities intersect, so a position
 *  counted here survives any election that needs a majority of votes. */
export function committedIndex<Position extends number | bigint>(acknowledged: readonly Position[]): Position {
  assert(acknowledged.length > 0, "committedIndex needs at least one voter");
  const sorted = [...acknowledged].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
  return sorted[majority(acknowledged.length) - 1];
}

export type VoteResult = "won" | "lost" | "pending";

/** Outcome of an election among `voters`, from the answers received so far (voters missing
 *  from `votes` have not answered). Lost as soon as a majority can no longer be reached. */
export function voteResult<Id>(voters: readonly Id[], votes: ReadonlyMap<Id, boolean>): VoteResult {
  let granted = 0;
  let rejected = 0;
  for (const voter of voters) {
    const vote = votes.get(voter);
    if (vote === true) granted++;
    else if (vote === false) rejected++;
  }
  const needed = majority(voters.length);
  if (granted >= needed) return "won";
  if (voters.length - rejected < needed) return "lost";
  return "pending";
}

/** Whether `members` (a subset of `voters`) form a majority. Members that are not voters (ZAB's
 *  observers, say) do not count. */
export function isMajority<Id>(voters: readonly Id[], members: ReadonlySet<Id>): boolean {
  let count = 0;
  for (const voter of voters) if (members.has(voter)) count++;
  return count >= majority(voters.length);
}
