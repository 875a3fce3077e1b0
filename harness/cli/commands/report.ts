// `faultline report RUN_DIR` — re-render a run's report. A run whose harness died before checking
// (no results.json) is checked here from whatever history it had written.

import type { Command } from "commander";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { renderRunReport } from "../../../reports/run-report.ts";
import type { CheckResult } from "../../../checkers/checker.ts";
import { UsageError } from "../../errors.ts";
import { readHistory } from "../../history/read.ts";
import { judgeRun } from "../../verdicts/judge.ts";
import { systems, workloads } from "../../run/registry.ts";
import type { TestSpec } from "../../spec/test-spec.ts";
import { RUN_FILES, resolveRunDir, writeFileAtomic, writeJsonAtomic } from "../../store/store.ts";
import { exitCodeFor } from "../exit-code.ts";

export function registerReportCommand(program: Command): void {
  program
    .command("report")
    .description("re-render a run's report.html (checking its history first if the run never got that far)")
    .argument("<run-dir>", "a run directory (store/<test>/<timestamp>) or a folder with a `latest` link")
    .option("--recheck", "check the history again even if results.json exists")
    .action(async (dirArg: string, opts: { recheck?: boolean }) => {
      const runDir = resolveRunDir(dirArg);
      const specPath = join(runDir, RUN_FILES.spec);
      const historyPath = join(runDir, RUN_FILES.history);
      if (!existsSync(specPath) || !existsSync(historyPath)) {
        throw new UsageError(`${runDir} is not a run directory: it needs ${RUN_FILES.spec} and ${RUN_FILES.history}`);
      }
      // test.json written before --nemesis took modes has no nemesisModes: every kind drew from all.
      const written = (JSON.parse(readFileSync(specPath, "utf8")) as { spec: Omit<TestSpec, "nemesisModes"> & Partial<Pick<TestSpec, "nemesisModes">> }).spec;
      const spec: TestSpec = { ...written, nemesisModes: written.nemesisModes ?? {} };
      const system = systems[spec.system];
      const workload = workloads[spec.workload];
      if (!system || !workload) throw new UsageError(`${specPath} names system "${spec.system}" / workload "${spec.workload}", which this Faultline does not know`);
      const { ops, warnings } = readHistory(historyPath, { format: "jsonl" });
      for (const warning of warnings) process.stderr.write(`faultline: warning: ${warning}\n`);

      const resultsPath = join(runDir, RUN_FILES.results);
      let results: CheckResult;
      if (existsSync(resultsPath) && !opts.recheck) {
        results = JSON.parse(readFileSync(resultsPath, "utf8")) as CheckResult;
      } else {
        results = judgeRun(spec, system, workload, ops);
        writeJsonAtomic(resultsPath, results);
      }
      writeFileAtomic(join(runDir, RUN_FILES.report), await renderRunReport({ runDir, spec, system, results, history: ops }));
      process.stdout.write(`report: ${join(runDir, RUN_FILES.report)}\n`);
      process.exitCode = exitCodeFor(results.valid);
    });
}
