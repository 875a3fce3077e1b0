// What the nemeses can reach inside a Redis node beyond processes and the network (System.faults):
// its wall clock, through libfaketime preloaded into the server and sentinel in its container
// (clusters/node-faults/faketime.ts), read back through the server's own TIME. Sentinel runs under
// the same clock, so a bump puts it in TILT mode as a stepped machine clock would.

import type { ClusterContext, SystemFaultHooks } from "../system.ts";
import { faketimeClock } from "../node-faults/faketime.ts";
import { offsetFromReading } from "../node-faults/offset-file.ts";
import { onConnection } from "./sentinels.ts";

const TIME_TIMEOUT_MS = 500;

/** The server's clock minus ours, from its TIME; undefined if it does not answer in time. */
async function observeOffset(ctx: ClusterContext, node: string): Promise<number | undefined> {
  const info = ctx.runtime.node(node);
  return onConnection(info.host, info.clientPort, TIME_TIMEOUT_MS, async (redis) => {
    const sentMs = Date.now();
    const [seconds, micros] = await redis.time();
    return offsetFromReading(Number(seconds) * 1000 + Number(micros) / 1000, sentMs, Date.now());
  });
}

export const redisSentinelFaultHooks: SystemFaultHooks = { clock: faketimeClock(observeOffset) };
