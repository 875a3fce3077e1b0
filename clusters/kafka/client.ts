// One logical client process of the queue workload: a producer and (from its first poll) its own
// consumer, bootstrapping from its node. Kafka clients talk to each partition's leader wherever it
// is, so the node is where the process starts, not the only broker it reaches.

import type { Kafka, Producer } from "kafkajs";
import type { Client } from "../../harness/interpreter/client.ts";
import type { Completion } from "../../harness/op.ts";
import { PlannedClient, type Planner, type Session } from "../client/planned-client.ts";
import { untilAborted } from "../client/timeout.ts";
import type { ClusterContext } from "../system.ts";
import { kafkaOf, TOPIC, withAdmin } from "./cluster.ts";
import { BROKER_PORT } from "./server.ts";
import { PollingConsumer } from "./consumer.ts";
import { kafkaOptions, type KafkaOptions } from "./options.ts";
import { kafkaOutcome } from "./outcome.ts";
import { ProduceWrites } from "./produce-writes.ts";
import type { KafkaConnection, KafkaPlan } from "./planners.ts";

class KafkaSession implements Session<KafkaPlan>, KafkaConnection {
  private producing: Promise<Producer> | undefined;
  private polling: PollingConsumer | undefined;
  /** The produce requests written when the op in flight began (one op at a time per session). */
  private producesAtStart = 0;

  constructor(
    private readonly node: string,
    private readonly kafka: Kafka,
    /** Counts the produce requests `kafka`'s sockets wrote. */
    private readonly produces: ProduceWrites,
    /** host:port of every broker, the process's own node first. */
    private readonly brokers: readonly string[],
  ) {}

  producer(): Promise<Producer> {
    this.producing ??= (async () => {
      // No retries (Kafka's own retry would append a message twice) and no idempotence: each op is
      // one produce request, so the history records what the broker answered to it.
      const producer = this.kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 0 }, idempotent: false });
      await producer.connect();
      return producer;
    })().catch((error: unknown) => {
      this.producing = undefined;
      throw error;
    });
    return this.producing;
  }

  async consumer(): Promise<PollingConsumer> {
    this.polling ??= new PollingConsumer(this.brokers);
    this.polling.start();
    return this.polling;
  }

  endOffsets(): Promise<Map<number, number>> {
    return withAdmin(this.kafka, async (admin) => {
      const offsets = await admin.fetchTopicOffsets(TOPIC);
      return new Map(offsets.map((p) => [p.partition, Number(p.high)]));
    });
  }

  perform(plan: KafkaPlan, signal: AbortSignal): Promise<Completion> {
    this.producesAtStart = this.produces.count;
    return untilAborted(plan.run(this, signal), signal);
  }

  outcome(error: unknown, plan: KafkaPlan): Completion {
    // A call an earlier op's timeout left running may have written one too: that errs the safe way.
    return kafkaOutcome(error, plan, this.node, this.produces.count > this.producesAtStart);
  }

  async close(): Promise<void> {
    const producing = this.producing;
    this.producing = undefined;
    await Promise.all([producing?.then((producer) => producer.disconnect()).catch(() => {}), this.polling?.close()]);
  }
}

export async function openKafkaClient(makePlanner: (options: KafkaOptions) => Planner<KafkaPlan>, ctx: ClusterContext, node: string): Promise<Client> {
  const planner = makePlanner(kafkaOptions.parse(ctx.options));
  const brokers = [node, ...ctx.nodes.filter((other) => other !== node)].map((name) => `${ctx.runtime.node(name).host}:${BROKER_PORT}`);
  const produces = new ProduceWrites();
  const kafka = kafkaOf(ctx.runtime, ctx.nodes, `faultline-${node}`, node, produces.socketFactory);
  return new PlannedClient("kafka", node, planner, new KafkaSession(node, kafka, produces, brokers));
}
