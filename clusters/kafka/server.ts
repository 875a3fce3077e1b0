// One combined KRaft broker/controller per node (no ZooKeeper): its server.properties, its node id,
// the cluster id every node is formatted with, and the command that starts it (image/kafka-node:
// format the log directory the first time, then run kafka.Kafka).
//
// Brokers listen on 9092 (clients and replication) and controllers on 9093 (the Raft quorum of
// the metadata log); every node votes, listed statically in controller.quorum.voters.

import type { NodeInfo, ProcessSpec } from "../runtime/runtime.ts";
import type { KafkaOptions } from "./options.ts";

export const BROKER_PORT = 9092;
export const CONTROLLER_PORT = 9093;
/** Per broker JVM: 3 or 5 of them share a machine with the harness and other runs. */
export const HEAP_MB = 384;

/** Node ids are 1-based positions in the node list: n1 → 1. */
export function nodeId(nodes: readonly string[], node: string): number {
  const index = nodes.indexOf(node);
  if (index < 0) throw new Error(`kafka: unknown node ${node}; nodes are ${nodes.join(", ")}`);
  return index + 1;
}

export function nodeNamed(nodes: readonly string[], id: number): string | undefined {
  return nodes[id - 1];
}

/** A Kafka cluster id: 16 bytes, base64url without padding (what `kafka-storage random-uuid` prints). */
export function clusterId(randomWord: () => number): string {
  const bytes = Buffer.alloc(16);
  for (let i = 0; i < 16; i += 4) bytes.writeUInt32BE(randomWord() >>> 0, i);
  return bytes.toString("base64url");
}

export function logDir(info: Pick<NodeInfo, "dataDir">): string {
  return `${info.dataDir}/kafka`;
}

export function configPath(info: Pick<NodeInfo, "dataDir">): string {
  return `${info.dataDir}/server.properties`;
}

/** server.properties for `node`. Broker-wide defaults carry the options too, so the internal
 *  topics (consumer offsets) follow them; the test topic also sets them as its own configs. */
export function serverProperties(infos: readonly NodeInfo[], node: string, options: KafkaOptions): string {
  const nodes = infos.map((info) => info.name);
  const self = infos.find((info) => info.name === node);
  if (!self) throw new Error(`kafka: unknown node ${node}; nodes are ${nodes.join(", ")}`);
  const internalReplicas = Math.min(3, infos.length);
  const settings: [string, string | number | boolean][] = [
    ["process.roles", "broker,controller"],
    ["node.id", nodeId(nodes, node)],
    ["controller.quorum.voters", infos.map((info) => `${nodeId(nodes, info.name)}@${info.host}:${CONTROLLER_PORT}`).join(",")],
    ["listeners", `PLAINTEXT://0.0.0.0:${BROKER_PORT},CONTROLLER://0.0.0.0:${CONTROLLER_PORT}`],
    ["advertised.listeners", `PLAINTEXT://${self.host}:${BROKER_PORT}`],
    ["controller.listener.names", "CONTROLLER"],
    ["inter.broker.listener.name", "PLAINTEXT"],
    ["listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"],
    ["log.dirs", logDir(self)],
    ["auto.create.topics.enable", false],
    ["num.partitions", options.partitions],
    ["default.replication.factor", Math.min(options["replication.factor"], infos.length)],
    ["min.insync.replicas", options["min.insync.replicas"]],
    ["unclean.leader.election.enable", options["unclean.leader.election.enable"]],
    ["offsets.topic.replication.factor", internalReplicas],
    ["offsets.topic.num.partitions", 4],
    ["transaction.state.log.replication.factor", internalReplicas],
    ["transaction.state.log.min.isr", Math.min(2, internalReplicas)],
    // A new consumer group is served at once instead of waiting 3 s for more members.
    ["group.initial.rebalance.delay.ms", 0],
    // A broker that stops heartbeating is fenced (its partitions get new leaders) after 6 s
    // instead of 9; the quorum elects a new controller after 1 s, Kafka's default.
    ["broker.session.timeout.ms", 6000],
    ["broker.heartbeat.interval.ms", 1000],
    // Kafka's default: a follower that has not caught up for 30 s leaves the ISR. Left alone so
    // acks=1 and unclean elections behave as users meet them.
    ["replica.lag.time.max.ms", 30000],
  ];
  return settings.map(([key, value]) => `${key}=${String(value)}`).join("\n") + "\n";
}

/** Starts the node's broker/controller (image/kafka-node formats the log directory on first start). */
export function kafkaProcessSpec(info: Pick<NodeInfo, "dataDir">, cluster: string): ProcessSpec {
  return { command: "kafka-node", args: [configPath(info), cluster, String(HEAP_MB)] };
}
