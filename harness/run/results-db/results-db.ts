// The results database (--db postgres://…): every run's spec, verdict, claims, counts and
// availability, written to PostgreSQL beside the store, for trends across nights.
//
// The store stays the source of truth, so writing here must never hold up or endanger a run:
// record() only queues (the run's results.json is on disk before it is called); writes happen in
// the background, each bounded by a statement timeout; the first failure — a database that is
// down, refuses us, or lacks permissions — prints one warning line and turns the database off for
// the rest of the process. close() waits a bounded time for queued writes and then lets go.
//
// This module is the only production code besides clusters/postgres that imports the postgres
// client (.dependency-cruiser.cjs: results-db-owns-postgres-client); it sits on the run floor,
// above the verdicts it stores, and serve reaches it only through the TrendSource interface.

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import postgres from "postgres";
import type { CheckResult } from "../../../checkers/checker.ts";
import { metricsOf } from "../../../reports/compare-metrics.ts";
import type { TrendKey, TrendPoint, TrendSource } from "../../../reports/serve/trend.ts";
import { readHistory } from "../../history/read.ts";
import type { Op } from "../../op.ts";
import type { TestSpec } from "../../spec/test-spec.ts";
import { describeNemesis } from "../../spec/test-spec.ts";
import type { ClaimJudgement, RunCrash, RunInterruption } from "../../store/results.ts";
import { RUN_FILES } from "../../store/store.ts";
import { UsageError } from "../../errors.ts";
import { migrate } from "./migrations.ts";

/** Columns an update leaves alone: the run's identity, and its suite when the new record names
 *  none (a run re-recorded on its own is still the suite's). */
const KEEP_ON_UPDATE = new Set(["run_path", "started_at", "suite", "suite_dir", "suite_cell"]);

export interface RecordedRun {
  /** The run's directory, and the store root it sits in. */
  runDir: string;
  store: string;
  spec: TestSpec;
  results: CheckResult;
  /** When the run began (test.json's startedAt); now when unknown. */
  startedAt?: string;
  suite?: { name: string; dir: string; cell: string };
}

export interface ResultsDbOptions {
  /** Where the one warning line goes. */
  warn: (line: string) => void;
  /** Per statement; a write that takes longer is abandoned (the database is then switched off). */
  statementTimeoutMs?: number;
  connectTimeoutS?: number;
}

/** postgres://user:secret@host/db → postgres://user:***@host/db, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ":***@");
  }
}

/** Throws a UsageError (exit 254) unless `url` is a PostgreSQL URL. */
export function checkDbUrl(url: string): void {
  if (!/^postgres(ql)?:\/\//.test(url)) throw new UsageError(`--db "${redactUrl(url)}" must be a PostgreSQL URL, postgres://user[:password]@host[:port]/database`);
}

export class ResultsDb implements TrendSource {
  readonly sql: postgres.Sql;
  private schema?: Promise<unknown>;
  private readonly pending = new Set<Promise<void>>();
  private down = false;
  private dropped = 0;
  /** Runs written, for the caller's summary and tests. */
  written = 0;

  constructor(
    readonly url: string,
    private readonly options: ResultsDbOptions,
  ) {
    checkDbUrl(url);
    this.sql = postgres(url, {
      max: 2,
      connect_timeout: options.connectTimeoutS ?? 3,
      idle_timeout: 5,
      onnotice: () => {},
      connection: { statement_timeout: options.statementTimeoutMs ?? 15_000, application_name: "faultline" },
    });
  }

  describe(): string {
    return redactUrl(this.url);
  }

  /** Creates or upgrades the schema (idempotent); the ids of the migrations it applied. */
  async migrate(): Promise<number[]> {
    return migrate(this.sql);
  }

  private ensureSchema(): Promise<unknown> {
    this.schema ??= this.migrate();
    return this.schema;
  }

  /** Queues the run for writing and returns at once. Never throws. */
  record(run: RecordedRun): void {
    if (this.down) {
      this.dropped++;
      return;
    }
    const write = (async () => {
      // Yield first: the caller (a suite about to start its next run) goes on before we read the
      // history back.
      await new Promise((resolve) => setImmediate(resolve));
      await this.ensureSchema();
      await this.write(run);
      this.written++;
    })().catch((err: unknown) => this.fail(err));
    this.pending.add(write);
    void write.finally(() => this.pending.delete(write));
  }

  private fail(err: unknown): void {
    if (this.down) return;
    this.down = true;
    const message = ((err as Error).message ?? String(err)).split("\n")[0];
    const code = (err as { code?: string }).code;
    this.options.warn(`faultline: warning: results database ${redactUrl(this.url)} not written (${code && !message.includes(code) ? `${code}: ` : ""}${message}); runs are kept in the store only — \`faultline serve\` and trends miss them until they are recorded`);
  }

  private async write(run: RecordedRun): Promise<void> {
    const { spec, results } = run;
    let history: readonly Op[] | undefined;
    const historyPath = join(run.runDir, RUN_FILES.history);
    if (existsSync(historyPath)) {
      try {
        history = readHistory(historyPath, { format: "jsonl" }).ops;
      } catch {
        history = undefined;
      }
    }
    const m = metricsOf(results, history);
    const stats = (results.stats ?? {}) as { availability?: { ok: number; fail: number; info: number; total: number } };
    const claims = (results.claims as ClaimJudgement[] | undefined) ?? [];
    const runPath = relativeRun(run.store, run.runDir);
    const interrupted = (results.interrupted as RunInterruption | undefined) !== undefined;
    const crashed = (results.crashed as RunCrash | undefined) !== undefined;
    const unknownBecause = Array.isArray(results.unknownBecause) ? (results.unknownBecause as unknown[]).map(String) : [];
    const row = {
      run_path: runPath,
      started_at: run.startedAt ?? startedAtOf(run.runDir) ?? new Date().toISOString(),
      store: run.store,
      test_name: spec.name,
      system: spec.system,
      workload: spec.workload,
      nemesis: describeNemesis(spec),
      runtime: spec.runtime,
      nodes: spec.nodes,
      seed: spec.seed,
      bugs: spec.bugs,
      spec: spec as unknown as postgres.JSONValue,
      valid: String(results.valid),
      unknown_because: unknownBecause,
      interrupted,
      crashed,
      suite: run.suite?.name ?? null,
      suite_dir: run.suite?.dir ?? null,
      suite_cell: run.suite?.cell ?? null,
      client_ops: stats.availability?.total ?? null,
      ok_ops: stats.availability?.ok ?? null,
      fail_ops: stats.availability?.fail ?? null,
      info_ops: stats.availability?.info ?? null,
      availability: m.availability,
      majority_availability: m.majoritySide?.availability ?? null,
      majority_ops: m.majoritySide?.total ?? null,
      minority_availability: m.minoritySide?.availability ?? null,
      minority_ops: m.minoritySide?.total ?? null,
      lost_writes: m.lostWrites?.lost ?? null,
      acknowledged_writes: m.lostWrites?.acknowledged ?? null,
      stale_reads: m.staleReads,
      non_linearizable_keys: m.nonLinearizableKeys,
      anomalies: m.anomalies,
      p99_ms: m.p99Ms,
      failover_s: m.failover?.seconds ?? null,
    };
    await this.sql.begin(async (tx) => {
      const columns = Object.keys(row) as (keyof typeof row)[];
      const [{ id }] = await tx<{ id: string }[]>`
        insert into faultline_runs ${tx(row, columns)}
        on conflict (run_path, started_at) do update set ${tx(row, columns.filter((c) => !KEEP_ON_UPDATE.has(c)))},
          suite = coalesce(excluded.suite, faultline_runs.suite), suite_dir = coalesce(excluded.suite_dir, faultline_runs.suite_dir),
          suite_cell = coalesce(excluded.suite_cell, faultline_runs.suite_cell), recorded_at = now()
        returning id`;
      await tx`delete from faultline_claims where run_id = ${id}`;
      if (claims.length > 0) {
        const rows = claims.map((claim, position) => ({ run_id: id, position, claim: claim.claim, claimed: claim.claimed !== false, verdict: claim.verdict, decided_by: claim.decidedBy ?? "", evidence: claim.evidence ?? "" }));
        await tx`insert into faultline_claims ${tx(rows)}`;
      }
    });
  }

  /** Waits at most `timeoutMs` for queued writes, then closes the connections. Never throws. */
  async close(timeoutMs = 10_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const waited = await Promise.race([
      Promise.allSettled([...this.pending]).then(() => true),
      new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (!waited && !this.down) this.fail(new Error(`writes still pending after ${timeoutMs / 1000} s at exit; abandoned`));
    await this.sql.end({ timeout: 1 }).catch(() => {});
  }

  async keys(): Promise<TrendKey[]> {
    const rows = await this.sql<{ system: string; claim: string; runs: string; last: Date }[]>`
      select r.system, c.claim, count(*) as runs, max(r.started_at) as last
      from faultline_runs r join faultline_claims c on c.run_id = r.id
      group by r.system, c.claim order by r.system, c.claim`;
    return rows.map((row) => ({ system: row.system, claim: row.claim, runs: Number(row.runs), last: new Date(row.last).toISOString() }));
  }

  async trend(system: string, claim: string): Promise<TrendPoint[]> {
    const rows = await this.sql<Record<string, unknown>[]>`
      select r.started_at, r.run_path, r.workload, r.nemesis, r.seed, r.bugs, r.suite, r.valid, c.verdict, c.claimed, c.evidence,
             r.lost_writes, r.acknowledged_writes, r.availability, r.majority_availability, r.minority_availability, r.p99_ms, r.failover_s
      from faultline_runs r join faultline_claims c on c.run_id = r.id
      where r.system = ${system} and c.claim = ${claim}
      order by r.started_at, r.id`;
    const n = (value: unknown) => (value === null || value === undefined ? null : Number(value));
    return rows.map((row) => ({
      startedAt: new Date(row.started_at as string).toISOString(),
      runPath: String(row.run_path),
      workload: String(row.workload),
      nemesis: String(row.nemesis),
      seed: Number(row.seed),
      bugs: (row.bugs as string[]) ?? [],
      suite: (row.suite as string | null) ?? null,
      valid: String(row.valid) as TrendPoint["valid"],
      verdict: String(row.verdict),
      claimed: Boolean(row.claimed),
      evidence: String(row.evidence),
      lostWrites: n(row.lost_writes),
      acknowledgedWrites: n(row.acknowledged_writes),
      availability: n(row.availability),
      majorityAvailability: n(row.majority_availability),
      minorityAvailability: n(row.minority_availability),
      p99Ms: n(row.p99_ms),
      failoverS: n(row.failover_s),
    }));
  }
}

/** test.json's startedAt: with the run's path, it names the run. */
function startedAtOf(runDir: string): string | undefined {
  try {
    const written = JSON.parse(readFileSync(join(runDir, RUN_FILES.spec), "utf8")) as { startedAt?: unknown };
    return typeof written.startedAt === "string" ? written.startedAt : undefined;
  } catch {
    return undefined;
  }
}

/** For one run (`faultline run --db`): open, record, close — within `timeoutMs`, never throwing. */
export async function recordRunOnce(url: string, run: RecordedRun, warn: (line: string) => void, timeoutMs = 10_000): Promise<void> {
  const db = new ResultsDb(url, { warn });
  db.record(run);
  await db.close(timeoutMs);
}

function relativeRun(store: string, runDir: string): string {
  const prefix = store.endsWith("/") ? store : `${store}/`;
  return runDir.startsWith(prefix) ? runDir.slice(prefix.length) : runDir;
}
