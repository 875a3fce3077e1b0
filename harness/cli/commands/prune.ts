// `faultline prune` — remove old runs from the store: per test keep the newest N (--keep), or keep
// what is younger than an age (--older-than); never the runs `latest` points at, never a run in
// progress. Prints each run removed and the space freed.

import type { Command } from "commander";
import { existsSync, statSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import { liveRunNodeDirs } from "../../../clusters/runtime/local/cleanup.ts";
import { UsageError } from "../../errors.ts";
import { DEFAULT_SPEC } from "../../spec/test-spec.ts";
import { formatBytes } from "../../store/node-data.ts";
import { parseAge, pruneRuns } from "../../store/prune.ts";
import { RUN_FILES } from "../../store/store.ts";

/** A run with no results yet whose log moved this recently may still be running (any runtime). */
const RECENT_ACTIVITY_MS = 10 * 60_000;

export function registerPruneCommand(program: Command): void {
  program
    .command("prune")
    .description("remove old runs from the store: keep the newest N per test and/or runs younger than an age; never the latest runs or one in progress")
    .option("--store <dir>", "the store to prune", DEFAULT_SPEC.store)
    .option("--keep <n>", "newest runs to keep per test name")
    .option("--older-than <age>", "remove only runs older than this: a number and s, m, h, d or w (e.g. 7d)")
    .option("--dry-run", "print what would be removed, remove nothing")
    .addHelpText("after", "\nGiven both --keep and --older-than, a run is removed only if it is beyond the newest N of its test and older than the age.")
    .action((opts: { store: string; keep?: string; olderThan?: string; dryRun?: boolean }) => {
      const keep = opts.keep === undefined ? undefined : parseCount(opts.keep);
      const olderThanMs = opts.olderThan === undefined ? undefined : parseAge(opts.olderThan);
      const store = resolve(opts.store);
      const live = liveRunNodeDirs(store).map((dir) => resolve(dir));
      const result = pruneRuns(store, {
        keep,
        olderThanMs,
        dryRun: opts.dryRun,
        protect: (runDir) => {
          if (live.some((dir) => dir === runDir || dir.startsWith(runDir + sep))) return "its harness is still running";
          const log = join(runDir, RUN_FILES.log);
          if (!existsSync(join(runDir, RUN_FILES.results)) && existsSync(log) && Date.now() - statSync(log).mtimeMs < RECENT_ACTIVITY_MS) return "no results yet and its harness.log changed in the last 10 minutes (in progress?)";
          return undefined;
        },
      });
      const verb = opts.dryRun ? "would remove" : "removed";
      for (const run of result.removed) process.stdout.write(`${verb} ${shown(run.runDir)} (${formatBytes(run.bytes)})\n`);
      for (const run of result.spared) process.stdout.write(`kept ${shown(run.runDir)}: ${run.reason}\n`);
      process.stdout.write(`${verb} ${result.removed.length} run(s), ${opts.dryRun ? "would free" : "freed"} ${formatBytes(result.bytes)}; ${result.kept} run(s) kept\n`);
    });
}

/** A path under the working directory relative to it, any other absolute. */
function shown(path: string): string {
  const inside = relative(process.cwd(), path);
  return inside && !inside.startsWith("..") ? inside : path;
}

function parseCount(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n)) throw new UsageError(`--keep "${text}" is not a number of runs; give a whole number, 0 or more (e.g. --keep 5)`);
  return n;
}
