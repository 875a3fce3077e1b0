// One logical client process: ioredis in sentinel mode, asking the sentinels (its own node's first)
// for the primary, with no offline queue and no retries, so every op is sent at most once and an op
// that could not be sent fails at once. ioredis follows failovers itself: when its connection to
// the primary breaks, or a demoted primary answers READONLY, it asks the sentinels again. The
// workload's planner (planners.ts) says which commands an op sends.
//
// Following a failover: the harness reaches every node, even across a partition, so a client whose
// connection to the old primary stays up would never notice a failover its own side has made, and
// would go on writing to a primary the rest of the cluster has already replaced (which no client
// co-located with the majority could do). A Sentinel client is expected to act on a switch of
// primary; this one asks its own node's sentinel every PRIMARY_CHECK_MS and reconnects when that
// sentinel names another primary. A client on the isolated old primary's node keeps what its
// sentinel says (the old primary): the split brain Redis's documentation describes.

import { Redis } from "ioredis";
import type { Client } from "../../harness/interpreter/client.ts";
import type { Completion } from "../../harness/op.ts";
import { PlannedClient, type Planner, type Session } from "../client/planned-client.ts";
import { untilAborted } from "../client/timeout.ts";
import type { ClusterContext } from "../system.ts";
import { redisSentinelSettings } from "./options.ts";
import { leaseMsOf } from "../../workloads/lock.ts";
import { redisOutcome } from "./outcome.ts";
import type { RedisPlan, RedisPlannerSetup } from "./planners.ts";
import { ask } from "./sentinels.ts";
import { MASTER_NAME, sentinelPort } from "./server.ts";

/** Pause between attempts to find and reach the primary. */
const RECONNECT_MS = 250;
const CONNECT_TIMEOUT_MS = 1000;
/** How often a client asks its own node's sentinel which node is primary. Sentinel's own
 *  failover takes seconds (DOWN_AFTER_MS and an election), so this adds little to it. */
const PRIMARY_CHECK_MS = 500;
/** How long opening a client waits for it to reach the primary; ops fail fast after that. */
const CLIENT_READY_MS = 1000;

class RedisSentinelSession implements Session<RedisPlan> {
  private readonly redis: Redis;
  private lastError = "none";
  private closed = false;
  private readonly primaryCheck: NodeJS.Timeout;
  /** A primary check is in flight (a slow sentinel must not stack them up). */
  private checking = false;

  constructor(sentinels: readonly { host: string; port: number }[]) {
    this.redis = new Redis({
      sentinels: sentinels.map((sentinel) => ({ ...sentinel })),
      name: MASTER_NAME,
      role: "master",
      // Keep to the given sentinels in the given order (own node first), not ones learned later.
      updateSentinels: false,
      // Off: its sentinel subscriptions report every unreachable sentinel as an unhandled error on
      // stderr. The client still follows a failover: a lost connection or a READONLY reply from a
      // demoted primary makes it ask the sentinels again.
      failoverDetector: false,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      connectTimeout: CONNECT_TIMEOUT_MS,
      sentinelCommandTimeout: CONNECT_TIMEOUT_MS,
      retryStrategy: () => RECONNECT_MS,
      sentinelRetryStrategy: () => RECONNECT_MS,
      // 1: reconnect (asking the sentinels again) without re-sending the refused command.
      reconnectOnError: (error) => (error.message.startsWith("READONLY") ? 1 : false),
    });
    this.redis.on("error", (error: Error) => (this.lastError = error.message));
    const own = sentinels[0];
    this.primaryCheck = setInterval(() => void this.followOwnSentinel(own), PRIMARY_CHECK_MS);
    this.primaryCheck.unref();
  }

  /** Reconnects (asking the sentinels again, own node's first) when the own node's sentinel names
   *  a primary other than the one this client is connected to. A sentinel that does not answer
   *  changes nothing: the client keeps its connection. */
  private async followOwnSentinel(own: { host: string; port: number }): Promise<void> {
    if (this.checking || this.closed || this.redis.status !== "ready") return;
    this.checking = true;
    try {
      const answer = await ask(own.host, own.port, ["SENTINEL", "get-master-addr-by-name", MASTER_NAME], CONNECT_TIMEOUT_MS);
      if (this.closed || this.redis.status !== "ready" || !Array.isArray(answer) || answer.length !== 2) return;
      const named = `${String(answer[0])}:${String(answer[1])}`;
      const connected = `${this.redis.stream.remoteAddress}:${this.redis.stream.remotePort}`;
      if (named !== connected) {
        this.lastError = `own sentinel names ${named} as primary, not ${connected}; reconnecting`;
        this.redis.disconnect(true);
      }
    } finally {
      this.checking = false;
    }
  }

  /** Resolves once connected to the primary, or after `timeoutMs` (ops then fail until it is). */
  async waitReady(timeoutMs: number): Promise<void> {
    if (this.redis.status === "ready") return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.redis.off("ready", done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.redis.on("ready", done);
    });
  }

  async unready(): Promise<string | undefined> {
    if (this.redis.status === "ready") return undefined;
    return `not connected to the primary (connection ${this.redis.status}; last error: ${this.lastError})`;
  }

  perform(plan: RedisPlan, signal: AbortSignal): Promise<Completion> {
    return untilAborted(plan.run(this.redis, signal), signal);
  }

  outcome(error: unknown, plan: RedisPlan): Completion {
    return redisOutcome(error, plan);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.primaryCheck);
    this.redis.disconnect();
  }
}

export async function openRedisSentinelClient(makePlanner: (setup: RedisPlannerSetup) => Planner<RedisPlan>, ctx: ClusterContext, node: string): Promise<Client> {
  // Rounded up: the store's lease must never be shorter than the one the checker trusts.
  const planner = makePlanner({ options: redisSentinelSettings(ctx.options, ctx.nodes.length), leaseMs: Math.ceil(leaseMsOf(ctx.options)), node });
  // The client's own node's sentinel first: a client on the minority side of a partition keeps
  // the primary its side believes in, as an application server there would.
  const sentinels = [node, ...ctx.nodes.filter((other) => other !== node)].map((name) => {
    const info = ctx.runtime.node(name);
    return { host: info.host, port: sentinelPort(info) };
  });
  const session = new RedisSentinelSession(sentinels);
  await session.waitReady(CLIENT_READY_MS);
  return new PlannedClient("redis", node, planner, session);
}
