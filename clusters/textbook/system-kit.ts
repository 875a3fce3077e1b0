// What the textbook protocols' systems (twopc, quorum) share on the harness side: the command
// line that starts a node, INFO probes, waiting until every node answers, restarts, the disk hook
// (their logs are Raft's WAL: clusters/textbook/record-log.ts) and a clean stop.

import { posix } from "node:path";
import { sourcePath } from "../../harness/source-path.ts";
import { parseInfoReply } from "../lifecycle/info-reply.ts";
import { stopServers } from "../lifecycle/stop.ts";
import { waitUntil } from "../lifecycle/wait.ts";
import type { ImageSource } from "../runtime/docker/images/names.ts";
import type { ProcessSpec } from "../runtime/runtime.ts";
import { createConnection, type Endpoint } from "../raft/redis-connection.ts";
import type { ClusterContext, SystemFaultHooks } from "../system.ts";
import { WAL_DIRECTORY } from "./record-log.ts";

/** Our own nodes' image (clusters/raft/image): the harness's Node.js running this repository. */
export const OWN_NODES_IMAGE: ImageSource = { name: "raft", context: sourcePath(new URL("../raft/image", import.meta.url)) };

const READY_WAIT_MS = 30_000;
const RESTART_WAIT_MS = 15_000;
const PROBE_TIMEOUT_MS = 500;
const POLL_MS = 100;

export function endpointOf(ctx: Pick<ClusterContext, "runtime">, node: string): Endpoint {
  const info = ctx.runtime.node(node);
  return { node, host: info.host, port: info.clientPort };
}

/** The command line that starts `node`: `program` (nodeProgramArgs of the system's main), the
 *  flags every textbook node takes, then the system's own. */
export function textbookProcessSpec(ctx: ClusterContext, node: string, program: readonly string[], ownFlags: readonly string[]): ProcessSpec {
  const info = ctx.runtime.node(node);
  const peers = ctx.nodes
    .filter((other) => other !== node)
    .map((other) => {
      const address = ctx.runtime.peerAddress(node, other);
      return `${other}=${address.host}:${address.port}`;
    });
  const args = [
    ...program,
    "--name", node,
    // In a container the node's address belongs to its network interface; listen on all of them.
    "--host", ctx.runtime.kind === "docker" ? "0.0.0.0" : info.host,
    "--client-port", String(info.clientPort),
    "--peer-port", String(info.peerPort),
    "--nodes", ctx.nodes.join(","),
    "--peers", peers.join(","),
    "--data-dir", info.dataDir,
    ...ownFlags,
  ];
  return { command: process.execPath, args };
}

/** The node's INFO fields, or undefined when it does not answer within `timeoutMs`. */
export async function fetchInfo(endpoint: Endpoint, timeoutMs = PROBE_TIMEOUT_MS): Promise<Record<string, string> | undefined> {
  const redis = createConnection(endpoint, timeoutMs, timeoutMs);
  try {
    await redis.connect();
    return parseInfoReply(await redis.info());
  } catch {
    return undefined;
  } finally {
    redis.disconnect();
  }
}

/** Starts every node and waits until each answers INFO. */
export async function startTextbookCluster(ctx: ClusterContext, system: string, spec: (node: string) => ProcessSpec): Promise<void> {
  for (const node of ctx.nodes) await ctx.runtime.start(node, spec(node));
  let last = "no node answered";
  const answering = {
    system,
    failure: () => `not every node answered INFO (${last})`,
    timeoutMs: READY_WAIT_MS,
    pollMs: POLL_MS,
    logs: "the nodes' stdout.log",
    watch: ctx.nodes,
  };
  await waitUntil(ctx.runtime, answering, async () => {
    const reports = await Promise.all(ctx.nodes.map((node) => fetchInfo(endpointOf(ctx, node))));
    last = ctx.nodes.map((node, i) => `${node}: ${reports[i] ? "up" : "no answer"}`).join(", ");
    return reports.every((report) => report !== undefined);
  });
}

/** Starts a killed node again and waits until it answers INFO. */
export async function restartTextbookNode(ctx: ClusterContext, system: string, node: string): Promise<void> {
  await ctx.runtime.restart(node);
  const answered = { system, failure: `node ${node} did not answer INFO after its restart`, timeoutMs: RESTART_WAIT_MS, pollMs: POLL_MS, logs: `${node}'s stdout.log` };
  await waitUntil(ctx.runtime, answered, async () => (await fetchInfo(endpointOf(ctx, node))) !== undefined);
}

export function stopTextbookCluster(ctx: ClusterContext, system: string): Promise<void> {
  // A graceful stop closes the log cleanly.
  return stopServers(ctx, system);
}

/** The nemeses' reach into these nodes: their WAL, and what its recovery did in their own words. */
export const textbookFaultHooks: SystemFaultHooks = {
  disk: {
    walDir: (ctx, node) => posix.join(ctx.runtime.node(node).dataDir, WAL_DIRECTORY),
    async recovery(ctx, node) {
      const info = await fetchInfo(endpointOf(ctx, node));
      return info?.wal_recovery || undefined;
    },
  },
};
