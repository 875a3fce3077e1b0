// `faultline check HISTORY --workload W` — judge a recorded history (ours, or Jepsen's EDN / log
// lines) without running anything. Works on a history cut short by a crashed harness.

import type { Command } from "commander";
import { closeSync, existsSync, openSync, readSync, statSync, writeFileSync } from "node:fs";
import { detectFormat, readHistory } from "../../history/read.ts";
import { UsageError, unknownChoice } from "../../errors.ts";
import { workloads } from "../../../workloads/catalog.ts";
import { checkedEnough, neverSucceeded } from "../../verdicts/checked-enough.ts";
import { MODELS, canonicalModel } from "../../../checkers/elle/models.ts";
import { exitCodeFor } from "../exit-code.ts";
import { printSummary } from "../summary.ts";

const FORMATS = ["jsonl", "edn", "jepsen-log"] as const;

export function registerCheckCommand(program: Command): void {
  program
    .command("check")
    .description("check a recorded history against a workload's consistency model")
    .argument("<history>", "history file: history.jsonl, Jepsen history.edn, or Jepsen log lines")
    .requiredOption("--workload <name>", `how the history's ops are judged (${Object.keys(workloads).join(", ")})`)
    .option("--model <name>", "linearizability model for register histories (register, cas-register, kv, set, queue, mutex)")
    .option("--consistency-models <list>", "transactional models to test against, comma-separated (default serializable: a history from elsewhere cannot vouch for its real-time order; name strict-serializable to judge it too)", "serializable")
    .option("--format <format>", `history format (${FORMATS.join(", ")}); detected when omitted`)
    .option("--time-limit <seconds>", "budget for searches that can explode; when spent the verdict is unknown", "120")
    .option("--json", "print the results object on stdout")
    .option("--verbose", "print every checker field in the summary")
    .option("--report <file>", "also write a self-contained HTML report (verdict, evidence, plots, timeline) to FILE")
    .action(async (historyPath: string, opts: { workload: string; model?: string; consistencyModels?: string; format?: string; timeLimit: string; json?: boolean; verbose?: boolean; report?: string }) => {
      const workload = workloads[opts.workload];
      if (!workload) throw unknownChoice("workload", opts.workload, Object.keys(workloads));
      if (opts.format && !(FORMATS as readonly string[]).includes(opts.format)) throw unknownChoice("format", opts.format, FORMATS);
      if (!existsSync(historyPath)) throw new UsageError(`history ${historyPath} does not exist`);
      if (statSync(historyPath).isDirectory()) {
        throw new UsageError(`history ${historyPath} is a directory; give a history file (a run's history.jsonl, Jepsen's history.edn, or Jepsen log lines)`);
      }
      const timeLimitS = Number(opts.timeLimit);
      if (!(timeLimitS > 0)) throw new UsageError(`--time-limit must be a positive number of seconds, got "${opts.timeLimit}"`);

      let history;
      try {
        history = readHistory(historyPath, { format: opts.format as (typeof FORMATS)[number] | undefined });
      } catch (err) {
        throw new UsageError(`${(err as Error).message.split("\n")[0]}${opts.format ? formatHint(historyPath, opts.format) : ""}`);
      }
      for (const warning of history.warnings) process.stderr.write(`faultline: warning: ${warning}\n`);

      const consistencyModels = opts.consistencyModels?.split(",").map((s) => s.trim()).filter(Boolean);
      if (consistencyModels?.length === 0) throw new UsageError("--consistency-models needs at least one model name");
      for (const model of consistencyModels ?? []) {
        try {
          canonicalModel(model);
        } catch {
          throw unknownChoice("consistency model", model, MODELS);
        }
      }
      let checker;
      try {
        checker = workload.checker({ model: opts.model, consistencyModels, timeLimitMs: timeLimitS * 1000 });
      } catch (err) {
        // Building a checker only reads its options: whatever it refuses is a bad flag, not a crash.
        throw new UsageError(`--workload ${workload.name}: ${(err as Error).message.split("\n")[0]}`);
      }
      const checked = checker.check(history.ops, { timeLimitMs: timeLimitS * 1000, consistencyModels });
      const verdict = checkedEnough(checked.valid, history.ops, { everyOpType: false });
      for (const { f, attempted } of neverSucceeded(history.ops)) {
        process.stderr.write(`faultline: note: no ${f} completed ok (${attempted} attempted); the verdict rests on the other ops\n`);
      }
      const results = verdict.unknownBecause.length > 0 ? { ...checked, valid: verdict.valid, checkerValid: checked.valid, unknownBecause: verdict.unknownBecause } : checked;
      // Loaded only when asked for: the report module is the heaviest part of a check.
      if (opts.report) writeFileSync(opts.report, await (await import("../../../reports/run-report.ts")).renderCheckReport({ historyPath, workload: workload.name, results, history: history.ops }));
      if (opts.json) process.stdout.write(JSON.stringify(results, null, 2) + "\n");
      else printSummary(process.stdout, results, { title: `${historyPath} (${history.ops.length} ops, workload ${workload.name})`, verbose: opts.verbose === true, reportPath: opts.report });
      process.exitCode = exitCodeFor(results.valid);
    });
}

/** When a history fails to parse in the format the user named, says which format it looks like. */
function formatHint(path: string, named: string): string {
  const head = Buffer.alloc(64 * 1024);
  const fd = openSync(path, "r");
  const length = readSync(fd, head, 0, head.length, 0);
  closeSync(fd);
  const looksLike = detectFormat(path, head.subarray(0, length).toString("utf8"));
  return looksLike === named ? "" : ` (read as --format ${named}; the file looks like ${looksLike}: try --format ${looksLike}, or leave --format out to detect it)`;
}
