// The raft System on the local runtime, as the harness drives it: peers through the fault proxy,
// nodes started by the runtime (in their data directories), register clients, a partition that
// leaves a write's fate unknown or settles it once healed, and a restart after a kill.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalRuntime } from "../runtime/local/local-runtime.ts";
import type { ClusterContext } from "../system.ts";
import type { Client } from "../../harness/interpreter/client.ts";
import { nodeProcessSpec, raftSystem } from "./system.ts";
import { findLeader } from "./info.ts";
import { startTestCluster, type TestCluster } from "../../test/support/raft-test-cluster.ts";

const NODES = ["n1", "n2", "n3"];
let cluster: TestCluster;
let runtime: LocalRuntime;
let ctx: ClusterContext;
const clients: Client[] = [];
const signal = () => AbortSignal.timeout(5_000);

async function openClient(node: string): Promise<Client> {
  const client = await raftSystem.clients.register(ctx, node);
  clients.push(client);
  return client;
}

const leaderWithin = (timeoutMs: number) => cluster.leaderWithin(timeoutMs);

beforeAll(async () => {
  cluster = await startTestCluster({ nodes: NODES, prefix: "raft-system", systemOptions: { storage: "power-loss" } });
  ({ runtime, ctx } = cluster);
});

afterAll(async () => {
  for (const client of clients) await client.close();
  await cluster?.close();
});

describe("raftSystem on the local runtime", () => {
  it("serves register ops from any node's client, the leader doing the work", async () => {
    const leader = await leaderWithin(10_000);
    const follower = NODES.find((node) => node !== leader)!;
    const client = await openClient(follower);
    expect(await client.invoke({ process: 0, f: "write", key: 5, value: 3 }, signal())).toEqual({ type: "ok", node: leader });
    expect(await client.invoke({ process: 0, f: "cas", key: 5, value: [3, 4] }, signal())).toEqual({ type: "ok", node: leader });
    expect(await client.invoke({ process: 0, f: "cas", key: 5, value: [3, 1] }, signal())).toMatchObject({ type: "fail" });
    expect(await client.invoke({ process: 0, f: "read", key: 5, value: null }, signal())).toEqual({ type: "ok", value: 4, node: leader });
  });

  it("passes node options from the test spec, which carries them as text, to the node's flags", () => {
    const { args } = nodeProcessSpec({ ...ctx, options: { electionTicks: "50", tickMs: 20 } }, "n1");
    expect(args.join(" ")).toContain("--tick-ms 20 --election-ticks 50");
    expect(() => nodeProcessSpec({ ...ctx, options: { electionTicks: "5x" } }, "n1")).toThrow(/^raft: option electionTicks must be an integer ≥ 1, got "5x"/);
    expect(() => nodeProcessSpec({ ...ctx, options: { electionTicks: "0" } }, "n1")).toThrow(/must be an integer ≥ 1/);
  });

  it("keeps a write on a cut-off leader pending after it steps down, and answers it ABORTED once healed: the new leader's entry took its index", async () => {
    const leader = await leaderWithin(10_000);
    const others = NODES.filter((node) => node !== leader);
    const client = await openClient(leader);
    await runtime.partition({ [leader]: others, ...Object.fromEntries(others.map((node) => [node, [leader]])) });
    let outcome;
    try {
      // Long enough for the majority's election and the heal below; the node's own request
      // timeout (10 s by default) would answer UNKNOWN (info) instead, as the clients test shows.
      const pending = client.invoke({ process: 1, f: "write", key: 6, value: 1 }, AbortSignal.timeout(60_000));
      const endpoints = others.map((node) => ({ node, host: runtime.node(node).host, port: runtime.node(node).clientPort }));
      // The write is appended on the cut-off leader alone; the majority elects a leader, whose
      // no-op goes at that index or before it.
      const deadline = Date.now() + 20_000;
      while ((await findLeader(endpoints, 500)) === undefined && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      await runtime.heal();
      outcome = await pending;
    } finally {
      await runtime.heal();
    }
    // Losing leadership (check-quorum) did not answer it; applying another term's entry at its
    // index did: a definite failure, not an unknown.
    expect(outcome).toMatchObject({ type: "fail", error: expect.stringMatching(/^ABORTED index \d+ committed an entry of term \d+, not this command's/) });
    await leaderWithin(15_000);
    const reader = await openClient(others[0]);
    const read = await reader.invoke({ process: 2, f: "read", key: 6, value: null }, AbortSignal.timeout(10_000));
    expect(read).toMatchObject({ type: "ok", value: null });
  });

  it("restarts a killed node from its WAL, and clients reach the cluster through it again", async () => {
    const leader = await leaderWithin(10_000);
    const victim = NODES.find((node) => node !== leader)!;
    await runtime.kill(victim);
    const client = await openClient(victim);
    // Nothing listens on the victim's client port: the op was definitely not sent.
    expect(await client.invoke({ process: 3, f: "read", key: 5, value: null }, signal())).toMatchObject({ type: "fail", error: expect.stringMatching(/could not connect/) });
    await raftSystem.restartNode(ctx, victim);
    // The restarted node answers INFO before it has heard from a leader; until then it refuses
    // ops with NOLEADER (a definite fail). A client retries such refusals, so the test does too.
    const deadline = Date.now() + 15_000;
    let outcome = await client.invoke({ process: 3, f: "read", key: 5, value: null }, AbortSignal.timeout(10_000));
    while (outcome.type !== "ok" && Date.now() < deadline) {
      expect(outcome.type, `a read through a restarted node: ${JSON.stringify(outcome)}`).toBe("fail");
      await new Promise((resolve) => setTimeout(resolve, 200));
      outcome = await client.invoke({ process: 3, f: "read", key: 5, value: null }, AbortSignal.timeout(10_000));
    }
    expect(outcome).toMatchObject({ type: "ok", value: 4 });
    // The latest incarnation started from what an earlier one had persisted, not from an empty
    // log (a retried test kills and restarts once more, so count at least two starts).
    const starts = readFileSync(join(runtime.node(victim).dataDir, "stdout.log"), "utf8").match(/starting: term \d+, log \d+\.\.\d+, commit \d+/g) ?? [];
    expect(starts.length).toBeGreaterThanOrEqual(2);
    expect(starts.at(-1)).toMatch(/term [1-9]\d*, log 1\.\.[1-9]\d*, commit [1-9]/);
  });
});
