// One writer that loops sequential writes against a cluster and finds its way to whichever node
// currently takes writes. A leader-kill trial marks the kill time; `firstOk` resolves with the
// completion time of the first successful write invoked at or after the kill on another node.

import { setTimeout as sleep } from "node:timers/promises";
import type { Redis } from "ioredis";
import type { Etcd3 } from "etcd3";
import { createConnection, type Endpoint } from "../clusters/raft/redis-connection.ts";

/** Pause after a failed attempt, so the loop does not spin on a CPU the cluster needs to elect. */
const RETRY_PAUSE_MS = 2;
const ATTEMPT_TIMEOUT_MS = 2000;

/** One write of `key` to node `target`; rejects with the reason. */
type Attempt = (target: string, key: string) => Promise<void>;
/** The node to try after `failed` failed with `error`: a redirect's target, or the next node. */
type NextTarget = (failed: string, error: unknown) => string;

export class FailoverWriter {
  private stopped = false;
  private killedAt: number | undefined;
  private killedNode: string | undefined;
  private resolveFirstOk: ((ms: number) => void) | undefined;
  private loop: Promise<void> | undefined;
  private target: string;
  writes = 0;
  failures = 0;

  constructor(
    initialTarget: string,
    private readonly attempt: Attempt,
    private readonly nextTarget: NextTarget,
    private readonly keyPrefix: string,
  ) {
    this.target = initialTarget;
  }

  start(): void {
    this.loop = this.run();
  }

  /** Call right before sending the kill; resolves with ms from the kill to the first ok write. */
  markKill(node: string, atMs: number): Promise<number> {
    this.killedAt = atMs;
    this.killedNode = node;
    return new Promise((resolve) => (this.resolveFirstOk = resolve));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  private async run(): Promise<void> {
    for (let seq = 0; !this.stopped; seq++) {
      const target = this.target;
      const invokedAt = performance.now();
      try {
        await this.attempt(target, `${this.keyPrefix}-${seq}`);
        this.writes++;
        if (this.killedAt !== undefined && invokedAt >= this.killedAt && target !== this.killedNode && this.resolveFirstOk) {
          this.resolveFirstOk(performance.now() - this.killedAt);
          this.resolveFirstOk = undefined;
        }
      } catch (error) {
        this.failures++;
        this.target = this.nextTarget(target, error);
        await sleep(RETRY_PAUSE_MS);
      }
    }
  }
}

const VALUE = "v".repeat(64);

/** Writes to our Raft nodes over RESP, following REDIRECT; other failures move to the next node. */
export function raftFailoverWriter(endpoints: readonly Endpoint[], leader: string, keyPrefix: string): { writer: FailoverWriter; close(): void } {
  const connections = new Map<string, Redis>();
  const connection = async (node: string): Promise<Redis> => {
    let redis = connections.get(node);
    if (redis && redis.status === "ready") return redis;
    redis?.disconnect();
    const endpoint = endpoints.find((e) => e.node === node)!;
    redis = createConnection(endpoint, ATTEMPT_TIMEOUT_MS, ATTEMPT_TIMEOUT_MS);
    connections.set(node, redis);
    await redis.connect();
    return redis;
  };
  const nodes = endpoints.map((e) => e.node);
  const writer = new FailoverWriter(
    leader,
    async (target, key) => {
      const redis = await connection(target);
      await redis.set(key, VALUE);
    },
    (failed, error) => {
      const message = error instanceof Error ? error.message : String(error);
      const redirect = /^REDIRECT (\S+)/.exec(message);
      if (redirect && nodes.includes(redirect[1])) return redirect[1];
      return nodes[(nodes.indexOf(failed) + 1) % nodes.length];
    },
    keyPrefix,
  );
  return { writer, close: () => connections.forEach((redis) => redis.disconnect()) };
}

/** Writes to etcd members (each forwards to its leader); a failure moves to the next member. */
export function etcdFailoverWriter(clients: ReadonlyMap<string, Etcd3>, leader: string, keyPrefix: string): FailoverWriter {
  const names = [...clients.keys()];
  return new FailoverWriter(
    leader,
    async (target, key) => {
      await clients.get(target)!.put(key).value(VALUE).options({ deadline: Date.now() + ATTEMPT_TIMEOUT_MS }).exec();
    },
    (failed) => names[(names.indexOf(failed) + 1) % names.length],
    keyPrefix,
  );
}
