// Stopping the servers at teardown: each gets the signal its product shuts down cleanly on (it
// closes its log, flushes its append-only file); a server that declines it gets SIGKILL after a
// grace period; a paused server gets SIGKILL at once, as a stopped process acts on no other signal
// until it is continued, and a clean shutdown of a frozen node buys nothing.

import { setTimeout as sleep } from "node:timers/promises";
import type { Runtime } from "../runtime/runtime.ts";
import type { ClusterContext } from "../system.ts";

/** Redis may decline SIGTERM and run on: a server still writing its initial AOF (as after a full
 *  resync from a new primary) logs "Writing initial AOF, can't exit"; once in 22 docker runs a
 *  server demoted by a failover seconds before still ran 30 s after SIGTERM. */
const DEFAULT_GRACE_MS = 5000;

export interface StopOptions {
  /** The signal the product shuts down cleanly on; default SIGTERM. */
  signal?: NodeJS.Signals;
  graceMs?: number;
}

/** Stops the server on every node of `ctx` (or on `nodes`), all at once. */
export async function stopServers(
  ctx: Pick<ClusterContext, "nodes" | "log"> & { runtime: Pick<Runtime, "state" | "kill"> },
  system: string,
  options: StopOptions & { nodes?: readonly string[] } = {},
): Promise<void> {
  const signal = options.signal ?? "SIGTERM";
  const graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
  await Promise.all(
    (options.nodes ?? ctx.nodes).map(async (node) => {
      const state = ctx.runtime.state(node);
      if (state === "stopped") return;
      if (state === "paused") {
        await ctx.runtime.kill(node, "SIGKILL");
        return;
      }
      const graceful = ctx.runtime.kill(node, signal).then(
        () => true,
        () => false,
      );
      const stopped = await Promise.race([graceful, sleep(graceMs).then(() => false)]);
      if (!stopped) {
        ctx.log(`${system}: ${node} did not stop within ${graceMs} ms of ${signal}; sending SIGKILL`);
        await ctx.runtime.kill(node, "SIGKILL");
      }
      await graceful;
    }),
  );
}
