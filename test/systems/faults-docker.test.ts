// The new fault kinds on our Raft nodes in containers (docker runtime): packet loss at the stated
// rate as the firewall's own counters see it (and the other link faults refused, this kernel having
// no netem), a node's clock moved inside its container and read back through its TIME, a WAL
// damaged through the container's shell and the node's refusal read back, and membership changes
// reported by the nodes. Then a real server's clock: Redis preloaded with libfaketime, one node's
// TIME moved and the others' left alone (never the host's clock). Needs root and Docker
// (npm run test:systems).

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Rng } from "../../harness/rng.ts";
import { raftSystem } from "../../clusters/raft/system.ts";
import { redisSentinelSystem } from "../../clusters/redis-sentinel/system.ts";
import type { ClusterContext, System } from "../../clusters/system.ts";
import type { Runtime } from "../../clusters/runtime/runtime.ts";
import { createDockerRuntimeFor } from "../../clusters/runtime/docker/for-system.ts";
import { buildImages } from "../../clusters/runtime/docker/images/build-images.ts";
import { ensureDocker } from "../../clusters/runtime/docker/engine.ts";
import { linkNemesis, type LinkObservation } from "../../nemeses/link.ts";
import { clockNemesis } from "../../nemeses/clock.ts";
import { diskNemesis } from "../../nemeses/disk.ts";
import { memberNemesis } from "../../nemeses/member.ts";
import type { NemesisContext } from "../../nemeses/nemesis.ts";
import { settledOffset } from "../support/settled-offset.ts";

const NODES = ["n1", "n2", "n3", "n4", "n5"];

/** A running cluster of `system` in containers, set up before the describe's tests and torn down after. */
function clusterOf(system: System, nodes: string[]): { ctx: () => NemesisContext; runtime: () => Runtime } {
  let runtime: Runtime | undefined;
  let ctx: NemesisContext | undefined;
  beforeAll(async () => {
    await ensureDocker({ install: true, onProgress: (line) => console.log(line) });
    await buildImages([system.docker!.image], { installDocker: true, onProgress: (line) => console.log(line) });
    runtime = await createDockerRuntimeFor(system.docker!, { nodes, testName: `faults-docker-${system.name}`, dir: mkdtempSync(join(tmpdir(), "faultline-faults-docker-")) });
    const cluster: ClusterContext = { runtime, nodes, bugs: [], options: {}, rng: new Rng(8), log: (line) => console.log(line) };
    await system.setup(cluster);
    ctx = { ...cluster, system, rng: new Rng(8) };
  }, 600_000);
  afterAll(async () => {
    await runtime?.teardown();
  });
  return { ctx: () => ctx!, runtime: () => runtime! };
}

describe("new fault kinds on raft in docker", () => {
  const cluster = clusterOf(raftSystem, NODES);
  let ctx: NemesisContext;
  let runtime: Runtime;
  beforeAll(() => {
    ctx = cluster.ctx();
    runtime = cluster.runtime();
  });

  it("link drop: the firewall drops about 30% of the packets it counts on the links named; delay is refused", async () => {
    const nemesis = linkNemesis();
    const started = await nemesis.invoke(ctx, { process: "nemesis", f: "start-link", value: "drop" });
    expect(started.type).toBe("ok");
    await new Promise((resolve) => setTimeout(resolve, 4000));
    const stopped = await nemesis.invoke(ctx, { process: "nemesis", f: "stop-link", value: null });
    const observed = (stopped.value as { observed: LinkObservation }).observed;
    console.log(`docker drop on ${(started.value as { links: string[] }).links.join(" ")}: ${JSON.stringify(observed)}`);
    expect(observed.unit).toBe("packets");
    expect(observed.received).toBeGreaterThan(300);
    expect(observed.dropRate).toBeGreaterThan(0.24);
    expect(observed.dropRate).toBeLessThan(0.36);
    const refused = await linkNemesis().invoke(ctx, { process: "nemesis", f: "start-link", value: "delay" });
    expect(refused).toMatchObject({ type: "fail", error: expect.stringContaining("which the docker runtime cannot make") });
  });

  it("clock: a node's own TIME, inside its container, reports the offset set", async () => {
    const nemesis = clockNemesis();
    const done = await nemesis.invoke(ctx, { process: "nemesis", f: "clock", value: "bump" });
    const value = done.value as { nodes: string[]; set: Record<string, number>; observed: Record<string, number | null> };
    console.log(`docker clock: ${JSON.stringify(value)}`);
    const node = value.nodes[0];
    expect(Math.abs((value.observed[node] ?? Infinity) - value.set[node])).toBeLessThan(30);
    await nemesis.heal(ctx);
    expect(await settledOffset(() => raftSystem.faults!.clock!.observeOffset(ctx, node), 0, 30)).toBeLessThan(30);
  });

  it("disk: damage to a stopped node's WAL inside its container is detected on restart", async () => {
    const nemesis = diskNemesis();
    const done = await nemesis.invoke(ctx, { process: "nemesis", f: "corrupt-disk", value: "bitflip" });
    const value = done.value as { node: string; expected: string; observed: string; said: string; detected: boolean };
    console.log(`docker disk: ${JSON.stringify(value)}`);
    expect(value.detected).toBe(true);
    await nemesis.invoke(ctx, { process: "nemesis", f: "repair-disk", value: null });
    expect(runtime.state(value.node)).toBe("running");
  });

  it("member: a node leaves and comes back, as the nodes report it", async () => {
    const nemesis = memberNemesis();
    const removed = await nemesis.invoke(ctx, { process: "nemesis", f: "remove-member", value: "remove" });
    console.log(`docker member: ${JSON.stringify(removed.value)}`);
    expect((removed.value as { members: string[] }).members).toHaveLength(4);
    const added = await nemesis.invoke(ctx, { process: "nemesis", f: "add-member", value: null });
    expect((added.value as { members: string[] }).members.sort()).toEqual(NODES);
  });
});

describe("a real server's clock in docker: Redis under libfaketime", () => {
  const cluster = clusterOf(redisSentinelSystem, ["n1", "n2", "n3"]);

  it("a bump moves that node's own TIME by the offset set, and no other node's; reset puts it right", async () => {
    const ctx = cluster.ctx();
    const clock = redisSentinelSystem.faults!.clock!;
    const nemesis = clockNemesis();
    const done = await nemesis.invoke(ctx, { process: "nemesis", f: "clock", value: "bump" });
    const value = done.value as { nodes: string[]; set: Record<string, number>; observed: Record<string, number | null> };
    console.log(`docker redis clock: ${JSON.stringify(value)}`);
    const [bumped] = value.nodes;
    expect(Math.abs(value.set[bumped])).toBeGreaterThanOrEqual(1000);
    expect(Math.abs((value.observed[bumped] ?? Infinity) - value.set[bumped])).toBeLessThan(30);
    for (const node of ctx.nodes.filter((other) => other !== bumped)) {
      expect(Math.abs((await clock.observeOffset(ctx, node))!), `${node}'s clock, which was not bumped`).toBeLessThan(30);
    }
    await nemesis.heal(ctx);
    expect(await settledOffset(() => clock.observeOffset(ctx, bumped), 0, 30)).toBeLessThan(30);
  });
});
