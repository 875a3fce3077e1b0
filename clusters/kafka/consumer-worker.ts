// The kafkajs consumer of one client process, in a worker thread of its own (consumer.ts starts it).
// kafkajs 2.2.4's fetch loop can spin without yielding once a broker it fetches from is killed
// (seen here: every JavaScript tick in consumer/fetcher.js's start, the run frozen), which in the
// harness's own thread would starve every timer — op timeouts included — and freeze the run. Here
// it can only freeze this thread, which consumer.ts then replaces.
//
// In:  {commit: [partition, offset][]}, {close: true}.   Out: {records: [...]}, {alive: true}.

import { parentPort, workerData } from "node:worker_threads";
import { Kafka, logLevel, type Consumer } from "kafkajs";

interface Settings {
  brokers: string[];
  groupId: string;
  topic: string;
}

const settings = workerData as Settings;
const port = parentPort;
if (!port) throw new Error("consumer-worker.ts runs only as a worker thread (started by clusters/kafka/consumer.ts)");

const kafka = new Kafka({ clientId: settings.groupId, brokers: settings.brokers, logLevel: logLevel.NOTHING, connectionTimeout: 1000, requestTimeout: 5000 });
let consumer: Consumer | undefined;
let closing = false;

async function start(): Promise<void> {
  while (!closing) {
    const current = kafka.consumer({
      groupId: settings.groupId,
      // Kafka's group.min.session.timeout.ms is 6 s; a member silent that long is dropped.
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
      rebalanceTimeout: 10_000,
      maxWaitTimeInMs: 250,
      allowAutoTopicCreation: false,
      retry: { retries: 10, initialRetryTime: 200, maxRetryTime: 2000 },
    });
    consumer = current;
    const gaveUp = new Promise<void>((resolve) => current.on(current.events.CRASH, (event) => (event.payload.restart ? undefined : resolve())));
    try {
      await current.connect();
      await current.subscribe({ topics: [settings.topic], fromBeginning: true });
      await current.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          const records = batch.messages.map((message) => ({ partition: batch.partition, offset: Number(message.offset), text: message.value?.toString() ?? "" }));
          if (records.length > 0) port?.postMessage({ records });
        },
      });
      // kafkajs gave up on this consumer (it will not restart itself): a new one in the same group
      // resumes from the group's last commit.
      await gaveUp;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    await current.disconnect().catch(() => {});
  }
}

port.on("message", (message: { commit?: [number, number][]; close?: boolean }) => {
  if (message.commit) {
    consumer?.commitOffsets(message.commit.map(([partition, offset]) => ({ topic: settings.topic, partition, offset: String(offset) }))).catch(() => {});
  }
  if (message.close) {
    closing = true;
    void (consumer?.disconnect() ?? Promise.resolve()).catch(() => {}).finally(() => process.exit(0));
  }
});

setInterval(() => port.postMessage({ alive: true }), 250).unref();
void start();
