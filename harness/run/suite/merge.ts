// Joins the suite folders of a sharded suite (one per CI machine) into one: a suite folder whose
// suite.json holds every cell of the matrix — each from the shard that ran it — with JUnit XML and
// a comparison over all of them. A cell no shard ran, or one that two shards ran, is said, and a
// missing cell is an error case in the JUnit: shards that silently lost part of the matrix must not
// look like a clean night.

import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { UsageError } from "../../errors.ts";
import type { Matrix } from "./matrix.ts";
import type { SuiteDefinition } from "./suite-file.ts";
import { type CellRecord, type SuiteRecord, SUITE_FILE, cellRunDir, createSuiteDir, linkRun, readSuiteRecord, tally, writeSuiteRecord } from "./suite-record.ts";

export interface MergeOutcome {
  dir: string;
  record: SuiteRecord;
  /** Cells of the matrix no shard ran. */
  missing: string[];
  /** Cells more than one shard ran (the first shard's run is kept). */
  duplicated: string[];
}

/** Merges the shard folders `dirs` of `suite` (whose whole matrix is `matrix`) into a new suite
 *  folder in `store`. Run paths in the merged record are absolute: the shards' stores differ. */
export function mergeShards(suite: SuiteDefinition, matrix: Matrix, dirs: readonly string[], store: string, now: Date = new Date()): MergeOutcome {
  const found = new Map<string, CellRecord>();
  const duplicated: string[] = [];
  const shards: string[] = [];
  for (const path of dirs) {
    const dir = resolve(path);
    if (!existsSync(join(dir, SUITE_FILE))) throw new UsageError(`--merge: ${path} is not a suite folder (no ${SUITE_FILE}); pass store/suites/${suite.name}/<timestamp> folders`);
    let record: SuiteRecord;
    try {
      record = readSuiteRecord(dir);
    } catch (err) {
      throw new UsageError(`--merge: ${(err as Error).message}`);
    }
    if (record.suite !== suite.name) throw new UsageError(`--merge: ${path} holds suite "${record.suite}", not "${suite.name}"`);
    shards.push(record.shard ? `${record.shard.index}/${record.shard.count}` : "all");
    for (const cell of record.cells) {
      if (found.has(cell.id)) {
        duplicated.push(cell.id);
        continue;
      }
      const runDir = cellRunDir(dir, record, cell);
      found.set(cell.id, { ...cell, ...(runDir ? { run: runDir } : {}) });
    }
  }
  const missing: string[] = [];
  const cells: CellRecord[] = matrix.runnable.map(({ spec: _spec, ...key }) => {
    const cell = found.get(key.id);
    if (cell) return cell;
    missing.push(key.id);
    return { ...key, status: "error", error: `no shard ran this cell (merged shards: ${shards.join(", ")})` };
  });
  const dir = createSuiteDir(store, suite.name, undefined, now);
  for (const [position, cell] of cells.entries()) if (cell.run && existsSync(cell.run)) linkRun(dir, position, cell.id, cell.run);
  const record: SuiteRecord = {
    format: 1,
    suite: suite.name,
    file: resolve(suite.path),
    shard: null,
    status: "finished",
    startedAt: now.toISOString(),
    updatedAt: now.toISOString(),
    finishedAt: now.toISOString(),
    store: resolve(store),
    matrixCells: matrix.total,
    cells,
    skipped: matrix.skipped,
    ...tally(cells),
  };
  writeSuiteRecord(dir, record);
  return { dir, record: readSuiteRecord(dir), missing, duplicated: [...new Set(duplicated)] };
}
