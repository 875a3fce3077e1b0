// Reads what the comparison needs from run directories: test.json (spec and claims), results.json
// (verdict, claims, checker output, statistics) and history.jsonl (latency and failover).

import { existsSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import type { CheckResult } from "../checkers/checker.ts";
import { readHistory } from "../harness/history/read.ts";
import type { Op } from "../harness/op.ts";
import { describeRunEnding, type ClaimJudgement } from "../harness/store/results.ts";
import { RUN_FILES } from "../harness/store/store.ts";
import { describeNemesis, type TestSpec } from "../harness/spec/test-spec.ts";
import type { ComparedRun } from "./compare.ts";
import { metricsOf } from "./compare-metrics.ts";

interface WrittenSpec {
  spec: Omit<TestSpec, "nemesisModes"> & Partial<Pick<TestSpec, "nemesisModes">>;
  system?: { name: string; claims?: { cap?: string; model?: string } };
  startedAt?: string;
}

function readJson<T>(path: string, what: string): T {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as T;
  } catch (err) {
    throw new Error(`${what} ${path} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** The run in `runDir`, with its report linked relative to `pageDir` (where compare.html goes).
 *  Throws, naming the file, for a folder that is not a checked run. */
export function loadComparedRun(runDir: string, pageDir: string, label?: string): ComparedRun {
  const specPath = join(runDir, RUN_FILES.spec);
  const resultsPath = join(runDir, RUN_FILES.results);
  if (!existsSync(specPath)) throw new Error(`${runDir} is not a run directory (no ${RUN_FILES.spec}); pass store/<test>/<timestamp> folders or a suite folder`);
  if (!existsSync(resultsPath)) throw new Error(`${runDir} has no ${RUN_FILES.results} (the run never got to checking); run \`faultline report ${runDir}\` to check it first`);
  const written = readJson<WrittenSpec>(specPath, "test spec");
  const results = readJson<CheckResult>(resultsPath, "results");
  let history: readonly Op[] | undefined;
  const historyPath = join(runDir, RUN_FILES.history);
  if (existsSync(historyPath)) {
    try {
      history = readHistory(historyPath, { format: "jsonl" }).ops;
    } catch {
      // A history that cannot be parsed only loses the latency and failover columns; results.json
      // still carries the verdict.
      history = undefined;
    }
  }
  const spec = written.spec;
  const bugs = spec.bugs ?? [];
  return {
    reportHref: relative(pageDir, join(runDir, RUN_FILES.report)) || RUN_FILES.report,
    label: label ?? (bugs.length ? `${spec.system}+${bugs.join("+")}` : spec.system),
    system: spec.system,
    workload: spec.workload,
    nemesis: describeNemesis({ nemesis: spec.nemesis ?? [], nemesisModes: spec.nemesisModes ?? {} }),
    seed: spec.seed,
    runtime: spec.runtime,
    nodes: spec.nodes,
    bugs,
    systemClaims: written.system?.claims ?? {},
    valid: results.valid,
    claims: (results.claims as ClaimJudgement[] | undefined) ?? [],
    metrics: metricsOf(results, history),
    ...(written.startedAt ? { startedAt: written.startedAt } : {}),
    ...(describeRunEnding(results) ? { ending: describeRunEnding(results) as string } : {}),
  };
}
