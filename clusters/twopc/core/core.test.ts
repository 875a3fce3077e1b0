// Scenarios of the commit core, each a story of one transaction's phases under a fault: the
// seeds' claims (SEEDS.md C10) in miniature, on the scripted cluster of test/support.

import { describe, expect, it } from "vitest";
import { TwoPcCluster } from "../../../test/support/twopc-cluster.ts";
import { TwoPcCore } from "./core.ts";
import { ownerOf } from "./placement.ts";
import { DEFAULT_TIMING, type TxnOp } from "./types.ts";

const NODES = ["n1", "n2", "n3"];
const ACCOUNTS = ["bank:0", "bank:1", "bank:2", "bank:3", "bank:4", "bank:5"];
const owner = (key: string) => ownerOf(key, NODES);
const transfer = (from: number, to: number, amount: number): TxnOp[] => [
  { kind: "sub", key: `bank:${from}`, amount },
  { kind: "add", key: `bank:${to}`, delta: amount },
];
const readAll: TxnOp[] = ACCOUNTS.map((key) => ({ kind: "get", key }));

/** A cluster whose accounts hold 10 each (60 in all). */
function bank(protocol: "2pc" | "3pc"): TwoPcCluster {
  const cluster = new TwoPcCluster(NODES, protocol);
  const opened = cluster.begin("n1", ACCOUNTS.map((key) => ({ kind: "setnx", key, value: 10 })));
  cluster.deliverAll();
  expect(cluster.reply(opened)?.ok).toBe(true);
  return cluster;
}

describe("placement", () => {
  it("spreads numbered keys round robin and the rest by hash", () => {
    expect(ACCOUNTS.map(owner)).toEqual(["n1", "n2", "n3", "n1", "n2", "n3"]);
    expect(owner("some-key")).toBe(owner("some-key"));
  });
});

describe("two-phase commit", () => {
  it("commits a transfer on both participants and reads it back", () => {
    const cluster = bank("2pc");
    const moved = cluster.begin("n3", transfer(0, 1, 4));
    cluster.deliverAll();
    expect(cluster.reply(moved)).toMatchObject({ ok: true });
    const read = cluster.begin("n2", readAll);
    cluster.deliverAll();
    expect(cluster.reply(read)).toMatchObject({ ok: true, values: { "bank:0": 6, "bank:1": 14, "bank:2": 10 } });
    expect(cluster.total(ACCOUNTS, owner)).toBe(60);
    for (const node of NODES) expect(cluster.core(node).status()).toMatchObject({ locksHeld: 0, inDoubt: 0, coordinating: 0 });
  });

  it("refuses a transfer the source cannot cover, as the system's answer", () => {
    const cluster = bank("2pc");
    const moved = cluster.begin("n1", transfer(2, 0, 11));
    cluster.deliverAll();
    expect(cluster.reply(moved)).toMatchObject({ ok: false, refused: true, reason: expect.stringContaining("insufficient funds: bank:2 holds 10") });
    expect(cluster.total(ACCOUNTS, owner)).toBe(60);
    expect(cluster.core("n1").status().locksHeld).toBe(0);
  });

  it("blocks: a coordinator that dies between its phases leaves its participants holding their locks until it is back", () => {
    const cluster = bank("2pc");
    // n1 coordinates a transfer from bank:1 (n2) to bank:2 (n3); both prepare and vote yes …
    const moved = cluster.begin("n1", transfer(1, 2, 3));
    cluster.deliverAll((message) => message.type === "prepare");
    // … and n1 dies before it hears their votes.
    cluster.crash("n1");
    expect(cluster.core("n2").status()).toMatchObject({ inDoubt: 1, locksHeld: 1 });
    expect(cluster.core("n3").status()).toMatchObject({ inDoubt: 1, locksHeld: 1 });

    // Another coordinator's (older) transfer on the same accounts waits for the locks and gives up.
    const blocked = cluster.begin("n2", transfer(2, 1, 1), 0);
    cluster.tick(DEFAULT_TIMING.lockWaitTicks + 1);
    const answer = cluster.reply(blocked);
    expect(answer).toMatchObject({ ok: false, refused: false });
    expect(answer?.ok === false && answer.reason).toMatch(/locked by n1\.1\.2 \(prepared .* ago, waiting for n1's decision\)/);
    // Still blocked: the participants may not decide alone, however long they wait.
    cluster.tick(5 * DEFAULT_TIMING.inquireTicks);
    expect(cluster.core("n2").status().inDoubt).toBe(1);
    expect(cluster.reply(moved)).toBeUndefined();

    // Back, n1 has no commit decision for it: presumed abort, told to whoever asks.
    cluster.restart("n1");
    cluster.tick(DEFAULT_TIMING.inquireTicks + 1);
    for (const node of NODES) expect(cluster.core(node).status()).toMatchObject({ inDoubt: 0, locksHeld: 0 });
    expect(cluster.core("n2").valueOf("bank:1")).toBe(10);
    expect(cluster.total(ACCOUNTS, owner)).toBe(60);
  });

  it("finishes a commit whose decision was logged before the coordinator died", () => {
    const cluster = bank("2pc");
    cluster.begin("n1", transfer(1, 2, 3));
    cluster.deliverAll((message) => message.type !== "commit");
    // The decision is in n1's log; the commits never left.
    expect(cluster.logs.get("n1")?.some((record) => record.t === "decided")).toBe(true);
    cluster.crash("n1");
    cluster.restart("n1");
    cluster.tick(2);
    expect(cluster.core("n2").valueOf("bank:1")).toBe(7);
    expect(cluster.core("n3").valueOf("bank:2")).toBe(13);
    for (const node of NODES) expect(cluster.core(node).status().inDoubt).toBe(0);
  });

  it("a participant that crashed prepared comes back prepared, with its locks", () => {
    const cluster = bank("2pc");
    cluster.begin("n1", transfer(1, 2, 3));
    cluster.deliverAll((message) => message.type === "prepare");
    cluster.crash("n2");
    cluster.restart("n2");
    expect(cluster.core("n2").status()).toMatchObject({ inDoubt: 1, locksHeld: 1 });
    expect(cluster.core("n2").valueOf("bank:1")).toBe(7);
    // Its vote died with it: n1 aborts when the vote does not come, and n2 learns it by asking.
    cluster.tick(DEFAULT_TIMING.voteTimeoutTicks + DEFAULT_TIMING.inquireTicks + 2);
    for (const node of NODES) expect(cluster.core(node).status()).toMatchObject({ inDoubt: 0, locksHeld: 0 });
    expect(cluster.core("n2").valueOf("bank:1")).toBe(10);
    expect(cluster.total(ACCOUNTS, owner)).toBe(60);
  });

  it("wait-die: a younger transaction dies rather than wait for an older one, and is tried again with its first timestamp", () => {
    const cluster = bank("2pc");
    const older = cluster.begin("n1", transfer(1, 2, 1), 10);
    cluster.deliverAll((message) => message.type === "prepare");
    const younger = cluster.begin("n3", transfer(1, 0, 1), 20);
    cluster.deliverAll((message) => message.type === "prepare" || (message.type === "vote" && message.from !== "n3" && message.to === "n3") || message.type === "abort");
    // n2 refused it (bank:1 is the older one's), so n3 aborted the attempt and will try again.
    expect(cluster.reply(younger)).toBeUndefined();
    expect(cluster.core("n3").coordinator.counters.retried).toBe(1);
    cluster.deliverAll();
    cluster.tick(3);
    expect(cluster.reply(older)).toMatchObject({ ok: true });
    expect(cluster.reply(younger)).toMatchObject({ ok: true });
    expect(cluster.core("n2").valueOf("bank:1")).toBe(8);
    expect(cluster.total(ACCOUNTS, owner)).toBe(60);
  });

  it("survives compaction: a core rebuilt from its snapshot holds the same store and doubts", () => {
    const cluster = bank("2pc");
    cluster.begin("n1", transfer(1, 2, 3));
    cluster.deliverAll((message) => message.type === "prepare");
    const snapshot = cluster.core("n2").snapshot();
    const rebuilt = new TwoPcCore({ ...DEFAULT_TIMING, self: "n2", nodes: NODES, protocol: "2pc" }, { snapshot: JSON.parse(JSON.stringify(snapshot)), records: [] });
    expect(rebuilt.valueOf("bank:1")).toBe(7);
    expect(rebuilt.status()).toMatchObject({ inDoubt: 1, locksHeld: 1, incarnation: snapshot.incarnation + 1 });
  });
});

describe("three-phase commit", () => {
  it("commits through canCommit, preCommit and doCommit", () => {
    const cluster = bank("3pc");
    const moved = cluster.begin("n3", transfer(0, 1, 4));
    cluster.deliverAll();
    expect(cluster.reply(moved)).toMatchObject({ ok: true });
    expect(cluster.total(ACCOUNTS, owner)).toBe(60);
    expect(cluster.core("n1").valueOf("bank:0")).toBe(6);
  });

  it("does not block: participants left pre-committed by a dead coordinator commit on their own", () => {
    const cluster = bank("3pc");
    cluster.begin("n1", transfer(1, 2, 3));
    cluster.deliverAll((message) => message.type === "canCommit" || (message.type === "vote" && message.phase === "canCommit") || message.type === "preCommit");
    cluster.crash("n1");
    expect(cluster.core("n2").status().locksHeld).toBe(1);
    cluster.tick(DEFAULT_TIMING.commitTimeoutTicks + 1);
    expect(cluster.core("n2").status()).toMatchObject({ locksHeld: 0, committedOnTimeout: 1 });
    expect(cluster.total(["bank:1", "bank:2"], owner)).toBe(20);
  });

  it("loses atomicity under a partition: the abort never reaches a pre-committed participant, which commits alone", () => {
    const cluster = bank("3pc");
    // n1 coordinates bank:1 (n2) → bank:2 (n3). Both vote yes to canCommit and pre-commit …
    cluster.begin("n1", transfer(1, 2, 3));
    cluster.deliverAll((message) => message.type !== "vote" || message.phase === "canCommit");
    // … then n3 is cut off before its acknowledgement reaches n1, and n2's is lost too: n1 times
    // out and aborts. n2 hears the abort; n3, behind the partition, does not.
    cluster.queue = cluster.queue.filter((message) => !(message.type === "vote" && message.from === "n3"));
    cluster.partition(["n3"], ["n1", "n2"]);
    cluster.tick(DEFAULT_TIMING.commitTimeoutTicks + 1);
    expect(cluster.core("n2").outcomeOf("n1.1.2")).toBe("abort");
    expect(cluster.core("n3").outcomeOf("n1.1.2")).toBe("commit");
    // The 3 credited to bank:2 was never debited from bank:1: money was created.
    expect(cluster.total(ACCOUNTS, owner)).toBe(63);
    expect(cluster.lines.some((line) => line.includes("committing it on its own"))).toBe(true);
  });
});
