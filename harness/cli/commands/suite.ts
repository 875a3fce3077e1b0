// `faultline suite SUITE.yaml [--shard i/n] [--junit FILE] [--store DIR] [--resume] [--db URL]` —
// a matrix of runs, one after another, with a suite folder in the store, JUnit XML and a
// comparison page. Exit code: the worst verdict over the runs (an error counts as unknown);
// 130 / 143 when stopped by SIGINT / SIGTERM, after saying how to resume.
// `--merge DIR…` runs nothing: it joins the shards' suite folders into one (merge.ts).

import type { Command } from "commander";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { UsageError } from "../../errors.ts";
import { EXIT } from "../../errors.ts";
import { catalog } from "../../run/registry.ts";
import { exitCodeForSignal, onInterrupt, type StopSignal } from "../../run/exit-handlers.ts";
import { ResultsDb, redactUrl } from "../../run/results-db/results-db.ts";
import { expandMatrix, parseShard, shardOf } from "../../run/suite/matrix.ts";
import { readSuiteFile } from "../../run/suite/suite-file.ts";
import { runSuite } from "../../run/suite/suite-runner.ts";
import { junitXml } from "../../run/suite/junit.ts";
import { mergeShards } from "../../run/suite/merge.ts";
import { comparisonSource, writeComparison } from "../../run/suite/suite-compare.ts";
import { DEFAULT_SPEC } from "../../spec/test-spec.ts";
import { exitCodeFor } from "../exit-code.ts";

interface SuiteFlags {
  shard?: string;
  junit?: string;
  store?: string;
  resume?: boolean;
  db?: string;
  merge?: string[];
}

/** The command line that picks this suite up where it stopped. */
function resumeCommand(file: string, flags: SuiteFlags, store: string): string {
  const quote = (word: string) => (/^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);
  const args = ["faultline", "suite", file];
  if (flags.shard) args.push("--shard", flags.shard);
  args.push("--store", store);
  if (flags.junit) args.push("--junit", flags.junit);
  if (flags.db) args.push("--db", redactUrl(flags.db));
  args.push("--resume");
  return args.map(quote).join(" ");
}

export function registerSuiteCommand(program: Command): void {
  program
    .command("suite")
    .description("run a matrix of systems × workloads × nemeses × seeds from a suite file, one run after another")
    .argument("<suite-file>", "YAML: name, systems, workloads, nemeses, seeds (lists) and any run setting as a scalar (time: 30)")
    .option("--shard <i/n>", "run only shard i of n (1-based); the n shards together run every cell exactly once")
    .option("--junit <file>", "also write the JUnit XML here (it is always written into the suite folder)")
    .option("--store <dir>", "where runs and the suite folder are written (overrides the suite file's store)")
    .option("--resume", "continue the newest unfinished run of this suite (and shard): finished runs are kept")
    .option("--db <url>", "also record every run in PostgreSQL (postgres://…); a database that is down costs one warning line")
    .option("--merge <dirs...>", "run nothing: join the suite folders of the shards into one (suite.json, JUnit, comparison), naming any cell no shard ran")
    .action(async (file: string, flags: SuiteFlags) => {
      const suite = readSuiteFile(file);
      if (flags.merge) return merge(suite, flags);
      const shard = flags.shard ? parseShard(flags.shard) : undefined;
      const matrix = shardOf(expandMatrix(suite, catalog(), flags.store ? { store: flags.store } : {}), shard);
      const stores = new Set(matrix.runnable.map((cell) => resolve(cell.spec.store)));
      if (stores.size > 1) throw new UsageError(`suite ${file}: its cells write to ${stores.size} stores (${[...stores].join(", ")}); set store once for the whole suite, or pass --store`);
      const store = [...stores][0] ?? resolve(flags.store ?? String(suite.settings.store ?? DEFAULT_SPEC.store));
      let db: ResultsDb | undefined;
      if (flags.db) db = new ResultsDb(flags.db, { warn: (line) => process.stderr.write(`${line}\n`) });
      // The first SIGINT / SIGTERM stops the run in progress in order and ends the suite after it;
      // a second one kills the cluster and exits at once (exit-handlers.ts).
      const stop = new AbortController();
      const offInterrupt = onInterrupt((signal) => stop.abort(signal));
      let outcome: Awaited<ReturnType<typeof runSuite>>;
      try {
        outcome = await runSuite({
          suite,
          matrix,
          shard,
          store,
          resume: flags.resume === true,
          junitPath: flags.junit ? resolve(flags.junit) : undefined,
          signal: stop.signal,
          log: (line) => process.stderr.write(`${line}\n`),
          runProgress: process.stderr.isTTY ? process.stderr : undefined,
          resumeCommand: resumeCommand(file, flags, store),
          onRun: db ? (run) => db.record({ runDir: run.runDir, store, spec: run.spec, results: run.results, suite: run.suite }) : undefined,
          afterRuns: async (dir) => {
            const source = comparisonSource([dir]);
            if (source.runs.length > 0) writeComparison(source, join(dir, "compare.html"), `suite folder ${dir}`);
          },
        });
      } finally {
        offInterrupt();
        await db?.close();
      }
      const { record, dir } = outcome;
      process.stdout.write(`suite ${suite.name}: ${join(dir, "suite.json")}${flags.junit ? `\njunit: ${resolve(flags.junit)}` : ""}${record.cells.some((c) => c.status === "done") ? `\ncompare: ${join(dir, "compare.html")}` : ""}\n`);
      if (outcome.stoppedBy) {
        process.exitCode = exitCodeForSignal((outcome.stoppedBy === "SIGTERM" ? "SIGTERM" : "SIGINT") as StopSignal);
        return;
      }
      // A shard with nothing to run checked nothing and found nothing: not a failure of CI.
      process.exitCode = record.cells.length === 0 ? EXIT.valid : exitCodeFor(record.verdict);
    });
}

/** `--merge`: the shards' suite folders joined, checked against the whole matrix. */
function merge(suite: ReturnType<typeof readSuiteFile>, flags: SuiteFlags): void {
  if (flags.shard || flags.resume || flags.db) throw new UsageError("--merge runs nothing: it takes no --shard, --resume or --db");
  const matrix = expandMatrix(suite, catalog(), flags.store ? { store: flags.store } : {});
  const store = resolve(flags.store ?? String(suite.settings.store ?? DEFAULT_SPEC.store));
  const merged = mergeShards(suite, matrix, flags.merge ?? [], store);
  const junit = junitXml(merged.record, merged.dir);
  writeFileSync(join(merged.dir, "junit.xml"), junit);
  if (flags.junit) {
    mkdirSync(dirname(resolve(flags.junit)), { recursive: true });
    writeFileSync(resolve(flags.junit), junit);
  }
  const source = comparisonSource([merged.dir]);
  if (source.runs.length > 0) writeComparison(source, join(merged.dir, "compare.html"), `${flags.merge?.length} shard folders of suite ${suite.name}`);
  const { counts } = merged.record;
  const say = (line: string) => process.stderr.write(`faultline suite ${suite.name}: ${line}\n`);
  say(`merged ${flags.merge?.length} shard folders: ${merged.record.cells.length - merged.missing.length} of ${merged.record.cells.length} runnable cells ran (${counts.valid} valid, ${counts.invalid} invalid, ${counts.unknown} unknown, ${counts.error - merged.missing.length} errors)`);
  if (merged.missing.length) say(`no shard ran ${merged.missing.length} cells: ${merged.missing.join(", ")}`);
  if (merged.duplicated.length) say(`more than one shard ran ${merged.duplicated.join(", ")}; the first shard's run is kept`);
  process.stdout.write(`suite ${suite.name}: ${join(merged.dir, "suite.json")}${flags.junit ? `\njunit: ${resolve(flags.junit)}` : ""}${source.runs.length ? `\ncompare: ${join(merged.dir, "compare.html")}` : ""}\n`);
  process.exitCode = exitCodeFor(merged.record.verdict);
}
