import { describe, expect, test } from "vitest";
import { AssertionError } from "../../consensus/assert.ts";
import { Election, type ElectionOptions } from "./election.ts";
import type { NotificationMessage, ServerState, Vote } from "./types.ts";
import { NO_VOTE } from "./vote.ts";
import { makeZxid } from "./zxid.ts";

const voters = [1, 2, 3];
const vote = (leader: number, counter = 0, epoch = 1): Vote => ({ leader, zxid: makeZxid(epoch, counter), epoch });
const options = (self: number, overrides: Partial<ElectionOptions> = {}): ElectionOptions => ({ self, voters, notificationTicks: 5, finalizeTicks: 0, ignoreZxid: false, ...overrides });
const notification = (from: number, to: number, v: Vote, round: number, state: ServerState = "looking"): NotificationMessage => ({ type: "notification", from, to, state, vote: v, round });

describe("fast leader election, one server's view", () => {
  test("a round starts by telling everyone; a lone voter decides at once", () => {
    expect(new Election(options(1), 1, vote(1)).start()).toEqual({ broadcast: true });
    const alone = new Election(options(1, { voters: [1] }), 1, vote(1));
    expect(alone.start().decided?.leader).toBe(1);
  });

  test("a better vote is adopted and re-broadcast within the round; a quorum decides", () => {
    const election = new Election(options(1), 1, vote(1, 2));
    election.start();
    const step = election.receive(2, notification(2, 1, vote(2, 5), 1));
    expect(step.broadcast).toBe(true);
    expect(election.proposal).toEqual(vote(2, 5));
    // 1 (itself) and 2 now agree on 2: a quorum of three.
    expect(step.decided).toEqual({ leader: 2, round: 1, vote: vote(2, 5) });
  });

  test("a worse vote changes nothing and decides nothing", () => {
    const election = new Election(options(3), 1, vote(3, 5));
    election.start();
    expect(election.receive(1, notification(1, 3, vote(1, 2), 1))).toEqual({ broadcast: false });
    expect(election.proposal).toEqual(vote(3, 5));
  });

  test("the finalize wait gives a better vote time to arrive", () => {
    const election = new Election(options(1, { finalizeTicks: 2 }), 1, vote(1));
    election.start();
    expect(election.receive(2, notification(2, 1, vote(2), 1)).decided).toBeUndefined();
    expect(election.tick().decided).toBeUndefined();
    // 3's vote beats 2's before the wait is over: re-vote, and (1 and 3 agreeing) the wait starts
    // again for the new vote.
    expect(election.receive(3, notification(3, 1, vote(3), 1)).broadcast).toBe(true);
    expect(election.tick().decided).toBeUndefined();
    expect(election.tick().decided).toEqual({ leader: 3, round: 1, vote: vote(3) });
  });

  test("a later round voids ours: start over from our own vote, or the sender's if better", () => {
    const election = new Election(options(2), 1, vote(2, 3));
    election.start();
    election.receive(3, notification(3, 2, vote(3, 9), 1));
    expect(election.proposal).toEqual(vote(3, 9));
    const step = election.receive(1, notification(1, 2, vote(1, 1), 4));
    expect(election.round).toBe(4);
    // Compared with our initial vote (2, 1:3), not the round-1 proposal for 3.
    expect(election.proposal).toEqual(vote(2, 3));
    expect(step.broadcast).toBe(true);
  });

  test("an earlier round's vote is ignored; a voter tells the sender its round, an observer does not", () => {
    const voter = new Election(options(2), 3, vote(2));
    expect(voter.receive(1, notification(1, 2, vote(1, 9), 1))).toEqual({ broadcast: false, replyTo: 1 });
    expect(voter.proposal).toEqual(vote(2));
    const observer = new Election({ ...options(4), voters }, 3, NO_VOTE);
    expect(observer.receive(1, notification(1, 4, vote(1), 1))).toEqual({ broadcast: false });
  });

  test("observers' notifications count for nothing; a looking one is told our vote", () => {
    const election = new Election(options(1), 1, vote(1));
    expect(election.receive(4, notification(4, 1, NO_VOTE, 1))).toEqual({ broadcast: false, replyTo: 4 });
    expect(election.receive(4, notification(4, 1, vote(3), 1, "observing"))).toEqual({ broadcast: false });
  });

  test("an observer adopts the voters' choice and decides once a quorum of voters agree", () => {
    const observer = new Election(options(4), 1, NO_VOTE);
    observer.start();
    expect(observer.receive(3, notification(3, 4, vote(3), 1)).decided).toBeUndefined();
    expect(observer.proposal).toEqual(vote(3));
    expect(observer.receive(2, notification(2, 4, vote(3), 1)).decided).toEqual({ leader: 3, round: 1, vote: vote(3) });
  });

  test("joining a running ensemble: a quorum following the same leader, and the leader's own word", () => {
    const joining = new Election(options(1), 1, vote(1));
    joining.start();
    // 2 follows 3 (epoch 4) since round 7; not yet a quorum, and the leader has not spoken.
    expect(joining.receive(2, notification(2, 1, vote(3, 0, 4), 7, "following")).decided).toBeUndefined();
    // The leader itself: a quorum (2 and 3) names 3 in epoch 4, and 3 says it leads.
    expect(joining.receive(3, notification(3, 1, vote(3, 0, 4), 7, "leading")).decided).toEqual({ leader: 3, round: 7, vote: vote(3, 0, 4) });
  });

  test("followers alone do not make a leader: a dead one is never followed", () => {
    const joining = new Election({ ...options(1), voters: [1, 2, 3, 4, 5] }, 1, vote(1));
    joining.start();
    for (const from of [2, 3, 4]) expect(joining.receive(from, notification(from, 1, vote(5, 0, 2), 3, "following")).decided).toBeUndefined();
  });

  test("silence: notifications go out again after notificationTicks", () => {
    const election = new Election(options(1, { notificationTicks: 3 }), 1, vote(1));
    election.start();
    expect([election.tick().broadcast, election.tick().broadcast, election.tick().broadcast]).toEqual([false, false, true]);
  });

  test("vote-ignores-zxid elects by id alone", () => {
    const election = new Election(options(2, { ignoreZxid: true }), 1, vote(2, 9));
    election.start();
    expect(election.receive(3, notification(3, 2, vote(3, 0), 1)).decided?.leader).toBe(3);
  });

  test("a server never notifies itself", () => {
    expect(() => new Election(options(1), 1, vote(1)).receive(1, notification(1, 1, vote(1), 1))).toThrow(AssertionError);
  });
});
