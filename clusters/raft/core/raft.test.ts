// The core's contract with its shell (types.ts): what a Ready holds and when, persistence before
// counting, restart, timeouts. Protocol behaviour is in the scenario stories and the simulation.

import { describe, expect, test } from "vitest";
import { Rng } from "../../../harness/rng.ts";
import { AssertionError } from "../../consensus/assert.ts";
import { RaftCore } from "./raft.ts";
import { DEFAULT_CONFIG, type Message, type RaftConfig, type Ready } from "./types.ts";

function config(id: number, voters: number[], overrides: Partial<RaftConfig> = {}): RaftConfig {
  return { ...DEFAULT_CONFIG, id, voters, random: new Rng(id), ...overrides };
}

/** Persists nothing (the tests check the Ready's contents) and advances. */
function drain(core: RaftCore): Ready[] {
  const readies: Ready[] = [];
  while (core.hasReady()) {
    const ready = core.ready();
    readies.push(ready);
    core.advance(ready);
  }
  return readies;
}

function messagesOf(readies: Ready[]): Message[] {
  return readies.flatMap((ready) => ready.messages);
}

describe("raft core", () => {
  test("configuration is validated; a node outside the voters waits to be added and never campaigns", () => {
    const joiner = new RaftCore(config(4, [1, 2, 3]));
    for (let tick = 0; tick < 100; tick++) joiner.tick();
    expect(joiner.status()).toMatchObject({ role: "follower", term: 0, voters: [1, 2, 3] });
    expect(joiner.hasReady()).toBe(false);
    expect(() => new RaftCore(config(1, [1, 1, 2]))).toThrow(AssertionError);
    expect(() => new RaftCore(config(1, [1, 2, 3], { heartbeatTicks: 10 }))).toThrow(AssertionError);
    expect(() => new RaftCore(config(0, [0, 1]))).toThrow(AssertionError);
  });

  test("a fresh node has nothing to do until time passes", () => {
    const core = new RaftCore(config(1, [1, 2, 3]));
    expect(core.hasReady()).toBe(false);
    expect(core.status()).toMatchObject({ role: "follower", term: 0, vote: 0, commit: 0, lastIndex: 0 });
  });

  test("the election timeout is drawn from [electionTicks, 2 × electionTicks)", () => {
    const seen = new Set<number>();
    for (let seed = 0; seed < 200; seed++) {
      const core = new RaftCore(config(1, [1, 2, 3], { random: new Rng(seed) }));
      let ticks = 0;
      while (core.status().role === "follower") {
        core.tick();
        ticks++;
      }
      expect(core.status().role).toBe("preCandidate");
      expect(ticks).toBeGreaterThanOrEqual(10);
      expect(ticks).toBeLessThan(20);
      seen.add(ticks);
    }
    // Randomized, not fixed: that is what breaks split votes.
    expect(seen.size).toBeGreaterThan(5);
  });

  test("messages wait for the Ready whose state they depend on; hard state appears only when changed", () => {
    const core = new RaftCore(config(1, [1, 2, 3], { preVote: false }));
    core.campaign();
    const ready = core.ready();
    expect(ready.hardState).toEqual({ term: 1, vote: 1, commit: 0 });
    expect(ready.softState).toEqual({ leader: 0, role: "candidate" });
    expect(ready.messages.map((message) => [message.type, message.to, message.term])).toEqual([
      ["requestVote", 2, 1],
      ["requestVote", 3, 1],
    ]);
    expect(core.hasReady()).toBe(false);
    expect(() => core.ready()).toThrow(AssertionError);
    core.advance(ready);
    expect(() => core.advance(ready)).toThrow(AssertionError);
    expect(core.hasReady()).toBe(false);
  });

  test("the leader counts its own entries only once the shell persisted them", () => {
    const core = new RaftCore(config(1, [1]));
    core.campaign();
    expect(core.status().role).toBe("leader");
    const first = core.ready();
    expect(first.entries.map((entry) => [entry.index, entry.kind])).toEqual([[1, "noop"]]);
    expect(core.status().commit).toBe(0);
    core.advance(first);
    expect(core.status().commit).toBe(1);
    const proposal = core.propose("x");
    expect(proposal).toEqual({ ok: true, index: 2, term: 1 });
    const second = core.ready();
    expect(second.committedEntries.map((entry) => entry.index)).toEqual([1]);
    expect(core.status().commit).toBe(1);
    core.advance(second);
    const third = core.ready();
    expect(third.committedEntries.map((entry) => new TextDecoder().decode(entry.data))).toEqual(["x"]);
    expect(third.hardState?.commit).toBe(2);
    core.advance(third);
    expect(core.status().applied).toBe(2);
  });

  test("followers refuse proposals and reads with a leader hint", () => {
    const leader = new RaftCore(config(1, [1, 2, 3], { preVote: false }));
    const follower = new RaftCore(config(2, [1, 2, 3], { preVote: false }));
    leader.campaign();
    for (const message of messagesOf(drain(leader))) if (message.to === 2) follower.step(message);
    for (const message of messagesOf(drain(follower))) leader.step(message);
    expect(leader.status().role).toBe("leader");
    for (const message of messagesOf(drain(leader))) if (message.to === 2) follower.step(message);
    expect(follower.propose("x")).toEqual({ ok: false, error: "not-leader", leaderHint: 1 });
    expect(follower.readIndex("r")).toEqual({ ok: false, error: "not-leader", leaderHint: 1 });
  });

  test("a message for another node is a shell bug; a vote request from a non-voter is noise", () => {
    const core = new RaftCore(config(1, [1, 2, 3]));
    const heartbeat: Message = { type: "heartbeat", from: 2, to: 3, term: 5, commit: 0 };
    expect(() => core.step(heartbeat)).toThrow(AssertionError);
    core.step({ type: "requestVote", from: 9, to: 1, term: 7, preVote: false, lastIndex: 10, lastTerm: 6 });
    expect(core.status().term).toBe(0);
    expect(core.hasReady()).toBe(false);
    // A leader outside our (possibly stale) configuration is still heard: it may have added us.
    core.step({ ...heartbeat, from: 9, to: 1 });
    expect(core.status()).toMatchObject({ term: 5, leader: 9 });
  });

  test("restart from durable state re-emits committed entries above the applied index", () => {
    const entries = [1, 2, 3].map((index) => ({ index, term: 1, kind: "normal" as const, data: new TextEncoder().encode(`v${index}`) }));
    const core = new RaftCore(config(2, [1, 2, 3], { applied: 1 }), { hardState: { term: 1, vote: 1, commit: 2 }, entries });
    expect(core.status()).toMatchObject({ term: 1, vote: 1, commit: 2, applied: 1, lastIndex: 3, role: "follower" });
    const ready = core.ready();
    expect(ready.hardState).toBeUndefined();
    expect(ready.entries).toEqual([]);
    expect(ready.committedEntries.map((entry) => entry.index)).toEqual([2]);
    expect(() => new RaftCore(config(2, [1, 2, 3], { applied: 3 }), { hardState: { term: 1, vote: 1, commit: 2 }, entries })).toThrow(AssertionError);
    expect(() => new RaftCore(config(2, [1, 2, 3]), { hardState: { term: 0, vote: 0, commit: 0 }, entries })).toThrow(AssertionError);
  });

  test("a follower overwriting entries between ready() and advance() re-emits what is not known durable", () => {
    const follower = new RaftCore(config(2, [1, 2, 3]));
    const append = (term: number, prevIndex: number, prevTerm: number, indexes: number[]): Message => ({
      type: "appendEntries",
      from: 1,
      to: 2,
      term,
      prevIndex,
      prevTerm,
      commit: 0,
      entries: indexes.map((index) => ({ index, term, kind: "normal" as const, data: new Uint8Array() })),
    });
    follower.step(append(1, 0, 0, [1, 2, 3]));
    const inFlight = follower.ready();
    expect(inFlight.entries.map((entry) => entry.index)).toEqual([1, 2, 3]);
    // Term 2's leader overwrites 2 and 3 while the shell is still writing 1..3.
    follower.step({ ...append(2, 1, 1, [2, 3]), from: 3 });
    follower.advance(inFlight);
    // The in-flight Ready's last entry (3@1) is gone, so none of it counts as durable: the next
    // Ready rewrites from 1, and the shell's truncate-then-append leaves 1@1 2@2 3@2 on disk.
    const next = follower.ready();
    expect(next.entries.map((entry) => `${entry.index}@${entry.term}`)).toEqual(["1@1", "2@2", "3@2"]);
    follower.advance(next);
    expect(follower.persistedIndex()).toBe(3);
  });

  test("ReadIndex on a single node: served once the leader committed in its term", () => {
    const core = new RaftCore(config(1, [1]));
    core.campaign();
    expect(core.readIndex("early")).toEqual({ ok: true });
    const first = core.ready();
    expect(first.readStates).toEqual([]);
    core.advance(first);
    const second = core.ready();
    expect(second.readStates).toEqual([{ requestId: "early", index: 1 }]);
    core.advance(second);
  });

  test("compaction: only applied and persisted entries, and the snapshot is sent to a lagging follower", () => {
    const core = new RaftCore(config(1, [1, 2, 3], { preVote: false }));
    core.campaign();
    drain(core);
    for (const voter of [2, 3]) core.step({ type: "requestVoteResponse", from: voter, to: 1, term: 1, preVote: false, granted: true });
    core.step({ type: "appendEntriesResponse", from: 2, to: 1, term: 1, reject: false, index: 0, hintIndex: 0, hintTerm: 0 });
    drain(core);
    core.step({ type: "appendEntriesResponse", from: 2, to: 1, term: 1, reject: false, index: 1, hintIndex: 0, hintTerm: 0 });
    core.propose("a");
    core.propose("b");
    drain(core);
    core.step({ type: "appendEntriesResponse", from: 2, to: 1, term: 1, reject: false, index: 3, hintIndex: 0, hintTerm: 0 });
    drain(core);
    expect(core.status()).toMatchObject({ role: "leader", commit: 3, applied: 3 });
    expect(() => core.compact(4, new Uint8Array())).toThrow(AssertionError);
    const snapshot = core.compact(3, new Uint8Array([42]));
    expect(snapshot.metadata).toEqual({ index: 3, term: 1, voters: [1, 2, 3] });
    expect(core.status()).toMatchObject({ firstIndex: 4, snapshotIndex: 3 });
    // Follower 3 never acknowledged anything; once it answers a heartbeat the leader probes it
    // again, and the entries it needs are gone.
    core.step({ type: "heartbeatResponse", from: 3, to: 1, term: 1 });
    const sent = messagesOf(drain(core)).filter((message) => message.to === 3);
    expect(sent.map((message) => message.type)).toContain("installSnapshot");
  });
});
