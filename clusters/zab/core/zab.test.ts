// The core's contract with its shell (types.ts), one server at a time with hand-made messages.
// Protocol stories with whole ensembles are in testdata/ (scenarios.test.ts) and the randomized
// simulation (simulation.test.ts).

import { describe, expect, test } from "vitest";
import { AssertionError } from "../../consensus/assert.ts";
import { Rng } from "../../../harness/rng.ts";
import { DEFAULT_TIMEOUTS, type AckEpochMessage, type DurableState, type LeaderInfoMessage, type Ready, type ZabConfig } from "./types.ts";
import { ZabCore } from "./zab.ts";
import { makeZxid } from "./zxid.ts";

function config(id: number, overrides: Partial<ZabConfig> = {}): ZabConfig {
  return { ...DEFAULT_TIMEOUTS, finalizeTicks: 0, id, voters: [1, 2, 3], observers: [], random: new Rng(id), ...overrides };
}

/** Runs the Ready loop with a perfect disk; returns what the Readies held. */
function drain(core: ZabCore): Ready[] {
  const readies: Ready[] = [];
  while (core.hasReady()) {
    const ready = core.ready();
    readies.push(ready);
    core.advance(ready);
  }
  return readies;
}

const messagesOf = (readies: Ready[]) => readies.flatMap((ready) => ready.messages);

describe("zab core", () => {
  test("refuses impossible configurations and durable states", () => {
    expect(() => new ZabCore(config(4))).toThrow(/neither a voter nor an observer/);
    expect(() => new ZabCore(config(1, { observers: [1] }))).toThrow(/listed twice/);
    expect(() => new ZabCore(config(1, { syncLimitTicks: 1, heartbeatTicks: 1 }))).toThrow(AssertionError);
    expect(() => new ZabCore(config(1), { epochs: { acceptedEpoch: 1, currentEpoch: 2 }, proposals: [] })).toThrow(/currentEpoch 2 above acceptedEpoch 1/);
    expect(() => new ZabCore(config(1), { epochs: { acceptedEpoch: 1, currentEpoch: 1 }, proposals: [{ zxid: makeZxid(2, 1), data: new Uint8Array() }] })).toThrow(/beyond acceptedEpoch/);
  });

  test("a new server looks for a leader at once: its first Ready notifies every other voter", () => {
    const core = new ZabCore(config(2, { voters: [1, 2, 3], observers: [4] }));
    const [first] = drain(core);
    // Looking is where a server starts, so the first Ready reports no change of state.
    expect(core.status()).toMatchObject({ state: "looking", leader: 0, phase: "election", round: 1 });
    expect(first.messages.map((message) => [message.type, message.to])).toEqual([
      ["notification", 1],
      ["notification", 3],
    ]);
    expect(core.propose("x")).toEqual({ ok: false, error: "not-leader", leaderHint: 0 });
  });

  test("after a restart the vote carries the logged history and the current epoch", () => {
    const durable: DurableState = { epochs: { acceptedEpoch: 3, currentEpoch: 2 }, proposals: [{ zxid: makeZxid(2, 1), data: new Uint8Array() }, { zxid: makeZxid(2, 2), data: new Uint8Array() }] };
    const status = new ZabCore(config(1), durable).status();
    expect(status.vote).toEqual({ leader: 1, zxid: makeZxid(2, 2), epoch: 2 });
    expect([status.acceptedEpoch, status.currentEpoch, status.committed]).toEqual([3, 2, 0n]);
  });

  test("a lone voter elects itself, establishes epoch 1 once its currentEpoch is durable, and commits alone", () => {
    const core = new ZabCore(config(1, { voters: [1] }));
    const readies = drain(core);
    expect(readies.some((ready) => ready.epochs?.currentEpoch === 1)).toBe(true);
    expect(core.status()).toMatchObject({ state: "leading", phase: "broadcast", acceptedEpoch: 1, currentEpoch: 1 });
    expect(core.propose("x")).toEqual({ ok: true, zxid: makeZxid(1, 1) });
    // Logged first; committed and delivered only once durable (the next Ready).
    const logged = core.ready();
    expect(logged.proposals.map((p) => p.zxid)).toEqual([makeZxid(1, 1)]);
    expect(logged.committed).toEqual([]);
    expect(core.status().committed).toBe(0n);
    core.advance(logged);
    expect(core.status().committed).toBe(makeZxid(1, 1));
    expect(drain(core).flatMap((ready) => ready.committed.map((p) => p.zxid))).toEqual([makeZxid(1, 1)]);
  });

  test("the Ready cycle: Readys may be pipelined; advance() without a Ready in flight is a shell bug", () => {
    const core = new ZabCore(config(1, { voters: [1] }));
    const first = core.ready();
    expect(first.epochs).toEqual({ acceptedEpoch: 1, currentEpoch: 1 });
    // Establishment waits until the Ready that holds the epochs is advanced.
    expect(core.status().phase).toBe("synchronization");
    core.advance(first);
    expect(core.status().phase).toBe("broadcast");
    core.propose("x");
    const logX = core.ready();
    // While x's fsync runs, y is proposed and handed out too.
    core.propose("y");
    expect(core.hasReady()).toBe(true);
    const logY = core.ready();
    expect([...logX.proposals, ...logY.proposals].map((p) => p.zxid)).toEqual([makeZxid(1, 1), makeZxid(1, 2)]);
    core.advance(logX);
    expect(core.status().committed).toBe(makeZxid(1, 1));
    core.advance(logY);
    expect(core.status().committed).toBe(makeZxid(1, 2));
    expect(() => core.advance(logY)).toThrow(/without a Ready/);
  });

  test("a learner's ACK leaves only once its proposals are durable, one for everything logged since the last", () => {
    // Server 1 follows 2 in epoch 1 (established, synced with nothing).
    const core = new ZabCore(config(1));
    drain(core);
    core.step({ type: "notification", from: 2, to: 1, state: "leading", vote: { leader: 2, zxid: 0n, epoch: 1 }, round: 1 });
    core.step({ type: "notification", from: 3, to: 1, state: "following", vote: { leader: 2, zxid: 0n, epoch: 1 }, round: 1 });
    const info = messagesOf(drain(core)).find((message) => message.type === "followerInfo");
    expect(info).toMatchObject({ to: 2 });
    const link = { from: 2, to: 1, connection: 77, acknowledged: 1 };
    core.step({ ...link, type: "leaderInfo", sequence: 0, attempt: info?.type === "followerInfo" ? info.attempt : 0, epoch: 1 });
    // ACKEPOCH only from the Ready after the one that persists acceptedEpoch 1.
    const withEpoch = core.ready();
    expect(withEpoch.epochs?.acceptedEpoch).toBe(1);
    expect(withEpoch.messages.map((message) => message.type)).not.toContain("ackEpoch");
    core.advance(withEpoch);
    expect(messagesOf(drain(core)).map((message) => message.type)).toContain("ackEpoch");
    core.step({ ...link, type: "sync", sequence: 1, mode: "diff", proposals: [] });
    core.step({ ...link, type: "newLeader", sequence: 2, epoch: 1 });
    expect(messagesOf(drain(core)).map((message) => message.type)).toContain("ackNewLeader");
    core.step({ ...link, type: "upToDate", sequence: 3, commit: 0n });
    core.step({ ...link, type: "proposal", sequence: 4, proposal: { zxid: makeZxid(1, 1), data: new Uint8Array() } });
    core.step({ ...link, type: "proposal", sequence: 5, proposal: { zxid: makeZxid(1, 2), data: new Uint8Array() } });
    const logging = core.ready();
    core.step({ ...link, type: "proposal", sequence: 6, proposal: { zxid: makeZxid(1, 3), data: new Uint8Array() } });
    const loggingMore = core.ready();
    expect([...logging.messages, ...loggingMore.messages].map((message) => message.type)).not.toContain("ack");
    core.advance(logging);
    const acking = core.ready();
    expect(acking.messages.filter((message) => message.type === "ack")).toMatchObject([{ zxid: makeZxid(1, 2) }]);
    core.advance(loggingMore);
    core.advance(acking);
    expect(messagesOf(drain(core)).filter((message) => message.type === "ack")).toMatchObject([{ zxid: makeZxid(1, 3) }]);
  });

  test("a learner whose connection to its leader broke looks for a new leader at once; another peer's does not matter", () => {
    const core = new ZabCore(config(1));
    drain(core);
    core.step({ type: "notification", from: 2, to: 1, state: "leading", vote: { leader: 2, zxid: 0n, epoch: 1 }, round: 1 });
    core.step({ type: "notification", from: 3, to: 1, state: "following", vote: { leader: 2, zxid: 0n, epoch: 1 }, round: 1 });
    expect(core.status()).toMatchObject({ state: "following", leader: 2 });
    core.peerDown(3);
    expect(core.status()).toMatchObject({ state: "following", leader: 2 });
    core.peerDown(2);
    expect(core.status()).toMatchObject({ state: "looking", phase: "election" });
    // Its notifications go out for the new round.
    expect(messagesOf(drain(core)).some((message) => message.type === "notification")).toBe(true);
  });

  test("messages from strangers are ignored; messages for another server are a shell bug", () => {
    const core = new ZabCore(config(1));
    drain(core);
    core.step({ type: "notification", from: 9, to: 1, state: "looking", vote: { leader: 9, zxid: 0n, epoch: 9 }, round: 9 });
    expect(core.hasReady()).toBe(false);
    expect(() => core.step({ type: "notification", from: 2, to: 3, state: "looking", vote: { leader: 2, zxid: 0n, epoch: 0 }, round: 1 })).toThrow(AssertionError);
  });

  describe("discovery, as the leader sees it", () => {
    /** Core 3 with history up to 1:1, elected by 1 and 2, which both connected. */
    function electedLeader(bugs = {}) {
      const core = new ZabCore(config(3, { bugs }), { epochs: { acceptedEpoch: 1, currentEpoch: 1 }, proposals: [{ zxid: makeZxid(1, 1), data: new Uint8Array() }] });
      drain(core);
      const vote = { leader: 3, zxid: makeZxid(1, 1), epoch: 1 };
      core.step({ type: "notification", from: 1, to: 3, state: "looking", vote, round: 1 });
      expect(core.status().state).toBe("leading");
      // 2 once accepted epoch 2 from a leader that failed; 1 never did. The epoch is decided once
      // a quorum (3 and one more) connected: here with both reports in.
      core.step({ type: "followerInfo", from: 2, to: 3, attempt: 202, acceptedEpoch: 2, observer: false });
      core.step({ type: "followerInfo", from: 1, to: 3, attempt: 101, acceptedEpoch: 1, observer: false });
      const leaderInfos = messagesOf(drain(core))
        .filter((message): message is LeaderInfoMessage => message.type === "leaderInfo")
        .sort((a, b) => a.to - b.to);
      return { core, leaderInfos };
    }

    const ackEpoch = (info: LeaderInfoMessage, lastZxid: bigint): AckEpochMessage => ({ type: "ackEpoch", from: info.to, to: 3, connection: info.connection, sequence: 1, acknowledged: 1, currentEpoch: 1, lastZxid, alreadyAccepted: false });

    test("the new epoch is above every accepted epoch reported, and answers each attempt", () => {
      const { core, leaderInfos } = electedLeader();
      expect(leaderInfos.map((info) => [info.to, info.epoch, info.attempt])).toEqual([
        [1, 3, 101],
        [2, 3, 202],
      ]);
      expect(core.status().acceptedEpoch).toBe(3);
    });

    test("a learner that promised a later epoch than ours makes the leader step down (it could never follow)", () => {
      const { core } = electedLeader();
      expect(core.status()).toMatchObject({ state: "leading", acceptedEpoch: 3 });
      // 1 comes back on a new attempt, having accepted epoch 4 from another server meanwhile.
      core.step({ type: "followerInfo", from: 1, to: 3, attempt: 102, acceptedEpoch: 4, observer: false });
      expect(core.status()).toMatchObject({ state: "looking", phase: "election" });
    });

    test("a learner that accepted our epoch, or an earlier one, is answered as before", () => {
      const { core } = electedLeader();
      core.step({ type: "followerInfo", from: 1, to: 3, attempt: 103, acceptedEpoch: 3, observer: false });
      expect(core.status().state).toBe("leading");
      expect(messagesOf(drain(core)).some((message) => message.type === "leaderInfo" && message.attempt === 103)).toBe(true);
    });

    test("a learner that is ahead of the leader is refused; the others are synchronised", () => {
      const { core, leaderInfos } = electedLeader();
      const [toOne, toTwo] = leaderInfos;
      core.step(ackEpoch(toTwo, makeZxid(1, 5)));
      expect(core.learnerStage(2)).toBeUndefined();
      core.step(ackEpoch(toOne, makeZxid(1, 1)));
      expect(core.status().phase).toBe("synchronization");
      // The sync leaves once the leader's new currentEpoch is durable.
      expect(core.learnerStage(1)).toBe("epoch-acked");
      const sync = messagesOf(drain(core)).find((message) => message.type === "sync");
      expect(core.learnerStage(1)).toBe("syncing");
      expect(sync).toMatchObject({ to: 1, mode: "diff", proposals: [] });
    });

    test("vote-ignores-zxid: the learner that is ahead is synchronised too (and truncated)", () => {
      const { core, leaderInfos } = electedLeader({ voteIgnoresZxid: true });
      core.step(ackEpoch(leaderInfos[1], makeZxid(1, 5)));
      const sync = messagesOf(drain(core)).find((message) => message.type === "sync");
      expect(core.learnerStage(2)).toBe("syncing");
      expect(sync).toMatchObject({ to: 2, mode: "trunc", truncateTo: makeZxid(1, 1) });
    });

    test("a message of another connection is not this one's", () => {
      const { core, leaderInfos } = electedLeader();
      core.step({ ...ackEpoch(leaderInfos[0], makeZxid(1, 1)), connection: leaderInfos[0].connection + 1 });
      expect(core.learnerStage(1)).toBe("epoch-sent");
    });
  });

  test("only an established leader takes writes", () => {
    const core = new ZabCore(config(3), { epochs: { acceptedEpoch: 0, currentEpoch: 0 }, proposals: [] });
    drain(core);
    core.step({ type: "notification", from: 1, to: 3, state: "looking", vote: { leader: 3, zxid: 0n, epoch: 0 }, round: 1 });
    expect(core.status().phase).toBe("discovery");
    expect(core.propose("x")).toEqual({ ok: false, error: "not-established", leaderHint: 3 });
  });

  test("an observer never proposes itself and never leads", () => {
    const observer = new ZabCore(config(4, { voters: [1, 2, 3], observers: [4] }));
    const [first] = drain(observer);
    expect(first.messages.filter((message) => message.type === "notification").map((message) => message.type === "notification" && message.vote.leader)).toEqual([0, 0, 0]);
    expect(observer.status().vote.leader).toBe(0);
  });
});
