// Runs a suite's cells one after another through runTest, the same code path as `faultline run`,
// keeping suite.json current after every run. A progress line (done/total, elapsed, ETA, verdicts
// so far) goes to `log` before each run and a result line after it.
//
// A stop request (the signal) is passed to the run in progress, which winds down in order and
// keeps its history; the suite then stops, records that run as interrupted, and says how to resume.
// --resume continues the newest unfinished suite folder of the same suite and shard: finished runs
// are kept, everything else runs again.

import { dirname, join, relative, resolve } from "node:path";
import { mkdirSync, writeFileSync } from "node:fs";
import { UsageError } from "../../errors.ts";
import { firstFailureInWords } from "../../../reports/in-words.ts";
import type { CheckResult } from "../../../checkers/checker.ts";
import type { ClaimJudgement } from "../../store/results.ts";
import { RUN_FILES, writeFileAtomic } from "../../store/store.ts";
import { runTest } from "../runner.ts";
import type { Matrix, RunnableCell, Shard } from "./matrix.ts";
import { describeShard } from "./matrix.ts";
import type { SuiteDefinition } from "./suite-file.ts";
import { junitXml } from "./junit.ts";
import { type CellRecord, type SuiteRecord, createSuiteDir, linkRun, readSuiteRecord, tally, unfinishedSuiteDir, writeSuiteRecord } from "./suite-record.ts";

/** Told about every finished run (a results database); must not throw or block. */
export type RunListener = (run: { runDir: string; spec: RunnableCell["spec"]; results: CheckResult; suite: { name: string; dir: string; cell: string } }) => void;

export interface SuiteRunOptions {
  suite: SuiteDefinition;
  /** The cells of this shard (shardOf(expandMatrix(…))). */
  matrix: Matrix;
  shard?: Shard;
  store: string;
  resume?: boolean;
  /** Also write the JUnit XML here (it is always written into the suite folder). */
  junitPath?: string;
  signal?: AbortSignal;
  /** Progress and result lines (stderr). */
  log: (line: string) => void;
  /** Each run's own live progress (stderr on a TTY). */
  runProgress?: NodeJS.WritableStream;
  /** The command that resumes this suite, for the line printed when it is stopped. */
  resumeCommand: string;
  onRun?: RunListener;
  /** After the last run: e.g. write the comparison page. Errors are reported, not thrown. */
  afterRuns?: (suiteDir: string, record: SuiteRecord) => Promise<void>;
}

export interface SuiteOutcome {
  dir: string;
  record: SuiteRecord;
  /** The signal that stopped the suite, if one did. */
  stoppedBy?: string;
  /** Seconds spent inside runs (setup to report), and in the suite overall. */
  runSeconds: number;
  totalSeconds: number;
}

const verdictWord = (valid: unknown) => (valid === true ? "VALID" : valid === false ? "INVALID" : "UNKNOWN");

function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** What a cell takes before any has finished: its main phase and recovery, plus setup, final reads
 *  and checking (measured: about 8 s for a 3-node raft cluster on the local runtime). */
function guessSeconds(cell: RunnableCell): number {
  return cell.spec.timeS + cell.spec.recoveryS + 8;
}

export async function runSuite(options: SuiteRunOptions): Promise<SuiteOutcome> {
  const { suite, matrix, shard, log } = options;
  const now = () => new Date();
  const store = resolve(options.store);
  const started = Date.now();

  let dir: string;
  let previous: SuiteRecord | undefined;
  if (options.resume) {
    const found = unfinishedSuiteDir(store, suite.name, shard);
    if (!found) throw new UsageError(`--resume: no unfinished run of suite ${suite.name} (shard ${describeShard(shard)}) under ${join(store, "suites", suite.name)}; run it without --resume`);
    dir = found;
    previous = readSuiteRecord(dir);
  } else {
    dir = createSuiteDir(store, suite.name, shard, now());
  }

  const kept = new Map((previous?.cells ?? []).filter((cell) => cell.status === "done").map((cell) => [cell.id, cell]));
  const cells: CellRecord[] = matrix.runnable.map(({ spec: _spec, ...key }) => kept.get(key.id) ?? { ...key, status: "pending" });
  if (previous) {
    const dropped = previous.cells.filter((cell) => !matrix.runnable.some((c) => c.id === cell.id));
    log(`faultline suite ${suite.name}: resuming ${dir}: ${kept.size} of ${cells.length} runs already finished${dropped.length ? `; ${dropped.length} recorded cells are no longer in the suite file and are dropped (${dropped.map((c) => c.id).join(", ")})` : ""}`);
  }
  const record: SuiteRecord = {
    format: 1,
    suite: suite.name,
    file: resolve(suite.path),
    shard: shard && shard.count > 1 ? shard : null,
    status: "running",
    startedAt: previous?.startedAt ?? now().toISOString(),
    updatedAt: now().toISOString(),
    store,
    matrixCells: matrix.total,
    cells,
    skipped: matrix.skipped,
    ...tally(cells),
  };
  writeSuiteRecord(dir, record);
  log(`faultline suite ${suite.name}: ${cells.length} runs${shard && shard.count > 1 ? ` (shard ${shard.index}/${shard.count} of ${matrix.total} cells)` : ` of ${matrix.total} cells`}${matrix.skipped.length ? `, ${matrix.skipped.length} skipped` : ""}; suite folder ${dir}`);
  for (const skipped of matrix.skipped) log(`  skipped ${skipped.id}: ${skipped.reason}`);

  let runSeconds = 0;
  const measured: number[] = [];
  let stoppedBy: string | undefined;
  const reason = () => String(options.signal?.reason ?? "SIGINT");

  for (const [position, cell] of cells.entries()) {
    if (cell.status === "done") continue;
    if (options.signal?.aborted) {
      stoppedBy = reason();
      break;
    }
    const runnable = matrix.runnable[position];
    log(progressLine(suite.name, cells, position, runnable, started, measured, matrix.runnable));
    const cellStarted = Date.now();
    let runDir: string | undefined;
    try {
      const outcome = await runTest(runnable.spec, { signal: options.signal, progress: options.runProgress, onRunDir: (d) => (runDir = d) });
      runDir = outcome.runDir;
      const durationS = (Date.now() - cellStarted) / 1000;
      runSeconds += durationS;
      Object.assign(cell, {
        status: outcome.interrupted ? "interrupted" : "done",
        run: relative(store, outcome.runDir),
        valid: outcome.results.valid,
        claims: (outcome.results.claims as ClaimJudgement[] | undefined) ?? [],
        durationS,
        finishedAt: now().toISOString(),
      } satisfies Partial<CellRecord>);
      const workload = outcome.results.workload as CheckResult | undefined;
      const finding = workload ? firstFailureInWords(workload) : undefined;
      if (finding) cell.finding = finding;
      else delete cell.finding;
      delete cell.error;
      linkRun(dir, position, cell.id, outcome.runDir);
      if (outcome.interrupted) {
        stoppedBy = outcome.interrupted.signal;
        log(`  ${cell.id}: interrupted; its history is kept in ${outcome.runDir}`);
      } else {
        measured.push(durationS);
        log(`  ${cell.id}: ${verdictWord(outcome.results.valid)} in ${formatDuration(durationS)}${claimSummary(cell.claims ?? [])} · ${join(outcome.runDir, RUN_FILES.report)}`);
        options.onRun?.({ runDir: outcome.runDir, spec: runnable.spec, results: outcome.results, suite: { name: suite.name, dir, cell: cell.id } });
      }
    } catch (err) {
      const durationS = (Date.now() - cellStarted) / 1000;
      runSeconds += durationS;
      const message = (err as Error).message?.split("\n")[0] ?? String(err);
      Object.assign(cell, { status: "error", error: message, durationS, finishedAt: now().toISOString() } satisfies Partial<CellRecord>);
      if (runDir) {
        cell.run = relative(store, runDir);
        linkRun(dir, position, cell.id, runDir);
      }
      log(`  ${cell.id}: ERROR ${message}${runDir ? ` (run folder ${runDir})` : ""}`);
    }
    writeSuiteRecord(dir, record);
    if (stoppedBy) break;
  }
  if (!stoppedBy && options.signal?.aborted) stoppedBy = reason();

  record.status = stoppedBy ? "interrupted" : "finished";
  if (!stoppedBy) record.finishedAt = now().toISOString();
  writeSuiteRecord(dir, record);
  const written = readSuiteRecord(dir);
  const junit = junitXml(written, dir);
  writeFileAtomic(join(dir, "junit.xml"), junit);
  if (options.junitPath) {
    mkdirSync(dirname(options.junitPath), { recursive: true });
    writeFileSync(options.junitPath, junit);
  }
  if (options.afterRuns) {
    await options.afterRuns(dir, written).catch((err: unknown) => log(`faultline suite ${suite.name}: warning: ${(err as Error).message}`));
  }

  const totalSeconds = (Date.now() - started) / 1000;
  const { counts } = written;
  const verdicts = `${counts.valid} valid, ${counts.invalid} invalid, ${counts.unknown} unknown${counts.error ? `, ${counts.error} errors` : ""}`;
  if (stoppedBy) {
    const finished = cells.filter((c) => c.status === "done").length;
    log(`faultline suite ${suite.name}: ${stoppedBy === "SIGINT" ? "interrupted" : `stopped (${stoppedBy})`} after ${finished} of ${cells.length} runs (${verdicts}); every finished run is kept in ${dir}`);
    log(`faultline suite ${suite.name}: resume with: ${options.resumeCommand}`);
  } else {
    log(`faultline suite ${suite.name}: ${cells.length} runs in ${formatDuration(totalSeconds)}: ${verdicts}; verdict ${verdictWord(written.verdict)}; ${join(dir, "suite.json")}`);
  }
  return { dir, record: written, ...(stoppedBy ? { stoppedBy } : {}), runSeconds, totalSeconds };
}

function claimSummary(claims: readonly ClaimJudgement[]): string {
  const broken = claims.filter((c) => c.verdict === "refuted" && c.claimed !== false).map((c) => c.claim);
  const expected = claims.filter((c) => c.verdict === "refuted" && c.claimed === false).map((c) => c.claim);
  return `${broken.length ? ` · refuted: ${broken.join("; ")}` : ""}${expected.length ? ` · refuted as expected (not claimed): ${expected.join("; ")}` : ""}`;
}

function progressLine(name: string, cells: readonly CellRecord[], position: number, next: RunnableCell, startedMs: number, measured: readonly number[], runnable: readonly RunnableCell[]): string {
  const done = cells.filter((c) => c.status === "done" || c.status === "error").length;
  const { counts } = tally(cells);
  const elapsedS = (Date.now() - startedMs) / 1000;
  const remaining = cells.flatMap((c, i) => (c.status === "done" || c.status === "error" ? [] : [i]));
  const average = measured.length ? measured.reduce((a, b) => a + b, 0) / measured.length : undefined;
  const etaS = remaining.reduce((sum, i) => sum + (average ?? guessSeconds(runnable[i])), 0);
  const so = `${counts.valid} valid, ${counts.invalid} invalid, ${counts.unknown} unknown${counts.error ? `, ${counts.error} errors` : ""}`;
  return `faultline suite ${name}: [${done}/${cells.length}] ${formatDuration(elapsedS)} elapsed, ETA ${average === undefined ? "~" : ""}${formatDuration(etaS)} · ${so} · running ${next.id} (${position + 1})`;
}
