// Redis with Sentinel (Debian's redis-server and redis-sentinel, 7.0) as a system under test: the
// first node's server is the primary and the others replicate from it; a sentinel on every node
// fails over to a replica when a majority of them find the primary down. Replication is
// asynchronous, so a failover can lose writes the old primary acknowledged (SEEDS C1) and a lock
// can be held twice across one (C2). min-replicas-to-write and WAIT are the knobs that narrow it.
//
// Servers and sentinels talk to each other directly. On the local runtime that bypasses the frame
// proxy, so partitions do not reach them there: use the docker runtime (iptables) for partitions.
// Kill and pause work on both runtimes.

import type { System } from "../system.ts";
import { clientsFrom } from "../client/planned-client.ts";
import { stopServers } from "../lifecycle/stop.ts";
import { waitUntil } from "../lifecycle/wait.ts";
import { openRedisSentinelClient } from "./client.ts";
import { redisSentinelFaultHooks } from "./fault-hooks.ts";
import { redisSentinelOptions, redisSentinelSettings } from "./options.ts";
import { redisSentinelPlanners } from "./planners.ts";
import { findPrimary, nodeAnswers, replicationComplete, sentinelReady } from "./sentinels.ts";
import { nodeProcessSpec } from "./server.ts";
import { sourcePath } from "../../harness/source-path.ts";

const READY_WAIT_MS = 30_000;
const RESTART_WAIT_MS = 15_000;
const PROBE_TIMEOUT_MS = 1000;
const LOGS = "the nodes' stdout.log (server and sentinel log there)";

export const redisSentinelSystem: System = {
  name: "redis-sentinel",
  description:
    "Redis 7.0 from Debian: one primary, asynchronous replicas, a sentinel on every node (quorum: a majority). " +
    "Partitions need --runtime docker: on the local runtime servers and sentinels use their real ports, which the fault proxy does not see",
  claims: {
    model: "eventual",
    cap: "AP",
    notes: [
      "asynchronous replication: a failover can lose acknowledged writes",
      "a lock (SET NX PX) is not safe across a failover: two clients can hold it at once",
      "min-replicas-to-write and WAIT narrow the window but do not close it",
    ],
  },
  clients: clientsFrom(redisSentinelPlanners, openRedisSentinelClient),
  options: redisSentinelOptions,
  localRequirements: () => [
    { program: "redis-server", package: "redis-server" },
    { program: "redis-sentinel", package: "redis-sentinel" },
    // Ties each sentinel's life to its server's (server.ts).
    { program: "setpriv", package: "util-linux" },
  ],
  bugs: [],
  runtimes: ["local", "docker"],
  // On the local runtime its members talk on their real ports, which the fault proxy never sees.
  partitionsOn: ["docker"],
  defaultNodes: 3,
  // Replication runs over the client port; the sentinel takes its own well-known 26379 there
  // (server.ts). The image holds both servers; it was named after Redis before this system was.
  // libfaketime in both servers, so the clock nemesis moves each node's wall clock (docker only);
  // glibc's malloc ahead of it, as Debian's Redis links jemalloc (DockerLayout.faketime).
  docker: { image: { name: "redis", context: sourcePath(new URL("./image", import.meta.url)) }, clientPort: 6379, peerPort: 6379, logDirs: ["/var/log/redis"], faketime: { glibcMalloc: true } },
  faults: redisSentinelFaultHooks,

  async setup(ctx) {
    const options = redisSentinelSettings(ctx.options, ctx.nodes.length);
    await Promise.all(ctx.nodes.map((node) => ctx.runtime.start(node, nodeProcessSpec(ctx.runtime, ctx.nodes, node, options))));
    const primary = ctx.nodes[0];
    const starting = { system: "redis-sentinel", timeoutMs: READY_WAIT_MS, logs: LOGS, watch: ctx.nodes };
    await waitUntil(ctx.runtime, { ...starting, failure: `${primary} did not have every other node as an online replica` }, () =>
      replicationComplete(ctx.runtime, ctx.nodes, primary, PROBE_TIMEOUT_MS),
    );
    await waitUntil(ctx.runtime, { ...starting, failure: "the sentinels did not all know each other and every replica" }, async () => {
      const ready = await Promise.all(ctx.nodes.map((node) => sentinelReady(ctx.runtime, ctx.nodes, node, PROBE_TIMEOUT_MS)));
      return ready.every(Boolean);
    });
    ctx.log(`redis-sentinel: ${primary} is primary, ${ctx.nodes.length - 1} replicas online, ${ctx.nodes.length} sentinels`);
  },

  async restartNode(ctx, node) {
    await ctx.runtime.restart(node);
    const answered = { system: "redis-sentinel", failure: `the server and sentinel on ${node} did not answer PING after its restart`, timeoutMs: RESTART_WAIT_MS, logs: LOGS };
    await waitUntil(ctx.runtime, answered, () => nodeAnswers(ctx.runtime, node, PROBE_TIMEOUT_MS));
  },

  async leader(ctx) {
    return findPrimary(ctx.runtime, ctx.nodes, PROBE_TIMEOUT_MS);
  },

  async teardown(ctx) {
    // SIGTERM lets the server flush its AOF; one that declines it gets SIGKILL after a grace period.
    await stopServers(ctx, "redis-sentinel");
  },
};
