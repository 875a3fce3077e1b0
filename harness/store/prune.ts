// `faultline prune`: removes old runs from a store (DESIGN §6). Per test name the newest N runs
// stay (--keep N), runs younger than an age stay (--older-than 7d); given both, a run goes only
// if both let it go. Never removed: the runs `latest` links point at (store/latest and
// store/<test>/latest), and runs the caller says are in progress.

import { existsSync, readdirSync, realpathSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { UsageError } from "../errors.ts";
import { diskUsage } from "./node-data.ts";
import { RUN_FILES } from "./store.ts";

interface StoredRun {
  test: string;
  runDir: string;
  /** From the directory name (UTC, DESIGN §6), else the directory's modification time. */
  startedAt: Date;
}

export interface PruneOptions {
  /** Keep the newest `keep` runs of each test. */
  keep?: number;
  /** Keep runs started less than this long ago. */
  olderThanMs?: number;
  now?: Date;
  /** Say what would go, remove nothing. */
  dryRun?: boolean;
  /** A reason to keep `runDir` whatever its age (a run in progress), or undefined. */
  protect?: (runDir: string) => string | undefined;
}

export interface PruneResult {
  removed: (StoredRun & { bytes: number })[];
  /** Runs kept only because they are a `latest` target or protected, with the reason. */
  spared: { runDir: string; reason: string }[];
  kept: number;
  bytes: number;
}

const RUN_NAME = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(?:-\d+)?$/;
const AGE = /^(\d+(?:\.\d+)?)(s|m|h|d|w)$/;
const AGE_UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** "7d" → ms. Units: s, m, h, d, w. */
export function parseAge(text: string): number {
  const match = AGE.exec(text.trim());
  if (!match) throw new UsageError(`--older-than "${text}" is not an age; give a number and a unit: s, m, h, d or w (e.g. 7d, 12h, 2w)`);
  return Number(match[1]) * AGE_UNIT_MS[match[2]];
}

/** Every run directory in the store, by test. A directory counts as a run if it holds one of the
 *  files every run writes first (test.json, harness.log); anything else is left alone. */
function listRuns(storeRoot: string): StoredRun[] {
  const root = resolve(storeRoot);
  const runs: StoredRun[] = [];
  for (const test of entries(root)) {
    if (!test.isDirectory() || test.name.startsWith(".")) continue;
    for (const run of entries(join(root, test.name))) {
      // Symlinks (latest) are not directories here, so no run is listed twice.
      if (!run.isDirectory()) continue;
      const runDir = join(root, test.name, run.name);
      if (!existsSync(join(runDir, RUN_FILES.spec)) && !existsSync(join(runDir, RUN_FILES.log))) continue;
      runs.push({ test: test.name, runDir, startedAt: startTime(run.name, runDir) });
    }
  }
  return runs;
}

export function pruneRuns(storeRoot: string, options: PruneOptions): PruneResult {
  const { keep, olderThanMs } = options;
  if (keep === undefined && olderThanMs === undefined) {
    throw new UsageError("prune needs to know what to remove: give --keep N (newest runs to keep per test) and/or --older-than AGE (e.g. 7d)");
  }
  if (keep !== undefined && !(Number.isInteger(keep) && keep >= 0)) throw new UsageError(`--keep must be a whole number of runs, 0 or more; got ${keep}`);
  if (!existsSync(storeRoot) || !statSync(storeRoot).isDirectory()) throw new UsageError(`store ${storeRoot} does not exist or is not a directory; pass the store with --store DIR`);
  const now = (options.now ?? new Date()).getTime();
  const latest = latestTargets(storeRoot);
  const result: PruneResult = { removed: [], spared: [], kept: 0, bytes: 0 };

  const byTest = new Map<string, StoredRun[]>();
  for (const run of listRuns(storeRoot)) byTest.set(run.test, [...(byTest.get(run.test) ?? []), run]);
  for (const runs of byTest.values()) {
    runs.sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime() || b.runDir.localeCompare(a.runDir));
    runs.forEach((run, rank) => {
      const beyondKeep = keep === undefined || rank >= keep;
      const oldEnough = olderThanMs === undefined || now - run.startedAt.getTime() > olderThanMs;
      if (!beyondKeep || !oldEnough) {
        result.kept++;
        return;
      }
      const reason = latest.has(realpathSync(run.runDir)) ? "a latest link points at it" : options.protect?.(run.runDir);
      if (reason) {
        result.kept++;
        result.spared.push({ runDir: run.runDir, reason });
        return;
      }
      const bytes = diskUsage(run.runDir);
      if (!options.dryRun) rmSync(run.runDir, { recursive: true, force: true });
      result.removed.push({ ...run, bytes });
      result.bytes += bytes;
    });
  }
  return result;
}

/** Real paths of the runs store/latest and store/<test>/latest point at. */
function latestTargets(storeRoot: string): Set<string> {
  const root = resolve(storeRoot);
  const links = [join(root, "latest"), ...entries(root).filter((e) => e.isDirectory() && !e.name.startsWith(".")).map((e) => join(root, e.name, "latest"))];
  const targets = new Set<string>();
  for (const link of links) {
    try {
      targets.add(realpathSync(link));
    } catch {
      // No such link, or it dangles: nothing to spare.
    }
  }
  return targets;
}

function startTime(name: string, runDir: string): Date {
  const m = RUN_NAME.exec(name);
  if (m) return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
  return statSync(runDir).mtime;
}

function entries(dir: string) {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}
