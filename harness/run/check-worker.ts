// Worker-thread entry of the checking phase (runner.ts judgeOffThread): judges a run's history
// off the main thread, so that a SIGINT or SIGTERM during a long check is heard at once and the
// check can be abandoned. Takes {spec, history} as workerData, posts back the results object.

import { parentPort, workerData } from "node:worker_threads";
import type { Op } from "../op.ts";
import type { TestSpec } from "../spec/test-spec.ts";
import { judgeRun } from "../verdicts/judge.ts";
import { systems, workloads } from "./registry.ts";

export interface CheckRequest {
  spec: TestSpec;
  history: readonly Op[];
}

const { spec, history } = workerData as CheckRequest;
const system = systems[spec.system];
const workload = workloads[spec.workload];
if (!system || !workload) throw new Error(`check worker: the registry holds no ${system ? `workload ${spec.workload}` : `system ${spec.system}`}; the runner must judge such a run on its own thread`);
if (!parentPort) throw new Error("check-worker.ts runs only as a worker thread (runner.ts starts it)");
parentPort.postMessage(judgeRun(spec, system, workload, history));
