// Faultline's linearizability checker against Porcupine (github.com/anishathalye/porcupine
// v1.3.1), on the same files, in the same run.
//
// The histories are Porcupine's kv test's shape (shared/fixtures/kv/c10-*.edn) at 50 clients,
// generated here (test/support/kv-history.ts; the real 50-client pair is held out): one
// linearizable, one where the store forgets a stretch of acknowledged appends, which breaks most
// keys — a few cheaply, one at great expense. Porcupine runs from bench/porcupine/main.go, built
// into a temp dir with Porcupine fetched through the Go module proxy (pinned by go.sum), with its
// kv model (a string per key; get, put, append; partitioned by key).
//
// Each measurement is a fresh process for each side, timed inside the process from before reading
// the file to the verdict: CLI start-up is excluded on both sides, parsing the file is included
// on both. Faultline's side runs what `faultline check --workload register --model kv` runs.
// Runs alternate between the two and the median is reported, with CPU time beside the wall clock:
// on a shared machine the wall clock also counts time spent waiting for a core (the load average
// is reported too). Verdicts are checked: a fast wrong answer fails the bench.
//
// Also measured, to justify when the checker starts worker threads (SPAWN_AFTER_MS in
// checkers/linearizable/parallel.ts): how long a worker takes to be ready, and how long the small
// shared fixtures take on the calling thread alone.

import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { MessageChannel, receiveMessageOnPort, Worker } from "node:worker_threads";
import type { LinearizableResult } from "../checkers/linearizable/check.ts";
import { SPAWN_AFTER_MS, SPAWN_AFTER_STEPS, workerBootstrap } from "../checkers/linearizable/parallel.ts";
import { HUB_SEQUENCE, STOP, WORKER_SEQUENCE, type WorkerData } from "../checkers/linearizable/worker-protocol.ts";
import { readHistory } from "../harness/history/read.ts";
import { kvHistory, kvHistoryEdn } from "../test/support/kv-history.ts";
import { registerWorkload } from "../workloads/register.ts";
import type { BenchRow } from "./bench-row.ts";

const CHILD_FLAG = "--kv-check-child";
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const FIXTURES = join(ROOT, "../shared/fixtures");
const ROUNDS = 5;
/** `faultline check`'s default --time-limit. */
const TIME_LIMIT_MS = 120_000;
/** Porcupine's verbose mode gets this long per file; past it, it reports what it has. */
const VERBOSE_TIMEOUT_S = 60;
/** Porcupine's address space limit: its verbose mode took 22 GB on c50-bad on this (shared)
 *  machine before it was limited; past the limit it dies "out of memory". */
const MAX_MEMORY_BYTES = 4 * 2 ** 30;

/** 50 clients × 40 ops on 10 keys (Porcupine's c50 files are 50 clients on 10 keys too); seed 2
 *  is one whose broken history has both cheap and very expensive keys to refute. */
const C50 = { seed: 2, clients: 50, opsPerClient: 40 };
const ROLLBACK = { at: 0.4, lose: 100 };

interface FaultlineRun {
  valid: unknown;
  ms: number;
  readMs: number;
  cpuMs: number;
  failures: number;
  undecided: number;
  workerThreads: number;
  decidedOnWorkers: number;
}

interface PorcupineRun {
  file: string;
  result: string;
  parseMs: number;
  checkMs: number;
  cpuMs: number;
}

export async function bench(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), "faultline-porcupine-"));
  try {
    const ok = join(dir, "c50-ok.edn");
    const bad = join(dir, "c50-bad.edn");
    writeFileSync(ok, kvHistoryEdn(kvHistory(C50)));
    writeFileSync(bad, kvHistoryEdn(kvHistory({ ...C50, rollback: ROLLBACK })));
    const porcupine = buildPorcupine(dir);
    const rows: BenchRow[] = [];

    // Default mode: the verdict as soon as it is known.
    const runs: { faultline: [FaultlineRun, FaultlineRun]; porcupine: [PorcupineRun, PorcupineRun]; load: number }[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const load = loadavg()[0];
      let faultline: [FaultlineRun, FaultlineRun];
      let porcupineRuns: PorcupineRun[];
      if (round % 2 === 0) {
        faultline = [runFaultline(ok, false, true), runFaultline(bad, false, false)];
        porcupineRuns = runPorcupine(porcupine, [ok, bad], "Ok", "Illegal");
      } else {
        porcupineRuns = runPorcupine(porcupine, [ok, bad], "Ok", "Illegal");
        faultline = [runFaultline(ok, false, true), runFaultline(bad, false, false)];
      }
      runs.push({ faultline, porcupine: porcupineRuns as [PorcupineRun, PorcupineRun], load });
      console.error(`  round ${round + 1}: Faultline ok ${faultline[0].ms.toFixed(0)} ms + bad ${faultline[1].ms.toFixed(0)} ms; Porcupine ok ${(porcupineRuns[0].parseMs + porcupineRuns[0].checkMs).toFixed(0)} ms + bad ${(porcupineRuns[1].parseMs + porcupineRuns[1].checkMs).toFixed(0)} ms; load ${load.toFixed(1)}`);
    }
    const faultlineMs = median(runs.map(({ faultline }) => faultline[0].ms + faultline[1].ms));
    const porcupineMs = median(runs.map(({ porcupine: p }) => p[0].parseMs + p[0].checkMs + p[1].parseMs + p[1].checkMs));
    rows.push(compare("kv c50 ok + bad: Faultline vs Porcupine (goal ≤ 1.00×)", faultlineMs, porcupineMs, "ms", "Porcupine, same files, same run"));
    const faultlineCpu = median(runs.map(({ faultline }) => faultline[0].cpuMs + faultline[1].cpuMs));
    const porcupineCpu = median(runs.map(({ porcupine: p }) => p[0].cpuMs + p[1].cpuMs));
    rows.push(compare("kv c50 ok + bad, CPU time: Faultline vs Porcupine", faultlineCpu, porcupineCpu, "ms", "Porcupine CPU"));
    for (const [i, label] of [[0, "ok"], [1, "bad"]] as const) {
      rows.push(
        compare(
          `kv c50 ${label}: Faultline vs Porcupine`,
          median(runs.map(({ faultline }) => faultline[i].ms)),
          median(runs.map(({ porcupine: p }) => p[i].parseMs + p[i].checkMs)),
          "ms",
          "Porcupine",
        ),
      );
      rows.push({ name: `kv c50 ${label}: Faultline reading the file`, value: median(runs.map(({ faultline }) => faultline[i].readMs)), unit: "ms", baseline: { name: "Porcupine parsing it", value: median(runs.map(({ porcupine: p }) => p[i].parseMs)) } });
    }
    const lastBad = runs[runs.length - 1].faultline[1];
    rows.push({ name: "kv c50 bad: keys left undecided after the evidence budget (last run)", value: lastBad.undecided, unit: "keys" });
    rows.push({ name: "kv c50 ok: partitions decided on worker threads (last run)", value: runs[runs.length - 1].faultline[0].decidedOnWorkers, unit: "of 10" });
    rows.push({ name: "1-min load average during the comparison (2 = both cores busy)", value: median(runs.map(({ load }) => load)), unit: "runnable" });

    // Every failure: Faultline's --all-failures against Porcupine's verbose mode, which computes
    // partial linearizations of every partition for its visualisation.
    const exhaustive = [runFaultline(ok, true, true), runFaultline(bad, true, false)];
    const verbose = [runPorcupineVerbose(porcupine, ok, "Ok"), runPorcupineVerbose(porcupine, bad, "Illegal")];
    const gaveUp = verbose.flatMap((run, i) => (run.gaveUp === undefined ? [] : [`${i === 0 ? "ok" : "bad"}: ${run.gaveUp} after ${(run.ms / 1000).toFixed(0)} s`]));
    rows.push(
      compare(
        `kv c50 ok + bad, every failure: faultline --all-failures vs Porcupine verbose${gaveUp.length > 0 ? ` (Porcupine gave up, ${gaveUp.join("; ")}: the ratio is an upper bound)` : ""} (goal < 1.00×)`,
        exhaustive[0].ms + exhaustive[1].ms,
        verbose[0].ms + verbose[1].ms,
        "ms",
        "Porcupine CheckEventsVerbose",
      ),
    );
    rows.push({ name: "kv c50 bad --all-failures: keys shown not linearizable", value: exhaustive[1].failures, unit: "keys" });
    rows.push({ name: "kv c50 bad --all-failures: keys left undecided (search cache full or time limit)", value: exhaustive[1].undecided, unit: "keys" });

    rows.push(...spawnThresholdRows());
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function compare(name: string, value: number, baseline: number, unit: string, baselineName: string): BenchRow {
  return { name, value, unit, baseline: { name: baselineName, value: baseline }, ratio: value / baseline };
}

/** Builds bench/porcupine into `dir`; the module proxy serves Porcupine on the first build. */
function buildPorcupine(dir: string): string {
  const binary = join(dir, "porcupine-kv");
  const build = spawnSync("go", ["build", "-o", binary, "."], { cwd: join(ROOT, "bench/porcupine"), encoding: "utf8", env: { ...process.env, GOFLAGS: "-mod=readonly" } });
  if (build.error) throw new Error(`cannot run go to build Porcupine (is Go installed?): ${build.error.message}`);
  if (build.status !== 0) throw new Error(`go build of bench/porcupine failed:\n${build.stderr}`);
  return binary;
}

function runPorcupine(binary: string, files: string[], okResult: string, badResult: string): PorcupineRun[] {
  const args = ["-max-memory", String(MAX_MEMORY_BYTES), ...files];
  const run = spawnSync(binary, args, { encoding: "utf8", maxBuffer: 1 << 24 });
  if (run.status !== 0) throw new Error(`porcupine ${args.join(" ")} failed (${run.status}):\n${run.stderr}`);
  const results = run.stdout.trim().split("\n").map((line) => JSON.parse(line) as PorcupineRun);
  const expected = [okResult, badResult];
  results.forEach((result, i) => {
    if (result.result !== expected[i]) throw new Error(`Porcupine said ${result.result} on ${result.file}, expected ${expected[i]}`);
  });
  return results;
}

/** Porcupine's verbose mode on one file, in its own process: it may run out of the memory it is
 *  allowed (MAX_MEMORY_BYTES) or of time, and either way it took at least this long. */
function runPorcupineVerbose(binary: string, file: string, expected: string): { ms: number; gaveUp?: string } {
  const args = ["-verbose", "-timeout", `${VERBOSE_TIMEOUT_S}s`, "-max-memory", String(MAX_MEMORY_BYTES), file];
  const started = performance.now();
  const run = spawnSync(binary, args, { encoding: "utf8", maxBuffer: 1 << 24 });
  const wallMs = performance.now() - started;
  if (run.status !== 0) {
    if (/out of memory/.test(run.stderr)) return { ms: wallMs, gaveUp: `out of memory (${MAX_MEMORY_BYTES / 2 ** 30} GiB allowed)` };
    throw new Error(`porcupine ${args.join(" ")} failed (${run.status}):\n${run.stderr.slice(0, 4000)}`);
  }
  const result = JSON.parse(run.stdout.trim()) as PorcupineRun;
  const ms = result.parseMs + result.checkMs;
  if (result.result === "Unknown") return { ms, gaveUp: `time limit (${VERBOSE_TIMEOUT_S} s)` };
  if (result.result !== expected) throw new Error(`Porcupine verbose said ${result.result} on ${file}, expected ${expected}`);
  return { ms };
}

function runFaultline(file: string, allFailures: boolean, expected: boolean): FaultlineRun {
  const child = spawnSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), CHILD_FLAG, file, allFailures ? "all" : "first"], {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 1 << 24,
  });
  if (child.status !== 0) throw new Error(`faultline kv check of ${file} failed (${child.status}):\n${child.stderr}`);
  const run = JSON.parse(child.stdout.trim().split("\n").pop() ?? "") as FaultlineRun;
  if (run.valid !== expected) throw new Error(`Faultline said valid ${String(run.valid)} on ${file}${allFailures ? " with --all-failures" : ""}, expected ${expected}`);
  return run;
}

/** In the child: what `faultline check FILE --workload register --model kv` does after start-up. */
function checkInChild(file: string, allFailures: boolean): FaultlineRun {
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const history = readHistory(file);
  const read = performance.now();
  const result = registerWorkload.checker({ model: "kv", timeLimitMs: TIME_LIMIT_MS }).check(history.ops, { timeLimitMs: TIME_LIMIT_MS, allFailures }) as LinearizableResult;
  const done = performance.now();
  const cpu = process.cpuUsage(cpuBefore);
  return {
    valid: result.valid,
    ms: done - started,
    readMs: read - started,
    cpuMs: (cpu.user + cpu.system) / 1000,
    failures: result.failures.length,
    undecided: result.undecidedKeys?.length ?? 0,
    workerThreads: result.workerThreads,
    decidedOnWorkers: result.decidedOnWorkers,
  };
}

/** How long a worker takes to be ready (wall clock, and this process's CPU meanwhile, which is
 *  mostly the worker's), against how long small histories take on one thread. */
function spawnThresholdRows(): BenchRow[] {
  const rows: BenchRow[] = [];
  const bootstrap = workerBootstrap();
  if (bootstrap !== undefined) {
    const readyMs: number[] = [];
    const cpuMs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const control = new Int32Array(new SharedArrayBuffer(4 * (WORKER_SEQUENCE + 1)));
      const { port1, port2 } = new MessageChannel();
      const data: WorkerData = { index: 0, model: "kv", control, port: port2, deadlineEpochMs: performance.timeOrigin + performance.now() + 60_000 };
      const cpuBefore = process.cpuUsage();
      const started = performance.now();
      const worker = new Worker(bootstrap, { eval: true, workerData: data, transferList: [port2] });
      worker.on("error", () => {});
      let ready = false;
      while (!ready && performance.now() - started < 30_000) {
        const seen = Atomics.load(control, HUB_SEQUENCE);
        ready = receiveMessageOnPort(port1) !== undefined;
        if (!ready) Atomics.wait(control, HUB_SEQUENCE, seen, 100);
      }
      readyMs.push(performance.now() - started);
      const cpu = process.cpuUsage(cpuBefore);
      cpuMs.push((cpu.user + cpu.system) / 1000);
      Atomics.store(control, STOP, 1);
      Atomics.notify(control, WORKER_SEQUENCE);
      port1.close();
      void worker.terminate();
    }
    rows.push({ name: "worker thread: ready after", value: median(readyMs), unit: "ms", baseline: { name: "SPAWN_AFTER_MS", value: SPAWN_AFTER_MS } });
    rows.push({ name: "worker thread: CPU to start (process-wide)", value: median(cpuMs), unit: "ms", baseline: { name: "SPAWN_AFTER_MS", value: SPAWN_AFTER_MS } });
  }
  for (const [file, expected] of [
    ["kv/c10-ok.edn", true],
    ["kv/c10-bad.edn", false],
    ["jepsen-etcd/etcd_002.log", true],
  ] as const) {
    const ops = readHistory(join(FIXTURES, file)).ops;
    const checker = registerWorkload.checker({ model: file.startsWith("kv") ? "kv" : "cas-register", timeLimitMs: TIME_LIMIT_MS });
    const times: number[] = [];
    let workers = 0;
    for (let i = 0; i < 6; i++) {
      const started = performance.now();
      const result = checker.check(ops) as LinearizableResult;
      if (i > 0) times.push(performance.now() - started);
      if (result.valid !== expected) throw new Error(`${file}: expected ${expected}, got ${String(result.valid)}`);
      workers += result.workerThreads;
    }
    rows.push({ name: `${file}: check time (worker threads started over 6 checks: ${workers})`, value: median(times), unit: "ms", baseline: { name: "SPAWN_AFTER_MS", value: SPAWN_AFTER_MS } });
  }
  rows.push({ name: "search steps before workers may start (SPAWN_AFTER_STEPS)", value: SPAWN_AFTER_STEPS, unit: "steps" });
  return rows;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

if (process.argv[2] === CHILD_FLAG) {
  console.log(JSON.stringify(checkInChild(process.argv[3], process.argv[4] === "all")));
}
