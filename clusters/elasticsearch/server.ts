// The command line that starts one Elasticsearch node (image/es-node: the launcher as the
// elasticsearch user). Every setting is a -E flag, so nothing is written to the node first and the
// same spec serves a restart, when the node rejoins with the cluster state on its disk.
//
// Transport on loopback. Elasticsearch enforces its bootstrap checks (refuses to start when one
// fails) in "production mode": when its transport binds or publishes any non-loopback address
// (BootstrapChecks.enforceLimits; the 8.17 reference, "Bootstrap checks": development vs.
// production mode). Containers here get at most 20000 open files (the engine's own hard limit,
// which a container cannot raise without CAP_SYS_RESOURCE), below the file-descriptor check's
// 65535, so a node whose transport faced the network would not start. Each node's transport
// therefore binds and publishes a loopback address of its own (127.0.100.<i>), and socat in every
// container carries peer traffic over the container network (es-node):
//   in node i:  <container address i>:9301  → 127.0.100.i:9300      (peers reach this node)
//               127.0.100.j:9300             → <container address j>:9301, for every peer j
// Every byte between nodes still crosses the container network between container addresses, so a
// partition (iptables rules on those addresses) cuts it as it would cut the nodes' own sockets.
// What differs from a production deployment: the bootstrap checks are warnings, not refusals
// (setup logs each one that would have failed), and every transport connection has a forwarder in
// the middle, which ends a connection when its peer refuses or does not answer a connect in 5 s.
// HTTP needs none of this: the HTTP bind address plays no part in the bootstrap checks.

import type { NodeInfo, ProcessSpec } from "../runtime/runtime.ts";
import type { ElasticsearchOptions } from "./options.ts";

export const HTTP_PORT = 9200;
export const TRANSPORT_PORT = 9300;
/** Where each container's forwarder takes peer traffic in, on the container's own address. */
export const FORWARD_PORT = 9301;
/** Per server JVM: 3 or 5 share a machine with the harness and other runs. */
export const HEAP_MB = 512;

export function esProcessSpec(infos: readonly NodeInfo[], node: string, clusterName: string, options: ElasticsearchOptions): ProcessSpec {
  const self = infos.find((info) => info.name === node);
  if (!self) throw new Error(`elasticsearch: unknown node ${node}; nodes are ${infos.map((info) => info.name).join(", ")}`);
  const forwards = [
    `${self.host}:${FORWARD_PORT}>${loopbackOf(infos, node)}:${TRANSPORT_PORT}`,
    ...infos.filter((info) => info.name !== node).map((peer) => `${loopbackOf(infos, peer.name)}:${TRANSPORT_PORT}>${peer.host}:${FORWARD_PORT}`),
  ];
  const settings: [string, string | number | boolean][] = [
    ["cluster.name", clusterName],
    ["node.name", node],
    ["http.bind_host", "0.0.0.0"],
    ["http.publish_host", self.host],
    ["http.port", HTTP_PORT],
    ["transport.bind_host", loopbackOf(infos, node)],
    ["transport.publish_host", loopbackOf(infos, node)],
    ["transport.port", TRANSPORT_PORT],
    ["discovery.seed_hosts", infos.map((info) => `${loopbackOf(infos, info.name)}:${TRANSPORT_PORT}`).join(",")],
    // Every node is master-eligible and votes in the first election; ignored once the cluster has
    // formed (a restarted node rejoins with its stored state).
    ["cluster.initial_master_nodes", infos.map((info) => info.name).join(",")],
    ["cluster.fault_detection.follower_check.interval", `${options["cluster.fault_detection.follower_check.interval"]}ms`],
    ["cluster.fault_detection.leader_check.interval", `${options["cluster.fault_detection.leader_check.interval"]}ms`],
    ["cluster.fault_detection.follower_check.timeout", `${options["cluster.fault_detection.follower_check.timeout"]}ms`],
    ["cluster.fault_detection.leader_check.timeout", `${options["cluster.fault_detection.leader_check.timeout"]}ms`],
    // The host's vm.max_map_count (65530 here) is below what mmapped index files need, and a
    // container cannot raise it; niofs needs no maps. Also what turns off that bootstrap check.
    ["node.store.allow_mmap", false],
    // The test machine's disk may be fuller than the default watermarks (85–95%), which would stop
    // shards from being allocated at all.
    ["cluster.routing.allocation.disk.threshold_enabled", false],
    ["xpack.security.enabled", false],
    ["action.auto_create_index", false],
  ];
  return {
    command: "es-node",
    args: [`${self.dataDir}/elasticsearch`, ...settings.flatMap(([key, value]) => ["-E", `${key}=${String(value)}`])],
    // C1 only and no pre-touched heap: a faster start on a shared two-core machine, where a node
    // otherwise takes minutes to boot; tests run small loads.
    env: { ES_JAVA_OPTS: `-Xms${HEAP_MB}m -Xmx${HEAP_MB}m -XX:-AlwaysPreTouch -XX:TieredStopAtLevel=1`, ES_FORWARDS: forwards.join(" ") },
  };
}

/** The loopback address node `node`'s transport binds and publishes: 127.0.100.<position>. */
export function loopbackOf(infos: readonly Pick<NodeInfo, "name">[], node: string): string {
  const index = infos.findIndex((info) => info.name === node);
  if (index < 0 || index > 253) throw new Error(`elasticsearch: no loopback address for node ${node} (position ${index} of ${infos.length})`);
  return `127.0.100.${index + 1}`;
}
