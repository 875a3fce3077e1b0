// Worker-thread entry of the checking phase (judge-off-thread.ts): judges a run's history off the
// main thread, so that a SIGINT or SIGTERM during a long check is heard at once and the check can
// be abandoned. Takes {spec, history} as workerData, posts back the results object.
//
// It loads only what judging needs: the workloads and the one system's module (for its claims),
// not the registry of every system and its client library, which would make each run's checking
// phase start slowly.

import { parentPort, workerData } from "node:worker_threads";
import type { System } from "../../clusters/system.ts";
import { workloads } from "../../workloads/catalog.ts";
import type { Op } from "../op.ts";
import type { TestSpec } from "../spec/test-spec.ts";
import { judgeRun } from "../verdicts/judge.ts";

export interface CheckRequest {
  spec: TestSpec;
  history: readonly Op[];
}

/** Each system is one folder in clusters/ whose system.ts exports it (DESIGN §2); the registry,
 *  which loads them all, only if that convention does not find it. */
async function systemNamed(name: string): Promise<System | undefined> {
  const extension = import.meta.url.endsWith(".js") ? ".js" : ".ts";
  try {
    const module = (await import(new URL(`../../clusters/${name}/system${extension}`, import.meta.url).href)) as Record<string, unknown>;
    const found = Object.values(module).find((value): value is System => typeof value === "object" && value !== null && (value as { name?: unknown }).name === name && "claims" in value);
    if (found) return found;
  } catch {
    // No such folder: the registry knows.
  }
  return (await import("./registry.ts")).systems[name];
}

const { spec, history } = workerData as CheckRequest;
const system = await systemNamed(spec.system);
const workload = workloads[spec.workload];
if (!system || !workload) throw new Error(`check worker: no ${system ? `workload ${spec.workload}` : `system ${spec.system}`} is registered; the runner must judge such a run on its own thread`);
if (!parentPort) throw new Error("check-worker.ts runs only as a worker thread (judge-off-thread.ts starts it)");
parentPort.postMessage(judgeRun(spec, system, workload, history));
