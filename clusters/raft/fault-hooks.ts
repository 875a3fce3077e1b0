// What the nemeses can reach inside our Raft nodes (System.faults, clusters/system.ts): the WAL the
// disk nemesis damages while a node is down, and what the node says its recovery did.

import { posix } from "node:path";
import type { ClusterContext, SystemFaultHooks } from "../system.ts";
import { fetchInfo } from "./info.ts";

function endpoint(ctx: ClusterContext, node: string) {
  const info = ctx.runtime.node(node);
  return { node, host: info.host, port: info.clientPort };
}

export const raftFaultHooks: SystemFaultHooks = {
  disk: {
    // The data directory is a POSIX path on both runtimes (the host's, or the container's).
    walDir: (ctx, node) => posix.join(ctx.runtime.node(node).dataDir, "wal"),
    async recovery(ctx, node) {
      const info = await fetchInfo(endpoint(ctx, node), 500);
      return info?.walRecovery || undefined;
    },
  },
};
