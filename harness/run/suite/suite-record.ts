// suite.json: what a suite ran, cell by cell, rewritten (atomically) after every run, so a suite
// that is stopped or dies keeps the record of every run it finished. The suite's folder:
//
//   store/suites/<suite>/<YYYYMMDDTHHMMSS>[-shard-i-of-n]/
//     suite.json       this record
//     runs/<NNN>-<cell> links to each run's directory (store/<test>/<timestamp>)
//     junit.xml        when asked for (--junit writes it here too)
//     compare.html     the comparison of its runs
//
// Cells name their runs relative to the store root as well as by link, so a store copied without
// its links (a CI artifact) still resolves.

import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import type { Validity } from "../../../checkers/checker.ts";
import { mergeValidity } from "../../../checkers/checker.ts";
import type { ClaimJudgement } from "../../store/results.ts";
import { runTimestamp, writeJsonAtomic } from "../../store/store.ts";
import type { CellKey, Shard, SkippedCell } from "./matrix.ts";

export const SUITE_FILE = "suite.json";
const SUITES_DIR = "suites";

/** done: the run finished and was checked. interrupted: stopped by a signal (its run is kept, and
 *  run again on --resume). error: the harness could not run it (the message says why). */
export type CellStatus = "pending" | "done" | "interrupted" | "error";

export interface CellRecord extends CellKey {
  status: CellStatus;
  /** The run's directory relative to the store root ("<test>/<timestamp>"). */
  run?: string;
  valid?: Validity;
  claims?: ClaimJudgement[];
  /** The first failure in words, for a refuted run. */
  finding?: string;
  error?: string;
  /** Wall time of the run, setup to report. */
  durationS?: number;
  finishedAt?: string;
}

export interface SuiteRecord {
  format: 1;
  suite: string;
  file: string;
  shard: Shard | null;
  status: "running" | "interrupted" | "finished";
  startedAt: string;
  updatedAt: string;
  finishedAt?: string;
  /** The store root the runs live in (absolute when written). */
  store: string;
  /** Cells in the whole matrix, every shard and the skipped ones included. */
  matrixCells: number;
  cells: CellRecord[];
  skipped: SkippedCell[];
  counts: { valid: number; invalid: number; unknown: number; error: number; pending: number };
  /** The worst verdict over its runs; errors count as unknown. */
  verdict: Validity;
}

function suiteRoot(store: string, suite: string): string {
  return join(resolve(store), SUITES_DIR, suite);
}

export function createSuiteDir(store: string, suite: string, shard: Shard | undefined, now: Date): string {
  const base = join(suiteRoot(store, suite), `${runTimestamp(now)}${shard && shard.count > 1 ? `-shard-${shard.index}-of-${shard.count}` : ""}`);
  let dir = base;
  for (let n = 1; existsSync(dir); n++) dir = `${base}-${n}`;
  mkdirSync(join(dir, "runs"), { recursive: true });
  return dir;
}

export function readSuiteRecord(dir: string): SuiteRecord {
  const path = join(dir, SUITE_FILE);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new Error(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const record = parsed as Partial<SuiteRecord>;
  if (record.format !== 1 || !Array.isArray(record.cells)) throw new Error(`${path} is not a Faultline suite record (no format 1 / cells)`);
  return record as SuiteRecord;
}

/** The newest suite folder of `suite` for `shard` that did not finish, for --resume. */
export function unfinishedSuiteDir(store: string, suite: string, shard: Shard | undefined): string | undefined {
  const root = suiteRoot(store, suite);
  if (!existsSync(root)) return undefined;
  const candidates = readdirSync(root)
    .filter((name) => /^\d{8}T\d{6}/.test(name))
    .sort()
    .reverse();
  for (const name of candidates) {
    const dir = join(root, name);
    if (!existsSync(join(dir, SUITE_FILE))) continue;
    const record = readSuiteRecord(dir);
    const sameShard = (record.shard?.count ?? 1) === (shard?.count ?? 1) && (record.shard?.index ?? 1) === (shard?.index ?? 1);
    if (sameShard && record.status !== "finished") return dir;
  }
  return undefined;
}

export function tally(cells: readonly CellRecord[]): Pick<SuiteRecord, "counts" | "verdict"> {
  const counts = { valid: 0, invalid: 0, unknown: 0, error: 0, pending: 0 };
  const verdicts: Validity[] = [];
  for (const cell of cells) {
    if (cell.status === "done") {
      counts[cell.valid === true ? "valid" : cell.valid === false ? "invalid" : "unknown"]++;
      verdicts.push(cell.valid ?? "unknown");
    } else if (cell.status === "error") {
      counts.error++;
      verdicts.push("unknown");
    } else counts.pending++;
  }
  return { counts, verdict: cells.length === 0 ? "unknown" : mergeValidity(verdicts) };
}

export function writeSuiteRecord(dir: string, record: SuiteRecord): void {
  writeJsonAtomic(join(dir, SUITE_FILE), { ...record, ...tally(record.cells), updatedAt: new Date().toISOString() });
}

/** "raft-stale-read/register/partition,kill/2" → "raft-stale-read.register.partition_kill.2". */
function cellSlug(id: string): string {
  return id.replace(/,/g, "_").replace(/[/:+]/g, ".").replace(/[^A-Za-z0-9._-]/g, "-");
}

/** runs/<NNN>-<cell> → the run's directory, relative (the store can move). Replaces an older link
 *  of the same cell (a resumed suite's rerun). */
export function linkRun(suiteDir: string, position: number, id: string, runDir: string): void {
  const link = join(suiteDir, "runs", `${String(position + 1).padStart(3, "0")}-${cellSlug(id)}`);
  rmSync(link, { force: true });
  symlinkSync(relative(join(suiteDir, "runs"), runDir), link);
}

/** The run directory a cell names, under the store the suite record was written against; falls
 *  back to the store the suite folder sits in (store/suites/<suite>/<stamp>). */
export function cellRunDir(suiteDir: string, record: SuiteRecord, cell: CellRecord): string | undefined {
  if (!cell.run) return undefined;
  const inPlace = resolve(suiteDir, "..", "..", "..", cell.run);
  if (existsSync(inPlace)) return inPlace;
  const recorded = resolve(record.store, cell.run);
  return existsSync(recorded) ? recorded : inPlace;
}
