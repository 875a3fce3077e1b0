// The checking phase off the main thread. Checkers are synchronous and may run for minutes (the
// check time limit); on the main thread a Ctrl-C would go unheard until they finish. In a worker
// the event loop stays free: a stop request abandons the check at once (the worker is terminated).

import type { CheckResult } from "../../checkers/checker.ts";
import type { Op } from "../op.ts";
import type { TestSpec } from "../spec/test-spec.ts";
import { siblingModule, startModuleWorker } from "../module-worker.ts";
import type { CheckRequest } from "./check-worker.ts";

/** Judges the run in a worker thread (check-worker.ts, which finds the system and workload by name
 *  in the registry). Resolves undefined if `stop` aborts first — a stop requested before the call
 *  does not count: the check is of what was recorded up to it. */
export function judgeOffThread(spec: TestSpec, history: readonly Op[], stop?: AbortSignal): Promise<CheckResult | undefined> {
  const listen = stop !== undefined && !stop.aborted;
  return new Promise((resolve, reject) => {
    const request: CheckRequest = { spec, history };
    const worker = startModuleWorker(siblingModule(import.meta.url, "./check-worker"), { workerData: request });
    let settled = false;
    const settle = (finish: () => void) => {
      if (settled) return;
      settled = true;
      if (listen) stop.removeEventListener("abort", onStop);
      finish();
    };
    const onStop = () =>
      settle(() => {
        void worker.terminate();
        resolve(undefined);
      });
    if (listen) stop.addEventListener("abort", onStop, { once: true });
    worker.once("message", (results: CheckResult) => settle(() => resolve(results)));
    worker.once("error", (error) => settle(() => reject(new Error(`the check worker failed: ${error.message}`, { cause: error }))));
    worker.once("exit", (code) => settle(() => reject(new Error(`the check worker exited with code ${code} before it sent a result`))));
  });
}
