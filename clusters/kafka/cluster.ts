// What the harness asks of a Kafka cluster (not of one client's broker): which brokers have
// registered, creating the test topic, who leads each partition, which node is the active
// controller. Admin calls go through kafkajs's admin client with retries off, so a question that
// cannot be answered now says so at once and the caller's wait decides what to do.

import { Kafka, logLevel, type Admin, type ISocketFactory, type ITopicMetadata } from "kafkajs";
import type { Runtime } from "../runtime/runtime.ts";
import type { KafkaOptions } from "./options.ts";
import { BROKER_PORT, logDir, nodeNamed } from "./server.ts";

/** The topic the queue workload writes and reads. */
export const TOPIC = "faultline-queue";

/** A kafkajs client of the cluster, bootstrapping from `first` (when given) and then the others;
 *  its sockets come from `socketFactory` when given (kafkajs's default otherwise). */
export function kafkaOf(runtime: Pick<Runtime, "node">, nodes: readonly string[], clientId: string, first?: string, socketFactory?: ISocketFactory): Kafka {
  const ordered = first ? [first, ...nodes.filter((node) => node !== first)] : [...nodes];
  return new Kafka({
    clientId,
    ...(socketFactory ? { socketFactory } : {}),
    brokers: ordered.map((node) => `${runtime.node(node).host}:${BROKER_PORT}`),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 5000,
    // One attempt per call: a retried produce could be appended twice, and the harness's own waits
    // decide when to ask again.
    retry: { retries: 0 },
  });
}

/** Runs `fn` on a connected admin client and disconnects it. */
export async function withAdmin<T>(kafka: Kafka, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin({ retry: { retries: 0 } });
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** The node names of the brokers the cluster's metadata lists (registered and unfenced). */
export async function registeredBrokers(admin: Admin, nodes: readonly string[]): Promise<string[]> {
  const cluster = await admin.describeCluster();
  return cluster.brokers.map((broker) => nodeNamed(nodes, broker.nodeId) ?? `broker ${broker.nodeId}`);
}

/** Creates the test topic with the run's replication factor, partitions and topic configs.
 *  False when it already exists. Kafka's errors (e.g. INVALID_REPLICATION_FACTOR) are thrown. */
export async function createTopic(admin: Admin, options: KafkaOptions): Promise<boolean> {
  return admin.createTopics({
    waitForLeaders: false,
    topics: [
      {
        topic: TOPIC,
        numPartitions: options.partitions,
        replicationFactor: options["replication.factor"],
        configEntries: [
          { name: "min.insync.replicas", value: String(options["min.insync.replicas"]) },
          { name: "unclean.leader.election.enable", value: String(options["unclean.leader.election.enable"]) },
        ],
      },
    ],
  });
}

export interface PartitionState {
  partition: number;
  leader: string | undefined;
  replicas: string[];
  isr: string[];
}

/** Each partition of the test topic as the answering broker's metadata has it. */
export async function partitionStates(admin: Admin, nodes: readonly string[]): Promise<PartitionState[]> {
  const { topics } = await admin.fetchTopicMetadata({ topics: [TOPIC] });
  const topic: ITopicMetadata | undefined = topics.find((t) => t.name === TOPIC);
  if (!topic) return [];
  const name = (id: number): string => nodeNamed(nodes, id) ?? `broker ${id}`;
  return topic.partitions
    .map((p) => ({ partition: p.partitionId, leader: p.leader >= 0 ? name(p.leader) : undefined, replicas: p.replicas.map(name), isr: p.isr.map(name) }))
    .sort((a, b) => a.partition - b.partition);
}

/** The broker leading most partitions (the lowest partition's leader on a tie): killing or cutting
 *  it off takes the most partitions' leadership away. */
export function busiestLeader(states: readonly PartitionState[]): string | undefined {
  const led = new Map<string, number>();
  for (const state of states) if (state.leader) led.set(state.leader, (led.get(state.leader) ?? 0) + 1);
  let best: string | undefined;
  for (const state of states) {
    if (!state.leader) continue;
    if (best === undefined || (led.get(state.leader) ?? 0) > (led.get(best) ?? 0)) best = state.leader;
  }
  return best;
}

export interface QuorumState {
  node: string;
  leaderId: number;
  leaderEpoch: number;
}

/** The active controller: every running node's KRaft quorum-state file names the leader it follows
 *  and that leader's epoch; the highest epoch wins (an isolated old controller still names itself,
 *  in an older epoch). KRaft brokers do not tell clients the active controller (the Metadata
 *  answer names a random broker), hence the file. */
export async function activeController(runtime: Pick<Runtime, "node" | "state" | "exec">, nodes: readonly string[]): Promise<{ node: string; epoch: number } | undefined> {
  const states = await Promise.all(nodes.filter((node) => runtime.state(node) === "running").map((node) => quorumState(runtime, node)));
  let best: QuorumState | undefined;
  for (const state of states) if (state && state.leaderId >= 0 && (!best || state.leaderEpoch > best.leaderEpoch)) best = state;
  const node = best ? nodeNamed(nodes, best.leaderId) : undefined;
  return best && node ? { node, epoch: best.leaderEpoch } : undefined;
}

async function quorumState(runtime: Pick<Runtime, "node" | "exec">, node: string): Promise<QuorumState | undefined> {
  const result = await runtime.exec(node, "cat", [`${logDir(runtime.node(node))}/__cluster_metadata-0/quorum-state`]).catch(() => undefined);
  if (!result || result.exitCode !== 0) return undefined;
  try {
    const parsed = JSON.parse(result.stdout) as { leaderId?: unknown; leaderEpoch?: unknown };
    if (typeof parsed.leaderId !== "number" || typeof parsed.leaderEpoch !== "number") return undefined;
    return { node, leaderId: parsed.leaderId, leaderEpoch: parsed.leaderEpoch };
  } catch {
    return undefined;
  }
}
