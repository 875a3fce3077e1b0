// One logical client process: ioredis in sentinel mode, asking the sentinels (its own node's first)
// for the primary, with no offline queue and no retries, so every op is sent at most once and an op
// that could not be sent fails at once. ioredis follows failovers itself: when its connection to
// the primary breaks, or a demoted primary answers READONLY, it asks the sentinels again.
//
// register  read  → GET key → number | null;  write → SET key value
//           cas   → EVAL (GET = old ? SET new) → ok if it swapped, fail if not
// set       add   → SADD faultline:set element;  read → SMEMBERS → the elements
// lock      acquire → SET faultline:lock <owner> NX PX <ttl> → ok (no fencing token), fail if held
//           release → EVAL (GET = owner ? DEL) → ok if this client's hold was deleted, fail if the
//                     lock was no longer its own (expired, or lost in a failover)
// With the wait option every successful write is followed by WAIT n: fewer replicas than n
// within the timeout turns the write's ok into info (applied on the primary, may be lost).
//
// Following a failover: the harness reaches every node, even across a partition, so a client whose
// connection to the old primary stays up would never notice a failover its own side has made, and
// would go on writing to a primary the rest of the cluster has already replaced (which no client
// co-located with the majority could do). A Sentinel client is expected to act on a switch of
// primary; this one asks its own node's sentinel every PRIMARY_CHECK_MS and reconnects when that
// sentinel names another primary. A client on the isolated old primary's node keeps what its
// sentinel says (the old primary): the split brain Redis's documentation describes.

import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import type { Completion, Invocation } from "../../harness/op.ts";
import type { Client } from "../../harness/interpreter/client.ts";
import { completionForError } from "./outcome.ts";
import { OpTimedOut, untilAborted, registerNumber } from "../client-timeout.ts";
import { ask } from "./sentinels.ts";
import { MASTER_NAME } from "./server.ts";

export const REDIS_WORKLOADS = ["register", "set", "lock"] as const;
export type RedisWorkload = (typeof REDIS_WORKLOADS)[number];

export const SET_KEY = "faultline:set";
export const LOCK_KEY = "faultline:lock";
export const REGISTER_PREFIX = "faultline:register:";

const CAS_SCRIPT = "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) return 1 end return 0";
const RELEASE_SCRIPT = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

/** Pause between attempts to find and reach the primary. */
const RECONNECT_MS = 250;
const CONNECT_TIMEOUT_MS = 1000;
/** How often a client asks its own node's sentinel which node is primary. Sentinel's own
 *  failover takes seconds (DOWN_AFTER_MS and an election), so this adds little to it. */
const PRIMARY_CHECK_MS = 500;

export interface ClientSettings {
  wait: number;
  waitTimeoutMs: number;
  lockTtlMs: number;
}

type Call = (redis: Redis) => Promise<Completion>;

export class RedisSentinelClient implements Client {
  private readonly redis: Redis;
  /** The value this client's last acquire set on the lock key; release deletes only that. */
  private owner: string | undefined;
  private lastError = "none";
  private closed = false;
  private readonly primaryCheck: NodeJS.Timeout;
  /** A primary check is in flight (a slow sentinel must not stack them up). */
  private checking = false;

  constructor(
    private readonly workload: RedisWorkload,
    private readonly node: string,
    sentinels: readonly { host: string; port: number }[],
    private readonly settings: ClientSettings,
  ) {
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

  async invoke(op: Invocation, signal: AbortSignal): Promise<Completion> {
    const node = this.node;
    if (this.closed) return { type: "fail", node, error: "the redis client was closed before this op; nothing was sent" };
    const call = this.plan(op);
    if (typeof call === "string") return { type: "fail", node, error: `redis ${this.workload} client: ${call}; nothing was sent` };
    if (signal.aborted) return { type: "fail", node, error: "the op timed out before it was sent" };
    if (this.redis.status !== "ready") {
      return { type: "fail", node, error: `not sent: not connected to the primary (connection ${this.redis.status}; last error: ${this.lastError})` };
    }
    try {
      return { ...(await untilAborted(call(this.redis), signal)), node };
    } catch (error) {
      return completionForError(op, error, node);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.primaryCheck);
    this.redis.disconnect();
  }

  private plan(op: Invocation): Call | string {
    switch (this.workload) {
      case "register":
        return this.registerCall(op);
      case "set":
        return this.setCall(op);
      case "lock":
        return this.lockCall(op);
    }
  }

  private registerCall(op: Invocation): Call | string {
    const key = `${REGISTER_PREFIX}${op.key ?? "default"}`;
    switch (op.f) {
      case "read":
        return async (redis) => {
          const value = await redis.get(key);
          return { type: "ok", value: value === null ? null : registerNumber(value) };
        };
      case "write": {
        if (typeof op.value !== "number") return `write needs a number, got ${JSON.stringify(op.value)}`;
        const value = String(op.value);
        return async (redis) => {
          await redis.set(key, value);
          return this.confirmed(redis, { type: "ok" });
        };
      }
      case "cas": {
        const pair = op.value;
        if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== "number" || typeof pair[1] !== "number") {
          return `cas needs [expected, new] numbers, got ${JSON.stringify(op.value)}`;
        }
        const [expected, next] = pair.map(String);
        return async (redis) => {
          const swapped = await redis.eval(CAS_SCRIPT, 1, key, expected, next);
          if (swapped !== 1) return { type: "fail", error: `cas: ${key} did not hold ${expected}` };
          return this.confirmed(redis, { type: "ok" });
        };
      }
      default:
        return `unknown op ${op.f}; the register workload has read, write and cas`;
    }
  }

  private setCall(op: Invocation): Call | string {
    switch (op.f) {
      case "add": {
        const member = JSON.stringify(op.value);
        return async (redis) => {
          await redis.sadd(SET_KEY, member);
          return this.confirmed(redis, { type: "ok" });
        };
      }
      case "read":
        return async (redis) => {
          const members = await redis.smembers(SET_KEY);
          return { type: "ok", value: members.map((member) => JSON.parse(member) as unknown) };
        };
      default:
        return `unknown op ${op.f}; the set workload has add and read`;
    }
  }

  private lockCall(op: Invocation): Call | string {
    switch (op.f) {
      case "acquire":
        return async (redis) => {
          const owner = `${this.node}:${randomUUID()}`;
          // Remembered before sending: if the answer is lost, this client may hold the lock.
          this.owner = owner;
          const reply = await redis.set(LOCK_KEY, owner, "PX", this.settings.lockTtlMs, "NX");
          if (reply !== "OK") return { type: "fail", error: "the lock is held by another client" };
          return this.confirmed(redis, { type: "ok", value: null });
        };
      case "release": {
        const owner = this.owner;
        if (owner === undefined) return "release without a preceding acquire by this client";
        return async (redis) => {
          const deleted = await redis.eval(RELEASE_SCRIPT, 1, LOCK_KEY, owner);
          if (deleted !== 1) return { type: "fail", error: "the lock was no longer this client's (its lease ran out, or a failover lost it)" };
          this.owner = undefined;
          return this.confirmed(redis, { type: "ok" });
        };
      }
      default:
        return `unknown op ${op.f}; the lock workload has acquire and release`;
    }
  }

  /** `completion` if WAIT is off or enough replicas confirmed the write; otherwise info. */
  private async confirmed(redis: Redis, completion: Completion): Promise<Completion> {
    const { wait, waitTimeoutMs } = this.settings;
    if (wait === 0) return completion;
    let replicas: number;
    try {
      replicas = await redis.wait(wait, waitTimeoutMs);
    } catch (error) {
      // Whatever went wrong, the write itself was applied on the primary.
      return { type: "info", error: `applied on the primary, but WAIT ${wait} did not answer: ${(error as Error).message}` };
    }
    if (replicas >= wait) return completion;
    return { type: "info", error: `applied on the primary, but WAIT ${wait} saw ${replicas} replica(s) confirm it within ${waitTimeoutMs} ms; a failover may lose it` };
  }
}

