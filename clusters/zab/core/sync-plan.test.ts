import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { History } from "./history.ts";
import { planSync } from "./sync-plan.ts";
import type { Proposal } from "./types.ts";
import { formatZxid, makeZxid, type Zxid } from "./zxid.ts";

const proposal = (epoch: number, counter: number): Proposal => ({ zxid: makeZxid(epoch, counter), data: new TextEncoder().encode(`${epoch}:${counter}`) });

/** A leader history from proposals (and a snapshot at `snapshotAt`, if given). */
function leaderHistory(proposals: Proposal[], snapshotAt?: Zxid): History {
  const history = History.restore(undefined, proposals, false);
  if (snapshotAt !== undefined) {
    history.commitTo(history.lastZxid());
    history.handOut();
    history.settle();
    history.compact(snapshotAt, new Uint8Array([1]));
  }
  return history;
}

const zxids = (proposals: readonly Proposal[]) => proposals.map((p) => formatZxid(p.zxid));

describe("sync plan: DIFF, TRUNC, TRUNC+DIFF, SNAP", () => {
  const log = [proposal(1, 1), proposal(1, 2), proposal(1, 3), proposal(2, 1), proposal(2, 2)];

  test("a learner at the leader's last zxid: an empty DIFF", () => {
    expect(planSync(leaderHistory(log), makeZxid(2, 2))).toEqual({ mode: "diff", proposals: [] });
  });

  test("a learner whose last zxid the leader logged: DIFF of what follows", () => {
    const plan = planSync(leaderHistory(log), makeZxid(1, 2));
    expect(plan.mode).toBe("diff");
    expect(zxids(plan.proposals)).toEqual(["1:3", "2:1", "2:2"]);
    expect(zxids(planSync(leaderHistory(log), 0n).proposals)).toHaveLength(5);
  });

  test("a learner with proposals the leader never had, past its last: TRUNC", () => {
    const short = [proposal(1, 1), proposal(1, 2)];
    expect(planSync(leaderHistory(short), makeZxid(1, 4))).toEqual({ mode: "trunc", truncateTo: makeZxid(1, 2), proposals: [] });
  });

  test("a learner with proposals the leader never had, before its last: TRUNC+DIFF", () => {
    const plan = planSync(leaderHistory(log), makeZxid(1, 5));
    expect(plan.mode).toBe("trunc-diff");
    expect(plan.truncateTo).toBe(makeZxid(1, 3));
    expect(zxids(plan.proposals)).toEqual(["2:1", "2:2"]);
  });

  test("a learner behind the leader's snapshot: SNAP and what follows it", () => {
    const plan = planSync(leaderHistory(log, makeZxid(1, 3)), makeZxid(1, 1));
    expect(plan.mode).toBe("snap");
    expect(plan.snapshot?.zxid).toBe(makeZxid(1, 3));
    expect(zxids(plan.proposals)).toEqual(["2:1", "2:2"]);
    // Exactly at the snapshot: a DIFF suffices.
    expect(planSync(leaderHistory(log, makeZxid(1, 3)), makeZxid(1, 3)).mode).toBe("diff");
  });

  test("property: the plan turns any learner history into the leader's", () => {
    // Histories as ZAB makes them: a common prefix, then the learner's own proposals of the last
    // common epoch that the leader never had, and the leader's proposals of later epochs.
    const shape = fc.record({
      common: fc.integer({ min: 0, max: 6 }),
      learnerExtra: fc.integer({ min: 0, max: 3 }),
      leaderSameEpoch: fc.integer({ min: 0, max: 3 }),
      leaderLater: fc.integer({ min: 0, max: 3 }),
      snapshotAt: fc.option(fc.nat(), { nil: undefined }),
    });
    fc.assert(
      fc.property(shape, ({ common, learnerExtra, leaderSameEpoch, leaderLater, snapshotAt }) => {
        const prefix = Array.from({ length: common }, (_, i) => proposal(1, i + 1));
        // The leader's same-epoch proposals are a prefix of the learner's extra ones (both came
        // from the epoch-1 leader, in order) or the learner has none beyond them.
        const shared = Math.min(learnerExtra, leaderSameEpoch);
        const leaderLog = [...prefix, ...Array.from({ length: leaderSameEpoch }, (_, i) => proposal(1, common + i + 1)), ...Array.from({ length: leaderLater }, (_, i) => proposal(2, i + 1))];
        const learnerLog = [...prefix, ...Array.from({ length: Math.max(learnerExtra, shared) }, (_, i) => proposal(1, common + i + 1))];
        const snapshotZxid = snapshotAt === undefined || leaderLog.length === 0 ? undefined : leaderLog[snapshotAt % leaderLog.length].zxid;
        const leader = leaderHistory(leaderLog, snapshotZxid);
        const learner = History.restore(undefined, learnerLog, false);
        const plan = planSync(leader, learner.lastZxid());
        if (plan.snapshot !== undefined) learner.installSnapshot(plan.snapshot);
        if (plan.truncateTo !== undefined) learner.truncateAfter(plan.truncateTo);
        for (const p of plan.proposals) learner.append(p);
        const expected = leaderLog.filter((p) => p.zxid > (plan.snapshot?.zxid ?? -1n)).map((p) => formatZxid(p.zxid));
        const actual = learner.all().filter((p) => p.zxid > (plan.snapshot?.zxid ?? -1n)).map((p) => formatZxid(p.zxid));
        expect(actual).toEqual(expected);
        expect(learner.lastZxid()).toBe(leader.lastZxid());
      }),
    );
  });
});
