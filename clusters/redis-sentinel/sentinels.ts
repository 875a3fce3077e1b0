// What the servers and sentinels say about the cluster: who the primary is, and whether
// replication and the sentinels are in place. The harness asks these to wait for readiness and to
// find the primary (leader()); clients ask sentinels themselves, through ioredis.

import { Redis } from "ioredis";
import { parseInfoReply } from "../lifecycle/info-reply.ts";
import type { Runtime } from "../runtime/runtime.ts";
import { MASTER_NAME, sentinelPort } from "./server.ts";

/** Runs `command` on a fresh connection; undefined if the server does not answer in time. */
export function ask(host: string, port: number, command: string[], timeoutMs: number): Promise<unknown> {
  return onConnection(host, port, timeoutMs, (redis) => redis.call(command[0], ...command.slice(1)));
}

/** Runs `use` on a fresh connection once it is open (so that what `use` times excludes the
 *  connect); undefined if the server does not answer in time. */
export async function onConnection<T>(host: string, port: number, timeoutMs: number, use: (redis: Redis) => Promise<T>): Promise<T | undefined> {
  const redis = new Redis({
    host,
    port,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
  });
  // Connection errors also reject connect() or the command; the listener only keeps them from
  // being reported as unhandled.
  redis.on("error", () => {});
  try {
    await redis.connect();
    return await use(redis);
  } catch {
    return undefined;
  } finally {
    redis.disconnect();
  }
}

/** The node whose server listens at host:port. */
export function nodeAt(runtime: Pick<Runtime, "node">, nodes: readonly string[], host: string, port: number): string | undefined {
  return nodes.find((node) => {
    const info = runtime.node(node);
    return info.host === host && info.clientPort === port;
  });
}

/** The primary as `node`'s sentinel knows it, or undefined if that sentinel does not answer. */
export async function primaryAccordingTo(runtime: Pick<Runtime, "node">, nodes: readonly string[], node: string, timeoutMs: number): Promise<string | undefined> {
  const info = runtime.node(node);
  const answer = await ask(info.host, sentinelPort(info), ["SENTINEL", "get-master-addr-by-name", MASTER_NAME], timeoutMs);
  if (!Array.isArray(answer) || answer.length !== 2) return undefined;
  return nodeAt(runtime, nodes, String(answer[0]), Number(answer[1]));
}

/** The primary most answering sentinels name (ties: the first node's view in node order). */
export async function findPrimary(runtime: Pick<Runtime, "node">, nodes: readonly string[], timeoutMs: number): Promise<string | undefined> {
  const views = await Promise.all(nodes.map((node) => primaryAccordingTo(runtime, nodes, node, timeoutMs)));
  const votes = new Map<string, number>();
  for (const view of views) if (view !== undefined) votes.set(view, (votes.get(view) ?? 0) + 1);
  let best: string | undefined;
  for (const [candidate, count] of votes) if (best === undefined || count > (votes.get(best) ?? 0)) best = candidate;
  return best;
}

/** Whether `primary` has every other node as an online replica. */
export async function replicationComplete(runtime: Pick<Runtime, "node">, nodes: readonly string[], primary: string, timeoutMs: number): Promise<boolean> {
  const info = runtime.node(primary);
  const text = await ask(info.host, info.clientPort, ["INFO", "replication"], timeoutMs);
  if (typeof text !== "string") return false;
  const fields = parseInfoReply(text);
  if (fields.role !== "master") return false;
  const online = Object.entries(fields).filter(([name, value]) => /^slave\d+$/.test(name) && value.includes("state=online")).length;
  return online === nodes.length - 1;
}

/** Whether `node`'s sentinel monitors a healthy primary and knows every other sentinel and every
 *  replica, so that a failover can be authorized from the start of the test. */
export async function sentinelReady(runtime: Pick<Runtime, "node">, nodes: readonly string[], node: string, timeoutMs: number): Promise<boolean> {
  const info = runtime.node(node);
  const answer = await ask(info.host, sentinelPort(info), ["SENTINEL", "master", MASTER_NAME], timeoutMs);
  if (!Array.isArray(answer)) return false;
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < answer.length; i += 2) fields[String(answer[i])] = String(answer[i + 1]);
  return fields.flags === "master" && Number(fields["num-other-sentinels"]) === nodes.length - 1 && Number(fields["num-slaves"]) === nodes.length - 1;
}

/** Whether the server and the sentinel on `node` both answer PING. */
export async function nodeAnswers(runtime: Pick<Runtime, "node">, node: string, timeoutMs: number): Promise<boolean> {
  const info = runtime.node(node);
  const [server, sentinel] = await Promise.all([
    ask(info.host, info.clientPort, ["PING"], timeoutMs),
    ask(info.host, sentinelPort(info), ["PING"], timeoutMs),
  ]);
  return server === "PONG" && sentinel === "PONG";
}
