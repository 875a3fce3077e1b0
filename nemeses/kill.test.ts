import { describe, expect, it } from "vitest";
import { Rng } from "../harness/rng.ts";
import { killNemesis } from "./kill.ts";
import type { NemesisContext } from "./nemesis.ts";

const NODES = ["n1", "n2", "n3", "n4", "n5"];

/** A cluster whose kills and restarts take a while and log when they begin and end, so that the
 *  test can tell a parallel kill from one node after another. */
function fakeCluster(opts: { failRestartOf?: string } = {}) {
  const events: string[] = [];
  const settle = () => new Promise((resolve) => setTimeout(resolve, 5));
  let failRestartOf = opts.failRestartOf;
  const runtime = {
    state: () => "running",
    async kill(node: string) {
      events.push(`kill ${node} begin`);
      await settle();
      events.push(`kill ${node} end`);
    },
  };
  const system = {
    async restartNode(_ctx: unknown, node: string) {
      events.push(`restart ${node} begin`);
      await settle();
      if (node === failRestartOf) {
        failRestartOf = undefined;
        throw new Error(`${node} did not come back`);
      }
      events.push(`restart ${node} end`);
    },
    async leader() {
      return "n3";
    },
  };
  // Only the parts the kill nemesis touches are faked; the rest of the contexts is never reached.
  const ctx = { runtime, system, nodes: NODES, rng: new Rng(7), bugs: [], options: {}, log: () => undefined } as unknown as NemesisContext;
  return { ctx, events };
}

/** Every begin of `kind` comes before the first end: the calls overlapped. */
function overlapped(events: readonly string[], kind: string): boolean {
  const mine = events.filter((e) => e.startsWith(kind));
  const firstEnd = mine.findIndex((e) => e.endsWith("end"));
  return firstEnd > 0 && mine.slice(firstEnd).every((e) => e.endsWith("end"));
}

describe("kill nemesis", () => {
  it("kills every node of target all at once, then starts them all at once", async () => {
    const { ctx, events } = fakeCluster();
    const nemesis = killNemesis();
    const killed = await nemesis.invoke(ctx, { process: "nemesis", f: "kill", value: "all" });
    expect(killed.type).toBe("ok");
    expect([...(killed.value as { killed: string[] }).killed].sort()).toEqual(NODES);
    expect(overlapped(events, "kill")).toBe(true);

    const started = await nemesis.invoke(ctx, { process: "nemesis", f: "start", value: null });
    expect([...(started.value as { started: string[] }).started].sort()).toEqual(NODES);
    expect(overlapped(events, "restart")).toBe(true);
  });

  it("kills a majority (3 of 5) and the leader by name", async () => {
    const { ctx } = fakeCluster();
    const nemesis = killNemesis();
    const majority = await nemesis.invoke(ctx, { process: "nemesis", f: "kill", value: "majority" });
    expect((majority.value as { killed: string[] }).killed).toHaveLength(3);
    await nemesis.invoke(ctx, { process: "nemesis", f: "start", value: null });
    const leader = await nemesis.invoke(ctx, { process: "nemesis", f: "kill", value: "leader" });
    expect((leader.value as { killed: string[] }).killed).toEqual(["n3"]);
  });

  it("keeps a node that failed to restart, and starts it on the next try", async () => {
    const { ctx } = fakeCluster({ failRestartOf: "n2" });
    const nemesis = killNemesis();
    await nemesis.invoke(ctx, { process: "nemesis", f: "kill", value: "all" });
    await expect(nemesis.invoke(ctx, { process: "nemesis", f: "start", value: null })).rejects.toThrow(/n2: n2 did not come back/);
    const retry = await nemesis.invoke(ctx, { process: "nemesis", f: "start", value: null });
    expect((retry.value as { started: string[] }).started).toEqual(["n2"]);
  });
});
