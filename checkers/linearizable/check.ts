// The linearizability checker (DESIGN §3, §4.7): pairs invocations with completions, drops what
// did not happen, splits the history per key (P-compositionality), and runs the WGL search on
// the parts within one wall-clock budget — interleaved, and on worker threads when the search runs
// long (parallel.ts). Out of budget, the verdict is "unknown", never a guess.
//
// One illegal part decides the verdict, as in Porcupine. The others are then searched only for
// an evidence budget as long as the check had taken (allFailures: until all are decided or the
// budget runs out), and those left undecided are named: never reported as linearizable.

import { HistoryPairingError, pairOps } from "../../harness/history/pairs.ts";
import { isClientProcess, type Op } from "../../harness/op.ts";
import type { CheckOptions, CheckResult, Checker } from "../checker.ts";
import { explainFailure, type LinearizabilityFailure } from "./explain.ts";
import { type Model, ModelInputError, type ModelOperation } from "./model.ts";
import { type AnyModel, type ModelName, models } from "./models/index.ts";
import { searchPartitions } from "./parallel.ts";
import type { PartitionJob } from "./round-robin.ts";
import { searchModelFor } from "./search-model.ts";

export { type AnyModel, type ModelName, modelNames, models } from "./models/index.ts";
export type { FailedOp, LinearizabilityFailure } from "./explain.ts";

export const DEFAULT_TIME_LIMIT_MS = 60_000;

export interface LinearizableOptions {
  /** A model name (`models` lists them) or a Model object of your own. */
  model: ModelName | AnyModel;
  /** Wall-clock budget for the whole history; CheckOptions.timeLimitMs overrides it per check. */
  timeLimitMs?: number;
  /** Keep searching every partition after one is found illegal, to explain every failure
   *  (`faultline check --all-failures`); CheckOptions.allFailures overrides it per check. */
  allFailures?: boolean;
  /** Threads to search on, the calling one included (default: the machine's available
   *  parallelism; 1 keeps everything on the calling thread). */
  threads?: number;
  /** How long the search runs on the calling thread alone before worker threads start
   *  (default SPAWN_AFTER_MS, see parallel.ts for why). */
  spawnWorkersAfterMs?: number;
}

export interface LinearizableResult extends CheckResult {
  model: string;
  /** Independent sub-histories checked (one per key). */
  partitions: number;
  /** Client operations checked, after dropping fail ops and indeterminate reads. */
  operations: number;
  /** Search configurations memoized, summed over partitions: how hard the history was. */
  configurations: number;
  /** One per partition shown not to be linearizable. */
  failures: LinearizabilityFailure[];
  /** Set when the time limit ran out before every partition was decided. */
  timedOut?: boolean;
  /** Why the verdict is "unknown", in words. */
  reason?: string;
  /** Partitions shown linearizable. */
  linearizablePartitions: number;
  /** Keys of the partitions left undecided (null: ops without a key): neither linearizable nor
   *  not, as far as this check knows. */
  undecidedKeys?: (string | number | null)[];
  /** Worker threads the search started (0: only the calling thread). */
  workerThreads: number;
  /** Partitions decided on worker threads. */
  decidedOnWorkers: number;
}

export function linearizable(options: LinearizableOptions): Checker {
  const model = typeof options.model === "string" ? models[options.model] : options.model;
  if (model === undefined) {
    throw new Error(`unknown linearizability model ${JSON.stringify(options.model)}; choose one of ${Object.keys(models).join(", ")}`);
  }
  // Worker threads load models from the registry by name; a model object of the caller's own
  // cannot cross threads and is searched on the calling thread.
  const registryName = (Object.keys(models) as ModelName[]).find((name) => models[name] === model);
  return {
    name: "linearizable",
    check: (history: readonly Op[], opts?: CheckOptions): LinearizableResult =>
      checkLinearizable(model, registryName, history, {
        timeLimitMs: opts?.timeLimitMs ?? options.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS,
        allFailures: typeof opts?.allFailures === "boolean" ? opts.allFailures : (options.allFailures ?? false),
        threads: options.threads,
        spawnAfterMs: options.spawnWorkersAfterMs,
      }),
  };
}

function checkLinearizable<State, Input, Output>(
  model: Model<State, Input, Output>,
  registryName: ModelName | undefined,
  history: readonly Op[],
  settings: { timeLimitMs: number; allFailures: boolean; threads: number | undefined; spawnAfterMs: number | undefined },
): LinearizableResult {
  const startMs = performance.now();
  const { timeLimitMs } = settings;
  let operations: ModelOperation<Input, Output>[];
  try {
    operations = toModelOperations(model, history);
  } catch (err) {
    if (!(err instanceof HistoryPairingError || err instanceof ModelInputError)) throw err;
    return {
      valid: "unknown",
      model: model.name,
      partitions: 0,
      operations: 0,
      configurations: 0,
      failures: [],
      linearizablePartitions: 0,
      workerThreads: 0,
      decidedOnWorkers: 0,
      reason: `cannot check this history: ${err.message}`,
    };
  }

  // Small partitions first: they get the first turns, so when the budget runs out as many keys
  // as possible are decided.
  const partitions = (model.partition ? model.partition(operations) : [operations]).sort((a, b) => a.length - b.length);
  const jobs: PartitionJob<Input, Output>[] = partitions.map((partition, id) => ({
    id,
    // Only what the search reads: this is what crosses to worker threads.
    operations: partition.map(({ input, output, callPosition, returnPosition }) => ({ input, output, callPosition, returnPosition })),
  }));
  const searched = searchPartitions(searchModelFor(model), jobs, {
    startMs,
    deadlineMs: startMs + timeLimitMs,
    allFailures: settings.allFailures,
    workerModel: registryName,
    threads: settings.threads,
    spawnAfterMs: settings.spawnAfterMs,
  });

  const keyOf = (id: number) => partitions[id][0]?.key ?? null;
  const reports = [...searched.reports].sort((a, b) => a.id - b.id);
  const failures: LinearizabilityFailure[] = [];
  const undecided: { key: string | number | null; cause: "time" | "memory" | "evidence"; why: string }[] = [];
  let linearizablePartitions = 0;
  let configurations = searched.undecidedCacheEntries;
  for (const report of reports) {
    configurations += report.cacheEntries;
    if (report.status === "linearizable") linearizablePartitions++;
    else if (report.status === "illegal") failures.push(explainFailure(model, partitions[report.id], report.longest, modelStates(model, report.finalStates), report.culprit));
    else undecided.push({ key: keyOf(report.id), cause: "memory", why: `search cache full at ${report.cacheEntries} configurations` });
  }
  const reported = new Set(reports.map(({ id }) => id));
  for (const { id } of jobs) {
    if (reported.has(id)) continue;
    undecided.push(
      searched.stoppedBy === "evidence budget"
        ? {
            key: keyOf(id),
            cause: "evidence",
            why: `not searched to the end: a failure was found after ${Math.round(searched.firstFailureMs ?? 0)} ms, and the other keys got as long again`,
          }
        : { key: keyOf(id), cause: "time", why: `time limit of ${timeLimitMs} ms reached` },
    );
  }

  const result: LinearizableResult = {
    valid: failures.length > 0 ? false : undecided.length > 0 ? "unknown" : true,
    model: model.name,
    partitions: partitions.length,
    operations: operations.length,
    configurations,
    failures,
    linearizablePartitions,
    workerThreads: searched.workers,
    decidedOnWorkers: searched.decidedOnWorkers,
  };
  if (undecided.length > 0) {
    if (undecided.some(({ cause }) => cause === "time")) result.timedOut = true;
    result.undecidedKeys = undecided.map(({ key }) => key);
    const first = undecided[0];
    const remedy =
      failures.length > 0
        ? `; the failures found already make the history invalid${undecided.some(({ cause }) => cause === "evidence") ? " (--all-failures searches every key)" : ""}`
        : `; ${first.cause === "time" ? "raise timeLimitMs" : "check fewer ops per key"} to decide them`;
    result.reason =
      `${undecided.length} of ${partitions.length} partition(s) undecided (first: key ${JSON.stringify(first.key)}, ${first.why}), ` +
      `so neither shown linearizable nor not${remedy}`;
  }
  return result;
}

/** Pairs the history and keeps the client ops that may have taken effect, in the model's terms. */
function toModelOperations<State, Input, Output>(model: Model<State, Input, Output>, history: readonly Op[]): ModelOperation<Input, Output>[] {
  const positions = new Map<Op, number>();
  history.forEach((op, position) => positions.set(op, position));
  const operations: ModelOperation<Input, Output>[] = [];
  for (const { invoke, completion } of pairOps(history)) {
    if (!isClientProcess(invoke.process) || completion?.type === "fail") continue;
    const ok = completion?.type === "ok" ? completion : undefined;
    const translated = model.operation(invoke, ok);
    if (translated === null) continue;
    const operation: ModelOperation<Input, Output> = {
      input: translated.input,
      output: translated.output,
      invoke,
      callPosition: positions.get(invoke) as number,
      returnPosition: ok === undefined ? Infinity : (positions.get(ok) as number),
    };
    if (invoke.key !== undefined) operation.key = invoke.key;
    if (ok !== undefined) operation.completion = ok;
    operations.push(operation);
  }
  return operations;
}

/** A nondeterministic model's search runs over sets of states; report their members. */
function modelStates<State>(model: Model<State, unknown, unknown>, finalStates: readonly unknown[]): State[] {
  if (!model.nondeterministic) return finalStates as State[];
  const members: State[] = [];
  for (const set of finalStates as (readonly State[])[]) {
    for (const state of set) if (!members.some((known) => model.equal(known, state))) members.push(state);
  }
  return members;
}
