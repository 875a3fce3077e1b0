// The store (DESIGN §6): store/<test-name>/<YYYYMMDDTHHMMSS>/ per run, with `latest` symlinks at
// the store root and per test. Everything a run learns is written here as it happens.

import { appendFileSync, existsSync, mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync, lstatSync, readlinkSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

export const RUN_FILES = {
  spec: "test.json",
  history: "history.jsonl",
  results: "results.json",
  report: "report.html",
  log: "harness.log",
  nodes: "nodes",
} as const;

/** 2026-11-23T06:40:31Z → 20261123T064031 (UTC, sortable, no characters a shell dislikes). */
export function runTimestamp(now: Date): string {
  return now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "");
}

/** Makes a fresh run directory; two runs in the same second get -1, -2 … suffixes. */
export function createRunDir(storeRoot: string, testName: string, now: Date): string {
  const base = join(resolve(storeRoot), testName, runTimestamp(now));
  let dir = base;
  for (let n = 1; existsSync(dir); n++) dir = `${base}-${n}`;
  mkdirSync(join(dir, RUN_FILES.nodes), { recursive: true });
  return dir;
}

/** Points store/latest and store/<test>/latest at the run (relative links, so the store can move). */
export function linkLatest(storeRoot: string, runDir: string): void {
  const root = resolve(storeRoot);
  replaceSymlink(join(dirname(runDir), "latest"), relative(dirname(runDir), runDir));
  replaceSymlink(join(root, "latest"), relative(root, runDir));
}

function replaceSymlink(linkPath: string, target: string): void {
  const tmp = `${linkPath}.tmp-${process.pid}`;
  rmSync(tmp, { force: true });
  symlinkSync(target, tmp);
  renameSync(tmp, linkPath);
}

/** Resolves a run directory argument: a run dir itself, or a store/test dir with a `latest` link. */
export function resolveRunDir(path: string): string {
  const abs = resolve(path);
  if (existsSync(join(abs, RUN_FILES.history)) || existsSync(join(abs, RUN_FILES.spec))) return abs;
  const latest = join(abs, "latest");
  if (existsSync(latest) && lstatSync(latest).isSymbolicLink()) return resolve(abs, readlinkSync(latest));
  return abs;
}

/** Writes JSON atomically (tmp + rename), so a reader never sees half a file. */
export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + "\n");
}

export function writeFileAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** harness.log: timestamped lines, appended synchronously so a crash loses nothing already said. */
export class RunLog {
  constructor(private readonly path: string, private readonly echo?: (line: string) => void) {}

  line(text: string): void {
    const stamped = `${new Date().toISOString()} ${text}`;
    appendFileSync(this.path, stamped + "\n");
    this.echo?.(text);
  }
}
