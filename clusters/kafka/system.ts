// Apache Kafka 4.1 in KRaft mode as a system under test: every node a combined broker and
// controller (no ZooKeeper), one test topic with the run's replication factor, partitions and
// topic configs, and the queue workload as a partitioned log (clusters/system.ts has the contract).
//
// Client: kafkajs 2.2.4, the newest release; it speaks the protocol versions Kafka 4.x kept (4.0
// removed the versions older clients used), checked against this broker for produce, fetch,
// consumer groups, offsets and topic admin. Docker only: the image carries the broker from Maven
// Central (image/pom.xml), and partitions cut whole container addresses.

import type { Kafka } from "kafkajs";
import { UsageError } from "../../harness/errors.ts";
import { clientsFrom } from "../client/planned-client.ts";
import { stopServers } from "../lifecycle/stop.ts";
import { waitUntil } from "../lifecycle/wait.ts";
import type { Runtime } from "../runtime/runtime.ts";
import type { ClusterContext, System } from "../system.ts";
import { openKafkaClient } from "./client.ts";
import { activeController, busiestLeader, createTopic, kafkaOf, partitionStates, registeredBrokers, TOPIC, withAdmin, type PartitionState } from "./cluster.ts";
import { KAFKA_IMAGE } from "./image.ts";
import { kafkaOptions, type KafkaOptions } from "./options.ts";
import { kafkaPlanners } from "./planners.ts";
import { BROKER_PORT, CONTROLLER_PORT, clusterId, configPath, kafkaProcessSpec, serverProperties } from "./server.ts";
import { acceptsConnections } from "../lifecycle/port-probe.ts";

const READY_WAIT_MS = 90_000;
const TOPIC_WAIT_MS = 60_000;
const RESTART_WAIT_MS = 30_000;
const LOGS = "nodes/<node>/<node>.log of the run (each broker logs there)";
/** Answers to topic creation that asking again may change: the cluster is still settling. */
const TRANSIENT = new Set(["TOPIC_ALREADY_EXISTS", "LEADER_NOT_AVAILABLE", "NOT_CONTROLLER", "REQUEST_TIMED_OUT", "UNKNOWN_TOPIC_OR_PARTITION", "BROKER_NOT_AVAILABLE", "UNKNOWN_SERVER_ERROR"]);

/** Refuses settings Kafka would accept but that make the run meaningless, before any node starts. */
function checkSettings(options: KafkaOptions, nodes: number, raw: Record<string, unknown>): void {
  // The runner gives the queue workload ordered=per-partition (workloadDefaults below); only a run
  // that asks for another order gets here with one.
  if (raw.ordered !== undefined && raw.ordered !== "per-partition") {
    throw new UsageError(`kafka: --opt ordered=${String(raw.ordered)} cannot hold: the queue workload over a Kafka topic is a partitioned log with offsets, ordered per partition (the default here); drop the option`);
  }
  const rf = options["replication.factor"];
  if (rf > nodes) throw new UsageError(`kafka: --opt replication.factor=${rf} needs at least ${rf} nodes, the run has ${nodes}; lower it or pass --nodes ${rf}`);
  if (options.acks === "all" && options["min.insync.replicas"] > rf) {
    throw new UsageError(`kafka: --opt min.insync.replicas=${options["min.insync.replicas"]} exceeds replication.factor=${rf}, so every acks=all send would be refused (NOT_ENOUGH_REPLICAS); lower it`);
  }
}

async function writeFile(runtime: Runtime, node: string, path: string, content: string): Promise<void> {
  const result = await runtime.exec(node, "sh", ["-c", 'mkdir -p "$(dirname "$1")" && printf %s "$2" > "$1"', "sh", path, content]);
  if (result.exitCode !== 0) throw new Error(`kafka: writing ${path} on ${node} failed: ${result.stderr.trim()}`);
}

function describePartitions(states: readonly PartitionState[]): string {
  return states.map((s) => `p${s.partition} leader ${s.leader ?? "none"} isr [${s.isr.join(",")}]`).join("; ");
}

async function waitForCluster(ctx: ClusterContext, options: KafkaOptions): Promise<void> {
  const kafka = kafkaOf(ctx.runtime, ctx.nodes, "faultline-setup");
  let registered: string[] = [];
  await waitUntil(
    ctx.runtime,
    {
      system: "kafka",
      failure: () => {
        const missing = ctx.nodes.filter((node) => !registered.includes(node));
        return `broker(s) ${missing.join(", ")} did not register with the cluster (waited for all ${ctx.nodes.length} brokers in the controllers' metadata; registered: ${registered.join(", ") || "none"})`;
      },
      timeoutMs: READY_WAIT_MS,
      pollMs: 500,
      logs: LOGS,
      watch: ctx.nodes,
    },
    async () => {
      registered = await withAdmin(kafka, (admin) => registeredBrokers(admin, ctx.nodes)).catch(() => registered);
      return ctx.nodes.every((node) => registered.includes(node));
    },
  );

  ctx.log(`kafka: all brokers registered: ${registered.join(", ")}`);

  let lastError = "";
  let states: PartitionState[] = [];
  let created = false;
  await waitUntil(
    ctx.runtime,
    {
      system: "kafka",
      failure: () =>
        created
          ? `topic ${TOPIC} did not get a leader and ${options["replication.factor"]} in-sync replicas for every partition (last seen: ${describePartitions(states) || "no metadata"})`
          : `topic ${TOPIC} could not be created (asked the cluster through ${ctx.nodes.join(", ")}; last answer: ${lastError || "none"})`,
      timeoutMs: TOPIC_WAIT_MS,
      pollMs: 500,
      logs: LOGS,
      watch: ctx.nodes,
    },
    async () => {
      try {
        return await withAdmin(kafka, async (admin) => {
          if (!created) {
            await createTopic(admin, options).catch((error: unknown) => {
              const type = (error as { type?: string }).type;
              // Kafka's own refusal of the topic (INVALID_REPLICATION_FACTOR, INVALID_CONFIG,
              // POLICY_VIOLATION …): asking again will not help.
              if (type !== undefined && !TRANSIENT.has(type)) {
                throw new UsageError(`kafka: topic ${TOPIC} could not be created: ${type}: ${(error as Error).message}`);
              }
              if (type !== "TOPIC_ALREADY_EXISTS") throw error;
            });
            created = true;
          }
          states = await partitionStates(admin, ctx.nodes);
          return states.length === options.partitions && states.every((s) => s.leader !== undefined && s.isr.length >= options["replication.factor"]);
        });
      } catch (error) {
        if (error instanceof UsageError) throw error;
        const root = error as { type?: string; message?: string };
        lastError = root.type ? `${root.type}: ${root.message}` : (root.message ?? String(error));
        return false;
      }
    },
  );
  ctx.log(`kafka: topic ${TOPIC} ready: ${describePartitions(states)}`);

  // The first request for a group coordinator makes Kafka create its offsets topic; until that has
  // leaders every consumer's join fails. A consumer joins a group here, so the run's consumers
  // start on a ready coordinator.
  const joined = await joinGroup(kafka, TOPIC_WAIT_MS);
  if (joined !== undefined) {
    throw new Error(`kafka: no consumer could join a group within ${TOPIC_WAIT_MS} ms (waited for the group coordinator, which needs the consumer offsets topic to have leaders; last error: ${joined}); see ${LOGS} for why`);
  }
}

/** Joins a throwaway consumer group, with a new consumer after each one that gave up; undefined
 *  once joined, else the last error by the deadline. */
async function joinGroup(kafka: Kafka, timeoutMs: number): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  let lastError = "none";
  while (Date.now() < deadline) {
    const consumer = kafka.consumer({ groupId: "faultline-ready", retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 1000 } });
    let timer: NodeJS.Timeout | undefined;
    try {
      const ended = new Promise<boolean>((resolve) => {
        consumer.on(consumer.events.GROUP_JOIN, () => resolve(true));
        consumer.on(consumer.events.CRASH, (event) => {
          lastError = event.payload.error.message;
          resolve(false);
        });
        timer = setTimeout(() => resolve(false), Math.max(0, Math.min(15_000, deadline - Date.now())));
      });
      await consumer.connect();
      await consumer.subscribe({ topics: [TOPIC] });
      await consumer.run({ eachBatch: async () => {} });
      if (await ended) return undefined;
    } catch (error) {
      lastError = (error as Error).message;
      await new Promise((resolve) => setTimeout(resolve, 500));
    } finally {
      clearTimeout(timer);
      await consumer.disconnect().catch(() => {});
    }
  }
  return lastError;
}

export const kafkaSystem: System = {
  name: "kafka",
  description:
    "Apache Kafka 4.1 (KRaft, combined broker/controller nodes) from Maven Central, client kafkajs; queue workload as a partitioned log " +
    "(ordered per partition, its default here). Docker only",
  claims: {
    cap: "CP",
    durable: true,
    notes: [
      "Kafka documents no acknowledged message lost with acks=all, min.insync.replicas ≥ 2 and unclean.leader.election.enable=false, while at least min.insync.replicas replicas survive",
      "with acks=1 a message is acknowledged by the leader alone and is lost if the leader fails, or is cut off from its followers while another replica becomes leader, before a follower copied it; with unclean.leader.election.enable=true an out-of-sync replica may become leader and truncate acknowledged messages (SEEDS C13)",
      "brokers do not fsync each message: durability comes from replication, so a power loss on every replica at once may lose acknowledged messages (a killed process does not: what it wrote stays in the OS page cache)",
      "sends are not retried and not idempotent: one produce request per op; a timed-out send is recorded info",
    ],
  },
  // Durability is claimed only at the settings Kafka documents it for; at any other an acknowledged
  // message may be lost, and a loss is reported as expected, not as a broken promise.
  claimsFor: (options) => {
    const parsed = kafkaOptions.parse(options);
    const durable = parsed.acks === "all" && parsed["min.insync.replicas"] >= 2 && !parsed["unclean.leader.election.enable"];
    return { ...kafkaSystem.claims, durable };
  },
  clients: clientsFrom(kafkaPlanners, openKafkaClient),
  options: kafkaOptions,
  workloadDefaults: { queue: { ordered: "per-partition" } },
  bugs: [],
  runtimes: ["docker"],
  defaultNodes: 3,
  docker: { image: KAFKA_IMAGE, clientPort: BROKER_PORT, peerPort: CONTROLLER_PORT },

  async setup(ctx) {
    const options = kafkaOptions.parse(ctx.options);
    checkSettings(options, ctx.nodes.length, ctx.options);
    const cluster = clusterId(() => ctx.rng.nextUint32());
    const infos = ctx.nodes.map((node) => ctx.runtime.node(node));
    await Promise.all(
      ctx.nodes.map(async (node) => {
        const info = ctx.runtime.node(node);
        await writeFile(ctx.runtime, node, configPath(info), serverProperties(infos, node, options));
        await ctx.runtime.start(node, kafkaProcessSpec(info, cluster));
      }),
    );
    await waitForCluster(ctx, options);
    const controller = await activeController(ctx.runtime, ctx.nodes);
    ctx.log(`kafka: cluster ${cluster} up, active controller ${controller ? `${controller.node} (epoch ${controller.epoch})` : "unknown"}`);
  },

  async restartNode(ctx, node) {
    await ctx.runtime.restart(node);
    // Only that the node's controller listens (its raft layer, a few seconds after the start). The
    // broker's own port opens once it has caught up with the metadata log, which needs a quorum of
    // controllers: a node restarted on the minority side of a partition opens it after the heal.
    const info = ctx.runtime.node(node);
    await waitUntil(
      ctx.runtime,
      { system: "kafka", failure: `node ${node} did not accept connections on its controller port ${CONTROLLER_PORT} after its restart`, timeoutMs: RESTART_WAIT_MS, pollMs: 250, logs: LOGS, watch: [node] },
      () => acceptsConnections(info.host, CONTROLLER_PORT, 1000),
    );
  },

  async leader(ctx) {
    const options = kafkaOptions.parse(ctx.options);
    const controller = await activeController(ctx.runtime, ctx.nodes);
    if (options.leader === "controller") return controller?.node;
    // The controller's own broker has the newest metadata; an isolated broker may still name the
    // leader it last heard of.
    const kafka = kafkaOf(ctx.runtime, ctx.nodes, "faultline-leader", controller?.node);
    const states = await withAdmin(kafka, (admin) => partitionStates(admin, ctx.nodes)).catch(() => []);
    return busiestLeader(states);
  },

  async teardown(ctx) {
    // SIGTERM: a controlled shutdown moves leadership away and closes the logs cleanly.
    await stopServers(ctx, "kafka");
  },
};
