// The linearizability checker (DESIGN §3, §4.7): pairs invocations with completions, drops what
// did not happen, splits the history per key (P-compositionality), and runs the WGL search on
// each part within one wall-clock budget. Out of budget, the verdict is "unknown", never a guess.

import { HistoryPairingError, pairOps } from "../../harness/history/pairs.ts";
import { isClientProcess, type Op } from "../../harness/op.ts";
import type { CheckOptions, CheckResult, Checker } from "../checker.ts";
import { explainFailure, type LinearizabilityFailure } from "./explain.ts";
import { type Model, ModelInputError, type ModelOperation } from "./model.ts";
import { type AnyModel, type ModelName, models } from "./models/index.ts";
import { searchModelFor } from "./search-model.ts";
import { searchLinearization } from "./wgl.ts";

export { type AnyModel, type ModelName, type ModelName as LinearizableModelName, modelNames, models } from "./models/index.ts";
export type { FailedOp, LinearizabilityFailure } from "./explain.ts";

export const DEFAULT_TIME_LIMIT_MS = 60_000;

export interface LinearizableOptions {
  /** A model name (`models` lists them) or a Model object of your own. */
  model: ModelName | AnyModel;
  /** Wall-clock budget for the whole history; CheckOptions.timeLimitMs overrides it per check. */
  timeLimitMs?: number;
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
  /** Set when the budget ran out before every partition was decided. */
  timedOut?: boolean;
  /** Why the verdict is "unknown", in words. */
  reason?: string;
  /** Keys of the partitions left undecided (null: ops without a key). */
  undecidedKeys?: (string | number | null)[];
}

export function linearizable(options: LinearizableOptions): Checker {
  const model = typeof options.model === "string" ? models[options.model] : options.model;
  if (model === undefined) {
    throw new Error(`unknown linearizability model ${JSON.stringify(options.model)}; choose one of ${Object.keys(models).join(", ")}`);
  }
  return {
    name: "linearizable",
    check: (history: readonly Op[], opts?: CheckOptions): LinearizableResult =>
      checkLinearizable(model, history, opts?.timeLimitMs ?? options.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS),
  };
}

function checkLinearizable<State, Input, Output>(
  model: Model<State, Input, Output>,
  history: readonly Op[],
  timeLimitMs: number,
): LinearizableResult {
  const deadlineMs = performance.now() + timeLimitMs;
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
      reason: `cannot check this history: ${err.message}`,
    };
  }

  // Small partitions first: when the budget runs out, as many keys as possible are decided.
  const partitions = (model.partition ? model.partition(operations) : [operations]).sort((a, b) => a.length - b.length);
  const searchModel = searchModelFor(model);
  const failures: LinearizabilityFailure[] = [];
  const undecided: { key: string | number | null; cause: "time" | "memory"; why: string }[] = [];
  let configurations = 0;
  for (const partition of partitions) {
    const key = partition[0]?.key ?? null;
    if (performance.now() > deadlineMs) {
      undecided.push({ key, cause: "time", why: "not started before the time limit" });
      continue;
    }
    const outcome = searchLinearization(searchModel, partition, { deadlineMs });
    configurations += outcome.cacheEntries;
    if (outcome.status === "illegal") {
      failures.push(explainFailure(model, partition, outcome.longest, modelStates(model, outcome.finalStates)));
    } else if (outcome.status === "timeout") {
      undecided.push({ key, cause: "time", why: `time limit of ${timeLimitMs} ms reached after ${outcome.cacheEntries} configurations` });
    } else if (outcome.status === "cache-full") {
      undecided.push({ key, cause: "memory", why: `search cache full at ${outcome.cacheEntries} configurations` });
    }
  }

  const result: LinearizableResult = {
    valid: failures.length > 0 ? false : undecided.length > 0 ? "unknown" : true,
    model: model.name,
    partitions: partitions.length,
    operations: operations.length,
    configurations,
    failures,
  };
  if (undecided.length > 0) {
    result.timedOut = undecided.some(({ cause }) => cause === "time");
    result.undecidedKeys = undecided.map(({ key }) => key);
    const first = undecided[0];
    result.reason =
      `${undecided.length} of ${partitions.length} partition(s) undecided (first: key ${JSON.stringify(first.key)}, ${first.why})` +
      (failures.length > 0 ? "; the failures found already make the history invalid" : `; ${first.cause === "time" ? "raise timeLimitMs" : "check fewer ops per key"} to decide them`);
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
