// Seeded simulation of the commit core (SEEDS.md C10): bank transfers begun on random coordinators
// over the scripted cluster of test/support/twopc-cluster.ts, messages delivered in a random order
// and late (several ticks), so that timeouts fire, wait-die aborts and lock waits run out. Atomicity
// is checked once everything settled: every transaction committed on all its participants or on
// none, a client told "committed" saw it everywhere and one told "aborted" nowhere (2PC), and every
// balance is the initial one plus the committed transfers.
//   2PC with crashes and restarts too: prepared participants wait for their coordinator, however
//       long, so nothing of the schedule may break atomicity.
//   3PC on its healthy path only: no crash, every message delivered within a few ticks (well inside
//       its timeouts). Late messages are a partition to 3PC's timeouts, which the seeds say it does
//       not survive (core.test.ts shows it losing atomicity).

import { describe, expect, it } from "vitest";
import { Rng } from "../../../harness/rng.ts";
import { TwoPcCluster } from "../../../test/support/twopc-cluster.ts";
import { ownerOf } from "./placement.ts";
import { DEFAULT_TIMING, type Protocol, type TxnOp } from "./types.ts";

const NODES = ["n1", "n2", "n3"];
const ACCOUNTS = Array.from({ length: 6 }, (_, i) => `bank:${i}`);
const INITIAL = 10;
const owner = (key: string) => ownerOf(key, NODES);

interface Transfer {
  requestId: number;
  from: string;
  to: string;
  amount: number;
}

interface Schedule {
  protocol: Protocol;
  crashes: boolean;
  /** Ticks a message may wait before delivery, at most. */
  maxDelayTicks: number;
}

function simulate(seed: number, schedule: Schedule) {
  const random = new Rng(seed);
  const cluster = new TwoPcCluster(NODES, schedule.protocol);
  const opened = cluster.begin("n1", ACCOUNTS.map((key) => ({ kind: "setnx", key, value: INITIAL })));
  cluster.deliverAll();
  expect(cluster.reply(opened)?.ok).toBe(true);

  const transfers: Transfer[] = [];
  /** When each message in flight may be delivered, at the latest. */
  const due = new Map<object, number>();
  const down = new Map<string, number>();
  let crashes = 0;
  for (let tick = 1; tick <= 600; tick++) {
    if (random.bool(0.5)) {
      const live = NODES.filter((node) => !down.has(node));
      const from = random.int(ACCOUNTS.length);
      const to = (from + 1 + random.int(ACCOUNTS.length - 1)) % ACCOUNTS.length;
      const amount = 1 + random.int(5);
      const ops: TxnOp[] = [
        { kind: "sub", key: ACCOUNTS[from], amount },
        { kind: "add", key: ACCOUNTS[to], delta: amount },
      ];
      transfers.push({ requestId: cluster.begin(random.pick(live), ops, tick), from: ACCOUNTS[from], to: ACCOUNTS[to], amount });
    }
    for (const message of cluster.queue) if (!due.has(message)) due.set(message, tick + random.int(schedule.maxDelayTicks + 1));
    // Deliver a random few of those in flight, and every one whose time is up.
    for (const message of random.shuffle(cluster.queue)) {
      if ((due.get(message) ?? 0) <= tick || random.bool(0.3)) {
        due.delete(message);
        cluster.deliverAll((candidate) => candidate === message);
      }
    }
    if (schedule.crashes) {
      for (const [node, at] of down) {
        if (at > tick) continue;
        down.delete(node);
        cluster.restart(node);
      }
      if (down.size === 0 && random.bool(0.01)) {
        const node = random.pick(NODES);
        cluster.crash(node);
        down.set(node, tick + 20 + random.int(150));
        crashes++;
      }
    }
    cluster.tick(1, false);
  }
  // Settle: everyone back, every message delivered, until no transaction is left in doubt.
  for (const node of down.keys()) cluster.restart(node);
  for (let round = 0; round < 50; round++) {
    cluster.tick(DEFAULT_TIMING.inquireTicks);
    if (NODES.every((node) => cluster.core(node).status().inDoubt === 0 && cluster.core(node).status().coordinating === 0)) break;
  }
  return { cluster, transfers, crashes };
}

/** Every transaction that prepared somewhere, with the ops each participant prepared (a retried
 *  transaction — wait-die — is a new one, with its own id). */
function preparedTxns(cluster: TwoPcCluster): Map<string, Map<string, TxnOp[]>> {
  const txns = new Map<string, Map<string, TxnOp[]>>();
  for (const [node, records] of cluster.logs) {
    for (const record of records) {
      if (record.t !== "prepared") continue;
      const byNode = txns.get(record.txn) ?? new Map<string, TxnOp[]>();
      byNode.set(node, record.ops);
      txns.set(record.txn, byNode);
    }
  }
  return txns;
}

/** What broke atomicity in one seeded run (nothing: empty), and what the run did. */
function checkAtomic(seed: number, schedule: Schedule) {
  const { cluster, transfers, crashes } = simulate(seed, schedule);
  const where = `seed ${seed} (${schedule.protocol})`;
  const violations: string[] = [];
  const check = (holds: boolean, what: string) => {
    if (!holds) violations.push(`${where}: ${what}`);
  };
  for (const node of NODES) {
    const status = cluster.core(node).status();
    check(status.inDoubt === 0 && status.locksHeld === 0, `${node} still holds ${status.locksHeld} locks for ${status.inDoubt} transactions in doubt`);
  }
  const expected = new Map(ACCOUNTS.map((account) => [account, INITIAL]));
  const committedTxns = new Set<string>();
  for (const [txn, byNode] of preparedTxns(cluster)) {
    const outcomes = [...byNode.keys()].map((node) => `${node}: ${cluster.core(node).outcomeOf(txn)}`);
    const committedOn = [...byNode.keys()].filter((node) => cluster.core(node).outcomeOf(txn) === "commit");
    if (committedOn.length === 0) continue;
    const ops = [...byNode.values()].flat();
    check(committedOn.length === byNode.size, `${txn} committed on some participants only (${outcomes.join(", ")})`);
    committedTxns.add(txn);
    // The opening transaction, which created the accounts at their initial balances.
    if (ops.every((op) => op.kind === "setnx")) continue;
    // A transfer is a sub and an add: committed, both were prepared (on one node, or two).
    check(ops.map((op) => op.kind).sort().join() === "add,sub", `${txn} committed with only part of its ops prepared (${outcomes.join(", ")})`);
    for (const op of ops) {
      if (op.kind === "sub") expected.set(op.key, (expected.get(op.key) ?? 0) - op.amount);
      if (op.kind === "add") expected.set(op.key, (expected.get(op.key) ?? 0) + op.delta);
    }
  }
  for (const transfer of transfers) {
    const reply = cluster.reply(transfer.requestId);
    if (reply?.ok) check(committedTxns.has(reply.txn), `${reply.txn} was acknowledged but not committed`);
    if (reply && !reply.ok) check(!committedTxns.has(reply.txn), `${reply.txn} was answered aborted (${reply.reason}) but committed`);
  }
  for (const account of ACCOUNTS) {
    const balance = cluster.core(owner(account)).valueOf(account);
    check(balance === expected.get(account), `${account} holds ${balance}, the committed transfers make it ${expected.get(account)}`);
  }
  return { violations, transfers: transfers.length, committed: committedTxns.size, aborted: cluster.replies.filter((reply) => !reply.ok).length, crashes };
}

const SEEDS = Array.from({ length: 15 }, (_, i) => i + 1);

describe("commit core, seeded simulation", () => {
  it("2PC stays atomic with messages late and reordered and coordinators and participants crashing", () => {
    const totals = { transfers: 0, committed: 0, aborted: 0, crashes: 0 };
    for (const seed of SEEDS) {
      const { violations, ...result } = checkAtomic(seed, { protocol: "2pc", crashes: true, maxDelayTicks: 150 });
      expect(violations).toEqual([]);
      for (const field of Object.keys(totals) as (keyof typeof totals)[]) totals[field] += result[field];
    }
    // The schedules did commit, abort and crash.
    expect(totals.committed).toBeGreaterThan(totals.transfers / 10);
    expect(totals.aborted).toBeGreaterThan(totals.transfers / 10);
    expect(totals.crashes).toBeGreaterThan(SEEDS.length);
  });

  it("3PC is atomic on its healthy path: no crash, every message within a few ticks", () => {
    let committed = 0;
    for (const seed of SEEDS) {
      const { violations, ...result } = checkAtomic(seed, { protocol: "3pc", crashes: false, maxDelayTicks: 5 });
      expect(violations).toEqual([]);
      committed += result.committed;
    }
    expect(committed).toBeGreaterThan(SEEDS.length * 50);
  });

  it("3PC off its healthy path — the 2PC schedule of late messages and crashes — loses atomicity, and the check says so", () => {
    const broken = SEEDS.flatMap((seed) => checkAtomic(seed, { protocol: "3pc", crashes: true, maxDelayTicks: 150 }).violations);
    expect(broken.length).toBeGreaterThan(0);
    expect(broken.join("\n")).toMatch(/committed on some participants only|holds -?\d+, the committed transfers make it/);
  });
});
