// The order of votes in fast leader election (FastLeaderElection.totalOrderPredicate): a vote for
// a server with a newer history beats one for an older history, whoever proposes it. Newer means
// a higher current epoch, then a higher last zxid; the larger server id breaks a tie.

import { NO_SERVER, type Vote } from "./types.ts";

/** Whether `candidate` beats `current`. With `ignoreZxid` (the vote-ignores-zxid bug) only server
 *  ids count: the election no longer prefers the most up-to-date history. */
export function isBetterVote(candidate: Vote, current: Vote, ignoreZxid = false): boolean {
  if (candidate.leader === NO_SERVER) return false;
  if (current.leader === NO_SERVER) return true;
  if (ignoreZxid) return candidate.leader > current.leader;
  if (candidate.epoch !== current.epoch) return candidate.epoch > current.epoch;
  if (candidate.zxid !== current.zxid) return candidate.zxid > current.zxid;
  return candidate.leader > current.leader;
}

export function sameVote(a: Vote, b: Vote): boolean {
  return a.leader === b.leader && a.zxid === b.zxid && a.epoch === b.epoch;
}

/** An observer's vote: it proposes nobody, so any voter's vote beats it. */
export const NO_VOTE: Vote = { leader: NO_SERVER, zxid: -1n, epoch: -1 };
