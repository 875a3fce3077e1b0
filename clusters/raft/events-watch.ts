// The harness's ear on our Raft nodes: one subscription per node to the events it publishes
// (clusters/node-faults/events.ts), redialled every few ms while the node is down, so a reactive
// fault hears a restarted node's first election.

import { performance } from "node:perf_hooks";
import type { Redis } from "ioredis";
import type { ClusterContext, EventWatch, NodeEvent } from "../system.ts";
import { decodeEvent, EVENTS_CHANNEL } from "../node-faults/events.ts";
import { createConnection } from "./redis-connection.ts";

const REDIAL_MS = 20;
/** How long `ready` waits for nodes that do not answer (down, paused). */
const READY_WAIT_MS = 1000;

export function watchRaftEvents(ctx: ClusterContext, onEvent: (event: NodeEvent) => void): EventWatch {
  const startedMs = performance.now();
  let closed = false;
  const connections = new Map<string, Redis>();
  const timers = new Set<NodeJS.Timeout>();
  const subscribed = new Set<string>();
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
    setTimeout(resolve, READY_WAIT_MS).unref();
  });

  const dial = (node: string): void => {
    if (closed) return;
    const info = ctx.runtime.node(node);
    const redis = createConnection({ node, host: info.host, port: info.clientPort }, 500);
    connections.set(node, redis);
    let redialled = false;
    const redial = () => {
      if (redialled || closed) return;
      redialled = true;
      redis.disconnect();
      const timer = setTimeout(() => {
        timers.delete(timer);
        dial(node);
      }, REDIAL_MS);
      timers.add(timer);
    };
    redis.on("close", redial);
    redis.on("end", redial);
    redis.on("message", (channel: string, message: string) => {
      if (channel !== EVENTS_CHANNEL || closed) return;
      const event = decodeEvent(message);
      if (event) onEvent({ ...event, node, receivedMs: performance.now() - startedMs });
    });
    redis
      .connect()
      .then(() => redis.subscribe(EVENTS_CHANNEL))
      .then(() => {
        subscribed.add(node);
        if (subscribed.size === ctx.nodes.length) markReady();
      })
      .catch(redial);
  };

  for (const node of ctx.nodes) dial(node);
  return {
    ready,
    async close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      for (const redis of connections.values()) redis.disconnect();
    },
  };
}
