// The member nemesis on a real cluster of five of our Raft nodes: members leave and come back
// through the log, and every node that runs says so itself (INFO members:), while writes go on.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Rng } from "../harness/rng.ts";
import { fetchInfo } from "../clusters/raft/info.ts";
import { raftSystem } from "../clusters/raft/system.ts";
import { startTestCluster, type TestCluster } from "../test/support/raft-test-cluster.ts";
import { memberNemesis } from "./member.ts";
import type { NemesisContext } from "./nemesis.ts";

const NODES = ["n1", "n2", "n3", "n4", "n5"];
let cluster: TestCluster;
let ctx: NemesisContext;

beforeAll(async () => {
  cluster = await startTestCluster({ nodes: NODES, prefix: "member-nemesis" });
  ctx = { ...cluster.ctx, system: raftSystem, rng: new Rng(4) };
});

afterAll(async () => {
  await cluster?.close();
});

/** What every running node reports as the configuration (sorted names), by node. */
async function reportedMembers(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const node of NODES) {
    if (cluster.runtime.state(node) !== "running") continue;
    const info = await fetchInfo(cluster.endpoint(node)!, 1000);
    if (info) out[node] = [...info.members].sort().join(",");
  }
  return out;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(await reportedMembers())}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function write(key: string): Promise<string> {
  return cluster.onLeader((redis) => redis.set(key, "1"));
}

describe("member nemesis on a real Raft cluster", () => {
  it("shrinks to three members and grows back to five, every running node reporting the same configuration", async () => {
    const nemesis = memberNemesis();
    const first = await nemesis.invoke(ctx, { process: "nemesis", f: "remove-member", value: "remove" });
    const second = await nemesis.invoke(ctx, { process: "nemesis", f: "remove-member", value: "remove-leader" });
    const third = await nemesis.invoke(ctx, { process: "nemesis", f: "remove-member", value: "remove" });
    console.log(JSON.stringify([first.value, second.value, third.value]));
    const removed = [first, second].map((op) => (op.value as { node: string }).node);
    expect(new Set(removed).size).toBe(2);
    // Three is the floor: the third op removes nothing and says why.
    expect(third.value).toMatchObject({ note: expect.stringContaining("the fewest raft may have") });
    const remaining = NODES.filter((node) => !removed.includes(node)).join(",");
    expect((second.value as { members: string[] }).members.sort().join(",")).toBe(remaining);
    for (const node of removed) expect(cluster.runtime.state(node)).toBe("stopped");
    // The three that remain say so themselves, and serve writes on their own.
    await until("the remaining nodes to report three members", async () => Object.values(await reportedMembers()).every((members) => members === remaining));
    expect(Object.keys(await reportedMembers()).sort().join(",")).toBe(remaining);
    expect(await write("member-while-three")).toBe("OK");

    const added = await nemesis.invoke(ctx, { process: "nemesis", f: "add-member", value: null });
    console.log(JSON.stringify(added.value));
    expect((added.value as { nodes: string[] }).nodes).toEqual(removed);
    expect((added.value as { members: string[] }).members.sort()).toEqual(NODES);
    await until("all five nodes to report five members", async () => {
      const reported = await reportedMembers();
      return Object.keys(reported).length === 5 && Object.values(reported).every((members) => members === NODES.join(","));
    });
    expect(await write("member-back-to-five")).toBe("OK");
  });
});
