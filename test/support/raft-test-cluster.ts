// Shared by the tests that need a real cluster of our nodes on the local runtime, started the way
// the harness starts it (system.test.ts, clients/clients.test.ts).

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Rng } from "../../harness/rng.ts";
import { LocalRuntime } from "../../clusters/runtime/local/local-runtime.ts";
import type { ClusterContext } from "../../clusters/system.ts";
import type { Redis } from "ioredis";
import { createConnection, type Endpoint } from "../../clusters/raft/redis-connection.ts";
import { raftSystem } from "../../clusters/raft/system.ts";

export interface TestCluster {
  runtime: LocalRuntime;
  ctx: ClusterContext;
  /** What the runtime and the system logged, for failure messages. */
  logLines: string[];
  /** Resolves a node name to its client address, as the system's clients do. */
  endpoint(node: string): Endpoint | undefined;
  /** The leader, once one is known within `timeoutMs`. */
  leaderWithin(timeoutMs: number): Promise<string>;
  /** Runs `commands` on a connection to the leader of the moment. A refusal with NOLEADER or
   *  REDIRECT certainly took no effect (the node was no longer leading), so it runs them again on
   *  the next leader, until `timeoutMs`: a leader found a moment ago may have lost its term since
   *  (CI saw it after a link fault healed). Each run of `commands` must be safe to repeat. */
  onLeader<T>(commands: (redis: Redis, leader: string) => Promise<T>, timeoutMs?: number): Promise<T>;
  /** Tears the cluster down and removes its files. */
  close(): Promise<void>;
}

export async function startTestCluster(options: { nodes: string[]; prefix: string; seed?: number; systemOptions?: Record<string, unknown>; bugs?: string[] }): Promise<TestCluster> {
  const seed = options.seed ?? 7;
  const base = mkdtempSync(join(tmpdir(), `faultline-${options.prefix}-`));
  const logLines: string[] = [];
  const log = (line: string) => logLines.push(line);
  const runtime = await LocalRuntime.create({ nodes: options.nodes, dir: join(base, "nodes"), seed, stateDir: join(base, "state"), log });
  const ctx: ClusterContext = { runtime, nodes: options.nodes, bugs: options.bugs ?? [], options: options.systemOptions ?? {}, rng: new Rng(seed), log };
  const close = async () => {
    await raftSystem.teardown(ctx).catch(() => undefined);
    await runtime.teardown();
    rmSync(base, { recursive: true, force: true });
  };
  try {
    await raftSystem.setup(ctx);
  } catch (error) {
    await close();
    throw error;
  }
  const cluster: TestCluster = {
    runtime,
    ctx,
    logLines,
    endpoint: (node) => (options.nodes.includes(node) ? { node, host: runtime.node(node).host, port: runtime.node(node).clientPort } : undefined),
    async leaderWithin(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const leader = await raftSystem.leader!(ctx);
        if (leader) return leader;
        await sleep(100);
      }
      throw new Error(`no leader within ${timeoutMs} ms; harness log:\n${logLines.join("\n")}`);
    },
    async onLeader(commands, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const leader = await cluster.leaderWithin(Math.max(1, deadline - Date.now()));
        const redis = createConnection(cluster.endpoint(leader)!, 1000, 5000);
        try {
          await redis.connect();
          return await commands(redis, leader);
        } catch (error) {
          if (!/^(NOLEADER|REDIRECT)/.test((error as Error).message) || Date.now() > deadline) throw error;
        } finally {
          redis.disconnect();
        }
      }
    },
    close,
  };
  return cluster;
}
