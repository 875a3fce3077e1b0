// Every workload's client against a real 3-node cluster on the local runtime: each op's commands
// and completion shape, redirects from followers, refusals that must be fail (a WATCH abort,
// insufficient funds, a lock held by another), and outcomes that must be info (a write on a
// leader cut off from its peers). Each test uses its own key namespace on the one cluster.

import { createServer, connect, type Server, type Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Client } from "../../../harness/interpreter/client.ts";
import { initialBalances } from "../../../workloads/bank.ts";
import { createConnection, type Endpoint } from "../redis-connection.ts";
import { raftSystem } from "../system.ts";
import { startTestCluster, type TestCluster } from "../../../test/support/raft-test-cluster.ts";
import { raftPlanners } from "./planners.ts";
import { openRaftClient, type ClientSetup } from "./raft-client.ts";

const NODES = ["n1", "n2", "n3"];
let cluster: TestCluster;
const opened: Client[] = [];
const signal = () => AbortSignal.timeout(5_000);

beforeAll(async () => {
  // A write on a cut-off leader stays pending until the request timeout (node.ts): 3 s, not 10.
  cluster = await startTestCluster({ nodes: NODES, prefix: "raft-clients", systemOptions: { requestTimeoutMs: 3000 } });
});

afterAll(async () => {
  for (const client of opened) await client.close();
  await cluster?.close();
});

async function open(workload: string, home: string, namespace: string, overrides: Partial<ClientSetup> = {}): Promise<Client> {
  const client = await openRaftClient({ home, endpoint: cluster.endpoint, options: {}, namespace, ...overrides }, raftPlanners[workload]);
  opened.push(client);
  return client;
}

/** The leader and a follower, so that clients bound to the follower exercise the redirect. */
async function roles(): Promise<{ leader: string; follower: string }> {
  const leader = await cluster.leaderWithin(10_000);
  return { leader, follower: NODES.find((node) => node !== leader)! };
}

/** A TCP relay to `target`. Once armed, it holds back the client bytes that carry the next MULTI
 *  until `meanwhile` has run: a deterministic window between a client's reads and its EXEC. */
async function pausingRelay(target: Endpoint): Promise<{ endpoint: Endpoint; armNextMulti(meanwhile: () => Promise<void>): void; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let armed: (() => Promise<void>) | undefined;
  const server: Server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    sockets.add(client).add(upstream);
    upstream.on("data", (chunk) => client.write(chunk));
    // Client bytes pass through one chunk after another, so that nothing overtakes a held one.
    let forwarding = Promise.resolve();
    client.on("data", (chunk) => {
      forwarding = forwarding.then(async () => {
        const meanwhile = armed;
        if (meanwhile && /\$5\r\nmulti\r\n/i.test(chunk.toString("latin1"))) {
          armed = undefined;
          await meanwhile();
        }
        upstream.write(chunk);
      });
    });
    for (const [from, to] of [[client, upstream], [upstream, client]]) {
      from.on("error", () => to.destroy());
      from.on("close", () => to.destroy());
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("relay is not listening");
  return {
    endpoint: { node: target.node, host: "127.0.0.1", port: address.port },
    armNextMulti: (meanwhile) => (armed = meanwhile),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe("raft clients", () => {
  it("the system has a client for every workload, each refusing an op its planner does not know", async () => {
    expect(Object.keys(raftSystem.clients)).toEqual(["register", "list-append", "rw-register", "set", "counter", "bank", "queue", "lock", "unique-ids"]);
    expect(raftSystem.defaultNodes).toBe(5);
    const { leader } = await roles();
    for (const open of Object.values(raftSystem.clients)) {
      const client = await open(cluster.ctx, leader);
      opened.push(client);
      expect(await client.invoke({ process: 0, f: "no-such-op", value: null }, signal())).toMatchObject({ type: "fail", error: expect.stringMatching(/unknown op f=no-such-op.*nothing was sent$/) });
    }
  });

  it("list-append: one MULTI per transaction, reads return whole lists, absent keys the empty list", async () => {
    const { leader, follower } = await roles();
    const client = await open("list-append", follower, "t-list-append");
    const txn = (value: unknown) => client.invoke({ process: 0, f: "txn", value }, signal());
    expect(await txn([["append", 1, 1], ["r", 1, null], ["append", 2, 1], ["append", 1, 2]])).toEqual({
      type: "ok",
      value: [["append", 1, 1], ["r", 1, [1]], ["append", 2, 1], ["append", 1, 2]],
      node: leader,
    });
    expect(await txn([["r", 1, null], ["r", 2, null], ["r", 3, null]])).toEqual({ type: "ok", value: [["r", 1, [1, 2]], ["r", 2, [1]], ["r", 3, []]], node: leader });
    expect(await txn([["w", 1, 3]])).toMatchObject({ type: "fail", error: expect.stringMatching(/micro-op must be .*nothing was sent$/) });
  });

  it("rw-register: SET and GET in one MULTI, an unwritten key reads null", async () => {
    const { leader, follower } = await roles();
    const client = await open("rw-register", follower, "t-rw-register");
    const txn = (value: unknown) => client.invoke({ process: 0, f: "txn", value }, signal());
    expect(await txn([["w", 1, 5], ["r", 1, null], ["r", 2, null]])).toEqual({ type: "ok", value: [["w", 1, 5], ["r", 1, 5], ["r", 2, null]], node: leader });
    expect(await txn([["r", 1, null], ["w", 1, 6], ["r", 1, null]])).toEqual({ type: "ok", value: [["r", 1, 5], ["w", 1, 6], ["r", 1, 6]], node: leader });
  });

  it("set: each add lands once, a read returns every element as a number", async () => {
    const { leader, follower } = await roles();
    const client = await open("set", follower, "t-set");
    expect(await client.invoke({ process: 0, f: "read", value: null }, signal())).toEqual({ type: "ok", value: [], node: leader });
    for (const element of [3, 1, 2]) expect(await client.invoke({ process: 0, f: "add", value: element }, signal())).toEqual({ type: "ok", node: leader });
    expect(await client.invoke({ process: 0, f: "read", value: { final: true } }, signal())).toEqual({ type: "ok", value: [3, 1, 2], node: leader });
  });

  it("counter: adds signed deltas, reads a number, 0 before the first add", async () => {
    const { leader, follower } = await roles();
    const client = await open("counter", follower, "t-counter");
    const read = () => client.invoke({ process: 0, f: "read", value: null }, signal());
    expect(await read()).toEqual({ type: "ok", value: 0, node: leader });
    expect(await client.invoke({ process: 0, f: "add", value: 5 }, signal())).toEqual({ type: "ok", node: leader });
    expect(await client.invoke({ process: 0, f: "add", value: -2 }, signal())).toEqual({ type: "ok", node: leader });
    expect(await read()).toEqual({ type: "ok", value: 3, node: leader });
    expect(await client.invoke({ process: 0, f: "add", value: 0.5 }, signal())).toMatchObject({ type: "fail", error: expect.stringMatching(/integer delta/) });
  });

  it("bank: creates the accounts once, transfers atomically, refuses an overdraft as fail", async () => {
    const { leader, follower } = await roles();
    const initial = initialBalances({});
    const client = await open("bank", follower, "t-bank");
    const read = () => client.invoke({ process: 0, f: "read", value: null }, signal());
    expect(await read()).toEqual({ type: "ok", value: initial, node: leader });

    expect(await client.invoke({ process: 0, f: "transfer", value: { from: 1, to: 2, amount: 5 } }, signal())).toEqual({ type: "ok", node: leader });
    const afterTransfer = { ...initial, 1: initial[1] - 5, 2: initial[2] + 5 };
    expect(await read()).toEqual({ type: "ok", value: afterTransfer, node: leader });

    const overdraft = await client.invoke({ process: 0, f: "transfer", value: { from: 1, to: 3, amount: initial[1] } }, signal());
    expect(overdraft).toEqual({ type: "fail", answered: true, node: leader, error: `transfer refused: insufficient funds: account 1 holds ${initial[1] - 5}, the transfer needs ${initial[1]}` });
    // Opening another client runs the setup again: SET NX leaves the moved money where it is.
    const second = await open("bank", leader, "t-bank");
    expect(await second.invoke({ process: 1, f: "read", value: null }, signal())).toEqual({ type: "ok", value: afterTransfer, node: leader });
    // The refused transfer left nothing WATCHed on the connection: the next transfer commits.
    expect(await client.invoke({ process: 0, f: "transfer", value: { from: 2, to: 1, amount: 5 } }, signal())).toEqual({ type: "ok", node: leader });
    expect(await read()).toEqual({ type: "ok", value: initial, node: leader });
  });

  it("bank: a transfer whose WATCHed balance moved before EXEC fails, changing nothing", async () => {
    const { leader } = await roles();
    const direct = createConnection(cluster.endpoint(leader)!);
    const relay = await pausingRelay(cluster.endpoint(leader)!);
    try {
      await direct.connect();
      const client = await open("bank", leader, "t-bank-watch", { endpoint: (node) => (node === leader ? relay.endpoint : cluster.endpoint(node)) });
      const before = await client.invoke({ process: 0, f: "read", value: null }, signal());
      expect(before).toEqual({ type: "ok", value: initialBalances({}), node: leader });
      relay.armNextMulti(async () => {
        // The balance it already holds: the key's version still moves, and that is what WATCH sees.
        const balance = await direct.get("t-bank-watch:0");
        expect(await direct.set("t-bank-watch:0", balance ?? "missing")).toBe("OK");
      });
      const transfer = await client.invoke({ process: 0, f: "transfer", value: { from: 0, to: 1, amount: 1 } }, signal());
      expect(transfer).toEqual({ type: "fail", answered: true, node: leader, error: "EXEC aborted: a WATCHed key changed, so nothing was applied" });
      expect(await client.invoke({ process: 0, f: "read", value: null }, signal())).toEqual(before);
      // Without interference the same transfer commits.
      expect(await client.invoke({ process: 0, f: "transfer", value: { from: 0, to: 1, amount: 1 } }, signal())).toEqual({ type: "ok", node: leader });
    } finally {
      direct.disconnect();
      await relay.close();
    }
  });

  it("queue: enqueue, dequeue in order, null when empty, drain takes the rest at once", async () => {
    const { leader, follower } = await roles();
    const client = await open("queue", follower, "t-queue");
    const op = (f: string, value: unknown = null) => client.invoke({ process: 0, f, value }, signal());
    for (const message of [1, 2, 3]) expect(await op("enqueue", message)).toEqual({ type: "ok", node: leader });
    expect(await op("dequeue")).toEqual({ type: "ok", value: 1, node: leader });
    expect(await op("drain")).toEqual({ type: "ok", value: [2, 3], node: leader });
    expect(await op("dequeue")).toEqual({ type: "ok", value: null, node: leader });
    expect(await op("drain")).toEqual({ type: "ok", value: [], node: leader });
  });

  it("lock: one holder at a time, growing fencing tokens, release only by the holder", async () => {
    const { leader, follower } = await roles();
    const a = await open("lock", follower, "t-lock");
    const b = await open("lock", leader, "t-lock");
    const acquired = await a.invoke({ process: 0, f: "acquire", value: null }, signal());
    expect(acquired).toEqual({ type: "ok", value: { token: 1 }, node: leader });
    expect(await b.invoke({ process: 1, f: "acquire", value: null }, signal())).toEqual({ type: "fail", answered: true, node: leader, error: "acquire: the lock is held by another client" });
    // b holds nothing: its release is refused before anything is sent.
    expect(await b.invoke({ process: 1, f: "release", value: { token: 1 } }, signal())).toMatchObject({ type: "fail", error: expect.stringMatching(/holds no lock; nothing was sent$/) });
    expect(await a.invoke({ process: 0, f: "release", value: { token: 1 } }, signal())).toEqual({ type: "ok", node: leader });
    // b's failed acquire drew token 2; the next successful acquire gets a higher one still.
    expect(await b.invoke({ process: 1, f: "acquire", value: null }, signal())).toEqual({ type: "ok", value: { token: 3 }, node: leader });
    expect(await b.invoke({ process: 1, f: "release", value: { token: 3 } }, signal())).toEqual({ type: "ok", node: leader });
  });

  it("lock: a hold outlives its lease, someone else takes the lock, and the late release fails", async () => {
    const { leader } = await roles();
    const options = { leaseMs: 300 };
    const a = await open("lock", leader, "t-lease", { options });
    const b = await open("lock", leader, "t-lease", { options });
    expect(await a.invoke({ process: 0, f: "acquire", value: null }, signal())).toEqual({ type: "ok", value: { token: 1 }, node: leader });
    await sleep(600);
    expect(await b.invoke({ process: 1, f: "acquire", value: null }, signal())).toEqual({ type: "ok", value: { token: 2 }, node: leader });
    expect(await a.invoke({ process: 0, f: "release", value: { token: 1 } }, signal())).toMatchObject({ type: "fail", error: expect.stringMatching(/no longer held/) });
    expect(await b.invoke({ process: 1, f: "release", value: { token: 2 } }, signal())).toEqual({ type: "ok", node: leader });
  });

  it("unique-ids: generates from clients running side by side get distinct, consecutive ids", async () => {
    const { leader, follower } = await roles();
    // Each client is one process with one op at a time, as the harness runs them.
    const clients = await Promise.all([follower, leader, follower, leader].map((home) => open("unique-ids", home, "t-ids")));
    const outcomes = (
      await Promise.all(
        clients.map(async (client, process) => {
          const mine = [];
          for (let i = 0; i < 5; i++) mine.push(await client.invoke({ process, f: "generate", value: null }, signal()));
          return mine;
        }),
      )
    ).flat();
    expect(outcomes.filter((outcome) => outcome.type !== "ok" || outcome.node !== leader)).toEqual([]);
    expect(outcomes.map((outcome) => outcome.value).sort((x, y) => Number(x) - Number(y))).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it("on a leader cut off from its peers, a write's outcome is unknown (info), a read's is fail", async () => {
    const { leader } = await roles();
    const others = NODES.filter((node) => node !== leader);
    const queue = await open("queue", leader, "t-cut-off");
    const set = await open("set", leader, "t-cut-off-set");
    await cluster.runtime.partition({ [leader]: others, ...Object.fromEntries(others.map((node) => [node, [leader]])) });
    try {
      const [enqueue, read] = await Promise.all([
        queue.invoke({ process: 0, f: "enqueue", value: 1 }, AbortSignal.timeout(15_000)),
        set.invoke({ process: 1, f: "read", value: null }, AbortSignal.timeout(15_000)),
      ]);
      // The leader proposed the enqueue and lost leadership (check-quorum); it stays pending, since
      // a later leader may still commit it, until the node's request timeout answers UNKNOWN.
      expect(enqueue).toMatchObject({ type: "info", error: expect.stringMatching(/^UNKNOWN /) });
      expect(read).toMatchObject({ type: "fail" });
    } finally {
      await cluster.runtime.heal();
    }
    const { leader: after } = await roles();
    const drained = await (await open("queue", after, "t-cut-off")).invoke({ process: 2, f: "drain", value: null }, AbortSignal.timeout(10_000));
    expect(drained.type).toBe("ok");
    expect([[], [1]]).toContainEqual(drained.value);
  });
});
