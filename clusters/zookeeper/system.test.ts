// ZooKeeper on three real servers on the local runtime, driven by ZooKeeper's C client (npm
// `zookeeper`): every client op of the workloads with and without sync, sync itself, how a
// frozen and a dead server show in completions, the leader, a leader crash, and a teardown that
// leaves no process. Needs Debian's zookeeper and Java (scripts/install-systems.sh); skips without.

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Completion } from "../../harness/op.ts";
import type { LocalRuntime } from "../runtime/local/local-runtime.ts";
import { LocalSystem, eventually, runOp } from "../../test/support/local-system.ts";
import type { ClusterContext } from "../system.ts";
import { REGISTER_PATH } from "./planners.ts";
import { ZkConnection } from "./connection.ts";
import { serverReport } from "./four-letter.ts";
import { zookeeperSystem } from "./system.ts";

const NODES = ["n1", "n2", "n3"];
const installed = existsSync("/usr/share/java/zookeeper.jar") && spawnSync("java", ["-version"]).status === 0;
if (!installed) console.warn("zookeeper system tests skipped: /usr/share/java/zookeeper.jar or java missing; run scripts/install-systems.sh (as root) to install Debian's zookeeper");

const cluster = new LocalSystem(zookeeperSystem, NODES, 5);
let runtime: LocalRuntime;
let ctx: ClusterContext;
const open = (workload: string, node: string, options: Record<string, unknown> = {}) => cluster.open(workload, node, options);
const run = runOp;
const recordPids = () => cluster.recordPids();


describe.skipIf(!installed)("zookeeper system on the local runtime", () => {
  beforeAll(async () => {
    await cluster.start();
    ({ runtime, ctx } = cluster);
  }, 90_000);

  afterAll(async () => {
    expect(await cluster.stop(), "server processes that outlived teardown").toEqual([]);
  });

  it("checks the sync option and workloads by name", async () => {
    await expect(zookeeperSystem.clients.register({ ...ctx, options: { sync: "yes" } }, "n1")).rejects.toThrow(/sync must be true or false/);
    expect(Object.keys(zookeeperSystem.clients)).toEqual(["register", "set", "lock", "unique-ids"]);
  });

  it("has one leader and the others following", async () => {
    const reports = await Promise.all(NODES.map((node) => serverReport(runtime, node, 1000)));
    expect(reports.map((report) => report?.mode).sort()).toEqual(["follower", "follower", "leader"]);
    expect(await zookeeperSystem.leader!(ctx)).toBe(reports.find((report) => report?.mode === "leader")!.node);
  });

  it("sync answers on the session, and the session goes on in order after it", async () => {
    const info = runtime.node("n2");
    const zk = new ZkConnection(info.host, info.clientPort);
    try {
      expect(await zk.waitConnected(5000)).toBe(true);
      await zk.sync(REGISTER_PATH);
      await zk.sync(`${REGISTER_PATH}/does-not-exist`);
      expect((await zk.getChildren("/faultline")).sort()).toEqual(["ids", "lock", "register", "set"]);
      expect(zk.connected).toBe(true);
    } finally {
      zk.close();
    }
  });

  it("register: write through a server, read through another, cas that swaps and cas that does not", async () => {
    const a = await open("register", "n1");
    const b = await open("register", "n2", { sync: "true" });
    expect(await run(a, "read", null, 1)).toMatchObject({ type: "ok", value: null, node: "n1" });
    expect(await run(a, "write", 3, 1)).toMatchObject({ type: "ok" });
    expect(await run(b, "read", null, 1)).toMatchObject({ type: "ok", value: 3, node: "n2" });
    expect(await run(a, "write", 4, 1)).toMatchObject({ type: "ok" });
    expect(await run(b, "cas", [4, 5], 1)).toMatchObject({ type: "ok" });
    // n1 may not have applied the swap yet (no sync on a): it either still shows 4, and the
    // versioned setData finds the newer version, or it shows 5.
    expect(await run(a, "cas", [4, 6], 1)).toMatchObject({ type: "fail", error: expect.stringMatching(/not 4|changed after it was read/) });
    expect(await run(a, "cas", [0, 1], 2)).toMatchObject({ type: "fail", error: expect.stringMatching(/does not exist/) });
    expect(await run(b, "read", null, 1)).toMatchObject({ type: "ok", value: 5 });
    const c = await open("register", "n3");
    expect(await eventually("n3 to apply the cas", async () => {
      const completion = await run(c, "read", null, 1);
      return completion.value === 5 ? completion : undefined;
    })).toMatchObject({ type: "ok", value: 5 });
  });

  it("set: adds through two servers, every element read back with and without sync", async () => {
    const a = await open("set", "n1");
    const b = await open("set", "n3", { sync: true });
    for (const element of [0, 1, 2]) expect(await run(element % 2 === 0 ? a : b, "add", element)).toMatchObject({ type: "ok" });
    expect(await run(a, "add", 2)).toMatchObject({ type: "ok" });
    const read = await run(b, "read", null);
    expect(read.type).toBe("ok");
    expect([...(read.value as number[])].sort()).toEqual([0, 1, 2]);
  });

  it("lock: one holder at a time, fencing tokens grow, release frees it; unique ids are distinct", async () => {
    const a = await open("lock", "n1");
    const b = await open("lock", "n2");
    const first = await run(a, "acquire", null);
    expect(first).toMatchObject({ type: "ok", value: { token: expect.any(Number) } });
    expect(await run(b, "acquire", null)).toMatchObject({ type: "fail", error: expect.stringMatching(/held by another/) });
    expect(await run(a, "release", null)).toMatchObject({ type: "ok" });
    const second = await eventually("b to acquire once a released", async () => {
      const completion = await run(b, "acquire", null);
      return completion.type === "ok" ? completion : undefined;
    });
    expect((second.value as { token: number }).token).toBeGreaterThan((first.value as { token: number }).token);
    expect(await run(b, "release", null)).toMatchObject({ type: "ok" });
    const ids = await open("unique-ids", "n3");
    const generated = [];
    for (let i = 0; i < 5; i++) generated.push((await run(ids, "generate", null)).value);
    expect(new Set(generated).size).toBe(5);
  });

  it("a write to a frozen server times out as info; a read there fails", async () => {
    const leader = await zookeeperSystem.leader!(ctx);
    const follower = NODES.find((node) => node !== leader)!;
    const client = await open("register", follower);
    await runtime.pause(follower);
    try {
      expect(await run(client, "write", 9, 7, 500)).toMatchObject({ type: "info", node: follower });
      expect(await run(client, "read", null, 7, 500)).toMatchObject({ type: "fail" });
    } finally {
      await runtime.resume(follower);
    }
  });

  it("after SIGKILL of the leader a new one is elected and serves; the dead server's client fails unsent; the restarted server catches up", async () => {
    const leader = (await zookeeperSystem.leader!(ctx))!;
    const onLeader = await open("register", leader);
    expect(await run(onLeader, "write", 1, 3)).toMatchObject({ type: "ok" });
    await runtime.kill(leader, "SIGKILL");
    let last: Completion | undefined;
    expect(await eventually("the dead server's client to notice and fail unsent", async () => {
      last = await run(onLeader, "write", 2, 3, 1000);
      return last.type === "fail" ? last : undefined;
    }, () => last)).toMatchObject({ type: "fail", error: expect.stringMatching(/not sent/) });

    const next = await eventually("a new leader", async () => {
      const found = await zookeeperSystem.leader!(ctx);
      return found !== undefined && found !== leader ? found : undefined;
    });
    expect(next).not.toBe(leader);
    const survivor = await open("register", NODES.find((node) => node !== leader)!);
    expect(await eventually("a write on the survivors", async () => {
      last = await run(survivor, "write", 5, 3, 2000);
      return last.type === "ok" ? last : undefined;
    }, () => last)).toMatchObject({ type: "ok" });

    await zookeeperSystem.restartNode(ctx, leader);
    recordPids();
    const rejoined = await open("register", leader, { sync: true });
    expect(await eventually(`restarted ${leader} to serve the write`, async () => {
      last = await run(rejoined, "read", null, 3, 2000);
      return last.type === "ok" && last.value === 5 ? last : undefined;
    }, () => last)).toMatchObject({ type: "ok", value: 5 });
  });
});
