// The comparison page of a suite folder, or of any mix of suite folders and run folders: what
// `faultline compare` and the end of `faultline suite` write.

import { existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { UsageError } from "../../errors.ts";
import { loadComparedRun } from "../../../reports/compare-load.ts";
import { renderComparison, type ComparedRun } from "../../../reports/compare.ts";
import { RUN_FILES, resolveRunDir, writeFileAtomic } from "../../store/store.ts";
import { SUITE_FILE, cellRunDir, readSuiteRecord } from "./suite-record.ts";

export interface ComparisonSource {
  /** Run directories with the label each row gets (a suite's variant), in order. */
  runs: { dir: string; label?: string }[];
  /** Suite names met, for the title. */
  suites: string[];
  /** Cells of suites that have no finished run, said on the terminal. */
  missing: string[];
}

/** Resolves the arguments of `faultline compare`: suite folders (with suite.json), run folders, or
 *  test folders with a `latest` link. */
export function comparisonSource(paths: readonly string[]): ComparisonSource {
  const source: ComparisonSource = { runs: [], suites: [], missing: [] };
  for (const path of paths) {
    const abs = resolve(path);
    if (!existsSync(abs) || !statSync(abs).isDirectory()) throw new UsageError(`compare: ${path} is not a folder; pass run folders (store/<test>/<timestamp>) or suite folders (store/suites/<suite>/<timestamp>)`);
    if (existsSync(join(abs, SUITE_FILE))) {
      let record;
      try {
        record = readSuiteRecord(abs);
      } catch (err) {
        throw new UsageError(`compare: ${(err as Error).message}`);
      }
      source.suites.push(record.suite);
      for (const cell of record.cells) {
        const dir = cellRunDir(abs, record, cell);
        if (cell.status === "done" && dir && existsSync(join(dir, RUN_FILES.results))) source.runs.push({ dir, label: cell.variant });
        else source.missing.push(`${record.suite}: ${cell.id} (${cell.status})`);
      }
      continue;
    }
    const dir = resolveRunDir(abs);
    if (!existsSync(join(dir, RUN_FILES.spec))) throw new UsageError(`compare: ${path} is neither a run folder (no ${RUN_FILES.spec}) nor a suite folder (no ${SUITE_FILE})`);
    source.runs.push({ dir });
  }
  return source;
}

/** Renders the comparison of `source` into `outPath`; returns the runs it shows. */
export function writeComparison(source: ComparisonSource, outPath: string, describe: string, now: Date = new Date()): ComparedRun[] {
  const pageDir = dirname(resolve(outPath));
  const runs = source.runs.map(({ dir, label }) => {
    try {
      return loadComparedRun(dir, pageDir, label);
    } catch (err) {
      throw new UsageError(`compare: ${(err as Error).message}`);
    }
  });
  const title = source.suites.length ? `Suite ${[...new Set(source.suites)].join(" + ")}: systems compared` : "Faultline: systems compared";
  mkdirSync(pageDir, { recursive: true });
  writeFileAtomic(resolve(outPath), renderComparison({ title, runs, source: describe, generatedAt: now }));
  return runs;
}
