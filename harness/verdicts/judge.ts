// From a history to a results object: the workload's checker decides the verdict; availability
// statistics and the system's claims are reported beside it. Shared by `run` and `report`.

import type { CheckResult } from "../../checkers/checker.ts";
import { statsChecker } from "../../checkers/stats.ts";
import { claimsOf, type Claims, type System } from "../../clusters/system.ts";
import { checkedEnough } from "./checked-enough.ts";
import { judgeClaims } from "./claims.ts";
import { FAULT_OPS } from "../../nemeses/catalog.ts";
import type { Op } from "../op.ts";
import type { TestSpec } from "../spec/test-spec.ts";
import { typedOptions } from "../spec/typed-options.ts";
import type { Workload } from "../../workloads/workload.ts";

/** A run's transactions are judged against what the system claims: a linearizable store's
 *  transactions must be strict serializable (real-time order included, since our own clock
 *  recorded it); a database claiming serializability is held to exactly that. */
export function transactionalModelsFor(claims: Claims): string[] {
  switch (claims.model) {
    case "linearizable":
    case "strict-serializable":
      return ["strict-serializable"];
    case "serializable":
    case "snapshot-isolation":
    case "repeatable-read":
    case "read-committed":
      return [claims.model];
    default:
      return ["strict-serializable"];
  }
}

export function judgeRun(spec: TestSpec, system: System, workload: Workload, history: readonly Op[]): CheckResult {
  const timeLimitMs = spec.checkTimeLimitS * 1000;
  // Judged against what the system claims at the options this run chose.
  const claims = claimsOf(system, typedOptions(spec.options));
  const consistencyModels = transactionalModelsFor(claims);
  // The claimed model lets a workload hold the system to it where the checker has a switch for it
  // (the set checker's stale reads count against a system claiming linearizability).
  const checkerOptions = { claimedModel: claims.model, ...typedOptions(spec.options), keys: spec.keys, timeLimitMs, consistencyModels };
  const checked = workload.checker(checkerOptions).check(history, { timeLimitMs, consistencyModels });
  // Availability is reported, not judged: a CP system refusing writes on the minority side is
  // keeping its promise, so it must not turn the verdict.
  const stats = statsChecker({ faultOps: FAULT_OPS }).check(history, {});
  const verdict = checkedEnough(checked.valid, history, { everyOpType: true });
  return {
    valid: verdict.valid,
    ...(verdict.unknownBecause.length > 0 ? { unknownBecause: verdict.unknownBecause } : {}),
    workload: { name: workload.name, ...checked },
    stats,
    claimsJudged: claims,
    claims: judgeClaims(claims, spec, workload, checked, verdict.valid, stats),
  };
}
