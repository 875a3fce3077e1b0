// Wire compatibility, refereed by ZooKeeper: the same client calls against our 3-server ZAB
// ensemble and against Debian's real ZooKeeper 3.8 (3 servers), both on the local runtime, in this
// one file. Each scenario writes a transcript of what a client saw — results, error codes, data,
// versions, children, watch events — with the values that legitimately differ (zxids, times,
// session ids) left out; our transcript must equal ZooKeeper's. Driven by ZooKeeper's own C client
// (npm `zookeeper`); multi, a session left to expire and a session resumed by id go through a bare
// jute client (test/support/zab-jute-client.ts), since the package binds no zoo_amulti.
// Needs Debian's zookeeper and Java (scripts/install-systems.sh); skips without them.

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalSystem } from "../../test/support/local-system.ts";
import { JuteClient } from "../../test/support/zab-jute-client.ts";
import type { System } from "../system.ts";
import { ZkConnection, ZkError } from "../zookeeper/connection.ts";
import { WatchEventType, ZOO_EPHEMERAL, ZOO_SEQUENCE } from "../zookeeper/native-client.ts";
import { zookeeperSystem } from "../zookeeper/system.ts";
import { OPEN_ACL_UNSAFE } from "./jute/acl.ts";
import type { ReplyFrame } from "./jute/responses.ts";
import { zabSystem } from "./system.ts";

const installed = existsSync("/usr/share/java/zookeeper.jar") && spawnSync("java", ["-version"]).status === 0;
if (!installed) console.warn("zab compatibility tests skipped: /usr/share/java/zookeeper.jar or java missing; run scripts/install-systems.sh (as root)");

const NODES = ["n1", "n2", "n3"];
const TARGETS: [string, System][] = [
  ["zab", zabSystem],
  ["zookeeper", zookeeperSystem],
];
const clusters = new Map<string, LocalSystem>();
const transcripts = new Map<string, Map<string, unknown[]>>();
const opened: ZkConnection[] = [];

function endpoint(target: string, node: string): { host: string; port: number } {
  const info = clusters.get(target)!.runtime.node(node);
  return { host: info.host, port: info.clientPort };
}

async function connection(target: string, node: string, sessionTimeoutMs = 5000): Promise<ZkConnection> {
  const { host, port } = endpoint(target, node);
  const zk = new ZkConnection(host, port, { sessionTimeoutMs });
  opened.push(zk);
  expect(await zk.waitConnected(10_000), `${target} ${node} session`).toBe(true);
  return zk;
}

/** A call's outcome in a transcript: its value, or the error code it failed with. */
async function outcome<T>(call: Promise<T>, shape: (value: T) => unknown = (value) => value): Promise<unknown> {
  try {
    return shape(await call);
  } catch (error) {
    if (error instanceof ZkError) return { error: error.code };
    throw error;
  }
}

function reply(frame: ReplyFrame): unknown {
  const response = frame.response;
  if (response === undefined) return { err: frame.header.err };
  if (response.op !== "multi") return { err: frame.header.err, op: response.op };
  // Stats carry zxids and times, which differ between any two ensembles: compare the rest.
  return { err: frame.header.err, results: response.results.map((result) => ("path" in result ? { op: result.op, path: result.path } : "stat" in result ? { op: result.op, version: result.stat.version } : result)) };
}

function eventually<T>(what: string, attempt: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  const loop = async (): Promise<T> => {
    const value = await attempt();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
    return loop();
  };
  return loop();
}

const stat = (s: { version: number; cversion: number; numChildren: number; dataLength: number; ephemeralOwner: string }) => ({
  version: s.version,
  cversion: s.cversion,
  numChildren: s.numChildren,
  dataLength: s.dataLength,
  ephemeral: s.ephemeralOwner !== "0",
});

/** The scenarios: each returns its transcript for one target. */
const SCENARIOS: Record<string, (target: string) => Promise<unknown[]>> = {
  "create, get, set with version, delete, children, sequentials": async (target) => {
    const zk = await connection(target, "n1");
    const t: unknown[] = [];
    t.push(await outcome(zk.create("/compat", Buffer.from("root"))));
    t.push(await outcome(zk.create("/compat/a", Buffer.from("1"))));
    t.push(await outcome(zk.create("/compat/a", Buffer.from("again"))));
    t.push(await outcome(zk.create("/compat/missing/child", Buffer.alloc(0))));
    t.push(await outcome(zk.getData("/compat/a"), ({ data, stat: s }) => ({ data: data?.toString(), ...stat(s) })));
    t.push(await outcome(zk.setData("/compat/a", Buffer.from("2"), 0), stat));
    t.push(await outcome(zk.setData("/compat/a", Buffer.from("3"), 0), stat));
    t.push(await outcome(zk.setData("/compat/a", Buffer.from("4"), -1), stat));
    t.push(await outcome(zk.create("/compat/a/c2", Buffer.alloc(0))));
    t.push(await outcome(zk.create("/compat/a/c1", Buffer.alloc(0))));
    t.push(await outcome(zk.create("/compat/a/s-", Buffer.alloc(0), ZOO_SEQUENCE)));
    t.push(await outcome(zk.create("/compat/a/s-", Buffer.alloc(0), ZOO_SEQUENCE)));
    t.push(await outcome(zk.getChildren("/compat/a"), (children) => [...children].sort()));
    t.push(await outcome(zk.getChildren2("/compat/a"), ({ children, stat: s }) => ({ children: [...children].sort(), ...stat(s) })));
    t.push(await outcome(zk.delete("/compat/a", -1)));
    t.push(await outcome(zk.delete("/compat/a/c1", 5)));
    t.push(await outcome(zk.delete("/compat/a/c1", 0)));
    t.push(await outcome(zk.delete("/compat/a/c1", -1)));
    t.push(await outcome(zk.exists("/compat/a/c1"), (s) => s ?? "absent"));
    t.push(await outcome(zk.getChildren("/compat/none")));
    t.push(await outcome(zk.create("bad-path", Buffer.alloc(0))));
    t.push(await outcome(zk.getChildren("/"), (children) => children.includes("zookeeper")));
    return t;
  },

  "ephemerals: visible to others, gone when their session closes, no children": async (target) => {
    const owner = await connection(target, "n2");
    const other = await connection(target, "n2");
    const t: unknown[] = [];
    await outcome(other.create("/eph", Buffer.alloc(0)));
    t.push(await outcome(owner.create("/eph/e", Buffer.from("mine"), ZOO_EPHEMERAL)));
    t.push(await outcome(owner.create("/eph/e/child", Buffer.alloc(0))));
    t.push(await outcome(owner.create("/eph/q-", Buffer.alloc(0), ZOO_EPHEMERAL | ZOO_SEQUENCE)));
    t.push(await outcome(other.exists("/eph/e"), (s) => (s === undefined ? "absent" : stat(s))));
    owner.close();
    t.push(await eventually("the ephemerals to go", async () => ((await other.getChildren("/eph")).length === 0 ? "gone" : undefined)));
    return t;
  },

  "watches: one-shot data, child and exists watches, in order": async (target) => {
    const watcher = await connection(target, "n3");
    const writer = await connection(target, "n3");
    const events: string[] = [];
    await outcome(writer.create("/w", Buffer.from("0")));
    await watcher.watchData("/w", (type) => events.push(`data ${type}`));
    await watcher.watchChildren("/w", (type) => events.push(`children ${type}`));
    await watcher.watchExists("/w-later", (type) => events.push(`exists ${type}`));
    await writer.setData("/w", Buffer.from("1"), -1);
    await writer.setData("/w", Buffer.from("2"), -1);
    await writer.create("/w/c", Buffer.alloc(0));
    await writer.create("/w-later", Buffer.alloc(0));
    await eventually("three watch events", async () => (events.length >= 3 ? true : undefined));
    await sleep(300);
    await watcher.watchData("/w-later", (type) => events.push(`data ${type}`));
    await writer.delete("/w-later", -1);
    await eventually("the deletion event", async () => (events.length >= 4 ? true : undefined));
    return [events, WatchEventType];
  },

  "sync: a read after sync on one server sees a write through another": async (target) => {
    const writer = await connection(target, "n1");
    const reader = await connection(target, "n3");
    const t: unknown[] = [];
    await outcome(writer.create("/s", Buffer.from("0")));
    for (let i = 1; i <= 20; i++) {
      await writer.setData("/s", Buffer.from(String(i)), -1);
      await reader.sync("/s");
      t.push((await reader.getData("/s")).data?.toString());
    }
    t.push(await outcome(reader.sync("/does-not-exist"), () => "synced"));
    return t;
  },

  "multi: all or nothing, per-op results and errors": async (target) => {
    const { host, port } = endpoint(target, "n1");
    const { client } = await JuteClient.open(host, port, { timeoutMs: 5000 });
    try {
      const acl = [...OPEN_ACL_UNSAFE];
      const t: unknown[] = [];
      t.push(reply(await client.call({ op: "create", path: "/m", data: new Uint8Array(0), acl, flags: 0 })));
      t.push(
        reply(
          await client.call({
            op: "multi",
            ops: [
              { op: "create", path: "/m/a", data: Uint8Array.of(1), acl, flags: 0 },
              { op: "setData", path: "/m/a", data: Uint8Array.of(2), version: 0 },
              { op: "check", path: "/m", version: 0 },
              { op: "create", path: "/m/s-", data: new Uint8Array(0), acl, flags: 2 },
            ],
          }),
        ),
      );
      t.push(
        reply(
          await client.call({
            op: "multi",
            ops: [
              { op: "create", path: "/m/b", data: new Uint8Array(0), acl, flags: 0 },
              { op: "setData", path: "/m/a", data: Uint8Array.of(3), version: 0 },
              { op: "delete", path: "/m/a", version: -1 },
            ],
          }),
        ),
      );
      t.push(reply(await client.call({ op: "exists", path: "/m/b", watch: false })));
      t.push(reply(await client.call({ op: "multi", ops: [{ op: "delete", path: "/m/a", version: 1 }, { op: "check", path: "/m/a", version: 1 }] })));
      t.push(reply(await client.call({ op: "multi", ops: [{ op: "check", path: "/m/a", version: 0 }] })));
      return t;
    } finally {
      client.close();
    }
  },

  "session expiry: a silent session expires and its ephemerals go; resuming it is refused": async (target) => {
    const { host, port } = endpoint(target, "n2");
    const { client, response } = await JuteClient.open(host, port, { timeoutMs: 2000 });
    const observer = await connection(target, "n1");
    const t: unknown[] = [response.timeOutMs];
    t.push(reply(await client.call({ op: "create", path: "/lease", data: new Uint8Array(0), acl: [...OPEN_ACL_UNSAFE], flags: 1 })));
    await eventually("the ephemeral to be visible", async () => ((await observer.exists("/lease")) ? true : undefined));
    // No pings from here on: the server must expire the session after its timeout.
    const startedMs = Date.now();
    await eventually("the expired session's ephemeral to go", async () => ((await observer.exists("/lease")) === undefined ? true : undefined));
    const tookMs = Date.now() - startedMs;
    t.push(tookMs >= 1500 && tookMs < 10_000 ? "expired after about its timeout" : `expired after ${tookMs} ms`);
    client.close();
    const { client: again, response: refused } = await JuteClient.open(host, port, { timeoutMs: 2000, session: { id: response.sessionId, passwd: response.passwd } });
    t.push(refused.timeOutMs <= 0 ? "resumption refused: expired" : `resumed with ${refused.timeOutMs}`);
    again.close();
    return t;
  },

  "reconnect: a session resumes on another server, ephemerals and all; a wrong password is refused": async (target) => {
    const { host, port } = endpoint(target, "n1");
    const { client, response } = await JuteClient.open(host, port, { timeoutMs: 5000 });
    const t: unknown[] = [];
    t.push(reply(await client.call({ op: "create", path: "/moving", data: new Uint8Array(0), acl: [...OPEN_ACL_UNSAFE], flags: 1 })));
    client.close();
    const other = endpoint(target, "n3");
    const resumed = await JuteClient.open(other.host, other.port, { timeoutMs: 5000, session: { id: response.sessionId, passwd: response.passwd } });
    t.push(resumed.response.sessionId === response.sessionId && resumed.response.timeOutMs > 0 ? "same session" : "another session");
    t.push(reply(await resumed.client.call({ op: "exists", path: "/moving", watch: false })));
    t.push(reply(await resumed.client.call({ op: "delete", path: "/moving", version: -1 })));
    resumed.client.close();
    const wrong = new Uint8Array(response.passwd);
    wrong[0] ^= 0xff;
    const refused = await JuteClient.open(other.host, other.port, { timeoutMs: 5000, session: { id: response.sessionId, passwd: wrong } }).then(
      ({ client: c, response: r }) => {
        c.close();
        return r.timeOutMs <= 0 ? "refused" : "accepted";
      },
      () => "refused",
    );
    t.push(refused);
    // The C client resumes a session from its id and password too.
    const first = await connection(target, "n2");
    const second = new ZkConnection(endpoint(target, "n1").host, endpoint(target, "n1").port, { session: first.session });
    opened.push(second);
    t.push(await second.waitConnected(10_000));
    t.push(second.session.id === first.session.id);
    return t;
  },
};

describe.skipIf(!installed)("ZooKeeper wire compatibility: our ZAB ensemble against Debian's ZooKeeper", () => {
  beforeAll(async () => {
    for (const [name, system] of TARGETS) {
      const cluster = new LocalSystem(system, NODES, 11);
      await cluster.start();
      clusters.set(name, cluster);
      transcripts.set(name, new Map());
    }
  }, 120_000);

  afterAll(async () => {
    for (const zk of opened) zk.close();
    for (const cluster of clusters.values()) expect(await cluster.stop(), `${cluster.system.name} processes that outlived teardown`).toEqual([]);
  });

  for (const [scenario, run] of Object.entries(SCENARIOS)) {
    it(`${scenario}: our transcript is ZooKeeper's`, async () => {
      const ours = await run("zab");
      const theirs = await run("zookeeper");
      expect(ours).toEqual(theirs);
    }, 90_000);
  }

  it("hostile input closes the connection, and the server serves on", async () => {
    const { host, port } = endpoint("zab", "n1");
    for (const bytes of [Buffer.from([0x7f, 0xff, 0xff, 0xff, 1, 2, 3]), Buffer.from([0, 0, 0, 4, 1, 2, 3, 4]), Buffer.from("GET / HTTP/1.1\r\n\r\n")]) {
      const { client } = await JuteClient.open(host, port, { timeoutMs: 5000 });
      client.writeRaw(bytes);
      expect(await client.closedByServer(5000)).toBe(true);
    }
    const zk = await connection("zab", "n1");
    expect(await outcome(zk.exists("/"), (s) => s !== undefined)).toBe(true);
  });
});
