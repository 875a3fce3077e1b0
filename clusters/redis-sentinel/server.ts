// How one node runs: redis-server and redis-sentinel, started together by one shell that becomes
// the server. The runtime has one server process per node, and a crash of the node must take its
// sentinel along: on the local runtime the signal reaches the whole process group; in a container
// only the server's PID is signalled, so the sentinel runs under `setpriv --pdeathsig KILL` and
// dies with the server. Pause (SIGSTOP) freezes both locally but only the server in a container.
//
// The first node starts as primary, the others as its replicas. Each config file is written only
// when it does not exist: sentinels rewrite their own file (known replicas, sentinels, epochs) and
// rewrite the servers' files after a failover (replicaof), and a restarted node must come back with
// what it had, as a real one would.
//
// Ports: the server listens on the node's client port; replication also runs over it, so the
// sentinel takes the node's peer port. Where the runtime gives every node the same well-known
// port for both (docker, each node on its own address) the sentinel takes its own, 26379.
// Servers and sentinels reach each other directly, never through the local runtime's frame proxy:
// partitions need the docker runtime.

import type { NodeInfo, ProcessSpec, Runtime } from "../runtime/runtime.ts";
import type { RedisSentinelOptions } from "./options.ts";

/** The name sentinels monitor the primary under, and clients ask them for. */
export const MASTER_NAME = "faultline";
const SENTINEL_WELL_KNOWN_PORT = 26379;
/** Sentinel timing, short so failovers happen within a test's time: a primary unreachable for
 *  this long is subjectively down… */
export const DOWN_AFTER_MS = 2000;
/** …and a failover that has not completed in this long is retried by another sentinel. */
export const FAILOVER_TIMEOUT_MS = 5000;

export function sentinelPort(info: NodeInfo): number {
  return info.peerPort !== info.clientPort ? info.peerPort : SENTINEL_WELL_KNOWN_PORT;
}

/** Sentinels that must agree a primary is down before a failover: a majority. */
export function sentinelQuorum(nodeCount: number): number {
  return Math.floor(nodeCount / 2) + 1;
}

export function redisConfig(info: NodeInfo, primary: NodeInfo | undefined, options: RedisSentinelOptions): string {
  const lines = [
    `bind ${info.host}`,
    `port ${info.clientPort}`,
    "protected-mode no",
    "daemonize no",
    'logfile ""',
    `dir ${info.dataDir}/redis`,
    // Production's usual durability: the AOF, fsynced once a second. Losses the harness finds are
    // then replication's, not a missing disk.
    "appendonly yes",
    "appendfsync everysec",
    'save ""',
    // Replicas sync at once instead of waiting for more replicas to batch with.
    "repl-diskless-sync-delay 0",
    `min-replicas-to-write ${options["min-replicas-to-write"]}`,
    `min-replicas-max-lag ${options["min-replicas-max-lag"]}`,
  ];
  if (primary) lines.push(`replicaof ${primary.host} ${primary.clientPort}`);
  return lines.join("\n") + "\n";
}

export function sentinelConfig(info: NodeInfo, primary: NodeInfo, nodeCount: number): string {
  return [
    `bind ${info.host}`,
    `port ${sentinelPort(info)}`,
    "protected-mode no",
    "daemonize no",
    'logfile ""',
    `dir ${info.dataDir}/sentinel`,
    "sentinel resolve-hostnames no",
    `sentinel monitor ${MASTER_NAME} ${primary.host} ${primary.clientPort} ${sentinelQuorum(nodeCount)}`,
    `sentinel down-after-milliseconds ${MASTER_NAME} ${DOWN_AFTER_MS}`,
    `sentinel failover-timeout ${MASTER_NAME} ${FAILOVER_TIMEOUT_MS}`,
    `sentinel parallel-syncs ${MASTER_NAME} 1`,
  ].join("\n") + "\n";
}

const START_SCRIPT = [
  "set -e",
  'dir="$1"',
  'mkdir -p "$dir/redis" "$dir/sentinel"',
  '[ -e "$dir/redis.conf" ] || printf "%s" "$2" > "$dir/redis.conf"',
  '[ -e "$dir/sentinel.conf" ] || printf "%s" "$3" > "$dir/sentinel.conf"',
  'setpriv --pdeathsig KILL redis-sentinel "$dir/sentinel.conf" &',
  'exec redis-server "$dir/redis.conf"',
].join("\n");

export function nodeProcessSpec(runtime: Pick<Runtime, "node">, nodes: readonly string[], node: string, options: RedisSentinelOptions): ProcessSpec {
  const info = runtime.node(node);
  const primary = runtime.node(nodes[0]);
  return {
    command: "sh",
    args: ["-c", START_SCRIPT, "faultline-redis", info.dataDir, redisConfig(info, node === nodes[0] ? undefined : primary, options), sentinelConfig(info, primary, nodes.length)],
  };
}
