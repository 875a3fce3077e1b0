// A checking thread (see parallel.ts): searches the partitions the hub hands it, in turns, and
// reports each one decided. Only models from the registry run here, looked up by name, since
// functions cannot cross threads.

import { receiveMessageOnPort, workerData } from "node:worker_threads";
import { type AnyModel, models } from "./models/index.ts";
import { RoundRobin } from "./round-robin.ts";
import { searchModelFor } from "./search-model.ts";
import { type FromWorker, HUB_SEQUENCE, STOP, type ToWorker, WORKER_SEQUENCE, type WorkerData } from "./worker-protocol.ts";

/** How long an idle worker sleeps before looking at the clock again. */
const IDLE_WAIT_MS = 50;

const { index, model: modelName, control, port, deadlineEpochMs } = workerData as WorkerData;
const deadlineMs = deadlineEpochMs - performance.timeOrigin;
// The registry erases each model's types; jobs come from the same model on the hub.
const model: AnyModel = models[modelName];
const runner = new RoundRobin<unknown, unknown, unknown>(searchModelFor(model));

function post(message: FromWorker): void {
  port.postMessage(message);
  Atomics.add(control, HUB_SEQUENCE, 1);
  Atomics.notify(control, HUB_SEQUENCE);
}

try {
  post({ type: "ready" });
  while (Atomics.load(control, STOP) === 0 && performance.now() < deadlineMs) {
    const seen = Atomics.load(control, WORKER_SEQUENCE + index);
    for (let received = receiveMessageOnPort(port); received !== undefined; received = receiveMessageOnPort(port)) {
      const message = received.message as ToWorker;
      if (message.type === "work") for (const job of message.jobs) runner.add(job);
      else post({ type: "released", id: runner.size > 1 ? runner.release() : undefined });
    }
    if (runner.size === 0) {
      Atomics.wait(control, WORKER_SEQUENCE + index, seen, IDLE_WAIT_MS);
      continue;
    }
    const report = runner.step();
    if (report !== undefined) {
      post({ type: "report", report });
      if (runner.size === 0) post({ type: "idle" });
    }
  }
} catch (err) {
  post({ type: "failed", ids: runner.ids(), error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
} finally {
  port.close();
}
