// ZooKeeper listens on three ports: clients (the node's client port), followers to the leader (the
// node's peer port) and leader election, which the runtime's NodeInfo may not provide. Where each
// node has its own address (docker) every node uses ZooKeeper's well-known 3888. Where nodes share
// one address (local), each needs a distinct port: the runtime's reserved extraPorts[0] when it
// gives one, else one we reserve here the way the local runtime reserves its own (below the
// ephemeral range, held by a listener until just before the servers start).

import type { Runtime } from "../runtime/runtime.ts";
import { type PortReservation, reservePorts } from "../runtime/local/ports.ts";

const WELL_KNOWN_ELECTION_PORT = 3888;

export interface ElectionPorts {
  port(node: string): number;
  /** Frees ports held for the servers to bind; call just before starting them. Idempotent. */
  release(): Promise<void>;
}

export async function electionPorts(runtime: Pick<Runtime, "node">, nodes: readonly string[]): Promise<ElectionPorts> {
  const infos = nodes.map((node) => runtime.node(node));
  const ports = new Map<string, number>();
  let reservations: PortReservation[] = [];

  if (infos.every((info) => info.extraPorts?.[0] !== undefined)) {
    for (const info of infos) ports.set(info.name, info.extraPorts![0]);
  } else if (new Set(infos.map((info) => info.host)).size === infos.length) {
    for (const info of infos) {
      if (info.clientPort === WELL_KNOWN_ELECTION_PORT || info.peerPort === WELL_KNOWN_ELECTION_PORT) {
        throw new Error(`zookeeper: node ${info.name} uses port ${WELL_KNOWN_ELECTION_PORT} as its client or peer port, which ZooKeeper needs for leader election; give the runtime other ports`);
      }
      ports.set(info.name, WELL_KNOWN_ELECTION_PORT);
    }
  } else {
    const host = infos[0].host;
    if (!infos.every((info) => info.host === host)) {
      throw new Error(`zookeeper: nodes share addresses (${infos.map((info) => `${info.name}=${info.host}`).join(", ")}) but the runtime reserved no extraPorts; it must reserve one extra port per node`);
    }
    reservations = await reservePorts(infos.length, host);
    infos.forEach((info, index) => ports.set(info.name, reservations[index].port));
  }

  return {
    port: (node) => {
      const port = ports.get(node);
      if (port === undefined) throw new Error(`zookeeper: no election port for unknown node ${node}; nodes are ${nodes.join(", ")}`);
      return port;
    },
    release: async () => {
      await Promise.all(reservations.map((reservation) => reservation.release()));
    },
  };
}
