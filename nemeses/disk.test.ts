// The disk nemesis on a real cluster of our Raft nodes: damage a down node's WAL, start it, and
// read what it did from the node itself — the line it refused to start with, or its recovery
// report in INFO — then restore and check it rejoined with nothing lost or invented.

import { afterAll, describe, expect, it } from "vitest";
import { Rng } from "../harness/rng.ts";
import { fetchInfo } from "../clusters/raft/info.ts";
import { raftSystem } from "../clusters/raft/system.ts";
import { startTestCluster, type TestCluster } from "../test/support/raft-test-cluster.ts";
import { diskNemesis } from "./disk.ts";
import type { NemesisContext } from "./nemesis.ts";

const NODES = ["n1", "n2", "n3"];
const clusters: TestCluster[] = [];

afterAll(async () => {
  for (const cluster of clusters) await cluster.close();
});

async function newCluster(prefix: string, bugs: string[] = []): Promise<{ cluster: TestCluster; ctx: NemesisContext }> {
  const started = await startTestCluster({ nodes: NODES, prefix, bugs, systemOptions: { storage: "fsync" } });
  clusters.push(started);
  return { cluster: started, ctx: { ...started.ctx, system: raftSystem, rng: new Rng(5) } };
}

async function writeKeys(cluster: TestCluster, from: number, to: number): Promise<void> {
  await cluster.onLeader(async (redis) => {
    for (let i = from; i < to; i++) await redis.set(`disk-${i}`, String(i));
  });
}

async function readKeys(cluster: TestCluster, count: number): Promise<(string | null)[]> {
  return cluster.onLeader(async (redis) => {
    const values: (string | null)[] = [];
    for (let i = 0; i < count; i++) values.push(await redis.get(`disk-${i}`));
    return values;
  });
}

interface Corruption {
  node: string;
  damage?: string;
  expected?: string;
  observed: string;
  said: string;
  detected?: boolean;
  note?: string;
}

describe("disk nemesis on a real Raft cluster", () => {
  it("a node refuses to start on a flipped bit or a cut in what it had fsynced, cuts one after it, and rejoins once restored", async () => {
    const { cluster, ctx } = await newCluster("disk-nemesis");
    await writeKeys(cluster, 0, 40);
    const nemesis = diskNemesis();
    const outcomes: string[] = [];
    for (const mode of ["bitflip", "truncate", "bitflip", "truncate"]) {
      const corrupted = await nemesis.invoke(ctx, { process: "nemesis", f: "corrupt-disk", value: mode });
      const value = corrupted.value as Corruption;
      console.log(`${mode}: ${JSON.stringify(value)}`);
      expect(corrupted.type).toBe("ok");
      // The node did what the watermark says it must: refuse on damage to what it had fsynced,
      // cut a tail it had only written (the commit index, recorded without an fsync of its own).
      expect(value.detected, value.said).toBe(true);
      outcomes.push(`${mode}: ${value.observed}`);
      if (value.observed === "refused") {
        expect(value.said).toMatch(/WAL recovery: .*wal-\d+\.wal is damaged at offset \d+ \((checksum mismatch|torn record|implausible record length|undecodable)[^]*inside what this node had fsynced[^]*Refusing to start/);
        expect(cluster.runtime.state(value.node)).toBe("stopped");
      } else {
        expect(value.observed).toBe("truncated");
        expect(value.said).toMatch(/^truncated: truncating .*wal-\d+\.wal at offset \d+, cutting \d+ bytes .*never acknowledged/);
        expect(cluster.runtime.state(value.node)).toBe("running");
      }
      // Two of three still serve, and writes go on meanwhile.
      await writeKeys(cluster, 40, 50);

      const repaired = await nemesis.invoke(ctx, { process: "nemesis", f: "repair-disk", value: null });
      expect(repaired.value).toMatchObject({ nodes: value.observed === "refused" ? [value.node] : [] });
      expect(cluster.runtime.state(value.node)).toBe("running");
      if (value.observed === "refused") expect((await fetchInfo(cluster.endpoint(value.node)!, 2000))?.walRecovery).toMatch(/^clean/);
    }
    console.log(outcomes.join(", "));
    expect(outcomes.some((outcome) => outcome.endsWith("refused"))).toBe(true);
    expect(await readKeys(cluster, 50)).toEqual(Array.from({ length: 50 }, (_, i) => String(i)));
    // The restored node caught up with everything written while it was down.
    const leader = await cluster.leaderWithin(10_000);
    const target = (await fetchInfo(cluster.endpoint(leader)!, 1000))!.commitIndex;
    for (const node of NODES) {
      const deadline = Date.now() + 10_000;
      while ((await fetchInfo(cluster.endpoint(node)!, 1000))!.appliedIndex < target && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect((await fetchInfo(cluster.endpoint(node)!, 1000))!.appliedIndex).toBeGreaterThanOrEqual(target);
    }
  });

  it("drop-unsynced on a node that acknowledges before fsync (--bug no-fsync) loses a tail it had acknowledged, and the node starts without noticing", async () => {
    const { cluster, ctx } = await newCluster("disk-nemesis-nofsync", ["no-fsync"]);
    await writeKeys(cluster, 0, 20);
    // Keep writes coming so that every node's WAL has an unsynced tail (synced about once a second).
    const writing = writeKeys(cluster, 20, 400);
    await new Promise((resolve) => setTimeout(resolve, 700));
    const before = await Promise.all(NODES.map((node) => fetchInfo(cluster.endpoint(node)!, 1000)));
    const corrupted = await diskNemesis().invoke(ctx, { process: "nemesis", f: "corrupt-disk", value: "drop-unsynced" });
    await writing.catch(() => undefined);
    const value = corrupted.value as Corruption;
    console.log(`drop-unsynced (no-fsync): ${JSON.stringify(value)}`);
    expect(value.damage).toMatch(/dropped what was not fsynced: wal-\d+\.wal bytes \d+\.\.\d+/);
    expect(value.expected).toBe("clean");
    expect(value.observed).toBe("clean");
    const victim = before.find((info) => info?.node === value.node)!;
    const after = await fetchInfo(cluster.endpoint(value.node)!, 1000);
    console.log(`${value.node}: commit ${victim.commitIndex} before the fault; after restart its INFO says ${JSON.stringify(after)}`);
  });

  it("drop-unsynced on a healthy node finds nothing it could lose, or only what it never acknowledged", async () => {
    const { cluster, ctx } = await newCluster("disk-nemesis-healthy");
    await writeKeys(cluster, 0, 20);
    const corrupted = await diskNemesis().invoke(ctx, { process: "nemesis", f: "corrupt-disk", value: "drop-unsynced" });
    const value = corrupted.value as Corruption;
    console.log(`drop-unsynced (healthy): ${JSON.stringify(value)}`);
    expect(value.observed).toBe("clean");
    expect(await readKeys(cluster, 20)).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
  });
});
