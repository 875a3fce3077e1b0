// The command line that starts one Elasticsearch node (image/es-node: the launcher as the
// elasticsearch user). Every setting is a -E flag, so nothing is written to the node first and the
// same spec serves a restart, when the node rejoins with the cluster state on its disk.

import type { NodeInfo, ProcessSpec } from "../runtime/runtime.ts";
import type { ElasticsearchOptions } from "./options.ts";

export const HTTP_PORT = 9200;
export const TRANSPORT_PORT = 9300;
/** Per server JVM: 3 or 5 share a machine with the harness and other runs. */
export const HEAP_MB = 512;

export function esProcessSpec(infos: readonly NodeInfo[], node: string, clusterName: string, options: ElasticsearchOptions): ProcessSpec {
  const self = infos.find((info) => info.name === node);
  if (!self) throw new Error(`elasticsearch: unknown node ${node}; nodes are ${infos.map((info) => info.name).join(", ")}`);
  const settings: [string, string | number | boolean][] = [
    ["cluster.name", clusterName],
    ["node.name", node],
    ["network.bind_host", "0.0.0.0"],
    ["network.publish_host", self.host],
    ["http.port", HTTP_PORT],
    ["transport.port", TRANSPORT_PORT],
    ["discovery.seed_hosts", infos.map((info) => `${info.host}:${TRANSPORT_PORT}`).join(",")],
    // Every node is master-eligible and votes in the first election; ignored once the cluster has
    // formed (a restarted node rejoins with its stored state).
    ["cluster.initial_master_nodes", infos.map((info) => info.name).join(",")],
    ["cluster.fault_detection.follower_check.interval", `${options["cluster.fault_detection.follower_check.interval"]}ms`],
    ["cluster.fault_detection.leader_check.interval", `${options["cluster.fault_detection.leader_check.interval"]}ms`],
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
    env: { ES_JAVA_OPTS: `-Xms${HEAP_MB}m -Xmx${HEAP_MB}m -XX:-AlwaysPreTouch -XX:TieredStopAtLevel=1` },
  };
}
