// The command line that starts one etcd member. Every setting is a flag, so nothing has to be
// written to the node first and the same spec serves a restart: with a data directory in place,
// etcd ignores the --initial-* flags and rejoins with the membership it has stored.

import type { ProcessSpec, Runtime } from "../runtime/runtime.ts";

/** Members reach each other on their real peer ports, not through the local runtime's frame
 *  proxy: etcd's peer traffic is HTTP, not our frames. Partitions therefore need a runtime that
 *  cuts whole addresses (docker's iptables). */
export function peerUrl(runtime: Pick<Runtime, "node">, node: string): string {
  const info = runtime.node(node);
  return `http://${info.host}:${info.peerPort}`;
}

export function clientUrl(runtime: Pick<Runtime, "node">, node: string): string {
  const info = runtime.node(node);
  return `http://${info.host}:${info.clientPort}`;
}

export function etcdProcessSpec(runtime: Pick<Runtime, "node">, nodes: readonly string[], node: string, clusterToken: string): ProcessSpec {
  const info = runtime.node(node);
  return {
    command: "etcd",
    args: [
      "--name", node,
      "--data-dir", `${info.dataDir}/etcd`,
      "--listen-client-urls", clientUrl(runtime, node),
      "--advertise-client-urls", clientUrl(runtime, node),
      "--listen-peer-urls", peerUrl(runtime, node),
      "--initial-advertise-peer-urls", peerUrl(runtime, node),
      "--initial-cluster", nodes.map((member) => `${member}=${peerUrl(runtime, member)}`).join(","),
      "--initial-cluster-state", "new",
      // Unique per cluster, so members of two runs can never mistake each other for one cluster.
      "--initial-cluster-token", clusterToken,
      "--logger", "zap",
      "--log-outputs", "stdout",
    ],
  };
}
