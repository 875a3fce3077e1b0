// The link nemesis on a real cluster of our Raft nodes (local runtime): each mode's effect is read
// back from the frames the fault proxy really carried — and, for delay, from what a client sees: a
// write must wait for a majority's acknowledgement, so it cannot commit faster than a round trip.

import { performance } from "node:perf_hooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Rng } from "../harness/rng.ts";
import { raftSystem } from "../clusters/raft/system.ts";
import { startTestCluster, type TestCluster } from "../test/support/raft-test-cluster.ts";
import { LINK_FAULTS, linkNemesis, observedBetween, type LinkObservation } from "./link.ts";
import type { NemesisContext } from "./nemesis.ts";

const NODES = ["n1", "n2", "n3"];
let cluster: TestCluster;
let ctx: NemesisContext;

beforeAll(async () => {
  // Elections every 0.5–1 s of silence, not 100–200 ms: a 40–80 ms delay each way would otherwise
  // let a leader change that began under the drop test drag on through split votes, and a write
  // on a deposed leader waits for its request timeout.
  cluster = await startTestCluster({ nodes: NODES, prefix: "link-nemesis", systemOptions: { electionTicks: 50 } });
  ctx = { ...cluster.ctx, system: raftSystem, rng: new Rng(11) };
});

afterAll(async () => {
  await cluster?.close();
});

/** Starts `mode`, lets the cluster's own heartbeats and appends run for `ms`, stops it; returns
 *  what the stop op reported and what the start op said it did. */
async function runFault(mode: keyof typeof LINK_FAULTS, ms: number, during?: () => Promise<void>) {
  const nemesis = linkNemesis();
  const started = await nemesis.invoke(ctx, { process: "nemesis", f: "start-link", value: mode });
  expect(started.type, started.error).toBe("ok");
  const waited = new Promise((resolve) => setTimeout(resolve, ms));
  await Promise.all([waited, during?.()]);
  const stopped = await nemesis.invoke(ctx, { process: "nemesis", f: "stop-link", value: null });
  expect(stopped.type).toBe("ok");
  return { started: started.value as { links: string[]; faults: object }, stopped: stopped.value as { observed: LinkObservation; links: string[] } };
}

describe("link nemesis on a real Raft cluster", () => {
  it("drops the stated share of frames on the links it names, and only there", async () => {
    const before = await cluster.runtime.linkCounters();
    const { started, stopped } = await runFault("drop", 3000);
    const after = await cluster.runtime.linkCounters();
    console.log(`drop on ${started.links.join(" ")}: ${JSON.stringify(stopped.observed)}`);
    expect(stopped.links).toEqual(started.links);
    expect(stopped.observed.received).toBeGreaterThan(300);
    expect(stopped.observed.dropRate).toBeGreaterThan(0.25);
    expect(stopped.observed.dropRate).toBeLessThan(0.35);
    // Links the fault did not name lost nothing.
    const untouched = after.filter((c) => !started.links.includes(`${c.from}>${c.to}`));
    expect(observedBetween(before, after, untouched).total.dropped).toBe(0);
  });

  it("delays frames by 40 ms plus jitter, and a write takes at least a round trip of that", async () => {
    const latencies: number[] = [];
    const writes = async () => {
      // Let the fault take hold first.
      await new Promise((resolve) => setTimeout(resolve, 300));
      for (let i = 0; i < 10; i++) latencies.push(await timedWrite(`link-delay-${i}`, String(i)));
    };
    // A fresh Rng whose first scope draw is "all links", so every follower's acknowledgement is late.
    ctx = { ...ctx, rng: rngDrawing(0) };
    const { stopped } = await runFault("delay", 2500, writes);
    console.log(`delay: ${JSON.stringify(stopped.observed)}; write latencies ${latencies.map((l) => l.toFixed(0)).join(" ")} ms`);
    expect(stopped.observed.delayed).toBeGreaterThan(100);
    expect(stopped.observed.meanDelayMs).toBeGreaterThanOrEqual(40);
    expect(stopped.observed.meanDelayMs).toBeLessThan(90);
    latencies.sort((a, b) => a - b);
    expect(latencies[Math.floor(latencies.length / 2)]).toBeGreaterThanOrEqual(80);
  });

  it("duplicates and reorders at the stated shares", async () => {
    const duplicated = (await runFault("duplicate", 2500)).stopped.observed;
    const reordered = (await runFault("reorder", 2500)).stopped.observed;
    console.log(`duplicate: ${JSON.stringify(duplicated)}\nreorder: ${JSON.stringify(reordered)}`);
    expect(duplicated.duplicateRate).toBeGreaterThan(0.15);
    expect(duplicated.duplicateRate).toBeLessThan(0.25);
    // One frame is held back at a time, so a little fewer than 30% can be.
    expect(reordered.heldBackRate).toBeGreaterThan(0.18);
    expect(reordered.heldBackRate).toBeLessThan(0.35);
  });

  it("heals every link, and the cluster serves writes again", async () => {
    const nemesis = linkNemesis();
    await nemesis.invoke(ctx, { process: "nemesis", f: "start-link", value: "drop" });
    await nemesis.heal(ctx);
    const before = await cluster.runtime.linkCounters();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const after = await cluster.runtime.linkCounters();
    const links = after.map(({ from, to }) => ({ from, to }));
    expect(observedBetween(before, after, links).total.dropped).toBe(0);
    expect(await cluster.onLeader((redis) => redis.set("after-link-heal", "1"))).toBe("OK");
  });
});

/** The time one acknowledged write took, on the leader of the moment (only the attempt that was
 *  acknowledged is timed: a refused one is tried again on the next leader). */
function timedWrite(key: string, value: string): Promise<number> {
  return cluster.onLeader(async (redis) => {
    const started = performance.now();
    await redis.set(key, value);
    return performance.now() - started;
  });
}

/** An Rng whose first int(3) is `value` (the link nemesis's scope draw). */
function rngDrawing(value: number): Rng {
  for (let seed = 1; ; seed++) {
    if (new Rng(seed).int(3) === value) return new Rng(seed);
  }
}
