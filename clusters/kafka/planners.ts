// How the queue workload's ops become Kafka calls (the partitioned-log shape of workloads/queue.ts,
// ordered=per-partition, the kafka system's default for it):
//
//   enqueue {value, partition}  → produce one record (value as text) to that partition of the test
//                                 topic with the run's acks → ok {partition, offset, value}, the
//                                 offset the leader gave it
//   dequeue                     → poll this process's consumer: ok with the records that arrived
//                                 since its last poll, in order ([] when none did)
//   drain                       → read the partitions' end offsets (asked again while the cluster
//                                 cannot answer, until the op's timeout), poll until the consumer
//                                 has reached every one of them → ok with every record taken

import type { Invocation } from "../../harness/op.ts";
import type { OpPlan, Planner } from "../client/planned-client.ts";
import type { Producer } from "kafkajs";
import type { PollingConsumer } from "./consumer.ts";
import { acksNumber, type KafkaOptions } from "./options.ts";
import { TOPIC } from "./cluster.ts";

/** What a plan runs against (a client process's session): connected lazily, kept for its life. */
export interface KafkaConnection {
  producer(): Promise<Producer>;
  consumer(): Promise<PollingConsumer>;
  /** partition → the offset after its last record (the high watermark), asked of the cluster. */
  endOffsets(): Promise<Map<number, number>>;
}

export type KafkaPlan = OpPlan<KafkaConnection>;
type KafkaPlanner = Planner<KafkaPlan>;

/** How long the leader waits for in-sync replicas before answering REQUEST_TIMED_OUT (acks=all). */
const PRODUCE_TIMEOUT_MS = 5000;

/** Pause between questions a drain asks again. */
const ASK_AGAIN_MS = 500;

/** `ask()`'s answer, asked again while it fails (brokers still starting after the heal, a leader
 *  not yet elected) until `signal` ends the op; then the last failure is thrown. A drain is a
 *  final read: it may wait for the cluster, not give up at its first refusal. */
async function untilAnswered<T>(ask: () => Promise<T>, signal: AbortSignal): Promise<T> {
  for (;;) {
    try {
      return await ask();
    } catch (error) {
      if (signal.aborted) throw error;
      await new Promise((resolve) => setTimeout(resolve, ASK_AGAIN_MS));
      if (signal.aborted) throw error;
    }
  }
}

function queuePlanner(options: KafkaOptions): KafkaPlanner {
  const acks = acksNumber(options.acks);
  return {
    plan(op: Invocation): KafkaPlan | string {
      switch (op.f) {
        case "enqueue": {
          const sent = op.value as { value?: unknown; partition?: unknown } | null;
          if (typeof sent !== "object" || sent === null || (typeof sent.value !== "number" && typeof sent.value !== "string") || typeof sent.partition !== "number") {
            return `kafka queue: enqueue needs {value, partition} (the partitioned-log queue, ordered=per-partition), got ${JSON.stringify(op.value)}`;
          }
          const partition = sent.partition % options.partitions;
          const value = sent.value;
          return {
            readOnly: false,
            run: async (kafka) => {
              const producer = await kafka.producer();
              const [metadata] = await producer.send({ topic: TOPIC, acks, timeout: PRODUCE_TIMEOUT_MS, messages: [{ partition, value: String(value) }] });
              // acks=0: the broker answers nothing, so nobody knows whether the record was appended.
              if (acks === 0) return { type: "info", error: "acks=0: the broker does not answer, so whether the record was appended is unknown" };
              return { type: "ok", value: { partition: metadata.partition, offset: Number(metadata.baseOffset), value } };
            },
          };
        }
        case "dequeue":
          return {
            readOnly: true,
            run: async (kafka, signal) => {
              const consumer = await kafka.consumer();
              return { type: "ok", value: await consumer.poll(signal) };
            },
          };
        case "drain":
          return {
            readOnly: true,
            run: async (kafka, signal) => {
              const consumer = await kafka.consumer();
              const ends = await untilAnswered(() => kafka.endOffsets(), signal);
              await consumer.reach(ends, signal);
              if (signal.aborted) throw new Error("the drain did not reach the end of every partition before the op's timeout");
              return { type: "ok", value: consumer.take() };
            },
          };
        default:
          return `kafka queue: unknown op ${op.f}; the queue workload has enqueue, dequeue and drain`;
      }
    },
  };
}

export const kafkaPlanners: Readonly<Record<string, (options: KafkaOptions) => KafkaPlanner>> = {
  queue: queuePlanner,
};
