// Reactive faults on a real cluster of our Raft nodes: each strikes on the event the nodes publish,
// within milliseconds of it, and the test checks the timing against its own subscription to the
// same events: the leader it cut off or killed had just been elected, or had appended an entry it
// had not yet reported committed.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Rng } from "../harness/rng.ts";
import { raftSystem } from "../clusters/raft/system.ts";
import type { NodeEvent } from "../clusters/system.ts";
import { startTestCluster, type TestCluster } from "../test/support/raft-test-cluster.ts";
import { reactiveNemesis } from "./reactive.ts";
import type { NemesisContext } from "./nemesis.ts";

const NODES = ["n1", "n2", "n3"];
let cluster: TestCluster;
let ctx: NemesisContext;
const events: NodeEvent[] = [];
let closeWatch: () => Promise<void>;

beforeAll(async () => {
  cluster = await startTestCluster({ nodes: NODES, prefix: "reactive-nemesis" });
  ctx = { ...cluster.ctx, system: raftSystem, rng: new Rng(9) };
  const watch = raftSystem.faults!.events!.watch(ctx, (event) => events.push(event));
  closeWatch = () => watch.close();
});

afterAll(async () => {
  await closeWatch?.();
  await cluster?.close();
});

interface Fired {
  mode: string;
  event: { kind: string; node: string; term: number; index?: number };
  action: string;
  node: string;
  afterMs: number;
  startNs: number;
  endNs?: number;
}

/** A strike lands within milliseconds on an idle machine (1–5 ms measured); the bound leaves room
 *  for a loaded two-core CI machine and is still far below any timer nemesis's seconds. What
 *  matters is checked beside it: the state the strike caught (no commit while cut off, killed
 *  before that index was reported committed). */
const STRIKE_WITHIN_MS = 250;

const until = async (what: string, check: () => boolean, timeoutMs = 15_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; events: ${JSON.stringify(events.slice(-10))}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

/** Writes to the leader of the moment (the next one if it refuses); a strike that kills or cuts it
 *  off ends them, which is what they are for. */
async function writes(count: number): Promise<void> {
  await cluster
    .onLeader(async (redis) => {
      for (let i = 0; i < count; i++) await redis.set(`reactive-${i}`, String(i));
    })
    .catch(() => undefined);
}

describe("reactive nemesis on a real Raft cluster", () => {
  it("isolate-new-leader: cuts off the leader elected next, within a few ms of its election", async () => {
    const nemesis = reactiveNemesis({ probability: 1 });
    await nemesis.invoke(ctx, { process: "nemesis", f: "react", value: "isolate-new-leader" });
    // Force an election: kill the current leader.
    const old = await cluster.leaderWithin(10_000);
    await cluster.runtime.kill(old);
    await until("a reactive isolation", () => events.some((e) => e.kind === "elected" && e.node !== old));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const stopped = await nemesis.invoke(ctx, { process: "nemesis", f: "stop-react", value: null });
    await raftSystem.restartNode(ctx, old);
    const { fired, windows } = stopped.value as { fired: Fired[]; windows: { fault: string; label: string }[] };
    console.log(`isolate-new-leader: ${JSON.stringify(fired)}`);
    expect(fired.length).toBeGreaterThanOrEqual(1);
    const first = fired[0];
    expect(first.event.kind).toBe("elected");
    expect(first.node).toBe(first.event.node);
    expect(first.afterMs).toBeLessThan(STRIKE_WITHIN_MS);
    expect(windows[0]).toMatchObject({ fault: "reactive", label: `isolate ${first.node}` });
    // The isolated leader was cut off: it never reported a commit after its election until healed.
    const elected = events.find((e) => e.kind === "elected" && e.node === first.node && e.term === first.event.term)!;
    const commitsWhileCut = events.filter((e) => e.kind === "committed" && e.node === first.node && e.term === first.event.term && e.receivedMs > elected.receivedMs + first.afterMs + 5);
    expect(commitsWhileCut).toEqual([]);
  });

  it("kill-leader-uncommitted: kills the leader right after it appended, before it reported that index committed", async () => {
    const nemesis = reactiveNemesis({ probability: 1 });
    await cluster.leaderWithin(10_000);
    await nemesis.invoke(ctx, { process: "nemesis", f: "react", value: "kill-leader-uncommitted" });
    await writes(5);
    const stopped = await nemesis.invoke(ctx, { process: "nemesis", f: "stop-react", value: null });
    const { fired } = stopped.value as { fired: Fired[] };
    console.log(`kill-leader-uncommitted: ${JSON.stringify(fired)}; events seen: ${JSON.stringify(events.slice(-12))}`);
    expect(fired.length).toBeGreaterThanOrEqual(1);
    const first = fired[0];
    expect(first.event.kind).toBe("appended");
    expect(first.afterMs).toBeLessThan(STRIKE_WITHIN_MS);
    const appended = events.find((e) => e.kind === "appended" && e.node === first.node && e.index === first.event.index)!;
    const committedBeforeKill = events.filter((e) => e.kind === "committed" && e.node === first.node && (e.index ?? 0) >= first.event.index! && e.receivedMs <= appended.receivedMs + first.afterMs);
    expect(committedBeforeKill).toEqual([]);
    for (const node of NODES) if (cluster.runtime.state(node) === "stopped") await raftSystem.restartNode(ctx, node);
  });

  it("pause-acked-follower: freezes a follower right after it acknowledged, and resumes it", async () => {
    const nemesis = reactiveNemesis({ probability: 1 });
    await cluster.leaderWithin(10_000);
    await nemesis.invoke(ctx, { process: "nemesis", f: "react", value: "pause-acked-follower" });
    // Watched while the writes run: with both followers paused the leader cannot commit, and its
    // pending write is answered only once they are back (the node keeps it pending across a step-down).
    await Promise.all([writes(3), until("a follower paused", () => NODES.some((node) => cluster.runtime.state(node) === "paused"), 5_000)]);
    const stopped = await nemesis.invoke(ctx, { process: "nemesis", f: "stop-react", value: null });
    const { fired } = stopped.value as { fired: Fired[] };
    console.log(`pause-acked-follower: ${JSON.stringify(fired)}`);
    expect(fired[0]).toMatchObject({ action: "pause", event: { kind: "acknowledged" } });
    expect(fired[0].node).toBe(fired[0].event.node);
    expect(fired[0].afterMs).toBeLessThan(STRIKE_WITHIN_MS);
    for (const node of NODES) expect(cluster.runtime.state(node)).toBe("running");
  });
});
