// `faultline run` — one test: a cluster under load and faults, checked and reported.

import type { Command } from "commander";
import { join, resolve } from "node:path";
import { catalog } from "../../run/registry.ts";
import { runTest } from "../../run/runner.ts";
import { buildSpec, readConfigFile, type RawSettings } from "../../spec/build-spec.ts";
import { describeNemesis } from "../../spec/test-spec.ts";
import { RUN_FILES } from "../../store/store.ts";
import { describeRunMoment } from "../../store/results.ts";
import { exitCodeForSignal, onInterrupt, type StopSignal } from "../../run/exit-handlers.ts";
import { UsageError } from "../../errors.ts";
import { existsSync } from "node:fs";
import { exitCodeFor } from "../exit-code.ts";
import { checkDbUrl, recordRunOnce } from "../../run/results-db/results-db.ts";
import { printSummary } from "../summary.ts";

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerRunCommand(program: Command): void {
  program
    .command("run")
    .description("start a cluster, drive a workload while nemeses inject faults, check the history, write a report")
    .option("--system <name>", "system under test (see `faultline list`)", undefined)
    .option("--runtime <kind>", "local (child processes on 127.0.0.1, the default) or docker")
    .option("--nodes <n>", "cluster size")
    .option("--workload <name>", "client workload (register, list-append, set, …)")
    .option("--nemesis <list>", "faults: comma-separated kinds (partition,kill,pause), each optionally restricted to some of its modes (partition:isolate-leader+bridge, kill:leader; see `faultline list`), or none, or all")
    .option("--time <seconds>", "length of the main phase (load + faults)")
    .option("--concurrency <n>", "client processes")
    .option("--rate <ops/s>", "target client ops per second, all processes together")
    .option("--seed <n>", "random seed; the same seed replays the same op sequence")
    .option("--bug <name>", "switch off one safety rule of our own nodes (repeatable; see `faultline list`)", collect)
    .option("--store <dir>", "where runs are written")
    .option("--config <file>", "YAML test spec; flags override it")
    .option("--name <name>", "test name (store folder)")
    .option("--keys <n>", "independent keys in play")
    .option("--nemesis-interval <seconds>", "seconds between fault transitions")
    .option("--recovery <seconds>", "seconds to recover after the final heal, before final reads")
    .option("--op-timeout <ms>", "an op unanswered this long is recorded as info (indeterminate)")
    .option("--check-time-limit <seconds>", "checker budget; when spent the verdict is unknown")
    .option("--opt <name=value>", "system option, e.g. storage=power-loss or isolation=serializable (repeatable)", collect)
    .option("--isolation <level>", "transaction isolation for databases: read-committed, repeatable-read or serializable (same as --opt isolation=…)")
    .option("--keep-data", "keep the nodes' data directories of a valid run too (kept anyway when a run is invalid, unknown, interrupted or crashed; node logs are always kept)")
    .option("--db <url>", "also record the run in PostgreSQL (postgres://…); a database that is down costs one warning line")
    .option("--json", "print the results object on stdout")
    .option("--verbose", "print every checker field in the summary")
    .action(async (opts: Record<string, unknown>) => {
      const config: RawSettings = opts.config ? readConfigFile(String(opts.config)) : {};
      const { config: _config, json, verbose, isolation, keepData, db, ...flags } = opts;
      if (db !== undefined) checkDbUrl(String(db));
      if (isolation !== undefined) flags.opt = [...((flags.opt as string[] | undefined) ?? []), `isolation=${String(isolation)}`];
      const spec = buildSpec(config, flags as RawSettings, catalog());
      // The first SIGINT / SIGTERM stops the run in order (runner.ts); a second one kills the
      // cluster and exits at once (exit-handlers.ts).
      const stop = new AbortController();
      const offInterrupt = onInterrupt((signal) => stop.abort(signal));
      let announcedDir: string | undefined;
      let outcome: Awaited<ReturnType<typeof runTest>>;
      try {
        outcome = await runTest(spec, {
          // A live line on a terminal, a plain line every 5 s elsewhere (CI logs): progress.ts.
          progress: process.stderr,
          signal: stop.signal,
          keepData: keepData === true,
          onRunDir: (dir) => {
            announcedDir = dir;
            process.stderr.write(`faultline: run directory ${dir}\n`);
          },
        });
      } catch (err) {
        const report = announcedDir && join(announcedDir, RUN_FILES.report);
        if (report && existsSync(report) && !(err instanceof UsageError)) process.stderr.write(`faultline: the run crashed; history kept; report: ${report}\n`);
        throw err;
      } finally {
        offInterrupt();
      }
      const { runDir, results, interrupted } = outcome;
      if (db !== undefined) await recordRunOnce(String(db), { runDir, store: resolve(spec.store), spec, results }, (line) => process.stderr.write(`${line}\n`));
      if (interrupted) {
        // One line: where the run was stopped, that its history is kept, and the report.
        const line = `${interrupted.signal === "SIGINT" ? "interrupted" : `interrupted (${interrupted.signal})`} ${describeRunMoment(interrupted)}; history kept (${outcome.historyEntries} entries); verdict ${verdictWord(results.valid)}; report: ${join(runDir, RUN_FILES.report)}\n`;
        if (json) {
          process.stdout.write(JSON.stringify(results, null, 2) + "\n");
          process.stderr.write(line);
        } else process.stdout.write(line);
        process.exitCode = exitCodeForSignal(interrupted.signal as StopSignal);
        return;
      }
      if (json) process.stdout.write(JSON.stringify(results, null, 2) + "\n");
      else {
        printSummary(process.stdout, results, {
          title: `${spec.name}: ${spec.system} × ${spec.workload}, nemesis ${describeNemesis(spec)}, seed ${spec.seed}`,
          verbose: verbose === true,
          reportPath: join(runDir, RUN_FILES.report),
        });
      }
      process.exitCode = exitCodeFor(results.valid);
    });
}

function verdictWord(valid: unknown): string {
  return valid === true ? "VALID" : valid === false ? "INVALID" : "UNKNOWN";
}
