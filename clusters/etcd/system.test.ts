// etcd on three real members on the local runtime: every client op of both workloads, how a lost
// member and a frozen member show in completions, the leader, a leader crash, and a teardown that
// leaves no process. Needs Debian's etcd-server (scripts/install-systems.sh); skips without it.

import { spawnSync } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalRuntime } from "../runtime/local/local-runtime.ts";
import { LocalSystem, eventually, runOp } from "../../test/support/local-system.ts";
import type { ClusterContext } from "../system.ts";
import { etcdSystem } from "./system.ts";

const NODES = ["n1", "n2", "n3"];
const installed = spawnSync("etcd", ["--version"]).status === 0;
if (!installed) console.warn("etcd system tests skipped: no etcd binary on PATH; run scripts/install-systems.sh (as root) to install Debian's etcd-server");

const cluster = new LocalSystem(etcdSystem, NODES, 7);
let runtime: LocalRuntime;
let ctx: ClusterContext;
const open = (workload: string, node: string, options: Record<string, unknown> = {}) => cluster.open(workload, node, options);
const run = runOp;
const recordPids = () => cluster.recordPids();

describe.skipIf(!installed)("etcd system on the local runtime", () => {
  beforeAll(async () => {
    await cluster.start();
    ({ runtime, ctx } = cluster);
  });

  afterAll(async () => {
    expect(await cluster.stop(), "server processes that outlived teardown").toEqual([]);
  });

  it("has clients for register and set, and rejects option values before anything is sent", async () => {
    expect(Object.keys(etcdSystem.clients)).toEqual(["register", "set"]);
    await expect(etcdSystem.clients.register({ ...ctx, options: { reads: "stale" } }, "n1")).rejects.toThrow(/reads must be one of/);
  });

  it("register: write, read from another member, cas that swaps and cas that does not", async () => {
    const n1 = await open("register", "n1");
    const n2 = await open("register", "n2");
    expect(await run(n1, "read", null, 1)).toMatchObject({ type: "ok", value: null, node: "n1" });
    expect(await run(n1, "write", 3, 1)).toMatchObject({ type: "ok" });
    expect(await run(n2, "read", null, 1)).toMatchObject({ type: "ok", value: 3, node: "n2" });
    expect(await run(n2, "cas", [3, 4], 1)).toMatchObject({ type: "ok" });
    expect(await run(n1, "cas", [3, 5], 1)).toMatchObject({ type: "fail", error: expect.stringMatching(/did not hold 3/) });
    expect(await run(n1, "cas", [0, 1], 2)).toMatchObject({ type: "fail" });
    expect(await run(n1, "read", null, 1)).toMatchObject({ type: "ok", value: 4 });
    const serializable = await open("register", "n3", { reads: "serializable" });
    expect(await eventually("a serializable read on n3 to see 4", async () => {
      const completion = await run(serializable, "read", null, 1);
      return completion.value === 4 ? completion : undefined;
    })).toMatchObject({ type: "ok", value: 4 });
    expect(await run(n1, "write", "x", 1)).toMatchObject({ type: "fail", error: expect.stringMatching(/needs a number/) });
  });

  it("set: adds on different members, every element read back", async () => {
    const n1 = await open("set", "n1");
    const n3 = await open("set", "n3");
    for (const element of [0, 1, 2]) expect(await run(element % 2 === 0 ? n1 : n3, "add", element)).toMatchObject({ type: "ok" });
    const read = await run(n3, "read", null);
    expect(read.type).toBe("ok");
    expect([...(read.value as number[])].sort()).toEqual([0, 1, 2]);
  });

  it("a write to a frozen member times out as info; a read there fails", async () => {
    const leader = await eventually("a leader", () => etcdSystem.leader!(ctx));
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

  it("finds the leader; after SIGKILL of the leader a new one serves and the old one's clients fail fast", async () => {
    const leader = await eventually("a leader", () => etcdSystem.leader!(ctx));
    expect(NODES).toContain(leader);
    const onLeader = await open("register", leader);
    expect(await run(onLeader, "write", 1, 3)).toMatchObject({ type: "ok" });
    await runtime.kill(leader, "SIGKILL");
    // A call racing the connection's death is unknown (info); once gRPC has seen the connection
    // close, nothing listens on the dead member's port and a write never leaves this process.
    await sleep(300);
    expect(await run(onLeader, "write", 1, 3)).toMatchObject({ type: "fail", error: expect.stringMatching(/not sent/) });
    expect(await run(onLeader, "read", null, 3)).toMatchObject({ type: "fail" });

    const survivor = NODES.find((node) => node !== leader)!;
    const next = await eventually("a new leader", async () => {
      const found = await etcdSystem.leader!(ctx);
      return found !== undefined && found !== leader ? found : undefined;
    });
    expect(next).not.toBe(leader);
    const client = await open("register", survivor);
    expect(await eventually("a write on the survivors", async () => {
      const completion = await run(client, "write", 5, 3, 2000);
      return completion.type === "ok" ? completion : undefined;
    })).toMatchObject({ type: "ok" });

    await etcdSystem.restartNode(ctx, leader);
    recordPids();
    expect(await eventually(`restarted ${leader} to serve the write`, async () => {
      const completion = await run(onLeader, "read", null, 3, 2000);
      return completion.type === "ok" && completion.value === 5 ? completion : undefined;
    })).toMatchObject({ type: "ok", value: 5 });
  });
});
