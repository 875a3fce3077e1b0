// Three real nodes as child processes on 127.0.0.1, dialling each other directly (no fault proxy):
// election, replication, redirects, and restarts from the WAL and snapshots after SIGKILL.

import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reservePorts } from "../runtime/local/ports.ts";
import { fetchInfo, findLeader } from "./info.ts";
import { createConnection, type Endpoint } from "./redis-connection.ts";
import { openRaftClient } from "./clients/raft-client.ts";
import { registerPlanner } from "./clients/register.ts";

const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));
const NAMES = ["n1", "n2", "n3"];

interface TestNode {
  name: string;
  clientPort: number;
  peerPort: number;
  dataDir: string;
  process?: ChildProcess;
  output: string;
}

const base = mkdtempSync(join(tmpdir(), "faultline-raft-cluster-"));
const nodes = new Map<string, TestNode>();
const connections: Redis[] = [];

function start(node: TestNode): void {
  const others = [...nodes.values()].filter((other) => other.name !== node.name);
  const args = [
    "--import", "tsx", MAIN,
    "--name", node.name,
    "--client-port", String(node.clientPort),
    "--peer-port", String(node.peerPort),
    "--peers", others.map((other) => `${other.name}=127.0.0.1:${other.peerPort}`).join(","),
    "--client-addresses", [...nodes.values()].map((n) => `${n.name}=127.0.0.1:${n.clientPort}`).join(","),
    "--data-dir", node.dataDir,
    "--storage", "power-loss",
    "--snapshot-every", "25",
  ];
  // Own process group, so that a kill reaches the node and nothing else.
  const child = spawn(process.execPath, args, { detached: true, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.on("data", (chunk: Buffer) => (node.output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (node.output += chunk.toString()));
  node.process = child;
}

async function kill(node: TestNode): Promise<void> {
  const child = node.process;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  process.kill(-child.pid!, "SIGKILL");
  await exited;
}

const endpoint = (name: string): Endpoint => ({ node: name, host: "127.0.0.1", port: nodes.get(name)!.clientPort });

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await sleep(100);
  }
  const logs = [...nodes.values()].map((node) => `--- ${node.name}\n${node.output.split("\n").slice(-25).join("\n")}`).join("\n");
  throw new Error(`timed out waiting for ${what}\n${logs}`);
}

const waitForLeader = () => waitFor("a leader", () => findLeader(NAMES.map(endpoint), 500));

async function connectTo(name: string): Promise<Redis> {
  const redis = createConnection(endpoint(name));
  connections.push(redis);
  await redis.connect();
  return redis;
}

beforeAll(async () => {
  // Ports below the ephemeral range: a killed node must find its ports free when it restarts, which
  // an outgoing connection's local port could otherwise take meanwhile.
  const ports = await reservePorts(NAMES.length * 2);
  NAMES.forEach((name, i) => {
    nodes.set(name, { name, clientPort: ports[2 * i].port, peerPort: ports[2 * i + 1].port, dataDir: join(base, name), output: "" });
  });
  await Promise.all(ports.map((port) => port.release()));
  for (const node of nodes.values()) start(node);
});

afterAll(async () => {
  for (const redis of connections) redis.disconnect();
  for (const node of nodes.values()) await kill(node);
  rmSync(base, { recursive: true, force: true });
});

describe("a three-node Raft cluster", () => {
  let leader: string;
  const followers = () => NAMES.filter((name) => name !== leader);

  // On a loaded two-core machine a leader can miss heartbeats and lose its term between two
  // commands; a write refused with NOLEADER or REDIRECT certainly did not take effect (the node
  // answers so before proposing), so it goes to the new leader instead.
  async function onLeader<T>(command: (redis: Redis) => Promise<T>): Promise<T> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        return await command(await connectTo(leader));
      } catch (err) {
        if (!/^(NOLEADER|REDIRECT)/.test((err as Error).message) || Date.now() > deadline) throw err;
        await sleep(100);
        leader = await waitForLeader();
      }
    }
  }

  it("elects one leader that every node agrees on", async () => {
    leader = await waitForLeader();
    const reports = await waitFor("every node to know the leader", async () => {
      const all = await Promise.all(NAMES.map((name) => fetchInfo(endpoint(name), 500)));
      return all.every((report) => report?.leader === leader) ? all : undefined;
    });
    expect(reports.filter((report) => report?.role === "leader").map((report) => report?.node)).toEqual([leader]);
  });

  it("commits writes on the leader and redirects followers' clients to it", async () => {
    const redis = await connectTo(leader);
    expect(await redis.set("greeting", "hello")).toBe("OK");
    expect(await redis.get("greeting")).toBe("hello");

    const follower = await connectTo(followers()[0]);
    await expect(follower.get("greeting")).rejects.toThrow(new RegExp(`^REDIRECT ${leader} 127\\.0\\.0\\.1:${nodes.get(leader)!.clientPort}$`));
    await expect(follower.set("greeting", "bye")).rejects.toThrow(/^REDIRECT /);

    // The harness's register client follows the redirect and reports where the op ran.
    const client = await openRaftClient({ home: followers()[0], endpoint: (name) => (nodes.has(name) ? endpoint(name) : undefined), options: {}, namespace: "register" }, registerPlanner);
    const signal = new AbortController().signal;
    try {
      expect(await client.invoke({ process: 0, f: "write", key: 1, value: 7 }, signal)).toEqual({ type: "ok", node: leader });
      expect(await client.invoke({ process: 0, f: "read", key: 1, value: null }, signal)).toEqual({ type: "ok", value: 7, node: leader });
      expect(await client.invoke({ process: 0, f: "cas", key: 1, value: [7, 8] }, signal)).toEqual({ type: "ok", node: leader });
      expect(await client.invoke({ process: 0, f: "cas", key: 1, value: [7, 9] }, signal)).toMatchObject({ type: "fail", node: leader });
      expect(await client.invoke({ process: 0, f: "read", key: 2, value: null }, signal)).toEqual({ type: "ok", value: null, node: leader });
    } finally {
      await client.close();
    }
  });

  it("restarts a SIGKILLed follower from its WAL and snapshot, and it catches up", async () => {
    leader = await waitForLeader();
    const victim = nodes.get(followers()[0])!;
    for (let i = 0; i < 40; i++) await onLeader((redis) => redis.set(`before-${i}`, String(i)));
    await waitFor(`${victim.name} to apply the writes`, async () => {
      const [mine, theirs] = await Promise.all([fetchInfo(endpoint(victim.name), 500), fetchInfo(endpoint(leader), 500)]);
      return mine && theirs && mine.appliedIndex >= theirs.commitIndex ? true : undefined;
    });
    await kill(victim);
    for (let i = 0; i < 10; i++) await onLeader((redis) => redis.set(`while-down-${i}`, String(i)));
    const leaderCommit = (await fetchInfo(endpoint(leader), 500))!.commitIndex;

    victim.output = "";
    start(victim);
    await waitFor(`${victim.name} to catch up to index ${leaderCommit}`, async () => {
      const report = await fetchInfo(endpoint(victim.name), 500);
      return report && report.appliedIndex >= leaderCommit ? true : undefined;
    });
    // It recovered state from its own disk rather than starting empty.
    expect(victim.output).toMatch(/WAL opened in .* after snapshot \d+/);
    expect(victim.output).toMatch(/starting: term [1-9]\d*, log \d+\.\.\d+, commit [1-9]\d*, applied [1-9]\d*/);
  });

  it("keeps every acknowledged write when all nodes are SIGKILLed at once and restarted (power-loss storage)", async () => {
    leader = await waitForLeader();
    for (let i = 0; i < 15; i++) await onLeader((redis) => redis.set(`acked-${i}`, String(i)));
    for (const node of nodes.values()) await kill(node);
    for (const node of nodes.values()) start(node);

    leader = await waitForLeader();
    const get = (key: string) => onLeader((redis) => redis.get(key));
    expect(await get("greeting")).toBe("hello");
    expect(await get("register:1")).toBe("8");
    expect(await get("before-39")).toBe("39");
    expect(await get("while-down-9")).toBe("9");
    for (let i = 0; i < 15; i++) expect(await get(`acked-${i}`)).toBe(String(i));
  });
});
