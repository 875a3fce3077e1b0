// From a history to a results object: the workload's checker decides the verdict; availability
// statistics and the system's claims are reported beside it. Shared by `run` and `report`.

import type { CheckResult } from "../checkers/checker.ts";
import { availability } from "../checkers/stats.ts";
import type { System } from "../clusters/system.ts";
import { judgeClaims } from "./claims.ts";
import type { Op } from "./op.ts";
import type { TestSpec } from "./spec/test-spec.ts";
import { typedOptions } from "./spec/typed-options.ts";
import type { Workload } from "../workloads/workload.ts";

export function judgeRun(spec: TestSpec, system: System, workload: Workload, history: readonly Op[]): CheckResult {
  const timeLimitMs = spec.checkTimeLimitS * 1000;
  const checked = workload.checker({ ...typedOptions(spec.options), keys: spec.keys, timeLimitMs }).check(history, { timeLimitMs });
  // Availability is reported, not judged: a CP system refusing writes on the minority side is
  // keeping its promise, so it must not turn the verdict.
  const stats = availability().check(history, {});
  return {
    valid: checked.valid,
    workload: { name: workload.name, ...checked },
    stats,
    claims: judgeClaims(system, spec, checked, stats),
  };
}
