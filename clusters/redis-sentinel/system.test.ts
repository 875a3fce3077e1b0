// Redis + Sentinel on three real nodes on the local runtime: every client op of the three
// workloads, how refusals show in completions, the primary as the sentinels see it, a failover
// after SIGKILL of the primary, the old primary rejoining as a replica, and a teardown that leaves
// no process. Needs Debian's redis-server and redis-sentinel (scripts/install-systems.sh); skips
// without them.

import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Completion } from "../../harness/op.ts";
import type { LocalRuntime } from "../runtime/local/local-runtime.ts";
import { LocalSystem, eventually, runOp } from "../../test/support/local-system.ts";
import type { ClusterContext } from "../system.ts";
import { ask, replicationComplete } from "./sentinels.ts";
import { sentinelPort } from "./server.ts";
import { redisSentinelSystem } from "./system.ts";

const NODES = ["n1", "n2", "n3"];
const installed = ["redis-server", "redis-sentinel"].every((binary) => spawnSync(binary, ["--version"]).status === 0);
if (!installed) console.warn("redis-sentinel system tests skipped: redis-server or redis-sentinel missing; run scripts/install-systems.sh (as root) to install Debian's packages");

const cluster = new LocalSystem(redisSentinelSystem, NODES, 11);
let runtime: LocalRuntime;
let ctx: ClusterContext;
const open = (workload: string, node: string, options: Record<string, unknown> = {}) => cluster.open(workload, node, options);
const run = runOp;
const recordPids = () => cluster.recordPids();
/** Live (not zombie) processes in a process group: a node's server and its sentinel. */
function groupMembers(processGroup: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // exited while we looked
    }
    // Fields after the command name (which may hold spaces): state, ppid, pgrp, …
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(pgrp) === processGroup && state !== "Z") members.push(Number(entry));
  }
  return members;
}

describe.skipIf(!installed)("redis-sentinel system on the local runtime", () => {
  beforeAll(async () => {
    await cluster.start();
    ({ runtime, ctx } = cluster);
  });

  afterAll(async () => {
    expect(await cluster.stop(), "server processes that outlived teardown").toEqual([]);
    // Each node's group also holds its sentinel; the runtime sweeps a group once its server has
    // exited, so give the sweep a moment.
    await eventually("node process groups to empty", async () => ([...cluster.pids].every((group) => groupMembers(group).length === 0) ? true : undefined), () =>
      [...cluster.pids].map((group) => [group, groupMembers(group)]),
    );
  });

  it("checks options against the cluster and workloads by name", async () => {
    await expect(redisSentinelSystem.clients.register({ ...ctx, options: { wait: "3" } }, "n1")).rejects.toThrow(/more replicas than the 3-node cluster has/);
    await expect(redisSentinelSystem.clients.lock({ ...ctx, options: { leaseMs: "soon" } }, "n1")).rejects.toThrow(/leaseMs must be a number/);
    expect(Object.keys(redisSentinelSystem.clients)).toEqual(["register", "set", "lock"]);
  });

  it("runs a server and a sentinel per node, the first node primary", async () => {
    for (const node of NODES) expect(groupMembers(runtime.pid(node)!).length).toBeGreaterThanOrEqual(2);
    expect(await redisSentinelSystem.leader!(ctx)).toBe("n1");
  });

  it("register: write, read through another node's client, cas that swaps and one that does not", async () => {
    const a = await open("register", "n1");
    const b = await open("register", "n3");
    expect(await run(a, "read", null, 1)).toMatchObject({ type: "ok", value: null, node: "n1" });
    expect(await run(a, "write", 2, 1)).toMatchObject({ type: "ok" });
    expect(await run(b, "read", null, 1)).toMatchObject({ type: "ok", value: 2, node: "n3" });
    expect(await run(b, "cas", [2, 3], 1)).toMatchObject({ type: "ok" });
    expect(await run(a, "cas", [2, 4], 1)).toMatchObject({ type: "fail", error: expect.stringMatching(/did not hold 2/) });
    expect(await run(a, "cas", [0, 1], 2)).toMatchObject({ type: "fail" });
    expect(await run(a, "read", null, 1)).toMatchObject({ type: "ok", value: 3 });
  });

  it("with wait=2 a write is ok once both replicas confirm it", async () => {
    const client = await open("register", "n2", { wait: 2 });
    expect(await run(client, "write", 7, 5)).toMatchObject({ type: "ok" });
  });

  it("a write the primary refuses (NOREPLICAS) fails", async () => {
    const primary = runtime.node("n1");
    const client = await open("register", "n1");
    expect(await ask(primary.host, primary.clientPort, ["CONFIG", "SET", "min-replicas-to-write", "3"], 1000)).toBe("OK");
    try {
      expect(await run(client, "write", 1, 6)).toMatchObject({ type: "fail", error: expect.stringMatching(/NOREPLICAS/) });
    } finally {
      await ask(primary.host, primary.clientPort, ["CONFIG", "SET", "min-replicas-to-write", "0"], 1000);
    }
  });

  it("set: adds from two nodes' clients, every element read back", async () => {
    const a = await open("set", "n1");
    const b = await open("set", "n2");
    for (const element of [10, 11, 12]) expect(await run(element % 2 === 0 ? a : b, "add", element)).toMatchObject({ type: "ok" });
    const read = await run(b, "read", null);
    expect(read.type).toBe("ok");
    expect([...(read.value as number[])].sort()).toEqual([10, 11, 12]);
  });

  it("lock: one holder at a time, release only by the holder", async () => {
    const a = await open("lock", "n1");
    const b = await open("lock", "n2");
    expect(await run(b, "release", null)).toMatchObject({ type: "fail", error: expect.stringMatching(/without a preceding acquire/) });
    expect(await run(a, "acquire", null)).toMatchObject({ type: "ok", value: null });
    expect(await run(b, "acquire", null)).toMatchObject({ type: "fail", error: expect.stringMatching(/held by another client/) });
    expect(await run(b, "release", null)).toMatchObject({ type: "fail", error: expect.stringMatching(/no longer this client's/) });
    expect(await run(a, "release", null)).toMatchObject({ type: "ok" });
    expect(await run(b, "acquire", null)).toMatchObject({ type: "ok" });
    expect(await run(b, "release", null)).toMatchObject({ type: "ok" });
    const leased = await open("lock", "n3", { leaseMs: 300 });
    expect(await run(leased, "acquire", null)).toMatchObject({ type: "ok" });
    await sleep(500);
    expect(await run(a, "acquire", null)).toMatchObject({ type: "ok" });
    expect(await run(leased, "release", null)).toMatchObject({ type: "fail" });
    expect(await run(a, "release", null)).toMatchObject({ type: "ok" });
  });

  it("after SIGKILL of the primary the sentinels promote a replica, clients follow, and the old primary rejoins as a replica", async () => {
    const primary = (await redisSentinelSystem.leader!(ctx))!;
    const writer = await open("register", NODES.find((node) => node !== primary)!);
    expect(await run(writer, "write", 1, 9)).toMatchObject({ type: "ok" });
    await runtime.kill(primary, "SIGKILL");
    const dead = runtime.node(primary);
    expect(await ask(dead.host, sentinelPort(dead), ["PING"], 500), "the sentinel dies with its node").toBeUndefined();

    const next = await eventually("a promoted replica", async () => {
      const found = await redisSentinelSystem.leader!(ctx);
      return found !== undefined && found !== primary ? found : undefined;
    });
    expect(NODES).toContain(next);
    let last: Completion | undefined;
    expect(await eventually("a write through the sentinels' new primary", async () => {
      last = await run(writer, "write", 2, 9, 2000);
      return last.type === "ok" ? last : undefined;
    }, () => last)).toMatchObject({ type: "ok" });
    expect(await run(writer, "read", null, 9)).toMatchObject({ type: "ok", value: 2 });

    await redisSentinelSystem.restartNode(ctx, primary);
    recordPids();
    await eventually(`${primary} to replicate from ${next}`, async () => ((await replicationComplete(runtime, NODES, next, 1000)) ? true : undefined));
    expect(await redisSentinelSystem.leader!(ctx)).toBe(next);
  });
});
