// What the nemeses can reach inside our Raft nodes (System.faults, clusters/system.ts): the WAL the
// disk nemesis damages while a node is down, and what the node says its recovery did; the clock
// control file the clock nemesis rewrites, and the node's own TIME to see that it took.

import { posix } from "node:path";
import type { ClusterContext, SystemFaultHooks } from "../system.ts";
import { CLOCK_CONTROL_FILE } from "../node-faults/clock.ts";
import { offsetFromReading, removeOffsetFile, writeOffsetFile } from "../node-faults/offset-file.ts";
import { watchRaftEvents } from "./events-watch.ts";
import { fetchInfo } from "./info.ts";
import { raftMembership } from "./membership.ts";
import { createConnection, type Endpoint } from "./redis-connection.ts";

function endpoint(ctx: ClusterContext, node: string): Endpoint {
  const info = ctx.runtime.node(node);
  return { node, host: info.host, port: info.clientPort };
}

/** The data directory is a POSIX path on both runtimes (the host's, or the container's). */
const clockFile = (ctx: ClusterContext, node: string) => posix.join(ctx.runtime.node(node).dataDir, CLOCK_CONTROL_FILE);

/** The node's clock minus ours, from its TIME; undefined if it does not answer within 500 ms. */
async function observeOffset(ctx: ClusterContext, node: string): Promise<number | undefined> {
  const redis = createConnection(endpoint(ctx, node), 500, 500);
  try {
    await redis.connect();
    const sentMs = Date.now();
    const [seconds, micros] = await redis.time();
    return offsetFromReading(Number(seconds) * 1000 + Number(micros) / 1000, sentMs, Date.now());
  } catch {
    return undefined;
  } finally {
    redis.disconnect();
  }
}

export const raftFaultHooks: SystemFaultHooks = {
  disk: {
    walDir: (ctx, node) => posix.join(ctx.runtime.node(node).dataDir, "wal"),
    async recovery(ctx, node) {
      const info = await fetchInfo(endpoint(ctx, node), 500);
      return info?.walRecovery || undefined;
    },
  },
  events: { kinds: ["elected", "appended", "acknowledged", "committed"], watch: watchRaftEvents },
  membership: raftMembership,
  clock: {
    runtimes: ["local", "docker"],
    setOffset: (ctx, node, offsetMs) => writeOffsetFile(ctx.runtime, node, clockFile(ctx, node), offsetMs),
    observeOffset,
    async reset(ctx) {
      // No file, no offset: nothing is left beside the data once a run is healed.
      await Promise.all(ctx.nodes.map((node) => removeOffsetFile(ctx.runtime, node, clockFile(ctx, node))));
    },
  },
};
